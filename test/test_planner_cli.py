"""``vjepa-ros planner VERB`` against a real planner node and the simulator, over ROS (feat59call).

The pip route has no ``ros2`` command (user59u): each verb must do what its ``ros2`` line does.
The planner node (a tiny random world model) and the simulator run in this process on the
test's ROS domain, wired as ``vjepa-ros launch --node sim --use-sim-time`` wires them; the
command runs as the console script does, in a process of its own, so its exit status, its
lines and the node it leaves (none) are the user's.
"""

import os
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")
from sim_planner_rig import sim_and_planner  # noqa: E402
from test_ros_sim_closed_loop import SIM_PARAMETERS  # noqa: E402

from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402

ROS_LINE = "ROS domain "


@pytest.fixture(scope="module")
def ros(tiny_world_model):
    """Run the planner (tiny random model, a small search) and the simulator; yield it, a probe."""
    parameters = {"model.checkpoint": str(tiny_world_model), "model.device": "cpu",
                  "planner.horizon": 1, "planner.samples": 16, "planner.topk": 4,
                  "planner.iterations": 1}
    with sim_and_planner(parameters, SIM_PARAMETERS, lambda sim_node: PlannerNode,
                         "planner_cli_probe") as (_, planner_node, probe):
        yield planner_node, probe


def planner_cli(*argv: str, cwd=REPO_ROOT) -> subprocess.CompletedProcess:
    """Run ``vjepa-ros planner ARGV`` in a process of its own, on the test's domain."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "vjepa_ros.cli", "planner", *argv],
                          capture_output=True, text=True, env=env, timeout=180, cwd=cwd)


def lines(done: subprocess.CompletedProcess) -> list[str]:
    """Return the command's stderr lines after its ROS domain line, said first."""
    said = done.stderr.splitlines()
    assert said and said[0].startswith("vjepa-ros planner") and f": {ROS_LINE}" in said[0], said
    return said[1:]


def test_enable_and_disable_answer_with_the_node_s_message_and_switch_it(ros):
    planner, _ = ros
    done = planner_cli("enable")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("enabled: commanding the arm"), done.stdout
    assert planner.session.status()["values"]["enabled"] == "True"
    assert f"planner enable: {ROS_LINE}{os.environ['ROS_DOMAIN_ID']}, discovery LOCALHOST" \
        in done.stderr.splitlines()[0], done.stderr  # the network rule, said first
    done = planner_cli("disable")
    assert done.returncode == 0 and done.stdout.startswith("disabled: shadow mode"), done
    assert planner.session.status()["values"]["enabled"] == "False"


def test_goal_pose_goes_through_the_simulator_to_the_planner_s_goal(ros):
    planner, _ = ros
    assert planner_cli("clear-goals").returncode == 0
    assert planner.session.status()["values"]["goal"] == "none"
    done = planner_cli("goal-pose", "0.45", "0.0", "0.35")
    assert done.returncode == 0, done.stderr
    assert "sim_node: goal image published for TCP at [+0.4" in done.stdout, done.stdout
    assert "vjepa_planner: new goal: goal 1/1 (~/goal_image)" in done.stdout, done.stdout
    assert planner.session.status()["values"]["goal"].startswith("goal 1/1 (~/goal_image)")


def test_a_goal_pose_the_simulator_refuses_is_its_warning_and_status_1(ros):
    done = planner_cli("goal-pose", "0.45", "0.0", "0.35", "--frame", "world")
    assert done.returncode == 1, done
    assert lines(done) == ["vjepa-ros planner goal-pose: sim_node: goal target pose is in frame "
                           "'world', expected 'panda_link0' (the goal pose on /goal_pose: "
                           "nothing sent to the planner)"], done.stderr


def test_capture_goal_takes_the_newest_frame(ros):
    planner, _ = ros
    done = planner_cli("capture-goal")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("new goal: goal 1/1 (captured frame)"), done.stdout
    assert "(captured frame)" in planner.session.status()["values"]["goal"]


def test_a_parameter_set_is_seen_by_the_node_and_a_refused_one_exits_1_with_its_reason(
        ros, franka_example, tmp_path):
    import cv2

    planner, _ = ros
    goal = tmp_path / "goal.png"
    cv2.imwrite(str(goal), franka_example["frames"][1][:, :, ::-1])
    done = planner_cli("param", "set", "goal_image_path", str(goal))
    assert done.returncode == 0, done.stderr
    assert planner.get_parameter("goal_image_path").value == str(goal)
    done = planner_cli("param", "get", "goal_image_path", "planner.samples")
    assert done.stdout.splitlines() == [f'goal_image_path: "{goal}"', "planner.samples: 16"]
    done = planner_cli("param", "set", "planner.samples", "0")
    assert done.returncode == 1, done
    assert lines(done) == ["vjepa-ros planner param set: /vjepa_planner refused: "
                           "planner.samples must lie in [1, 100000], got 0"], done.stderr
    assert planner.get_parameter("planner.samples").value == 16


def test_goal_image_replaces_a_goal_of_the_other_file_parameter(ros, franka_example, tmp_path):
    import cv2

    planner, _ = ros
    goal = tmp_path / "goal.png"
    cv2.imwrite(str(goal), franka_example["frames"][1][:, :, ::-1])
    done = planner_cli("goal-image", "goal.png", str(goal), "--steps", "2", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(planner.get_parameter("goal_steps").value) == [2, 3]
    # a relative path is the caller's, made absolute (the node's working directory is not)
    assert list(planner.get_parameter("goal_image_paths").value) == [str(goal)] * 2
    done = planner_cli("goal-image", str(goal))  # goal_image_paths held two files
    assert done.returncode == 0, done.stderr
    assert planner.get_parameter("goal_image_path").value == str(goal)
    assert list(planner.get_parameter("goal_image_paths").value) == []
    done = planner_cli("goal-image", str(tmp_path / "missing.png"))
    assert done.returncode == 1, done
    assert done.stderr == (f"vjepa-ros planner goal-image: goal image {tmp_path}/missing.png is "
                           "not there: give the path of a PNG or JPEG goal image\n")  # no ROS
    (tmp_path / "text.png").write_text("not an image")
    done = planner_cli("goal-image", str(tmp_path / "text.png"))
    assert done.returncode == 1, done
    assert "/vjepa_planner refused: goal_image_path: cannot read" in done.stderr, done.stderr
    assert planner.get_parameter("goal_image_path").value == str(goal)  # the old goal stays


@pytest.mark.parametrize("argv, said", [
    (("param", "set", "planner.samples", "abc"),
     "parameter planner.samples is an integer: 'abc' is not one; give a whole number"),
    (("param", "get", "planner.sampels"),
     "/vjepa_planner has no parameter 'planner.sampels' (closest: planner.samples"),
])
def test_a_value_or_name_the_node_cannot_take_is_a_usage_error(ros, argv, said):
    done = planner_cli(*argv)
    assert done.returncode == 2, done
    assert len(lines(done)) == 1 and said in done.stderr, done.stderr


def test_status_prints_the_planner_s_diagnostics(ros):
    done = planner_cli("status")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0].split(":")[0] in ("OK", "WARN", "ERROR"), out
    assert "  mode: blocking" in out and any(line.startswith("  goal: ") for line in out), out


def test_no_planner_under_that_name_is_one_line_naming_the_domain_and_the_planners_there(ros):
    done = planner_cli("enable", "--node", "/arm9/vjepa_planner", "--timeout", "2")
    assert done.returncode == 1, done
    (line,) = lines(done)
    domain = os.environ["ROS_DOMAIN_ID"]
    assert line.startswith(f"vjepa-ros planner enable: no planner /arm9/vjepa_planner on ROS "
                           f"domain {domain} (discovery LOCALHOST)"), line
    assert "planners on this domain: /vjepa_planner (give --node /vjepa_planner)" in line, line
    assert "vjepa-ros launch: ROS domain N" in line, line


def test_the_command_leaves_no_node_behind(ros):
    _, probe = ros
    assert planner_cli("status").returncode == 0

    def clients():
        return [name for name, _ in probe.get_node_names_and_namespaces()
                if name.startswith("vjepa_ros_cli_")]

    deadline = time.monotonic() + 20.0  # DDS drops a closed participant within ~1 s
    while clients() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert clients() == []


def test_follow_ends_on_ctrl_c_with_one_line_and_status_130(ros):
    import signal

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "vjepa_ros.cli", "planner", "status",
                             "--follow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=REPO_ROOT)
    try:
        first = proc.stdout.readline()  # LEVEL: message, once the status came
        assert first.split(":")[0] in ("OK", "WARN", "ERROR"), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == ("vjepa-ros planner status: interrupted; the client node is "
                                    "gone (the planner runs on)"), err


def test_a_refused_trigger_exits_1_with_the_node_s_message(ros):
    planner, _ = ros
    assert planner_cli("clear-goals").returncode == 0  # nothing to drive the arm toward
    assert planner_cli("enable").returncode == 0
    try:
        done = planner_cli("add-subgoal")  # refused while commanding is enabled
    finally:
        assert planner_cli("disable").returncode == 0
    assert done.returncode == 1 and done.stdout == "", done
    (line,) = lines(done)
    assert line.startswith("vjepa-ros planner add-subgoal: /vjepa_planner refused: "), line
    assert "enabled" in line, line
    assert planner.session.status()["values"]["goal"] == "none"


def test_a_goal_pose_nobody_renders_is_one_line_and_nothing_is_sent(ros):
    # a generous timeout: a cold process on a loaded machine may take seconds to see the
    # planner's enable (it then waits this long for a subscriber that never comes)
    done = planner_cli("goal-pose", "0.45", "0.0", "0.35", "--topic", "/nowhere/goal_pose",
                       "--timeout", "10")
    assert done.returncode == 1, done
    (line,) = lines(done)
    assert line.startswith(f"vjepa-ros planner goal-pose: no node subscribes to "
                           f"/nowhere/goal_pose on ROS domain {os.environ['ROS_DOMAIN_ID']} "
                           "after 10 s: the simulator renders a goal pose's image"), line


def test_follow_says_once_when_the_planner_s_status_stops_and_when_it_returns(ros):
    """A planner whose /diagnostics stop (a stopped node, a stalled process) is said, not mute."""
    import signal

    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
    from std_srvs.srv import SetBool, Trigger

    _, probe = ros
    fake = rclpy.create_node("vjepa_planner", namespace="/fake", context=probe.context)
    fake.create_service(SetBool, "~/enable", lambda request, response: response)
    fake.create_service(Trigger, "~/capture_goal", lambda request, response: response)
    pub = fake.create_publisher(DiagnosticArray, "/diagnostics", 10)
    talking = [True]

    def tick():
        if talking[0]:
            pub.publish(DiagnosticArray(status=[DiagnosticStatus(
                name="/fake/vjepa_planner: mpc", message="shadow mode (not enabled)")]))

    fake.create_timer(0.5, tick)
    spinner = NodeSpinner(probe.context)
    spinner.add_node(fake)
    spinner.start()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "vjepa_ros.cli", "planner", "status",
                             "--follow", "--node", "/fake/vjepa_planner"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
    try:
        assert proc.stdout.readline() == "OK: shadow mode (not enabled)\n"
        # a report before the command subscribed is not shown: said (user61, fix61u)
        first = proc.stdout.readline()
        assert first.startswith("plan report: none heard since this command started"), first
        assert "one before that is not shown" in first, first
        talking[0] = False
        assert proc.stdout.readline() == (
            "no status from /fake/vjepa_planner for 5 s (it publishes twice a second): stopped, "
            "or its process stalled? still listening\n")
        talking[0] = True
        back = proc.stdout.readline()
        assert back.startswith("/fake/vjepa_planner publishes its status again after "), back
        assert back.endswith(" s without one\n"), back
        # the first status after a gap is said, its length up to the gap only (mend62f)
        again = proc.stdout.readline()
        assert again.startswith("OK: shadow mode (not enabled) (state None"), again
        assert "; the OK before the gap lasted at least " in again, again
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        spinner.shutdown(timeout_sec=10.0)
        fake.destroy_node()
    assert proc.returncode == 130


def test_a_goal_pose_replacing_a_sub_goal_list_is_taken_with_the_planner_s_warning(
        ros, franka_example, tmp_path):
    """The planner warns as it replaces the list; the goal is taken all the same: status 0."""
    import cv2

    planner, _ = ros
    goal = tmp_path / "goal.png"
    cv2.imwrite(str(goal), franka_example["frames"][1][:, :, ::-1])
    assert planner_cli("goal-image", str(goal), str(goal)).returncode == 0
    done = planner_cli("goal-pose", "0.42", "-0.05", "0.38")
    assert done.returncode == 0, done
    assert "vjepa_planner: replaced the list of 2 sub-goals with this one goal" in done.stdout, \
        done.stdout
    assert planner.session.status()["values"]["goal"].startswith("goal 1/1 (~/goal_image)")


def test_an_offered_service_not_matched_in_time_is_said_to_be_slow_not_absent():
    """A cold process on a loaded machine that misses ~/enable in --timeout (fix59u).

    The service is in the graph: the line says it did not answer in time and to give a longer
    --timeout, never "runs but offers no enable" nor "no planner".
    """
    from std_srvs.srv import SetBool

    from vjepa_ros.nodes.planner_client import PlannerClient

    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node("slow_planner", context=context)
    node.create_service(SetBool, "~/enable", lambda request, response: response)
    try:
        with PlannerClient("/slow_planner", 0.5) as client:
            name = "/slow_planner/enable"
            assert client.spin_until(lambda: client.offered(name), 60.0), "never discovered"
            said = client.missing(name)
    finally:
        node.destroy_node()
        context.try_shutdown()
    assert said == (f"{name} is offered but did not answer in 0.5 s (the ROS graph filled "
                    "slowly: a loaded machine?); run this again with a longer --timeout"), said
