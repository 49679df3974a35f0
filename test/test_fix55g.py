"""fix55g: the families around breaker55g's four defects of resent gripper goals.

A cancel by another client is warned, never fought (also at the full opening: no word); an open
at the hand's full opening got there whatever its status, an open aborted with the fingers unmoved
short of it is out of range (names ``robot.gripper_max_width``, never resent) unless the fingers
moved; failing / rejected closednesses are one command within ``control.gripper_deadband`` (and
not beyond it); a close judged against the finger measured when it was sent.
"""

from __future__ import annotations

import types

import pytest
from hand_rigs import NAME, FrankaHand, Goal, StallingController, StuckHand, goals_for, warnings

from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_results import (
    STATUS_ABORTED,
    STATUS_CANCELED,
    STATUS_SUCCEEDED,
    judge_result,
)


def result(position, stalled=False, reached=False):
    return types.SimpleNamespace(position=position, effort=0.0, stalled=stalled,
                                 reached_goal=reached)


def measured_goals(hand, logs, deadband=0.1):
    goals = GripperGoals(hand, Goal, NAME, 0.08, 20.0, lambda m: logs.append(("warning", m)),
                         lambda m: logs.append(("info", m)), 10.0, clock=lambda: 0.0,
                         debug=lambda m: logs.append(("debug", m)), deadband=deadband)
    goals.measured_width = lambda: hand.width  # the finger joints' width, raw
    return goals


# -- 1: another client's cancel -------------------------------------------------------------------
@pytest.mark.parametrize("closedness", [1.0, 0.5, 0.0])
def test_another_clients_cancel_is_warned_once_and_never_sent_again(closedness):
    """Whatever the goal (close, half, open from a closed hand), a cancel not ours stands."""
    hand, logs = FrankaHand(width=0.08 if closedness else 0.0), []
    goals = measured_goals(hand, logs)
    delivery = goals.send(closedness)
    hand.advance(0.1)
    hand._cancel(hand.running[-1])  # the operator's cancel
    said = warnings(logs)
    assert len(said) == 1 and NAME in said[0] and "another client" in said[0], logs
    assert "not sent again" in said[0] and "check the hand" not in said[0], said
    assert not delivery.needs_resend(), delivery.state
    assert goals.problem() == "", goals.problem()  # someone else's choice, not a broken hand
    later = goals.send(0.3)  # the plan's next change goes out as usual and is judged as usual
    hand.advance(1.0)
    assert later and later.state == "ended" and len(warnings(logs)) == 1, logs


def test_our_own_cancel_and_a_superseding_goal_stay_silent():
    """Ours (``~/enable`` false) and our newer goal preempting are no other client's cancel."""
    hand, logs = FrankaHand(), []
    goals = measured_goals(hand, logs)
    goals.send(1.0)
    goals.cancel()
    goals.send(0.5)
    goals.send(0.0)
    hand.advance(1.0)
    assert not warnings(logs), logs


# -- 2: the full opening --------------------------------------------------------------------------
@pytest.mark.parametrize("status,answer", [(STATUS_ABORTED, result(0.03975)),
                                           (STATUS_SUCCEEDED, result(0.0396, stalled=True)),
                                           (STATUS_CANCELED, result(0.03995))])
@pytest.mark.parametrize("full_width", [False, True])
def test_an_open_at_the_full_opening_reached_it(status, answer, full_width):
    """Any status, either result convention: fingers within 1 mm of the opening are open."""
    if full_width:
        answer = result(answer.position * 2, answer.stalled)
    judged = judge_result(status, 0.04, answer, 0.08, full_width)
    assert judged.reached
    assert judged.stopped == ""
    assert judged.advice == ""
    # a 60 mm goal is not the opening
    assert not judge_result(status, 0.03, answer, 0.08, full_width).reached


def test_a_hand_homed_narrower_opened_under_ros2_controllers_is_no_failure():
    """gripper_action_controller stalling at 79.5 mm on an open: open, not failed."""
    hand, logs = StallingController(width=0.03, blocked_at=0.0795), []
    delivery = measured_goals(hand, logs).send(0.0)
    assert hand.width == 0.0795 and not warnings(logs) and not delivery.needs_resend(), logs


@pytest.mark.parametrize("measured", [True, False])
def test_an_open_aborted_out_of_range_names_the_parameter_and_is_not_resent(measured):
    """A hand homed at 79.5 mm holding at 30 mm: the open aborts at once, the fingers stay."""
    hand, logs = FrankaHand(width=0.03, max_width=0.0795), []
    goals = measured_goals(hand, logs) if measured else goals_for(hand, logs)
    delivery = goals.send(0.0)
    said = warnings(logs)
    assert hand.width == 0.03 and len(said) == 1, logs
    assert "robot.gripper_max_width" in said[0] and "30 mm" in said[0] and NAME in said[0], said
    assert not delivery.needs_resend(), delivery.state
    assert "failed 1 time(s)" in goals.problem(), goals.problem()  # /diagnostics tells


def test_an_open_that_moved_and_aborted_short_is_an_ordinary_failure_resent():
    """Fingers that opened from 30 to 50 mm and were aborted there were not out of range."""
    def advice(goal, position, start=None):
        return judge_result(STATUS_ABORTED, goal, result(position), 0.08, start=start).advice

    assert advice(0.04, 0.025, start=0.015) == ""
    assert advice(0.04, 0.025, start=0.025) != ""
    assert advice(0.03, 0.015) == ""  # not an open
    hand, logs = StuckHand(width=0.03), []
    goals = measured_goals(hand, logs)
    goals.measured_width = lambda: 0.05  # measured at 50 mm, the result at 30: moved
    delivery = goals.send(0.0)
    said = warnings(logs)
    assert len(said) == 1 and "robot.gripper_max_width" not in said[0], said
    assert delivery.needs_resend(), delivery.state


# -- 3: one command within the deadband -----------------------------------------------------------
@pytest.mark.parametrize("hand", [StuckHand(), FrankaHand(reject=True)],
                         ids=["hand_in_error", "server_rejecting"])
def test_a_close_beyond_the_deadband_is_a_new_warning(hand):
    """1.0 then 0.85 (0.15 apart, deadband 0.1): another command, warned again; deadband 0: exact.

    The one failing walks with its resends (1.0, 0.95, 0.88: each the session's resend of the last,
    as ``CommandSession._hand_changes`` compares with the last command sent): one warning.
    """
    logs = []
    goals = measured_goals(hand, logs, deadband=0.1)
    for closedness in (1.0, 0.85, 0.9, 0.8):
        goals.send(closedness)
    assert len(warnings(logs)) == 2, warnings(logs)
    logs2 = []
    exact = measured_goals(hand, logs2, deadband=0.0)
    for closedness in (1.0, 1.0, 0.99):
        exact.send(closedness)
    assert len(warnings(logs2)) == 2, warnings(logs2)


def test_a_failing_close_that_gets_there_within_the_deadband_says_how_many_failed():
    """Two failures at 1.00 / 0.97, then 0.99 succeeds: "after 2 failed" in one info line."""
    hand, logs = StuckHand(), []
    goals = measured_goals(hand, logs)
    goals.send(1.0)
    goals.send(0.97)
    assert "failed 2 time(s)" in goals.problem(), goals.problem()
    healthy = FrankaHand()
    goals.client = healthy
    goals.send(0.99)
    healthy.advance(1.0)
    assert any(level == "info" and "after 2 failed" in line for level, line in logs), logs
    assert goals.problem() == "", goals.problem()


# -- 4: judged against the finger measured when the goal was sent ---------------------------------
@pytest.mark.parametrize("start,held", [(0.04, 0.0785), (0.0399, 0.0785), (0.0395, None),
                                        (0.03925, None), (None, None)])
def test_a_close_near_the_full_opening_holds_only_when_the_fingers_moved(start, held):
    """Fingers at 78.5 mm after a close: held when measured wider at the send, else nothing."""
    answer = result(0.03925)
    judged = judge_result(STATUS_ABORTED, 0.0, answer, 0.08, start=start)
    got = judged.held
    assert got == (pytest.approx(held) if held else None)
    words = judged.stopped
    assert ("never closed" in words) == (held is None), words


def test_a_wide_object_stalled_under_ros2_controllers_is_a_hold():
    """gripper_action_controller (allow_stalling) stalls at 78.5 mm: SUCCEEDED stalled, a hold."""
    hand, logs = StallingController(blocked_at=0.0785), []
    delivery = measured_goals(hand, logs).send(1.0)
    assert not warnings(logs) and not delivery.needs_resend(), logs
    assert any("holding an object 78 mm" in line or "holding an object 79 mm" in line
               for _, line in logs), logs


def test_a_close_that_never_moved_from_the_full_opening_is_still_a_failure():
    """The hand in error, measured at 80 mm and still there: warned, sent again."""
    hand, logs = StuckHand(), []
    delivery = measured_goals(hand, logs).send(1.0)
    said = warnings(logs)
    assert len(said) == 1 and "never closed" in said[0] and delivery.needs_resend(), logs


# -- design: a failed release is sent again only where it first went out --------------------------
@pytest.fixture(scope="module")
def model():
    from test_robot_mpc import tiny_world_model

    return tiny_world_model()


def _rig_after_failed_change(model, closedness, width):
    """Reject a change to ``closedness`` 0.3 s, let the arm go on 1 s, recover the hand."""
    from hand_rigs import HandRig
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    from vjepa_ros.robot.targets import poses_apart

    hand = FrankaHand(width=width, object_width=0.03 if width <= 0.03 else None, reject=True)
    rig = HandRig(model, hand, goals=[SubGoal(frame(7), 200, "release", gripper=closedness)])
    rig.run(0.3)
    first, sent = len(hand.received), rig.session._gripper_sent_pose
    assert first >= 2, "setup: the change was rejected and sent again"
    rig.run(1.0)
    gap, _ = poses_apart(rig.arm, sent)
    assert gap > rig.session.control.async_tolerance_m, "setup: the arm went on"
    hand.reject = False  # the hand recovers, the arm away from where the change went out
    rig.run(2.5)
    return rig, hand, first


def test_a_failed_release_is_not_sent_again_away_from_where_it_went_out(model):
    """A release that failed at the place: once the arm has gone on, the object is not dropped."""
    rig, hand, first = _rig_after_failed_change(model, 0.0, 0.03)
    assert hand.width == pytest.approx(0.03), "the hand opened away from the place"
    held = [line for level, line in rig.logs if "is not sent again here" in line]
    assert len(held) == 1 and "control.async_tolerance_m" in held[0], rig.logs
    assert len(hand.received) <= first + 1, hand.received


def test_a_failed_close_is_sent_again_wherever_the_arm_is(model):
    """A close that failed goes out again once the hand recovers (closing drops nothing)."""
    rig, hand, _ = _rig_after_failed_change(model, 1.0, 0.08)
    assert hand.width < 0.08, "the close never went out again"


# -- design: /diagnostics' refusal_kind and lines follow the level's cause ------------------------
BASE_LINE = ("robot.base_frame fr3_link0 names another arm's link0 than the joint states' "
             "(panda_): commanding is disabled")


def _node_status(monkeypatch, model, twin, base, session_refusal=None, enabled=False):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from diagnostics_rig import node_diagnostics
    from test_robot_mpc import START, frame, make_session

    from vjepa_ros.nodes.planner_diagnostics import PlannerDiagnostics, twin_line

    monkeypatch.setattr(PlannerDiagnostics, "base_frame_problem", BASE_LINE if base else "")
    monkeypatch.setattr(PlannerDiagnostics, "_withheld", lambda self: [])  # no hand
    session, clock, _ = make_session(model, "blocking")
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    if enabled:
        session.set_enabled(True)
    if session_refusal is not None:
        session._refuse(session_refusal)
    return node_diagnostics(session, model, twin_line("/vjepa_planner", "/target_pose", 1)
                            if twin else "")


def test_a_twin_and_a_base_frame_refusal_at_once_show_both(monkeypatch, model):
    status, values = _node_status(monkeypatch, model, twin=True, base=True)
    assert status.level == b"\x02" and values["refusal_kind"] == "twin_planner"
    for text in (values["refusal"], status.message):
        assert text.startswith("another node named") and BASE_LINE in text, text


def test_a_base_frame_refusal_over_a_no_goal_hold_is_its_kind(monkeypatch, model):
    """Enabled without a goal (WARN no_goal), base frame refused (ERROR): kind base_frame."""
    status, values = _node_status(monkeypatch, model, twin=False, base=True, enabled=True)
    assert status.level == b"\x02", status.level
    assert values["refusal_kind"] == "base_frame", values["refusal_kind"]
    assert values["refusal"].startswith(BASE_LINE) and "no goal" in values["refusal"], values
    assert status.message.startswith(BASE_LINE), status.message


def test_a_session_error_keeps_its_kind_first_beside_a_twin(monkeypatch, model):
    """A planner fault (the session's ERROR) stays the kind; the twin's line follows."""
    from vjepa_ros.robot.refusal import Refusal, RefusalKind

    fault = Refusal(RefusalKind.PLANNER_ERROR, "planner failed: CUDA out of memory")
    status, values = _node_status(monkeypatch, model, twin=True, base=False,
                                  session_refusal=fault, enabled=True)
    assert status.level == b"\x02" and values["refusal_kind"] == "planner_error", values
    assert values["refusal"].startswith("planner failed") and "another node named" in \
        values["refusal"], values["refusal"]
    assert "planner failed" in status.message and "another node named" in status.message
