"""fix60x: a benchmark that starts its own planner refuses a ROS domain another arm runs on.

``bench_node_inputs.py``, ``bench_planner_soak.py``, ``bench_planner_safety.py``,
``bench_planner_node.py`` and ``bench_ros_loop.py`` start a planner (and simulator) of their own
and call ``/vjepa_planner/enable`` and ``~/capture_goal``, publish joint states and a camera and
listen to ``target_pose`` by name, on the ``ROS_DOMAIN_ID`` the user exported. Beside a running
launch they enabled, fed and commanded that arm. Each now refuses such a domain before any node
of its own starts (``nodes.busy_domain_scripts.script_refuses_before``) and, should discovery
have missed the other planner then (a loaded machine), before its first call
(``script_refuses_after``: its own nodes known by the run's enclave, so the other planner is
never taken for its own; fix61busy): one line, exit status 1, none of the stand-in's services
called.
"""

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WAIT_S = 60.0  # [s] discovery of the stand-in
RUN_S = 300.0  # [s] a benchmark's start-up (torch's import) on 2 busy cores
PLANNER_SERVICES = ("capture_goal", "add_subgoal", "clear_goals")  # Trigger; enable: SetBool


@contextlib.contextmanager
def stand_in(make):
    """Yield (calls: service name -> calls, the stand-in's context's probe node).

    ``make(node)`` gives the stand-in node what it runs beside the planner's services.
    """
    from std_srvs.srv import SetBool, Trigger

    context = rclpy.Context()
    rclpy.init(context=context)
    spinner = NodeSpinner(context)
    calls = dict.fromkeys(("enable", *PLANNER_SERVICES), 0)

    def counted(name):
        def answer(request, response):
            calls[name] += 1
            response.success = True
            return response
        return answer

    planner = rclpy.create_node("vjepa_planner", context=context)  # a launch's planner
    planner.create_service(SetBool, "~/enable", counted("enable"))
    for name in PLANNER_SERVICES:
        planner.create_service(Trigger, f"~/{name}", counted(name))
    make(planner)
    probe = rclpy.create_node("busy_domain_probe", context=context)
    for node in (planner, probe):
        spinner.add_node(node)
    spinner.start()
    try:
        yield calls, probe
    finally:
        spinner.shutdown(timeout_sec=5.0)
        for node in (planner, probe):
            node.destroy_node()
        context.try_shutdown()


def planners(probe) -> int:
    """How many nodes named /vjepa_planner the graph lists."""
    return sum(1 for name, namespace in probe.get_node_names_and_namespaces()
               if name == "vjepa_planner" and namespace == "/")


def run_beside(probe, argv: list[str], tmp_path) -> tuple[int, str, int]:
    """Run ``python benchmarks/ARGV...``; return (status, stderr, most /vjepa_planner seen)."""
    process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(tmp_path),
                                    "PYTHONPATH": str(ROOT)})  # this checkout's package
    most, deadline = 0, time.monotonic() + RUN_S
    try:
        while process.poll() is None and time.monotonic() < deadline:
            most = max(most, planners(probe))
            time.sleep(0.1)
        assert process.poll() is not None, f"{argv[0]} still runs after {RUN_S:g} s"
        return process.returncode, process.communicate()[1], most
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait()


def discovered(probe, want) -> None:
    """Wait until ``want()`` (the stand-in seen on the graph), at most WAIT_S."""
    end = time.monotonic() + WAIT_S
    while not want() and time.monotonic() < end:
        time.sleep(0.05)
    assert want(), "the stand-in was not discovered"


@pytest.mark.parametrize("argv", [
    ["benchmarks/bench_planner_soak.py", "--seconds", "10"],
    ["benchmarks/bench_planner_safety.py", "--scenario", "inside", "--seconds", "5"],
    ["benchmarks/bench_node_inputs.py", "--seconds", "5", "--shadow-seconds", "1"],
    ["benchmarks/bench_planner_node.py", "--seconds", "2"],
    ["benchmarks/bench_ros_loop.py", "--spin", "launch", "--goals", "1"],
], ids=lambda argv: Path(argv[0]).stem)
def test_a_benchmark_never_enables_a_running_planner(argv, tmp_path):
    """A benchmark beside a running planner exits 1 in one line and calls none of its services.

    What the user does: `vjepa-ros launch` runs (its /vjepa_planner) and, in a shell with the
    same ROS_DOMAIN_ID exported, they run a benchmark. What happened: the benchmark started its
    own planner beside it and called ~/capture_goal and ~/enable by name: the running planner
    captured a goal and was enabled on the user's arm. What should happen: one line naming the
    running planner and ROS_DOMAIN_ID=<n>, exit 1, no service of it called; no planner started
    when the first check saw it (under load the second one, before any call, refuses instead:
    fix60x's guards failed there when the second check took the stand-in for the benchmark's
    own planner).
    """
    with stand_in(lambda planner: None) as (calls, probe):
        discovered(probe, lambda: planners(probe) == 1)
        status, err, most = run_beside(probe, argv, tmp_path)
        script = Path(argv[0]).name
        domain = os.environ["ROS_DOMAIN_ID"]
        assert calls == dict.fromkeys(calls, 0), (calls, err)
        assert status == 1, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        first = re.match(f"{re.escape(script)}: ROS_DOMAIN_ID={domain} (already runs|came beside "
                         r"the nodes it started): (.*?); ", lines[0])
        assert first, err
        # its kind, by its services, when they were discovered with its name
        assert {"/vjepa_planner (a planner)", "/vjepa_planner"} & set(first[2].split(", ")), err
        if first[1] == "already runs":
            assert most == 1, f"{script} started a planner beside the running one: {err}"
        assert f"(ROS_DOMAIN_ID=<n> python {argv[0]} ...," in lines[0], err


def test_an_arm_controller_on_the_command_topic_is_refused(tmp_path):
    """A lab's arm controller on the benchmark's topics is refused too, each topic named.

    Beside its planner, a controller subscribed to /target_pose that publishes /joint_states:
    bench_node_inputs.py would publish its fake joint states beside the arm's and stream its own
    planner's set-points to that controller.
    """
    from geometry_msgs.msg import PoseStamped
    from sensor_msgs.msg import JointState

    with stand_in(lambda planner: None) as (calls, probe):
        controller = rclpy.create_node("arm_controller", context=probe.context)
        controller.create_subscription(PoseStamped, "/target_pose", lambda msg: None, 10)
        controller.create_publisher(JointState, "/joint_states", 10)
        try:
            discovered(probe, lambda: probe.count_subscribers("/target_pose") == 1)
            status, err, _ = run_beside(
                probe, ["benchmarks/bench_node_inputs.py", "--seconds", "5"], tmp_path)
        finally:
            controller.destroy_node()
        assert status == 1 and calls["enable"] == 0, err
        # named, or "a node of another process (name not discovered yet)" when the topic's
        # endpoints were discovered before the node's name (busy_domain's words)
        assert re.search(r"(/arm_controller|not discovered yet\)) publishing /joint_states",
                         err), err
        assert re.search(r"(/arm_controller|not discovered yet\)) subscribed to /target_pose",
                         err), err


@contextlib.contextmanager
def script_planner():
    """Yield a /vjepa_planner of this process's script run (its context in ``script_enclave``)."""
    from vjepa_ros.run_enclave import script_ros_args

    environ = dict(os.environ)
    context = rclpy.Context()
    rclpy.init(context=context, args=script_ros_args())
    node = rclpy.create_node("vjepa_planner", context=context)
    try:
        yield node
    finally:
        node.destroy_node()
        context.try_shutdown()
        os.environ.clear()  # script_ros_args sets the run's keys: no later benchmark inherits them
        os.environ.update(environ)


def test_the_check_before_the_first_call_knows_the_scripts_own_planner():
    """fix61busy: the race that failed fix60x's guards under load, on the real graph.

    The first check missed the running planner (discovery slower than its 3 s on a loaded
    machine); the second, before the first call, counted one /vjepa_planner as the script's own
    and took the running one, discovered before the script's, for it: ``enable`` reached it.
    Here the running planner is on the graph and the script's own not yet: refused; once the
    script's own runs too: still refused; the script's own alone: passes.
    """
    from vjepa_ros.nodes.busy_domain_scripts import script_refuses_after

    with stand_in(lambda planner: None) as (calls, probe):
        discovered(probe, lambda: planners(probe) == 1)
        for own_runs in (False, True):
            with contextlib.ExitStack() as stack:
                if own_runs:
                    stack.enter_context(script_planner())
                    discovered(probe, lambda: planners(probe) == 2)
                with pytest.raises(SystemExit) as refused:
                    script_refuses_after(probe, ("/vjepa_planner",), (), ())
                assert "came beside the nodes it started: /vjepa_planner (a planner); " \
                    in str(refused.value), (own_runs, refused.value)
        assert calls == dict.fromkeys(calls, 0)
    context = rclpy.Context()
    rclpy.init(context=context)
    probe = rclpy.create_node("busy_domain_probe", context=context)
    try:
        with script_planner():
            discovered(probe, lambda: planners(probe) == 1)
            script_refuses_after(probe, ("/vjepa_planner",), (), ())  # its own: no refusal
    finally:
        probe.destroy_node()
        context.try_shutdown()
