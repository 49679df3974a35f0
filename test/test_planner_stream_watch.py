"""The planner node's stream tick: its steady-clock watchdog, and no moving twist after a disable.

A bare ``PlannerNode`` (no rclpy node made) with the attributes these methods use.
"""

import threading
import types

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes import planner_stream  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.setpoint_output import SetpointOutput  # noqa: E402
from vjepa_ros.robot.plan_report import StreamOutput  # noqa: E402

MOVING = np.array([0.05, 0.0, 0.0, 0.0, 0.0, 0.0])  # [m/s, rad/s]


def bare_node(**attributes) -> PlannerNode:
    node = object.__new__(PlannerNode)
    vars(node).update(attributes)
    return node


def test_the_watchdog_ticks_while_the_timer_is_late_and_not_as_the_timer(monkeypatch):
    # note32 item 5: the watchdog's own tick reset the timer's mark, so on a stopped clock it
    # ticked every other period (about every second), and once between two timer ticks
    wall = types.SimpleNamespace(now=0.0)
    monkeypatch.setattr(planner_stream, "time", types.SimpleNamespace(monotonic=lambda: wall.now))
    ticks = []
    node = bare_node(closing=False, stream_ticked=0.0, stream_watchdog_s=0.5,
                     _stream=lambda: ticks.append(wall.now))
    node._stream_tick()  # the ROS-clock timer at 0 s
    for wall.now in (0.3, 0.6, 1.05, 1.5):  # the watchdog's periods; the clock stopped at 0 s
        node._stream_watchdog()
    assert ticks == [0.0, 0.6, 1.05, 1.5], "the watchdog skipped periods while the timer was late"
    wall.now = 1.6
    node._stream_tick()  # the clock runs again
    for wall.now in (1.9, 2.05):
        node._stream_watchdog()
    assert ticks[-1] == 1.6, "the watchdog ticked beside a timer on time"


class _Publisher:
    def __init__(self):
        self.sent = []

    def publish(self, message):
        self.sent.append(message)


def _streaming_node(errors: list) -> tuple[PlannerNode, _Publisher, _Publisher]:
    target_pub, twist_pub = _Publisher(), _Publisher()
    node = bare_node(session=_Session(), command_lock=threading.Lock(), gripper_action=None,
                     setpoints=SetpointOutput(target_pub, twist_pub, "fr3_link0", lambda: 2.0),
                     get_logger=lambda: types.SimpleNamespace(error=errors.append))
    return node, target_pub, twist_pub


class _Session:
    """A stream that moves; ``fail`` runs once inside a tick, after its output is computed."""

    enabled = True
    commanding_epoch = 0  # bumped by every enable/disable, as MPCSession's
    fail = None
    bump_first = False

    def stream_step(self):
        """Return a moving tick stamped with its epoch (under MPCSession's lock there)."""
        if self.bump_first:  # a void of running plans came just before the tick's lock
            self.bump_first = False
            self.commanding_epoch += 1
        out = StreamOutput(np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0]), MOVING, 1.0,
                           commanding_epoch=self.commanding_epoch)
        if self.fail is not None:
            fail, self.fail = self.fail, None
            fail()
        return out

    def set_enabled(self, enabled):
        self.enabled = enabled
        self.commanding_epoch += 1
        return True, ""


def test_no_moving_twist_follows_a_failure_that_disabled_commanding():
    # review32 / note32 item 2: the planning worker fails (commanding disabled, one zero twist)
    # while a stream tick has computed its moving twist; the tick then published it, and a
    # velocity controller went on at 0.05 m/s after the zero twist
    errors = []
    node, target_pub, twist_pub = _streaming_node(errors)
    PlannerNode._stream(node)  # a moving tick
    node.session.fail = lambda: PlannerNode._failed(node, "planning step", RuntimeError("boom"))
    PlannerNode._stream(node)  # the worker fails during this tick
    assert not node.session.enabled and errors
    speeds = [abs(m.twist.linear.x) for m in twist_pub.sent]
    assert speeds[0] == 0.05 and speeds[-1] == 0.0, f"the last twist moves: {speeds}"
    assert speeds.count(0.0) == 1 and len(target_pub.sent) == 1, (
        "a set-point or twist went out after the disable")


def test_a_tick_computed_after_an_epoch_bump_publishes_its_set_point():
    # fix46d: the tick read the session's enable epoch before stream_step, outside the session's
    # lock; a bump while still enabled (a small clock step back voids running plans, the stream
    # goes on) landing between that read and the tick's lock voided a set-point computed wholly
    # after it: a zero servo_twist in the middle of the motion
    node, target_pub, twist_pub = _streaming_node([])
    PlannerNode._stream(node)
    node.session.bump_first = True
    PlannerNode._stream(node)
    speeds = [abs(m.twist.linear.x) for m in twist_pub.sent]
    assert speeds == [0.05, 0.05] and len(target_pub.sent) == 2, f"a stray stop: {speeds}"
