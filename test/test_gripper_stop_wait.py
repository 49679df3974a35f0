"""An open waiting for franka_gripper's stop: dropped when overtaken; the wait's end (review58t).

The open to the full width waits for the stop's answer (``OpenAfterStop``, up to
``STOP_ANSWER_S``). It goes out only while it is still the newest goal sent and no ``cancel()``
came meanwhile; otherwise it is dropped unsent (its Delivery "superseded" or "canceled", never
resent, no warning), however the wait ends. A stop answering after its wait ended (the open gone
out alone, the stop taken as failed) clears that failure when it worked.
"""

import types

import pytest
from test_gripper_release import MAX, Goal
from test_gripper_stop import SlowStopHand

from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_stop import STOP_ANSWER_S

TIMEOUT = 5.0  # s: control.gripper_result_timeout_s (goals awaited are timed)


def _rig(stop_ok=True):
    """Close on an object, pry the fingers fully open; the node's steady clock is ``now``."""
    hand, now, lines = SlowStopHand(object_width=0.03), [0.0], []
    measured = [MAX]
    goals = GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", MAX, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)), result_timeout_s=TIMEOUT,
                         clock=lambda: now[0], debug=lambda text: lines.append(("debug", text)),
                         measured_width=lambda: measured[0], stop=hand,
                         stop_request=lambda: object())
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing
    hand.object_width, hand.width = None, MAX
    hand.stop_ok = stop_ok
    return hand, goals, now, lines


def _answer(hand, success=True):
    if success:
        hand.answer()
    else:
        hand.pending.pop(0).finish(types.SimpleNamespace(success=False, message="in error"))


def _end_wait(how, hand, goals, now):
    if how == "answered":
        _answer(hand)
    elif how == "failed":
        _answer(hand, success=False)
    else:  # no answer: the node's steady clock ends the wait
        now[0] += STOP_ANSWER_S
        goals.overdue()


@pytest.mark.parametrize("how", ["answered", "failed", "unanswered"])
@pytest.mark.parametrize("meanwhile", ["close", "cancel"])
def test_an_overtaken_open_is_dropped_unsent_without_a_word(how, meanwhile):
    hand, goals, now, lines = _rig()
    opening = goals.send(0.0)
    assert opening and hand.stops == 1
    sent = len(hand.received)
    if meanwhile == "close":
        assert goals.send(1.0)
        sent += 1
    else:
        goals.cancel()
    _end_wait(how, hand, goals, now)
    assert len(hand.received) == sent, "the stale open went out"
    assert opening.state == ("superseded" if meanwhile == "close" else "canceled")
    assert not opening.needs_resend()
    assert not goals.cancel_pending()  # a shutdown waits for no acceptance of it
    assert opening.number not in goals.answers.awaiting  # no overdue warning for it later
    assert goals.stop_awaited is None
    assert not [text for level, text in lines if level == "warn"]
    if meanwhile == "close":
        assert hand.received[-1][0] < MAX / 2 - 0.001  # the hand's last goal: the close


def test_a_newer_goal_that_did_not_go_out_leaves_the_open_to_go():
    hand, goals, _now, _lines = _rig()
    assert goals.send(0.0)
    sent = len(hand.received)
    hand.up = False  # the driver gone for a moment: the close does not go out
    assert not goals.send(1.0)
    hand.up = True
    hand.answer()
    assert len(hand.received) == sent + 1 and hand.received[-1][0] == pytest.approx(MAX / 2)


@pytest.mark.parametrize("later", ["worked", "failed"])
def test_a_stop_answering_after_its_wait_decides_whether_the_open_failed(later):
    """The open went out alone after the wait; the stop's answer then comes."""
    hand, goals, now, lines = _rig()
    opening = goals.send(0.0)
    sent = len(hand.received)
    now[0] += STOP_ANSWER_S
    goals.overdue()  # the wait ends: the open goes out alone, the stop taken as failed
    assert len(hand.received) == sent + 1 and opening.stop_failed
    _answer(hand, success=later == "worked")
    hand.advance(1.0)  # the open (done at once: the fingers are there) ends
    assert len(hand.received) == sent + 1  # the late answer sends nothing more
    if later == "worked":
        assert opening.state == "ended" and not opening.needs_resend()
        assert not goals.release.grasp_may_stand  # the next open asks for no stop
        assert any("answered again" in text for level, text in lines if level == "info")
    else:
        assert opening.state == "failed" and opening.needs_resend()
        assert goals.release.grasp_may_stand
    late = [text for level, text in lines if level == "warn" and "did not answer" in text]
    assert len(late) == 1


def test_a_late_success_before_the_open_s_end_leaves_it_ended():
    hand, goals, now, _lines = _rig()
    opening = goals.send(0.0)
    now[0] += STOP_ANSWER_S
    goals.overdue()
    hand.answer()  # before the open's result came
    assert not opening.stop_failed
    hand.advance(1.0)
    assert opening.state == "ended" and not opening.needs_resend()
