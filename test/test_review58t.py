"""review58t: franka_gripper's stop before an open, the open sent once the stop answered (fix58r).

An open that waits for its stop's answer (:class:`~vjepa_ros.robot.gripper_stop.OpenAfterStop`,
up to ``STOP_ANSWER_S``) is still sent when that answer comes, whatever happened meanwhile:
a newer goal (a close) went out: the stale open lands after it.
"""

from test_gripper_release import MAX
from test_gripper_stop import SlowStopHand, _closed_then_pried


def test_a_close_sent_while_the_open_waits_for_its_stop_is_the_hand_s_last_goal():
    """Input: open (stop due, its answer slow), then a close before the stop answers.

    Should: the hand's last goal received is the close (the planner's latest command); the
    stale open is dropped (or at least not sent after the close).
    """
    hand = SlowStopHand(object_width=0.03)
    goals, _lines = _closed_then_pried(hand)
    assert goals.send(0.0) and hand.stops == 1
    close = goals.send(1.0)  # the next plan closes the hand again
    assert close
    hand.answer()  # the stop answers now (within STOP_ANSWER_S)
    assert hand.received[-1][0] < MAX / 2 - 0.001, (
        f"the hand's last goal is {hand.received[-1][0]} m a finger: the stale open")
