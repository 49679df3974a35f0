"""robot.awaited_goals.AwaitedGoals: the gripper goals' answers and outages, without rclpy.

Each test states one rule of the module docstring by feeding the events the node's action
client sees (numbered, not sent, sent, rejected, accepted, finished, the overdue check). That
the module imports no ROS is test_core_is_ros_free's (robot/ is core).
"""

from __future__ import annotations

from vjepa_ros.robot.awaited_goals import (
    MAX_FORGOTTEN_SPANS,
    STATUS_ABORTED,
    STATUS_CANCELED,
    AwaitedGoals,
)

NAME = "/fr3_gripper/gripper_action"
SUCCEEDED = 4  # action_msgs/GoalStatus.STATUS_SUCCEEDED


def _sent(goals: AwaitedGoals, at: float, closedness: float = 1.0) -> int:
    number = goals.sending()
    assert goals.went_out(number, closedness, at) == ""
    return number


# --- no server: one outage, one line at its end ------------------------------------------------

def test_no_server_is_one_warning_and_one_line_when_a_goal_goes_out_again():
    goals = AwaitedGoals(NAME, 10.0)
    never, answered = _sent(goals, 0.0), _sent(goals, 1.0)
    warnings = [goals.not_sent(goals.sending(), "no GripperCommand action server")
                for _ in range(3)]
    assert warnings[1:] == ["", ""] and NAME not in warnings[0]
    assert warnings[0].startswith("control.gripper_action: no GripperCommand action server; ")
    assert warnings[0].endswith("(2 sent before had no answer yet)")
    goals.accepted(answered, 1.0, 2.0)  # an answer for it came meanwhile: not lost
    number = goals.sending()
    assert number == answered + 1 and never < answered  # the unsent goals took no number
    line = goals.went_out(number, 0.0, 3.0)
    assert line.endswith(f"server at {NAME} answers; gripper goals are sent again (3 not sent, "
                         "1 sent before it went never answered)"), line
    assert goals.unsent == 3 and goals.overdue(3.0 + 9.9) == ([], "")


def test_goals_lost_with_the_server_are_not_timed():
    goals = AwaitedGoals(NAME, 10.0)
    _sent(goals, 0.0)
    goals.not_sent(goals.sending(), "gone")
    assert goals.overdue(100.0) == ([], "") and goals.awaiting == {}


# --- the result timeout: one warning per outage ------------------------------------------------

def test_an_overdue_goal_starts_an_outage_and_the_next_answer_ends_it_in_one_line():
    goals = AwaitedGoals(NAME, 10.0)
    first = _sent(goals, 0.0, closedness=1.0)
    goals.accepted(first, 1.0, 1.0)
    assert goals.overdue(10.9) == ([], "")  # 10 s from its acceptance, not from its send
    numbers, warning = goals.overdue(11.0)
    assert numbers == [first] and "no result from " + NAME in warning
    assert "10 s after the server accepted it (control.gripper_result_timeout_s)" in warning
    second = _sent(goals, 12.0)
    assert goals.overdue(22.0) == ([second], "")  # counted, not said
    assert goals.unanswered_now == 2 and goals.unanswered == 2
    third = _sent(goals, 30.0)
    goals.accepted(third, 0.0, 31.0)
    level, line = goals.finished(third, 0.0, 30.0, 32.5, SUCCEEDED).said
    assert level == "info" and line.endswith(
        f"; {NAME} answers again, 2.5 s after that goal was sent (2 goals went unanswered past "
        "control.gripper_result_timeout_s)"), line
    assert goals.unanswered_now == 0
    assert goals.finished(third, 0.0, 30.0, 33.0, SUCCEEDED).said is None


def test_an_unaccepted_goal_is_said_as_not_accepted():
    goals = AwaitedGoals(NAME, 5.0)
    _sent(goals, 0.0, closedness=0.25)
    numbers, warning = goals.overdue(5.0)
    assert numbers == [1] and f"{NAME} has not accepted the gripper goal (closedness 0.25) " \
        "5 s after it was sent" in warning


def test_a_rejection_ends_an_outage_a_failed_request_does_not():
    goals = AwaitedGoals(NAME, 10.0)
    _sent(goals, 0.0)
    goals.overdue(10.0)
    failed = _sent(goals, 11.0)
    line = goals.rejected(failed, 1.0, 11.0, 11.5, request_failed=True)
    assert "(its request failed: no answer); the hand was not commanded" in line
    assert "answers again" not in line and goals.unanswered_now == 1
    rejected = _sent(goals, 12.0)
    line = goals.rejected(rejected, 1.0, 12.0, 12.5)
    assert line.endswith("1 goal went unanswered past control.gripper_result_timeout_s)"), line
    assert goals.failed == 2


def test_a_zero_timeout_keeps_nothing():
    goals = AwaitedGoals(NAME, 0.0)
    for _ in range(100):
        _sent(goals, 0.0)
    assert goals.awaiting == {} and goals.overdue(1e9) == ([], "")


# --- what an answer answers ----------------------------------------------------------------

def test_a_result_answers_every_older_goal_a_rejection_only_the_unaccepted_ones():
    goals = AwaitedGoals(NAME, 10.0)
    accepted, unaccepted, rejected = (_sent(goals, 0.0) for _ in range(3))
    goals.accepted(accepted, 1.0, 0.0)
    goals.rejected(rejected, 1.0, 0.0, 1.0)
    assert sorted(goals.awaiting) == [accepted]  # the older accepted goal still awaits
    newest = _sent(goals, 2.0)
    goals.accepted(newest, 1.0, 2.0)
    goals.finished(newest, 1.0, 2.0, 3.0, SUCCEEDED)
    assert goals.awaiting == {} and unaccepted < newest


# --- superseded or failed ------------------------------------------------------------------

def test_a_cancel_is_no_failure_when_a_newer_goal_went_out_and_was_not_rejected():
    goals = AwaitedGoals(NAME, 10.0)
    older, newer = _sent(goals, 0.0), _sent(goals, 0.5)
    goals.accepted(older, 1.0, 0.1)
    assert goals.finished(older, 1.0, 0.0, 0.6, STATUS_CANCELED).said is None  # newer unjudged
    goals.accepted(newer, 0.0, 0.7)
    assert goals.finished(newer, 0.0, 0.5, 1.0, STATUS_ABORTED).said[0] == "warning"
    assert goals.failed == 1


def test_a_rejected_newer_goal_supersedes_nothing():
    goals = AwaitedGoals(NAME, 10.0)
    older, newer = _sent(goals, 0.0), _sent(goals, 0.5)
    goals.accepted(older, 1.0, 0.1)
    goals.rejected(newer, 0.0, 0.5, 0.6)
    level, line = goals.finished(older, 1.0, 0.0, 1.0, STATUS_ABORTED).said
    assert level == "warning" and f"the gripper goal to {NAME} was aborted (closedness " \
        "1.00): the driver did not complete it; check the hand" in line


def test_a_newer_goal_dropped_unaccepted_as_overdue_still_supersedes_and_is_not_kept():
    goals = AwaitedGoals(NAME, 1.0)
    older = _sent(goals, 0.0)
    goals.accepted(older, 1.0, 0.0)
    for second in range(1, 10_001):  # a hung server: never accepts again
        _sent(goals, float(second))
        goals.overdue(second + 1.0)
    assert len(goals.unjudged) <= 1 and goals.forgotten.spans == ((2, goals.forgotten.newest),)
    assert goals.forgotten.newest >= 10_000
    assert goals.finished(older, 1.0, 0.0, 10_002.0, STATUS_CANCELED).said[0] == "info"


def test_goals_dropped_as_overdue_supersede_until_each_is_rejected():
    """Goals 2 and 3 overdue unaccepted: 3 rejected, 2 still supersedes 1; 2 rejected: it fails."""
    goals = AwaitedGoals(NAME, 1.0)
    one = _sent(goals, 0.0)
    goals.accepted(one, 1.0, 0.0)
    two, three = _sent(goals, 0.5), _sent(goals, 0.6)
    goals.overdue(2.0)
    assert goals.forgotten.spans == ((two, three),) and goals.unjudged == set()
    goals.rejected(three, 0.0, 0.6, 2.1)
    assert goals.finished(one, 1.0, 0.0, 2.2, STATUS_CANCELED).said is None  # two stands
    goals.rejected(two, 0.0, 0.5, 2.3)
    level, line = goals.finished(one, 1.0, 0.0, 2.4, STATUS_ABORTED).said
    assert level == "warning" and "aborted" in line and not goals.forgotten


def test_a_goal_accepted_after_it_was_dropped_as_overdue_leaves_the_forgotten():
    goals = AwaitedGoals(NAME, 1.0)
    one, two = _sent(goals, 0.0), _sent(goals, 0.0)
    goals.overdue(1.5)
    goals.accepted(two, 0.0, 2.0)
    assert not goals.forgotten and goals.newest_accepted == two
    level, line = goals.finished(one, 1.0, 0.0, 2.5, STATUS_ABORTED).said  # superseded: no failure
    assert level == "info" and "answers again" in line and goals.failed == 0


def test_rejections_punching_more_holes_than_the_cap_drop_the_oldest_span():
    """Goals 2, 4, 6, ... dropped as overdue, 3, 5, 7, ... rejected: one span each, the cap holds.

    Past MAX_FORGOTTEN_SPANS spans the oldest go (documented); the newest still supersedes goal
    1's abort until it is rejected too.
    """
    goals = AwaitedGoals(NAME, 1.0)
    one = _sent(goals, 0.0)
    goals.accepted(one, 1.0, 0.0)
    numbers = [_sent(goals, 0.5) for _ in range(2 * MAX_FORGOTTEN_SPANS + 20)]
    goals.overdue(2.0)
    assert goals.forgotten.spans == ((numbers[0], numbers[-1]),)
    for rejected in numbers[1::2]:
        goals.rejected(rejected, 0.0, 0.5, 2.1)
    spans = goals.forgotten.spans
    assert len(spans) == MAX_FORGOTTEN_SPANS and all(low == high for low, high in spans)
    assert spans[-1][0] == numbers[-2] and numbers[0] not in goals.forgotten
    assert goals.finished(one, 1.0, 0.0, 2.2, STATUS_CANCELED).said is None  # numbers[-2] stands
    for kept, _ in spans:
        goals.rejected(kept, 0.0, 0.5, 2.3)
    assert goals.finished(one, 1.0, 0.0, 2.4, STATUS_ABORTED).said[0] == "warning"


# --- what a goal's end returns: the words and whether to send it again -------------------------

def test_a_failure_comes_back_as_a_resend_with_its_words_and_nothing_else_does():
    """AwaitedGoals.finished returns the failure itself (GoalEnd.resend), not on the object.

    An abort not superseded: resend, warned; an out-of-range abort (advice): warned, no resend;
    a superseded abort, a hold, a cancel of ours, a goal reached, another client's cancel, a
    failed result request: no resend.
    """
    goals = AwaitedGoals(NAME, 10.0)
    one = _sent(goals, 0.0)
    goals.accepted(one, 1.0, 0.1)
    end = goals.finished(one, 1.0, 0.0, 1.0, STATUS_ABORTED)
    assert end.resend and end.said[0] == "warning" and "sent again" in end.said[1], end
    two = _sent(goals, 1.0, 0.0)
    goals.accepted(two, 0.0, 1.1)
    end = goals.finished(two, 0.0, 1.0, 2.0, STATUS_ABORTED, advice="out of range")
    assert not end.resend and "out of range" in end.said[1] and "not sent again" in end.said[1]
    three, four = _sent(goals, 2.0), _sent(goals, 2.1)
    goals.accepted(three, 1.0, 2.2)
    goals.accepted(four, 1.0, 2.3)
    assert not goals.finished(three, 1.0, 2.0, 3.0, STATUS_ABORTED).resend  # four supersedes it
    assert not goals.finished(four, 1.0, 2.1, 3.1, STATUS_ABORTED, held=0.03).resend  # a hold
    five = _sent(goals, 4.0, 0.0)
    goals.accepted(five, 0.0, 4.1)
    assert not goals.finished(five, 0.0, 4.0, 5.0, STATUS_ABORTED, reached=True).resend
    six = _sent(goals, 5.0, 0.5)
    goals.accepted(six, 0.5, 5.1)
    end = goals.finished(six, 0.5, 5.0, 6.0, STATUS_CANCELED)  # not ours: another client's
    assert not end.resend and "another client" in end.said[1]
    seven = _sent(goals, 6.0, 0.5)
    goals.accepted(seven, 0.5, 6.1)
    assert not goals.finished(seven, 0.5, 6.0, 7.0, STATUS_ABORTED, request_failed=True).resend
    goals.cancelling()
    assert not goals.finished(seven, 0.5, 6.0, 7.0, STATUS_CANCELED).resend  # ours
    eight = _sent(goals, 8.0, 0.2)
    goals.accepted(eight, 0.2, 8.1)
    assert goals.finished(eight, 0.2, 8.0, 9.0, STATUS_ABORTED).resend
