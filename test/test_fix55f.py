"""fix55f: the rest of breaker55f's families (``test/test_breaker55f.py`` holds its own inputs).

- Fingers at the hand's full opening after a close hold nothing, whatever the status
  (ABORTED, SUCCEEDED stalled, SUCCEEDED not reached), the result's convention (one finger's,
  or a ROS 1-style server's full width) and a hand homed a little narrower than set; an object
  60 mm wide is still a hold; a goal stopped away from its goal and SUCCEEDED is a failure
  unless the server says it reached it (franka_gripper's grasp inside its epsilons).
- A failed goal is sent again while the server answers (``Delivery`` "failed"), not while it is
  gone; its repeats are not warned again; the first success says after how many; the session
  spaces the resends out (no flood from a hand in error) and the hand closes once it can.
- A late acceptance counts after any "lost": the overdue check's, and the server gone.
- A result above half the hand's width that is the measured finger is one finger's.
- ``GripperGoals.problem`` names each state in which goals do not reach the hand, "" after.
- ``/diagnostics`` returns to OK when the fingers come back and when the server appears.
"""

from __future__ import annotations

import math
import types

import pytest
from hand_rigs import (
    NAME,
    FrankaHand,
    HandRig,
    LateHand,
    StallingController,
    StuckHand,
    goals_for,
    warnings,
)

from vjepa_ros.robot.gripper_goals import STATUS_ABORTED
from vjepa_ros.robot.gripper_results import full_width_result, judge_result

SUCCEEDED = 4
MAX = 0.08


def result(position, stalled=False, reached=False):
    return types.SimpleNamespace(position=position, effort=0.0, stalled=stalled,
                                 reached_goal=reached)


# -- fingers that never closed --------------------------------------------------------------------
@pytest.mark.parametrize("status, answer, full_width", [
    (STATUS_ABORTED, result(0.04), False),
    (SUCCEEDED, result(0.04, stalled=True), False),
    (SUCCEEDED, result(0.04, reached=False), False),
    (STATUS_ABORTED, result(0.0396), False),  # a hand homed 79 mm wide, robot.gripper_max_width 80
    (STATUS_ABORTED, result(0.0402), False),  # homed a hair wider than set
    (STATUS_ABORTED, result(0.08), True),  # a ROS 1-style server: the full width
], ids=["aborted", "stalled", "not_reached", "homed_narrower", "homed_wider", "full_width"])
def test_fingers_at_the_full_opening_after_a_close_hold_nothing(status, answer, full_width):
    """No object is as wide as the open hand: no hold, and words that say the close failed."""
    judged = judge_result(status, 0.0, answer, MAX, full_width)
    assert judged.held is None
    words = judged.stopped
    assert "full opening" in words and "nothing is held" in words, words


def test_an_object_narrower_than_the_hand_is_still_held():
    """A 60 mm object (30 mm per finger) and a 77 mm one are holds, not failures."""
    for position in (0.03, 0.0385):
        assert judge_result(STATUS_ABORTED, 0.0, result(position), MAX).held == \
            pytest.approx(2 * position)
        assert judge_result(SUCCEEDED, 0.0, result(position, stalled=True), MAX).held == \
            pytest.approx(2 * position)
    # no bound on the opening: the full-opening rule never applies
    assert judge_result(STATUS_ABORTED, 0.0, result(0.04), math.inf).held == \
        pytest.approx(0.08), "without max_width nothing is judged (the old reading)"


def test_where_the_fingers_stopped_is_said_only_away_from_the_goal():
    """An opening stalled short names both widths; a reached goal says nothing."""
    def stopped(status, goal, answer):
        return judge_result(status, goal, answer, MAX).stopped

    assert stopped(SUCCEEDED, 0.04, result(0.015, stalled=True)) == \
        "the fingers stopped at 30 mm, 80 mm asked"
    assert stopped(SUCCEEDED, 0.04, result(0.04, reached=True)) == ""
    # franka_gripper's grasp succeeding inside its epsilons: reached, though 3 mm off
    assert stopped(SUCCEEDED, 0.0, result(0.0015, reached=True)) == ""
    assert stopped(SUCCEEDED, 0.0, result(float("nan"), stalled=True)) == ""
    assert stopped(SUCCEEDED, 0.02, result(0.02, stalled=True)) == ""


@pytest.mark.parametrize("hand", [StuckHand(width=0.0795), StallingController(blocked_at=0.0795)],
                         ids=["franka_gripper", "ros2_controllers"])
def test_a_failed_close_of_a_hand_homed_narrower_is_one_warning(hand):
    """The same failure on a hand whose full opening reads 79.5 mm: one warning, no hold."""
    logs = []
    goals_for(hand, logs).send(1.0)
    hand.advance(1.0)
    said = warnings(logs)
    assert len(said) == 1 and NAME in said[0] and "never closed" in said[0], logs
    assert not any("holding an object" in line for _, line in logs), logs


# -- a failed goal is sent again ------------------------------------------------------------------
class FixableHand(StuckHand):
    """franka_gripper failing every goal while ``stuck`` (a hand in error), normal after."""

    stuck = True

    def _start(self, entry):
        if self.stuck:
            return StuckHand._start(self, entry)
        return FrankaHand._start(self, entry)


def test_a_failed_goal_is_sent_again_warned_once_and_its_success_said():
    logs = []
    hand = FixableHand()
    goals = goals_for(hand, logs)
    first = goals.send(1.0)
    assert first.state == "failed" and first.needs_resend()
    hand.up = False
    assert not first.needs_resend(), "no server: nothing to send it to"
    hand.up = True
    second = goals.send(1.0)
    assert second.state == "failed" and len(warnings(logs)) == 1, logs
    assert "failed 2 time(s)" in goals.problem(), goals.problem()
    hand.stuck = False
    third = goals.send(1.0)
    hand.advance(1.0)
    assert third.state == "ended" and not third.needs_resend() and hand.width == 0.0
    assert any(level == "info" and "after 2 failed" in line for level, line in logs), logs
    assert goals.problem() == "" and len(warnings(logs)) == 1


def test_an_opening_that_stalled_short_is_sent_again():
    hand = StallingController(width=0.03, blocked_at=0.03)
    delivery = goals_for(hand, []).send(0.0)
    assert delivery.state == "failed" and delivery.needs_resend()


def test_a_goal_ended_as_asked_or_on_an_object_is_not_sent_again():
    for hand in (FrankaHand(), FrankaHand(object_width=0.03),
                 StallingController(blocked_at=0.03)):
        delivery = goals_for(hand, []).send(1.0)
        hand.advance(1.0)
        assert delivery.state == "ended" and not delivery.needs_resend(), type(hand).__name__


def test_the_session_sends_a_failed_close_again_spaced_out_until_it_closes(model):
    """A hand in error for 1.2 s: a few resends (not one per command), one warning, then closed."""
    hand = FixableHand()
    rig = HandRig(model, hand)
    rig.run(1.2)
    tries = len(hand.received)
    assert 2 <= tries <= 8, f"{tries} goals in 1.2 s: resent spaced out, neither never nor a flood"
    assert rig.session.commands_sent >= 5, "setup: the arm was commanded throughout"
    assert len(warnings(rig.logs_goals)) == 1, warnings(rig.logs_goals)
    hand.stuck = False
    rig.run(3.0)
    assert hand.width == pytest.approx(0.0), f"fingers at {hand.width * 1000:.0f} mm"


@pytest.fixture(scope="module")
def model():
    from test_robot_mpc import tiny_world_model

    return tiny_world_model()


# -- late acceptance after any "lost" -------------------------------------------------------------
def test_an_acceptance_after_the_server_seemed_gone_is_accepted():
    """The server not ready as the session asked (lost), then its acceptance: accepted."""
    hand = LateHand()
    goals = goals_for(hand, [])
    delivery = goals.send(1.0)
    hand.up = False
    assert not delivery.needs_resend() and delivery.state == "lost"
    hand.up = True
    hand.accept()
    assert delivery.state == "accepted" and not delivery.needs_resend()


# -- the full-width reading -----------------------------------------------------------------------
def test_a_wide_result_that_is_the_measured_finger_is_one_fingers():
    """A hand homed 84 mm wide, robot.gripper_max_width 80: its 42 mm finger result is a finger."""
    assert not full_width_result(0.042, 0.042, MAX)
    assert full_width_result(0.042, None, MAX)  # no reading: above any finger, as before
    assert full_width_result(0.06, 0.03, MAX)


def test_one_wide_result_of_a_finger_does_not_switch_to_full_widths():
    """franka_ros2's hand a little wider than set, measured: later grasps read as one finger."""
    hand, logs = FixableHand(width=0.084, max_width=0.084), []
    goals = goals_for(hand, logs)
    goals.measured_width = lambda: hand.width  # the finger joints' width
    goals.send(0.0)  # an open aborted where the fingers are: 42 mm each, above 40
    assert not goals.full_width, logs
    hand.stuck, hand.object_width = False, 0.03
    goals.send(1.0)
    hand.advance(1.0)
    assert not goals.full_width, logs
    assert any("holding an object 30 mm wide" in line for _, line in logs), logs


# -- GripperGoals.problem -------------------------------------------------------------------------
def test_each_state_without_goals_reaching_the_hand_is_named_and_clears():
    now = [0.0]
    hand, logs = FrankaHand(up=False), []
    goals = goals_for(hand, logs, timeout_s=1.0, clock=lambda: now[0])
    assert goals.problem() == ""
    assert goals.send(1.0) is False
    assert NAME in goals.problem() and "no GripperCommand action server" in goals.problem()
    hand.up = True
    assert goals.problem() == "", "the server answers now"
    hand.reject = True
    goals.send(1.0)
    assert "rejected" in goals.problem()
    hand.reject = False
    silent = LateHand()
    late = goals_for(silent, logs, timeout_s=1.0, clock=lambda: now[0])
    late.send(1.0)
    now[0] = 2.0
    late.overdue()
    assert "unanswered past control.gripper_result_timeout_s" in late.problem()
    silent.accept()
    silent.advance(1.0)
    assert late.problem() == "", "its result ended the outage"


# -- /diagnostics recovers ------------------------------------------------------------------------
pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import rclpy.action  # noqa: E402
from diagnostics_rig import OK, commanding  # noqa: E402
from planner_harness import HOME, JOINTS, checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import JointState  # noqa: E402


def test_diagnostics_warn_while_fingers_are_stale_and_recover(harness):  # noqa: F811
    h = harness()
    commanding(h)
    live = h.publish

    def arm_only(image=True, joints=HOME):
        live(image=image, joints=None)
        msg = JointState(name=JOINTS[:7], position=list(HOME))
        msg.header.stamp = h.stamp()
        h.joint_pub.publish(msg)

    h.publish = arm_only
    assert h.pump(3.0, until=lambda: h.diagnostics()[1]["withheld"]), "setup: withheld"
    status, values = h.diagnostics()
    assert status.level == b"\x01" and "finger joint state" in values["withheld"]
    h.publish = live
    assert h.pump(3.0, until=lambda: h.diagnostics()[0].level == OK), h.diagnostics()
    assert h.diagnostics()[1]["withheld"] == "" and h.diagnostics()[0].message == "commanding"


class AppearingServer(FrankaHand):
    """An ActionClient whose server comes up when the test says (``up``)."""

    made: list = []

    def __init__(self, node, action_type, name):
        super().__init__(up=False)
        AppearingServer.made.append(self)


def test_diagnostics_warn_without_a_gripper_server_and_recover(
        gripper_action, monkeypatch, harness):  # noqa: F811
    AppearingServer.made.clear()
    monkeypatch.setattr(rclpy.action, "ActionClient", AppearingServer)
    h = harness(**{"control.gripper_action": NAME})
    commanding(h)
    assert h.pump(3.0, until=lambda: NAME in h.diagnostics()[1]["withheld"]), "setup: warned"
    assert h.diagnostics()[0].level == b"\x01"
    AppearingServer.made[-1].up = True
    assert h.pump(3.0, until=lambda: h.diagnostics()[0].level == OK), h.diagnostics()
    assert h.enable(False).success
    assert h.diagnostics()[1]["withheld"] == ""
