"""A node's own clean-up failing, a launch that raises, what a planner leaves set (fix54h).

The family of breaker54h's defects (test_breaker54h.py has its camera, its Ctrl-C in
``Launch.__init__`` and its switch interval): every node whose ``destroy_node`` ends something
of its own (simulator, bag player, camera, planner) reaches rclpy's destroy when that raises;
``Launch.shutdown`` goes on past a node that raises; a refusal is never replaced by an error of
the clean-up after it; torch's thread count is restored like the switch interval, after a
refused start too; a gripper goal accepted after Ctrl-C is still canceled.
"""

from __future__ import annotations

import sys
import threading
import types

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import torch  # noqa: E402
from hand_rigs import Future  # noqa: E402 - rclpy's: callbacks on the setter
from planner_harness import FAST, checkpoint  # noqa: E402, F401
from rclpy.node import Node  # noqa: E402
from test_gripper_goals import Goal  # noqa: E402 - control_msgs' GripperCommand.Goal fields
from test_ros_refused_starts import _names, _wait  # noqa: E402

from vjepa_ros.nodes.bag_player import BagPlayer  # noqa: E402
from vjepa_ros.nodes.camera_node import CameraNode  # noqa: E402
from vjepa_ros.nodes.node_cleanup import destroy_after  # noqa: E402
from vjepa_ros.nodes.node_launch import mpc_nodes  # noqa: E402
from vjepa_ros.nodes.nodes_in_process import Launch  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.sim_node import SimNode  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner, settle  # noqa: E402
from vjepa_ros.robot.gripper_goals import GripperGoals  # noqa: E402


class Logger:
    def __init__(self):
        self.lines = []

    def warning(self, line):
        self.lines.append(line)


def _raising(message):
    def fail(*args, **kwargs):
        raise RuntimeError(message)
    return fail


def _half_made(cls, **attributes):
    """Return an instance of node class ``cls`` whose own clean-up meets ``attributes``."""
    node = cls.__new__(cls)
    node.__dict__.update(attributes)
    node.logger = Logger()
    node.get_logger = lambda: node.logger
    return node


def _closing_fails():
    return types.SimpleNamespace(close=_raising("device gone"))


# each node of this package that ends something of its own, with that end raising
OWN_ENDS = {
    "camera (its stop)": lambda: _half_made(
        CameraNode, running=True, thread=None,
        camera=types.SimpleNamespace(stop=_raising("failed to set power state"))),
    "simulator (its runner's close)": lambda: _half_made(
        SimNode, runner=_closing_fails(), lock=threading.Lock()),
    "bag player (its copies' removal)": lambda: _half_made(
        BagPlayer, thread=None, copies=_closing_fails()),
    "planner (its session's close)": lambda: _half_made(
        PlannerNode, session=_closing_fails()),
}


@pytest.mark.parametrize("make", OWN_ENDS.values(), ids=OWN_ENDS.keys())
def test_every_nodes_own_end_failing_still_reaches_rclpys_destroy(make, monkeypatch):
    destroyed = []
    monkeypatch.setattr(Node, "destroy_node", lambda self: destroyed.append(self))
    node = make()
    node.destroy_node()  # said, not raised
    assert destroyed == [node]
    assert len(node.logger.lines) == 1, node.logger.lines
    assert "failed" in node.logger.lines[0] and "destroyed anyway" in node.logger.lines[0]


def test_a_stop_inside_a_nodes_own_end_is_raised_after_rclpys_destroy():
    order = []

    def stopped():
        order.append("own end")
        raise KeyboardInterrupt

    node = types.SimpleNamespace(get_logger=Logger)
    with pytest.raises(KeyboardInterrupt):
        destroy_after(node, stopped, lambda: order.append("rclpy's destroy"), "stopping")
    assert order == ["own end", "rclpy's destroy"]


def test_launch_shutdown_goes_on_past_a_node_that_raises(checkpoint, context):  # noqa: F811
    """The planner's prepare_shutdown raises: every node still leaves the graph."""
    launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                    context=context)
    other = rclpy.create_node("cleanup_other", context=launch.context)
    launch.nodes.append(other)  # a second node after the one that raises
    launch.node("vjepa_planner").prepare_shutdown = _raising("a stuck device")
    assert _wait(lambda: {"vjepa_planner", "cleanup_other"} <= _names(context))
    with pytest.raises(RuntimeError, match="a stuck device"):
        launch.shutdown()
    assert launch.nodes == []
    assert _wait(lambda: not {"vjepa_planner", "cleanup_other"} & _names(context)), \
        _names(context)


def test_a_refusal_is_not_replaced_by_an_error_of_its_clean_up(
        checkpoint, context, monkeypatch):  # noqa: F811
    """Ctrl-C while the nodes are added, and the executors' shutdown raises after it."""
    shutdown = NodeSpinner.shutdown

    add_node = NodeSpinner.add_node

    def interrupted(self, node, threads=1):
        if node.get_name() != "vjepa_planner":  # the planner's helper node: its own spinner
            return add_node(self, node, threads)
        self.interrupted = True
        raise KeyboardInterrupt

    def failing(self, timeout_sec=None):
        if getattr(self, "interrupted", False):
            raise RuntimeError("a cleanup error")
        return shutdown(self, timeout_sec)

    monkeypatch.setattr(NodeSpinner, "add_node", interrupted)
    monkeypatch.setattr(NodeSpinner, "shutdown", failing)
    with pytest.raises(KeyboardInterrupt):
        Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
               context=context)
    assert _wait(lambda: "vjepa_planner" not in _names(context)), _names(context)


def test_torch_threads_and_the_switch_interval_are_restored_after_a_planner(
        checkpoint, context, monkeypatch):  # noqa: F811
    """Run to its end, or refused after it set them (its model failing to load)."""
    threads, interval = torch.get_num_threads(), sys.getswitchinterval()
    ours = {**FAST, "model.threads": threads + 1, "model.gil_switch_interval_s": 0.0002}
    try:
        launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=ours),
                        context=context)
        planner = launch.node("vjepa_planner")
        assert planner.torch_threads == torch.get_num_threads() == threads + 1
        assert planner.switch_interval_s == sys.getswitchinterval() == pytest.approx(0.0002)
        launch.shutdown()
        assert (torch.get_num_threads(), sys.getswitchinterval()) == (threads, interval)

        monkeypatch.setattr(PlannerNode, "_load_model", _raising("model file unreadable"))
        with pytest.raises(RuntimeError, match="model file unreadable"):
            Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=ours),
                   context=context)
        assert (torch.get_num_threads(), sys.getswitchinterval()) == (threads, interval)
    finally:
        torch.set_num_threads(threads)
        sys.setswitchinterval(interval)


class LateServer:
    """A GripperCommand server whose acceptance reaches the planner on its executor, late.

    ``send_goal_async`` returns a future; :meth:`accept_later` answers it ``delay`` s on, from
    a guard condition of the planner's node (as rclpy's ActionClient answers on the executor
    spinning its node). ``canceled``: the goals whose cancel reached the server.
    """

    def __init__(self, node):
        self.futures, self.canceled = [], []
        self.guard = node.create_guard_condition(self._answer)

    def server_is_ready(self):
        return True

    def send_goal_async(self, goal):
        self.futures.append(Future())
        return self.futures[-1]

    def accept_later(self, delay: float = 0.1) -> None:
        threading.Timer(delay, self.guard.trigger).start()

    def _answer(self):
        for number, future in enumerate(self.futures):
            if not future.done:
                future.finish(types.SimpleNamespace(
                    accepted=True, get_result_async=Future,
                    cancel_goal_async=lambda number=number: self.canceled.append(number)))


def test_a_gripper_goal_accepted_after_ctrl_c_is_canceled(checkpoint, context):  # noqa: F811
    """A close goal on its way at Ctrl-C; the server accepts it once the shutdown began.

    Should: its cancel reaches the server (franka_gripper stops the hand), although the
    executors stop after Ctrl-C: they take the acceptance first (``commands_pending``).
    """
    launch = Launch(mpc_nodes(checkpoint, camera_topic="cam/image", planner_parameters=FAST),
                    context=context)
    try:
        planner = launch.node("vjepa_planner")
        server = LateServer(planner)
        planner.gripper_action = GripperGoals(server, Goal, "/fr3_gripper/gripper_action", 0.08,
                                              20.0, lambda line: None, lambda line: None)
        assert planner.gripper_action.send(1.0)
        stop = planner.stop_commanding

        def stop_commanding():  # the server's acceptance comes just after the (first) stop
            stop()
            if not server.futures[0].done and not getattr(server, "accepting", False):
                server.accepting = True
                server.accept_later()

        planner.stop_commanding = stop_commanding

        def ctrl_c():
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            launch.executor.spin(until=ctrl_c)
        assert server.canceled == [0]
        assert not planner.commands_pending()
    finally:
        launch.shutdown()


def test_settle_spins_until_nothing_is_pending_or_its_bound():
    """run_node's way (spin_once per look); a pending that never ends stops at the bound."""
    looks = []
    node = types.SimpleNamespace(commands_pending=lambda: len(looks) < 3)
    assert settle([node, object()], lambda: looks.append(1))
    assert len(looks) == 3
    stuck = types.SimpleNamespace(commands_pending=lambda: True)
    assert not settle([stuck], lambda: None, bound_s=0.05)
    assert not settle([stuck], _raising("context shut down"))


def test_a_settle_that_gives_up_tells_each_node_still_pending_with_its_note():
    """The give-up is said by the node (once: its destroy's settle_commands then waits not)."""
    told = []

    def node(name, pending):
        return types.SimpleNamespace(commands_pending=lambda: pending,
                                     settle_gave_up=lambda note: told.append((name, note)))

    nodes = [node("settled", False), node("stuck", True), types.SimpleNamespace(
        commands_pending=lambda: True)]  # pending, but nothing to tell: still False, no error
    assert not settle(nodes, lambda: None, bound_s=0.0, note=" (a note)")
    assert told == [("stuck", " (a note)")]
    told.clear()
    assert not settle(nodes[:2], _raising("context shut down"))
    assert told == [("stuck", "")]
    assert settle(nodes[:1], lambda: None) and told == [("stuck", "")]  # settled: nobody told
