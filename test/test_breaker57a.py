"""breaker57a: the planner node's threads, shutdown and lifecycle, fourth round.

Attacked at 4700e5e7 (base57): ``nodes/nodes_in_process.py`` (``Launch.shutdown``),
``nodes/planner_commanding.py`` (``stop_commanding``, ``prepare_shutdown``),
``nodes/spinning.py``, ``robot/planning_worker.py``.

Defects (strict xfail at 4700e5e7; fixed by fix57a):

1. ``Launch.shutdown`` stops the nodes' commanding one node at a time, inside each planner's
   ``prepare_shutdown``, which then waits up to ``timeout`` (30 s by default) for that
   planner's plan. With two planners in one launch (two arms, an embedding script) the second
   one keeps commanding its arm (set-point stream, plans, gripper goals) while the shutdown
   waits on the first one's plan: a plan stuck in the model (a first plan under torch.compile,
   a hung device) gives the second arm up to 30 s of commands after the shutdown began.
   ``NodeSpinner.shutdown`` (Ctrl-C) stops every node's commanding first. Should: the same
   here: every node's ``stop_commanding`` before any wait.
2. A callback's exception stops every node of a ``NodeSpinner`` (``_spin_one``): each node's
   ``stop_commanding()`` runs, and the executors are stopped at once, never asked
   ``commands_pending()``. ``NodeSpinner.shutdown`` (Ctrl-C, ``Launch.shutdown``) and
   ``run_node``'s clean-up spin on until it is false (``settle``, at most ``SETTLE_S``): a
   GripperCommand goal canceled on its way is canceled when the executor takes its acceptance
   (breaker54h). After a callback's error (a camera node's device error in ``vjepa-ros launch
   --camera``, a simulator's, the planner's own) no executor takes it: the goal the server
   accepts after the stop is never canceled and the hand closes or opens to its end with
   everything else stopped; the later ``Launch.shutdown`` finds every spin thread ended and
   settles nothing. Should: the error's stop settles as the other stops do. (Same kind, read,
   not tested: ``PlannerNode.destroy_node`` from ``context.try_shutdown()`` under a running
   launch, an embedding script's ``rclpy.shutdown()``, prepares the shutdown and destroys the
   node without waiting on ``commands_pending()``, though its executor still spins then.)
3. Two planners alive in one process with different ``model.gil_switch_interval_s`` (two arms,
   one tuned): the process-wide ``sys.setswitchinterval`` is the one the later start set, and
   nothing says so: the first planner said "GIL switch interval 0.1 ms" in its ready line and
   runs at the second's 5 ms (the reach demo measured 45 s a plan at 5 ms against 1.5 s at
   0.1 ms, ``threads.set_gil_switch_interval``). ``FoundThreadSettings`` orders the restores
   at destroy (mend55b), not the settings of planners alive together. Should: every live
   planner runs at the interval it says (``switch_interval_s``, its ready line), e.g. the
   smallest asked, said by the later planner.
4. A node that leaves the ROS graph while the planner looks for its silent camera or state
   topic kills the planner. ``graph_publishers.published_topics`` lists the nodes, then asks
   each one's publishers (``get_publisher_names_and_types_by_node``), unguarded: a node gone
   in between (every ``ros2 topic list`` / ``ros2 service call`` / ``ros2 param set`` is such a
   transient node, typed while the planner waits for its camera) raises rclpy's
   ``NodeNameNonExistentError`` out of the 2 Hz diagnostics timer (``_input_problems``, also
   asked by ``~/enable`` true): under ``ros2 run`` a traceback and the node exits; under
   ``vjepa-ros launch`` (``NodeSpinner``) every node stops. The other graph lookups of that
   file catch exactly this (``_offering``, ``services``, ``subscribed``). Should: a node gone
   meanwhile is skipped, the silence line said, the planner spins on.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import FAST, checkpoint, harness  # noqa: E402, F401
from rclpy.node import Node  # noqa: E402
from test_ros_refused_starts import _wait  # noqa: E402

from vjepa_ros.nodes.node_launch import NodeLaunch  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402


def _planner(checkpoint, arm: str) -> NodeLaunch:  # noqa: F811
    """One planner of arm ``arm`` (its own namespace, camera and state topics)."""
    return NodeLaunch("planner", parameters={**FAST, "model.checkpoint": checkpoint},
                      remappings={"__ns": f"/{arm}", "image": f"/{arm}/cam/image"})


def test_a_launch_shutdown_stops_every_planner_before_it_waits_on_one(checkpoint):  # noqa: F811
    """Two planners in one launch; the shutdown waits on the first one's plan.

    Input: ``Launch([planner /arm1, planner /arm2]).shutdown()``. Recorded: whether the second
    planner had stopped commanding (``closing``, its session closed) when the shutdown began to
    wait on the first planner's plan (``session.wait_idle``: up to ``timeout``, 30 s by default,
    for a plan stuck in the model). Should: yes, as Ctrl-C's ``NodeSpinner.shutdown`` does.
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    launch = None
    try:
        launch = Launch([_planner(checkpoint, "arm1"), _planner(checkpoint, "arm2")],
                        context=context).start()
        first, second = launch.nodes
        assert first.get_namespace() == "/arm1" and second.get_namespace() == "/arm2"
        seen = []
        wait_idle = first.session.wait_idle

        def recorded(timeout=None):
            seen.append((second.closing, second.session.closed))
            return wait_idle(timeout)

        first.session.wait_idle = recorded
        launch.shutdown(timeout=1.0)
        launch = None
        assert seen, "the shutdown never waited on the first planner's plan"
        assert seen[0] == (True, True), \
            f"the second planner still commanded while the first one's plan was waited on: {seen}"
    finally:
        if launch is not None:
            launch.shutdown(timeout=1.0)
        context.try_shutdown()


class Raising(Node):
    """A node whose 10 ms timer raises once ``armed`` (a camera's device error)."""

    def __init__(self, name: str, context):
        super().__init__(name, context=context)
        self.armed = threading.Event()
        self.create_timer(0.01, self._tick)

    def _tick(self):
        if self.armed.is_set():
            raise RuntimeError(f"{self.get_name()}: device gone")


class Commanding(Raising):
    """A node with the planner's stop protocol and a gripper goal on its way when stopped.

    ``stop_commanding()`` cancels the goal; its cancel goes out once this node's executor takes
    the goal's acceptance: ``commands_pending()`` is true until then. The acceptance arrives
    when it is awaited (the first ``commands_pending()`` after the stop triggers the guard
    condition that stands for it), so the executor must spin on after the stop to take it.
    """

    def __init__(self, name: str, context):
        super().__init__(name, context)
        self.stopped = self.arrived = False
        self.taken = threading.Event()  # the acceptance taken: the cancel went out
        self.acceptance = self.create_guard_condition(self.taken.set)

    def stop_commanding(self):
        self.stopped = True

    def commands_pending(self) -> bool:
        if self.stopped and not self.arrived:
            self.arrived = True
            self.acceptance.trigger()
        return self.stopped and not self.taken.is_set()


@pytest.mark.parametrize("whose", ["another node", "the commanding node"])
def test_a_callback_error_settles_the_commands_pending_as_a_shutdown_does(whose):
    """A callback raises while a node's canceled gripper goal awaits its acceptance.

    Input: a ``NodeSpinner`` spinning a commanding node (the planner's protocol:
    ``stop_commanding``, ``commands_pending``) and a node whose timer raises (or the commanding
    node's own). Should: the spin ends with the error, after the commanding node's executor
    took what its stop still needed (``commands_pending()`` false), as ``shutdown`` settles.
    """
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        commanding = Commanding("commanding57a", context)
        other = Raising("raising57a", context)
        raiser = other if whose == "another node" else commanding
        spinner = NodeSpinner(context)
        spinner.add_node(commanding)
        spinner.add_node(other)
        raiser.armed.set()
        with pytest.raises(RuntimeError, match="device gone"):
            spinner.spin()  # (foreground: returns once every thread ended, raising the error)
        assert _wait(lambda: not any(t.is_alive() for t in spinner.threads), 10.0)
        assert commanding.stopped, "stop_commanding did not run"
        assert commanding.taken.is_set(), (
            f"the executors stopped with a command pending (asked: {commanding.arrived}): the "
            "gripper goal's acceptance was never taken, so its cancel never went out")
    finally:
        context.try_shutdown()


def test_two_live_planners_each_run_at_the_switch_interval_they_say(checkpoint):  # noqa: F811
    """Planner /arm1 at the default 0.1 ms, then /arm2 with 5 ms, alive together.

    Should: the interval in force is the one each of them says (``switch_interval_s``).
    """
    original = sys.getswitchinterval()
    context = rclpy.Context()
    rclpy.init(context=context)
    launches = []
    try:
        first = _planner(checkpoint, "arm1")
        second = _planner(checkpoint, "arm2")
        second.parameters["model.gil_switch_interval_s"] = 0.005
        launches.append(Launch([first], context=context))
        launches.append(Launch([second], context=context))
        said = [launch.nodes[0].switch_interval_s for launch in launches]
        in_force = sys.getswitchinterval()
        assert said[0] == pytest.approx(1e-4), said  # the default, as its ready line said
        assert all(value == pytest.approx(in_force) for value in said), (
            f"in force: {in_force * 1e3:g} ms; the planners said "
            f"{[value * 1e3 for value in said]} ms")
    finally:
        for launch in reversed(launches):
            launch.shutdown(timeout=1.0)
        context.try_shutdown()
        sys.setswitchinterval(original)


def test_a_node_leaving_the_graph_while_the_planner_looks_for_its_camera_kills_nothing(
        harness):  # noqa: F811
    """The camera silent (nothing published); a transient node leaves as the graph is read.

    Input: the planner's diagnostics look for topics that might carry the silent camera: they
    list the nodes, and one of them (``ros2cli_57a``, as ``ros2 topic list`` makes) leaves
    before its publishers are asked (forced: ``published_topics``' listing waits until the
    node has left the planner's graph). Should: the planner's executor goes on (no error, a
    later look at the graph) and the silent-camera problem is still said.
    """
    h = harness()
    planner = h.planner
    assert _wait(lambda: planner.image_watch.silence(time.monotonic()), 30.0), \
        "the camera never counted as silent"
    transient = rclpy.create_node("ros2cli_57a", context=h.context)
    key = ("ros2cli_57a", "/")
    listing = planner.get_node_names_and_namespaces
    assert _wait(lambda: key in listing(), 30.0), "the transient node never appeared"
    raced, later = threading.Event(), threading.Event()

    def listed_then_left():
        names = listing()
        if sys._getframe(1).f_code.co_name != "published_topics":
            return names  # (the other graph lookups, which skip a node gone meanwhile)
        if raced.is_set():
            later.set()  # a later look: the executor went on
            return names
        if key in names:
            transient.destroy_node()
            assert _wait(lambda: key not in listing(), 30.0)
            raced.set()
        return names

    planner.get_node_names_and_namespaces = listed_then_left
    assert _wait(lambda: raced.is_set() and (later.is_set()
                                             or h.launch.executor.error is not None), 60.0)
    assert h.launch.executor.error is None, \
        f"the planner's executor died: {type(h.launch.executor.error).__name__}: " \
        f"{h.launch.executor.error}"
    problems = planner._input_problems()
    assert any("camera" in str(p) for p in problems), problems
