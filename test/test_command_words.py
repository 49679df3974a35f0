"""user57u: an enabled planner logs one short line per command it sent (command_words)."""

import numpy as np
import pytest

from vjepa_ros.robot.command_words import command_line
from vjepa_ros.robot.goals import GoalProgress
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport

START = np.array([0.40, 0.00, 0.30, 3.14, 0.0, 0.0, 0.0])


def commanded(**fields):
    values = dict(outcome=PlanOutcome.COMMANDED, commands_sent=12, energy=0.421337,
                  latency_s=1.8512, start=START, command=START + [0.006, -0.008, 0.0, 0, 0, 0, 0])
    return PlanReport(**{**values, **fields})


def test_a_command_is_one_line_with_its_step_energy_time_and_distance():
    assert command_line(commanded()) == "command 12: energy 0.4213, plan 1.85 s, move 10.0 mm"


def test_the_gripper_and_the_sub_goal_are_said_when_there_are_any():
    line = command_line(commanded(gripper_command=1.0,
                                  subgoal=GoalProgress(index=1, count=3, steps_done=2,
                                                       rule="steps")))
    assert line.endswith("move 10.0 mm, gripper 1.00, sub-goal 2/3"), line
    single = command_line(commanded(subgoal=GoalProgress(0, 1, 0, "steps")))
    assert "sub-goal" not in single, "a single goal: no sub-goal count"


def test_what_is_unknown_is_left_out_not_made_up():
    line = command_line(commanded(energy=None, start=None))
    assert line == "command 12: plan 1.85 s", line


@pytest.mark.parametrize("outcome", [o for o in PlanOutcome if o is not PlanOutcome.COMMANDED]
                         + [None])
def test_only_a_commanded_plan_is_said(outcome):
    assert command_line(commanded(outcome=outcome)) == ""
