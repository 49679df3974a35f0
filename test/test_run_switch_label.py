"""fix59e: a sub-goal switch on the budget's last step reads as due, not as one planned toward.

``vjepa-ros run --task pick-and-place --max-steps 14`` (paper sub-goals, 4 + 10 + 4 steps): step
14's command ends sub-goal 2 and the budget at once. Its line read ``-> 3/3 place (steps)``, as if
the steps after planned toward the place image; none did (the episode ended on "step budget
spent"). It now reads ``due 3/3 place, no step left (steps)``; a switch before the last step
and the last sub-goal's end (``-> done``) read as before.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.robot.goals import GoalProgress, SubGoalSwitch

NAMES = ("grasp", "carry", "place")


def _line(step: int, switch: SubGoalSwitch | None, max_steps: int | None) -> str:
    from vjepa_ros.sim.reach import ReachStep
    from vjepa_ros.sim.task_run import SceneReading, format_task_step

    progress = GoalProgress(switch.index + 1 if switch else 1, 3, 0, "steps", switch)
    reading = SceneReading(closedness=0.0, hand_object_m=0.01, object_height_m=0.0,
                           object_spot_m=0.2, grasped=False)
    return format_task_step(ReachStep(step, 0.1, 0.01, 0.1, np.zeros((32, 32, 3), np.uint8),
                                      np.zeros(7), np.zeros(7), subgoal=progress),
                            reading, NAMES, max_steps)


def test_a_switch_on_the_last_step_reads_as_due_with_no_step_left():
    switch = SubGoalSwitch(index=1, reason="steps", step=10, energy=0.1, count=3)
    line = _line(14, switch, 14)
    assert line.endswith("due 3/3 place, no step left (steps)"), line
    assert "->" not in line, line


@pytest.mark.parametrize("step, max_steps, index, label", [
    (13, 14, 1, "-> 3/3 place (steps)"),  # steps remain: planned toward it next
    (14, None, 1, "-> 3/3 place (steps)"),  # budget unknown: as before
    (18, 18, 2, "-> done (steps)"),  # the last sub-goal's end at the budget's end
    (4, 4, 0, "due 2/3 carry, no step left (steps)"),
])
def test_other_switches_read_as_before(step, max_steps, index, label):
    switch = SubGoalSwitch(index=index, reason="steps", step=4, energy=0.1, count=3)
    assert _line(step, switch, max_steps).endswith(label)


def test_run_task_prints_the_due_switch_on_its_last_step():
    """The wiring: ``run_task`` passes the loop's budget (``--max-steps 14``) to the lines."""
    pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.manipulation_loop import task_loop_config
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.sim.task_run import run_task

    cem = load_reach_config().planner.to_cem()
    lines: list[str] = []
    with Sim(manipulation_sim_config(900000, "cup", 32, 32)) as sim:
        model = OracleWorldModel().attach(sim)  # before the sub-goal images are rendered
        setup = setup_task(sim, 900000, "pick-and-place", dense=False)
        run = run_task(sim, model, setup, cem, "cup", task_loop_config(14, None, False),
                       random_actions=True, say=lines.append)
    steps = [line for line in lines[1:] if line.split()[0].isdigit()]
    assert len(run.steps) == 14 and len(steps) == 14, lines
    assert steps[3].endswith("-> 2/3 carry (steps)"), steps[3]
    assert steps[-1].endswith("due 3/3 place, no step left (steps)"), steps[-1]
