"""run --max-steps is the episode's step budget, above the task's own as well as below it.

It was min()-ed with the task's default (20 for one goal, the sub-goal sum for several), so a
longer budget for a slow model was silently dropped.
"""

import numpy as np
import pytest

from vjepa_ros.sim.choices import DENSE_MILESTONES, MILESTONES
from vjepa_ros.sim.expert import ExpertConfig
from vjepa_ros.sim.manipulation import ManipulationTaskConfig, TaskSetup
from vjepa_ros.sim.manipulation_loop import task_loop_config, task_subgoals
from vjepa_ros.sim.tasks import Goal


def _setup(task: str, names: tuple[str, ...]) -> TaskSetup:
    state = np.array([0.5, 0.0, 0.2, np.pi, 0.0, 0.0, 0.0])
    goals = [Goal(np.zeros((32, 32, 3), np.uint8), state, state, True) for _ in names]
    return TaskSetup(task, 0, goals, names, None, None, ManipulationTaskConfig(), ExpertConfig())


@pytest.mark.parametrize("task, names, dense, own", [
    ("grasp", MILESTONES["grasp"], False, 20),
    ("pick-and-place", MILESTONES["pick-and-place"], False, 4 + 10 + 4),
    ("grasp", DENSE_MILESTONES["grasp"], True, 6 + 6 + 5 + 2 + 4),
])
def test_max_steps_replaces_the_tasks_budget_and_the_last_sub_goal_holds_on(task, names, dense,
                                                                           own):
    setup = _setup(task, names)
    assert task_subgoals(setup, task_loop_config(None, None, dense))[1] == own
    for budget in (own - 3, own + 25):
        subgoals, limit = task_subgoals(setup, task_loop_config(budget, None, dense))
        assert limit == budget
        assert subgoals[-1].steps == 0, "the last sub-goal holds until the budget is spent"
