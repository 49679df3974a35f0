"""The safety check's reading of the order of sub-goals commanded (``benchmarks/subgoal_order``).

The gripper scenario of ``bench_planner_safety.py`` once saw commands to sub-goals
[0, 1, 0, 1, 2] with ``gripper_command`` [0, 1, 0, 1, 0] (a false new world restarted the list,
session 45); read as a set, that was "all three reached" and only the gripper check failed,
with no word on why. The order is judged now, and each step back named.
"""

import pytest

from benchmarks.subgoal_order import (
    collapse_runs,
    hand_changes,
    step_back_cause,
    subgoal_order_failures,
)

HANDS = [0.0, 1.0, 0.0]  # open, closed, open: the scenario's sub-goals
NEW_WORLD_LINE = ("robot state on /soak/joint_states settled 0.027 m from where it was before it "
                  "jumped (...): a new world: the planner's warm start and last gripper command "
                  "are forgotten, the goal sequence starts again at sub-goal 1/3")
REOPEN_LINE = ("robot state is stale: the command that ended sub-goal 2/3 stopped short of its "
               "target, so it is active again (sub-goal 2/3), planned toward it")


def test_runs_collapse_and_the_hand_changes_follow_the_order():
    assert collapse_runs([0, 0, 0, 1, 1, 2, 2]) == [0, 1, 2]
    assert collapse_runs([]) == []
    assert hand_changes([0, 1, 2], HANDS) == [0.0, 1.0, 0.0]
    # the restart's order gives the gripper the session-45 run published
    assert hand_changes([0, 1, 0, 1, 2], HANDS) == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert hand_changes([0, 2], HANDS) == [0.0]


def test_commands_in_order_pass_however_many_each_sub_goal_got():
    assert subgoal_order_failures([0] * 7 + [1] * 5 + [2] * 6, []) == []


def test_a_restart_after_a_new_world_is_named_a_restart_not_a_pass():
    """The set {0, 1, 2} of session 45's loaded run passed the old check; the order fails."""
    indices = [0, 0, 1, 1, 0, 0, 1, 2, 2]
    lines = subgoal_order_failures(indices, ["enabled", NEW_WORLD_LINE])
    assert lines[0].startswith("commands went to sub-goals [0, 1, 0, 1, 2]")
    assert len(lines) == 2 and "a restart of the list (1 -> 0" in lines[1], lines


def test_a_reopen_after_a_stopped_short_line_is_named_a_reopen():
    lines = subgoal_order_failures([0, 1, 2, 1, 2], [REOPEN_LINE])
    assert len(lines) == 2 and "a reopen of sub-goal 1 (2 -> 1" in lines[1], lines


@pytest.mark.parametrize("indices, logs, said", [
    ([0, 1, 0, 1, 2], [], "neither new world nor stopped short"),  # back with no line: other
    ([0, 1, 2, 0, 1, 2], [REOPEN_LINE], "'stopped short'"),  # to 0 from 2: no reopen
    ([0, 1, 2, 1, 2], [NEW_WORLD_LINE], "'new world'"),  # back one, not to 0: no restart
])
def test_a_step_back_the_lines_do_not_explain_is_other(indices, logs, said):
    lines = subgoal_order_failures(indices, logs)
    backs = [line for line in lines if line.startswith("sub-goal ")]
    assert len(backs) == 1 and ": other (" in backs[0] and said in backs[0], lines


def test_a_missing_sub_goal_is_said():
    lines = subgoal_order_failures([0, 0, 1], [])
    assert lines == ["commands went to sub-goals [0, 1] (runs collapsed), not [0, 1, 2]",
                     "no command went to sub-goal(s) [2]"]
    assert "restart" in step_back_cause(2, 0, [NEW_WORLD_LINE])
