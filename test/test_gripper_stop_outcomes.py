"""franka_gripper's stop before an open, by what it finds and how it answers (fix58h2, breaker58h).

The stop is due on fingers the node calls fully open (within ``OPEN_WIDTH_MARGIN`` of
``robot.gripper_max_width``: hands homed a little narrower or wider), and it is done only when it
answers ``success``: a stop that fails (``success`` false, or its call failed) or goes unanswered
leaves the open's delivery "failed" (the session sends it again, the stop with it), and is one
warning per outage naming the stop service. The stand-in franka_gripper of test_gripper_release.
"""

import types

import pytest
from hand_rigs import Future
from test_gripper_goals import Goal
from test_gripper_release import MAX, PressingHand

from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_release import OPEN_WIDTH_MARGIN, SAME_WIDTH, STOP_TRIES
from vjepa_ros.robot.gripper_stop import STOP_ANSWER_S


class AnsweringStop(PressingHand):
    """franka_gripper whose stop answers as ``answers`` says, one per call, then ``super``'s.

    Each answer: "fail" (``success`` false), "raise" (the call's future ends in an exception,
    rclpy's for a failed request), "silent" (never answered), "ok" (the stop ends the grasp).
    """

    def __init__(self, *args, answers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = list(answers)

    def call_async(self, request):
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "ok":
            return super().call_async(request)
        self.stops += 1
        done = Future()
        if answer == "fail":
            done.finish(types.SimpleNamespace(success=False, message="gripper in error"))
        elif answer == "raise":
            done.result = _raise
            done.finish(None)
        return done  # "silent": never finished


def _raise():
    raise RuntimeError("the request failed")


def _rig(hand, pried):
    """Make the node's goals on ``hand``: a close on a 3 cm object, then pried to ``pried`` [m].

    Returns (goals, the lines said as (level, text), the steady clock [s] as a one-item list).
    """
    lines, clock, measured = [], [0.0], [hand.width]
    said = {level: (lambda text, level=level: lines.append((level, text)))
            for level in ("warn", "info")}
    goals = GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", MAX, 20.0, said["warn"],
                         said["info"], result_timeout_s=5.0, clock=lambda: clock[0],
                         measured_width=lambda: measured[0], stop=hand,
                         stop_request=lambda: object())
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.object_width, hand.width = None, pried  # the box turned between the fingers
    measured[0] = pried
    return goals, lines, clock


def _open(goals, hand, clock):
    """Send the planned open, let time pass (the node's steady timer asks ``overdue``).

    Returns the open's delivery.
    """
    delivery = goals.send(0.0)
    hand.advance(1.0)
    clock[0] += STOP_ANSWER_S
    goals.overdue()
    return delivery


def _stop_lines(lines, level):
    return [text for said, text in lines if said == level and "/fr3_gripper/stop" in text]


@pytest.mark.parametrize("homed, param", [
    (MAX - OPEN_WIDTH_MARGIN, MAX),  # homed 2 mm narrower: the node's open edge
    (MAX - 5 * SAME_WIDTH, MAX),  # 79.5 mm
    (MAX + 5 * SAME_WIDTH, MAX),  # homed wider (the open goes out at the fingers' width)
    (0.085, 0.085),  # a hand whose parameter says 85 mm
])
def test_fingers_pried_to_a_hand_s_full_opening_are_released(homed, param):
    hand = AnsweringStop(object_width=0.03, max_width=homed)
    goals, lines, clock = _rig(hand, homed)
    goals.max_width = param
    delivery = _open(goals, hand, clock)
    assert hand.stops == 1 and not hand.pressing
    assert not delivery.needs_resend() and not _stop_lines(lines, "warn")


def test_fingers_short_of_the_open_edge_get_a_move_not_a_stop():
    """77.9 mm on an 80 mm hand: the open is a move, which ends the grasp by itself."""
    hand = AnsweringStop(object_width=0.03)
    goals, _, clock = _rig(hand, MAX - OPEN_WIDTH_MARGIN - SAME_WIDTH)
    _open(goals, hand, clock)
    hand.advance(1.0)
    assert hand.stops == 0 and not hand.pressing and hand.width == pytest.approx(MAX)


@pytest.mark.parametrize("answer", ["fail", "raise", "silent"])
def test_a_stop_that_did_not_end_the_grasp_is_sent_again_with_the_open(answer):
    hand = AnsweringStop(object_width=0.03, answers=[answer])
    goals, lines, clock = _rig(hand, MAX)
    delivery = _open(goals, hand, clock)
    assert hand.pressing and hand.stops == 1
    warned = _stop_lines(lines, "warn")
    assert len(warned) == 1 and "grasp may still hold" in warned[0]
    if answer == "silent":  # the open went out alone after the stop's wait (OpenAfterStop)
        assert f"{STOP_ANSWER_S:g} s" in warned[0]
    assert delivery.needs_resend()  # the session's resend path
    again = _open(goals, hand, clock)
    assert hand.stops == 2 and not hand.pressing
    assert not again.needs_resend()
    assert len(_stop_lines(lines, "info")) == 1  # the outage's end
    assert len(_stop_lines(lines, "warn")) == 1


def test_a_stop_failing_on_resends_is_one_warning_and_keeps_trying_below_its_bound():
    """Failures short of ``STOP_TRIES`` in a row: one warning, the open sent again each time."""
    hand = AnsweringStop(object_width=0.03, answers=["fail"] * (STOP_TRIES - 1))
    goals, lines, clock = _rig(hand, MAX)
    delivery = _open(goals, hand, clock)
    for stops in range(2, STOP_TRIES):
        assert delivery.needs_resend() and hand.pressing
        delivery = _open(goals, hand, clock)
        assert hand.stops == stops
    assert len(_stop_lines(lines, "warn")) == 1 and not _stop_lines(lines, "info")
    assert delivery.needs_resend()
    delivery = _open(goals, hand, clock)
    assert hand.stops == STOP_TRIES and not hand.pressing and not delivery.needs_resend()


def test_a_close_after_a_failed_stop_is_not_a_stop_s_business():
    """A close sent after the failed stop's open: its grasp stands as asked, nothing resent."""
    hand = AnsweringStop(object_width=0.03, answers=["fail"])
    goals, _, clock = _rig(hand, MAX)
    _open(goals, hand, clock)
    hand.object_width = 0.03
    close = goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and close.state == "ended" and hand.stops == 1
