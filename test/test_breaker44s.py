"""breaker44s: concurrency in the planner session (services, the planning worker, the stream tick).

Attacked at commit 8bfadec (main's HEAD): ``vjepa_ros/robot/mpc.py`` and its mixins
(``planning_session.py``, ``goal_session.py``, ``stream_session.py``, ``camera_check_session.py``),
``robot/planning_worker.py``, and the planner node's worker step and gripper send
(``nodes/planner_node.py``: ``_plan_and_publish``, ``_enable``, ``_stream``;
``robot/gripper_goals.py``).

Hammered with real threads for seconds (tiny random world model, a clock on time.monotonic, three
service threads doing enable/disable, capture/add/clear, set_goals, camera check start,
snapshot/status with phase invariants, an input thread and the 100 Hz stream tick, the worker
planning; a report listener calling ``status()``/``snapshot()`` under the lock), in continuous,
blocking and async modes: no exception, no deadlock, no set-point while disabled, no COMMANDED
report of an old goal version or enable epoch, no MOVING phase without an active streamer, no
PLANNING phase without a plan. Inside the session the lock (an RLock) holds.

What did not hold is after the session: the node sends a plan's gripper command after
``plan_step`` returned, checking only ``session.enabled`` (under its ``command_lock``). A service
answered between the two (``~/clear_goals``, a new goal, ``~/enable`` false then true) leaves the
session enabled, and the old plan's gripper command goes out.
"""

from __future__ import annotations

import threading
import types

import numpy as np
import pytest
from test_robot_mpc import enabled_session, frame, model  # noqa: F401 - fixture

from vjepa_ros.robot.goals import SubGoal


def _node_step(session, between):
    """Run the planner node's worker step on ``session``, ``between()`` just after plan_step.

    ``between`` stands for a service callback the executor answers on another thread while the
    worker thread is between ``plan_step`` returning and the rest of its step. Returns the
    gripper sends in order, with "service" where ``between`` ran: the node's own
    ``_send_gripper`` is the session's ``gripper_output`` (as ``PlannerNode.__init__`` sets it).
    """
    from vjepa_ros.nodes.planner_node import PlannerNode

    sent = []
    session.gripper_output = sent.append
    plan_step = session.plan_step

    def step(want_debug=False):
        report = plan_step(want_debug=want_debug)
        between()
        sent.append("service")
        return report

    class Proxy:  # the node reads session.enabled after the step: the real session's
        def __getattr__(self, name):
            return step if name == "plan_step" else getattr(session, name)

    fake = types.SimpleNamespace(
        closing=False, session=Proxy(),
        debug_pub=types.SimpleNamespace(get_subscription_count=lambda: 0),
        action_pub=types.SimpleNamespace(publish=lambda msg: None),
        action_labels="x,y,z,roll,pitch,yaw,gripper", command_lock=threading.Lock(),
        _send_gripper=lambda closedness: sent.append(("after the step", closedness)))
    assert PlannerNode._plan_and_publish(fake)
    return sent


SERVICES = {
    "clear_goals": lambda s: s.clear_goals(),
    "new_goal": lambda s: s.set_goals([SubGoal(frame(9), 0, "~/goal_image")]),
    "disable_enable": lambda s: (s.set_enabled(False), s.set_enabled(True)),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_gripper_command_of_a_void_plan_is_not_sent(model, service):  # noqa: F811
    """A plan's gripper command goes out with its set-point, never after a service voided it.

    Filed (strict xfail) as: the node sent a plan's gripper command after ``plan_step``
    returned, checking only ``session.enabled``; a ~/clear_goals, a new goal image or ~/enable
    false then true answered between the two (the executor thread) left the session enabled and
    the hand opened or closed for a goal that was gone. Fixed: the session calls
    ``gripper_output`` (the node's ``_send_gripper``) under its lock as it commands, with the
    set-point's target, so the send is never after the service; the node's step sends nothing.
    """
    session, _, _ = enabled_session(model)
    sent = _node_step(session, lambda: SERVICES[service](session))
    report = session.last_report
    assert str(report.outcome) == "commanded" and report.gripper_command is not None, \
        "setup: the plan commanded a gripper change"
    assert session.enabled
    assert sent == [report.gripper_command, "service"], (
        f"the gripper command must go out with the plan's command, before {service}: {sent}")
    assert np.isfinite(report.command).all()


def test_setpoint_of_a_tick_before_a_disable_is_not_published_after_it(model):  # noqa: F811
    """A set-point computed before a disable must not go out after the disable's zero twist.

    A lab sees it as: the person stops the arm with ~/enable false and at once enables again
    (a "stop/restart" button, a script toggling it) while the 100 Hz stream tick is between
    ``stream_step`` and its publish: the disable's stop (``setpoints.end()``, one zero twist)
    goes out, then the tick's moving set-point of before the stop, from a streamer the disable
    deactivated. The node's own rule (review32): a moving twist computed before a disable is not
    published after it. Expected: the tick publishes nothing moving (None), as after a plain
    disable.
    """
    from vjepa_ros.nodes.planner_node import PlannerNode

    session, clock, _ = enabled_session(model)
    assert str(session.plan_step().outcome) == "commanded"
    clock.now += 0.01
    published = []
    stream_step = session.stream_step

    def tick():
        out = stream_step()
        session.set_enabled(False)  # ~/enable false, answered on another executor thread
        published.append("end")  # its setpoints.end(): the zero twist
        session.set_enabled(True)  # ~/enable true right after
        return out

    class Proxy:
        def __getattr__(self, name):
            return tick if name == "stream_step" else getattr(session, name)

    fake = types.SimpleNamespace(session=Proxy(), command_lock=threading.Lock(),
                                 setpoints=types.SimpleNamespace(publish=published.append))
    PlannerNode._stream(fake)
    assert published[0] == "end"
    out = published[1]
    assert out is None or out.setpoint is None, (
        f"set-point {out.setpoint.tolist()} (twist {out.twist.tolist()}) of before the disable "
        "published after its zero twist")
