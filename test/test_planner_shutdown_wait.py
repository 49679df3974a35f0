"""``PlannerCommanding.prepare_shutdown`` waits once, within its caller's limit (fix54f).

``Launch.shutdown(timeout)`` and ``run_node`` prepare the planner's shutdown, then destroy the
node, whose ``destroy_node`` prepares it again: with a plan stuck in the model that second call
waited 30 s more on ``wait_idle`` and 30 s more on the worker (``Launch.shutdown(0.5)``: 61 s;
``run_node`` after Ctrl-C: 2 x 60 s, further signals ignored). No ROS here: a real
:class:`PlanningWorker` whose step blocks, the node's commanding methods on a stand-in.
"""

from __future__ import annotations

import threading
import time
import types

from vjepa_ros.nodes.planner_commanding import PlannerCommanding
from vjepa_ros.robot.planning_worker import PlanningWorker


class NodeStandIn(PlannerCommanding, types.SimpleNamespace):
    """The attributes given, with the planner's commanding methods."""


class Session:
    """A session whose running plan ends when ``release`` is set; records the waits asked."""

    def __init__(self, release: threading.Event):
        self.release, self.waits, self.closed = release, [], False
        self.running_plan = (12.5, 100.0)  # (frame taken, the clock when the plan began) [s]
        self.running_plan_began = time.monotonic() - 3.25  # the same start, wall time

    def clock(self) -> float:
        return 103.25

    def close(self) -> None:
        self.closed = True

    def wait_idle(self, timeout):
        self.waits.append(timeout)
        return self.release.wait(timeout)


class RecordingWorker(PlanningWorker):
    """A :class:`PlanningWorker` that records the limits its ``stop`` is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_limits = []

    def stop(self, timeout=None) -> bool:
        self.stop_limits.append(timeout)
        return super().stop(timeout)


def _stuck_node():
    """Return (node, release): its worker is inside a step until ``release`` is set."""
    release, entered = threading.Event(), threading.Event()

    def step():
        entered.set()
        release.wait()
        return False

    said = []
    worker = RecordingWorker(step, lambda exc: None, name="test-stuck-planning").start()
    worker.wake()
    assert entered.wait(10.0), "the worker did not enter its step"
    node = NodeStandIn(session=Session(release), worker=worker, setpoints=None,
                       gripper_action=None, camera_check_service=None, closing=False,
                       get_logger=lambda: types.SimpleNamespace(warning=said.append))
    return node, release, said


def test_a_second_prepare_shutdown_does_not_wait_again_on_a_stuck_plan():
    node, release, said = _stuck_node()
    try:
        assert node.prepare_shutdown(0.2) is False  # the plan is still in the model
        assert node.closing and node.session.closed
        # one limit for both waits: the worker gets what wait_idle left of the 0.2 s
        assert node.session.waits == [0.2] and node.worker.stop_limits[0] <= 0.2
        assert len(said) == 1, said
        line = said[0]
        assert "\n" not in line and "a plan begun " in line and "after 0.2 s" in line
        assert float(line.split("a plan begun ")[1].split(" s ago")[0]) >= 3.2, line
        assert "kill -9" in line, line
        assert node.prepare_shutdown() is False  # destroy_node's call, with its default 30 s
        assert node.session.waits == [0.2] and node.worker.stop_limits[1] == 0.0
        assert len(said) == 1, "the stuck worker said twice"
    finally:
        release.set()
    assert node.worker.stop(10.0)
    assert node.prepare_shutdown() is True  # a later call says that the worker has ended


def test_a_worker_stuck_outside_a_plan_is_said_without_one():
    """The worker in a step that is no plan (a camera check's estimate): said as such."""
    node, release, said = _stuck_node()
    node.session.running_plan = None
    try:
        assert node.prepare_shutdown(0.1) is False
        assert len(said) == 1 and "the planning worker is still in its step" in said[0]
    finally:
        release.set()
        node.worker.stop(10.0)


def test_a_shutdown_whose_plan_ends_in_time_says_nothing_and_a_second_call_ends_at_once():
    node, release, said = _stuck_node()
    release.set()
    assert node.prepare_shutdown(10.0) is True
    assert node.prepare_shutdown() is True and node.session.waits == [10.0]
    assert said == []
