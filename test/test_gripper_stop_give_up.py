"""franka_gripper's stop: its retries are bounded, and a hand homed narrower is released (mend59b).

- A stop that fails, raises or never answers was called again with every resend of its open,
  for ever (one warning, then debug lines). Now after ``STOP_TRIES`` in a row: one ERROR line
  naming the stop service and what to do, ``stop_error()`` for ``/diagnostics`` (ERROR), the
  failed open not sent again and no new open that needs the stop sent ("withheld"), until the
  user acts (a new goal, ``~/enable`` true: the session's ``user_epoch``).
- A hand homed more than 2 mm narrower than ``robot.gripper_max_width`` (77 mm with 0.08), its
  fingers pried to its own full opening under a standing grasp, got no stop: the "fully open"
  rule used the parameter. Now the widest width an open of ours ended at (within 10 mm below the
  parameter) is the hand's full opening (fix59r2: not a width merely seen, review59r a).
The stand-in franka_gripper of test_gripper_release / test_gripper_stop_outcomes.
"""

import pytest
from test_gripper_goals import Goal
from test_gripper_release import MAX, PressingHand
from test_gripper_stop_outcomes import AnsweringStop, _open, _rig, _stop_lines

from vjepa_ros.robot.diagnostics import ERROR, OK, WARN, node_status
from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_release import (
    HOMED_NARROWER_M,
    OPEN_WIDTH_MARGIN,
    STOP_TRIES,
    ReleaseStop,
    StopOutage,
)

STOP = "/fr3_gripper/stop"


def _give_up_rig(answer, tries=STOP_TRIES):
    """Open a grasp pried fully open whose stop answers ``answer`` ``tries`` times, to the give-up.

    The open is sent again until ``STOP_TRIES`` stops were called.

    Returns (hand, goals, lines, clock, epoch: a one-item list the goals read as user_epoch,
    the last open's delivery).
    """
    hand = AnsweringStop(object_width=0.03, answers=[answer] * tries)
    goals, lines, clock = _rig(hand, MAX)
    epoch = [0]
    goals.outage.epoch = lambda: epoch[0]
    goals.error = lambda text: lines.append(("error", text))
    delivery = _open(goals, hand, clock)
    for _ in range(STOP_TRIES - 1):
        assert delivery.needs_resend()  # the session's resend path, stop and all
        delivery = _open(goals, hand, clock)
    return hand, goals, lines, clock, epoch, delivery


@pytest.mark.parametrize("answer", ["fail", "raise", "silent"])
def test_a_stop_that_keeps_failing_is_given_up_with_one_error_line(answer):
    hand, goals, lines, clock, _, delivery = _give_up_rig(answer)
    assert hand.stops == STOP_TRIES and hand.pressing
    errors = [text for level, text in lines if level == "error"]
    assert len(errors) == 1, lines
    assert STOP in errors[0] and f"{STOP_TRIES} times in a row" in errors[0]
    assert "new goal" in errors[0] and "~/enable" in errors[0]  # what to do
    assert f"ros2 service call {STOP}" in errors[0]
    assert len(_stop_lines(lines, "warn")) == 1  # the outage's one warning, as before
    assert not delivery.needs_resend()  # the failed open is not sent again
    assert goals.stop_error() == errors[0]  # /diagnostics: ERROR with that line
    sent = len(hand.received)
    withheld = _open(goals, hand, clock)  # the next plan's open: it needs the stop
    assert withheld.state == "withheld" and not withheld.needs_resend()
    assert hand.stops == STOP_TRIES and len(hand.received) == sent  # nothing went out
    assert hand.pressing
    assert len([level for level, _ in lines if level == "error"]) == 1  # said once


def test_the_user_s_act_ends_the_give_up_and_the_open_goes_out_with_its_stop():
    hand, goals, lines, clock, epoch, delivery = _give_up_rig("fail")
    withheld = _open(goals, hand, clock)
    assert withheld.state == "withheld"
    epoch[0] += 1  # a new goal, or ~/enable true
    assert withheld.needs_resend() and goals.stop_error() == ""
    assert [text for level, text in lines if level == "info" and "trying the stop again" in text]
    again = _open(goals, hand, clock)  # the session's resend (the stop now answers)
    assert hand.stops == STOP_TRIES + 1 and not hand.pressing
    assert again.state == "ended" and not again.needs_resend()


def test_after_the_user_acts_a_new_outage_is_warned_and_bounded_again():
    hand, goals, lines, clock, epoch, _ = _give_up_rig("fail", tries=2 * STOP_TRIES)
    epoch[0] += 1
    delivery = _open(goals, hand, clock)
    for _ in range(STOP_TRIES - 1):
        assert delivery.needs_resend()
        delivery = _open(goals, hand, clock)
    assert hand.stops == 2 * STOP_TRIES and not delivery.needs_resend()
    assert len([level for level, _ in lines if level == "error"]) == 2
    assert len(_stop_lines(lines, "warn")) == 2  # one per outage


def test_a_close_and_a_move_still_go_out_while_the_stop_is_given_up():
    """Only opens that need the stop are withheld: a close, and an open that is a move."""
    hand, goals, _, clock, _, _ = _give_up_rig("fail")
    hand.object_width = 0.03
    close = goals.send(1.0)
    hand.advance(1.0)
    assert close.state == "ended" and hand.width == pytest.approx(0.03)
    goals.measured_width = lambda: hand.width  # fingers on the object: the open is a move
    opened = goals.send(0.0)
    hand.advance(1.0)
    assert opened.state == "ended" and not hand.pressing
    assert hand.width == pytest.approx(MAX)


def test_the_outage_counts_in_a_row_and_a_stop_that_works_ends_it():
    outage = StopOutage(STOP)
    assert outage.failed("failed (x)", "line")[0] == "warning"
    assert outage.failed("failed (x)", "line")[0] == "debug"
    assert outage.worked()  # the outage's end line
    levels = [outage.failed("failed (x)", "line")[0] for _ in range(STOP_TRIES)]
    assert levels == ["warning"] + ["debug"] * (STOP_TRIES - 2) + ["error"]
    assert outage.given_up()  # no epoch given: it stands until a stop works
    assert not outage.resume()
    assert outage.worked() and not outage.given_up()


def test_a_give_up_is_an_error_in_diagnostics():
    status = {"level": OK, "message": "planning", "values": {}}
    assert node_status(status, [], withheld=["x"])["level"] == WARN
    raised = node_status(status, [], withheld=["stop given up"], error=True)
    assert raised["level"] == ERROR and "stop given up" in raised["message"]


def test_the_session_counts_the_user_s_acts():
    from vjepa_ros.robot.enable_session import EnableSession
    from vjepa_ros.robot.goal_session import GoalSession

    assert GoalSession.user_epoch == 0
    source = (EnableSession.set_enabled.__code__.co_names, GoalSession.set_goals.__code__.co_names,
              GoalSession.clear_goals.__code__.co_names)
    assert all("user_epoch" in names for names in source)



def _measured_goals(hand):
    """Make the node's goals on ``hand`` (fingers measured, stop served); (goals, lines)."""
    lines = []
    goals = GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", MAX, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)),
                         measured_width=lambda: hand.width, stop=hand,
                         stop_request=lambda: object())
    return goals, lines

# -- a hand homed narrower than robot.gripper_max_width ------------------------------------------

@pytest.mark.parametrize("homed", [MAX - 3e-3, MAX - 0.005, MAX - HOMED_NARROWER_M + 1e-4])
def test_fingers_pried_to_a_narrower_hand_s_own_full_opening_get_the_stop(homed):
    """Homed at 77 mm with 0.08: an open ended at 77 mm before the close, pried back there.

    (franka_gripper aborts the open to 80 mm as out of range, the fingers unmoved at the hand's
    own full opening: that open counts, fix59r2.)
    """
    hand = PressingHand(width=homed, max_width=homed, object_width=0.03)
    goals, lines = _measured_goals(hand)
    goals.send(0.0)  # an open: aborted as out of range at the hand's own full opening
    hand.advance(1.0)
    assert goals.release.full_opening(MAX) == pytest.approx(homed)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.object_width, hand.width = None, homed  # the box turned between the fingers
    goals.send(0.0)
    hand.advance(1.0)
    assert hand.stops == 1 and not hand.pressing, "the grasp still presses after the open"


@pytest.mark.parametrize("widest, width, due", [
    (MAX - 0.003, MAX - 0.003, True),  # a hand homed at 77 mm, an open ended there
    (MAX - 0.003, MAX - 0.003 - OPEN_WIDTH_MARGIN, True),  # the edge of its own opening
    (MAX - 0.003, MAX - 0.003 - OPEN_WIDTH_MARGIN - 1e-4, False),  # a move
    (MAX, MAX - OPEN_WIDTH_MARGIN - 1e-4, False),  # seen at 80 mm: the parameter's edge
    (MAX - HOMED_NARROWER_M - 1e-3, MAX - HOMED_NARROWER_M - 1e-3, False),  # an object's width
    (None, MAX - 0.003, False),  # no open ended yet: the parameter's edge
])
def test_the_full_opening_is_the_widest_opened_within_reach_of_the_parameter(widest, width,
                                                                                due):
    release = ReleaseStop()
    release.opened(widest)
    release.sent(1.0)
    assert release.due(0.0, width, MAX) is due


# -- fix59r2 (review59r a): only an open that got there tells the hand's full opening -----------

@pytest.mark.parametrize("stop_ok", [True, False])
def test_fingers_only_seen_narrower_get_a_move_not_a_stop(stop_ok):
    """A hand homed at 80 mm, fingers closed on a 72 mm object before any open of ours.

    mend59b took 72 mm (the widest seen) as the full opening: the open needed a stop first, and
    with the stop failing it was withheld after STOP_TRIES. The open to 80 mm is a ``move`` for
    franka_gripper, which ends the grasp by itself: it goes out alone, every time.
    """
    hand = PressingHand(width=0.072, object_width=0.072, stop_ok=stop_ok)  # held since before
    goals, lines = _measured_goals(hand)
    goals.error = lambda text: lines.append(("error", text))
    for _ in range(STOP_TRIES + 1):
        hand.object_width = 0.072
        goals.send(1.0)  # ours closes on it: pressing at 72 mm
        hand.advance(1.0)
        assert hand.pressing and hand.width == pytest.approx(0.072)
        delivery = goals.send(0.0)
        hand.advance(1.0)
        assert delivery and delivery.state == "ended", lines
        assert hand.stops == 0 and not hand.pressing and hand.width == pytest.approx(MAX)
    assert not [text for level, text in lines if level == "error"]
    assert goals.release.full_opening(MAX) == MAX


def test_what_an_open_s_end_tells_of_the_hand_s_full_opening():
    """``open_got_there``: done, reached or out of range unmoved count; short, canceled do not."""
    import types

    from vjepa_ros.robot.gripper_results import (
        STATUS_ABORTED,
        STATUS_CANCELED,
        STATUS_SUCCEEDED,
        judge_result,
        open_got_there,
    )

    def ended(status, width, start, reached=True, stalled=False):
        result = types.SimpleNamespace(position=width / 2, effort=0.0, stalled=stalled,
                                       reached_goal=reached)
        judged = judge_result(status, MAX / 2, result, MAX, start=start / 2, finger=width / 2)
        return open_got_there(status, judged)

    assert ended(STATUS_SUCCEEDED, MAX, 0.03)  # a move done
    assert ended(STATUS_ABORTED, MAX - 5e-4, MAX - 5e-4)  # the full opening, aborted
    assert ended(STATUS_ABORTED, 0.077, 0.077, reached=False)  # out of range: homed at 77 mm
    assert not ended(STATUS_ABORTED, 0.074, 0.03, reached=False)  # moved, stopped short
    assert not ended(STATUS_SUCCEEDED, 0.074, 0.03, reached=False, stalled=True)  # stalled
    assert not ended(STATUS_CANCELED, 0.074, 0.03, reached=False)  # canceled on the way
    assert not ended(0, 0.077, 0.077, reached=False)  # no terminal status: nothing read
