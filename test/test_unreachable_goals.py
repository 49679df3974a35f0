"""Goals outside the safety box: warned about, inside the manipulation loop's box, held arms.

A captured goal outside the box is warned about; the manipulation loop's box floor holds every
sub-goal the expert makes; an arm the safety filter holds ends a simulated task episode instead
of crashing the benchmark.

The bug these catch: the box grasp's descend sub-goal (TCP 2.6 cm above the table) lay below the
node's default box floor (0.05 m), so every planned target was clamped 2.5 cm above it, and a
contact that pushed the TCP under the floor raised out of ``bench_manipulation.py``.
"""

import re

import numpy as np
import pytest

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import unreachable_goal_note
from vjepa_ros.sim.oracle import OracleWorldModel

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
CEM = CEMConfig(horizon=1, samples=16, topk=4, iterations=2, maxnorm=0.05)


@pytest.mark.parametrize("xyz, expected", [
    ([0.5, 0.0, 0.3], None),
    ([0.5, 0.0, 0.05], None),  # on the floor: inside
    (None, None),
    ([0.5, 0.0, 0.026], r"z 0\.026 m < safety\.workspace_min\[2\] 0\.05"),
    ([0.9, 0.0, 0.3], r"x 0\.900 m > safety\.workspace_max\[0\] 0\.8"),
    ([0.1, 0.5, 0.3], r"x 0\.100 m < safety\.workspace_min\[0\] 0\.25, "
                      r"y 0\.500 m > safety\.workspace_max\[1\] 0\.45"),
])
def test_a_goal_outside_the_box_is_named_by_axis_and_parameter(xyz, expected):
    note = unreachable_goal_note(xyz, SafetyLimits())
    if expected is None:
        assert note == ""
    else:
        assert re.search(expected, note), note
        assert "cannot reach it" in note and "widen safety.workspace_min/max" in note


def image(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


@pytest.mark.parametrize("service", ["add_subgoal", "capture_goal"])
def test_capturing_a_goal_below_the_floor_warns_in_the_answer_and_the_log(service):
    clock, logged = [100.0], []
    oracle = OracleWorldModel()
    low = START.copy()
    low[2] = 0.03
    oracle.remember(image(1), low)
    session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=lambda: clock[0], seed=0, goal_switching=GoalSwitchConfig(),
                         log=lambda level, message: logged.append((level, message)))
    clock[0] += 0.05
    session.observe_image(image(1), clock[0])
    session.observe_state(low, clock[0])
    answer = getattr(session, service)()
    assert session.goals is not None, "still added: the person may widen the box next"
    assert "; warning: " in answer and "z 0.030 m < safety.workspace_min[2] 0.05" in answer
    assert [level for level, message in logged if "outside the safety" in message] == ["warning"]
    clock[0] += 0.5  # time for the arm to get there (faster is a glitch: jump_watch.JumpWatch)
    session.observe_image(image(2), clock[0])  # the view there (image 1 again: a frozen camera)
    session.observe_state(START, clock[0])  # inside: no warning
    assert "warning" not in getattr(session, service)()


def test_the_manipulation_loop_floor_holds_every_sub_goal_the_expert_makes():
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.manipulation import (
        ManipulationTaskConfig,
        manipulation_sim_config,
        setup_task,
    )
    from vjepa_ros.sim.manipulation_loop import task_limits

    with Sim(manipulation_sim_config(900000, "box", width=32, height=32)) as sim:
        setup = setup_task(sim, 900000, "pick-and-place", dense=True)
        limits = task_limits(sim, setup)
        assert limits.workspace_min[2] == pytest.approx(0.015)
        assert limits.workspace_min[:2] == SafetyLimits().workspace_min[:2]
        assert all(unreachable_goal_note(g.state[:3], limits) == "" for g in setup.goals)
        # the node's default floor cuts off the box's descend and closed sub-goals
        below = [name for name, g in zip(setup.names, setup.goals, strict=True)
                 if unreachable_goal_note(g.state[:3], SafetyLimits())]
        assert below == ["descend", "closed", "lower", "release"], below
    with pytest.raises(ValueError, match="workspace_floor"):
        ManipulationTaskConfig(workspace_floor=-0.01)


def test_a_held_arm_ends_the_task_episode_as_a_failure_with_the_reason():
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.detectors import SuccessMonitor
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.manipulation_loop import run_task_episode
    from vjepa_ros.sim.reach import SIM_OUTSIDE_BOX_ADVICE, ReachError, run_reach_episode
    from vjepa_ros.sim.task_run import TaskRun, read_scene

    cem = CEM
    with Sim(manipulation_sim_config(900000, "cup", width=32, height=32)) as sim:
        oracle = OracleWorldModel().attach(sim)
        setup = setup_task(sim, 900000, "grasp", dense=True)
        z = sim.ee_state()[2]
        above = SafetyLimits(workspace_min=[0.25, -0.45, z + 0.05])  # the start is below it
        with sim.preserved():
            with pytest.raises(ReachError, match="outside the workspace box") as raised:
                run_reach_episode(sim, oracle, setup.goals[-1], cem, limits=above)
        with sim.preserved():
            episode, outcome = run_task_episode(sim, oracle, setup, cem, limits=above)
        assert not episode.success and not outcome.success and episode.steps == []
        assert episode.stop_reason.startswith("held: end effector is outside the workspace box")
        for why in (str(raised.value), episode.held):  # nobody can move a simulated arm by hand
            assert why.endswith(f"; {SIM_OUTSIDE_BOX_ADVICE}") and "by hand" not in why, why
        assert any(level == "warning" and "the episode ends" in message
                   for level, message in episode.log)
        run = TaskRun(setup, "cup", GoalSwitchConfig(), episode, outcome, [],
                      read_scene(sim, setup, SuccessMonitor(sim)), 0.0)
    assert "s wall; ended: the safety filter held the arm (end effector is outside" \
        in run.summary()
    assert run.row()["end_reason"].startswith("the safety filter held the arm (end effector")
    assert "by hand" not in run.summary() and "the episode ends: check that the goal" \
        in run.summary()
    assert run.row()["stop_reason"] == episode.stop_reason and run.row()["steps"] == 0


def test_bench_reach_counts_a_held_arm_as_a_miss_and_says_why():
    """bench_reach raised out of the whole run when the safety filter held the arm once."""
    import importlib.util
    from pathlib import Path

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.reach import SIM_OUTSIDE_BOX_ADVICE, reach_sim_config
    from vjepa_ros.sim.reach_config import load_reach_config

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_reach.py"
    spec = importlib.util.spec_from_file_location("bench_reach_held", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    config = load_reach_config(None, {"planner.samples": 16, "planner.topk": 4,
                                      "planner.iterations": 2, "episode.max_steps": 2})
    with Sim(reach_sim_config(900000, config.sim)) as sim:
        oracle = OracleWorldModel().attach(sim)
        z = sim.ee_state()[2]
        above = SafetyLimits(workspace_min=[0.25, -0.45, z + 0.05])  # the start is below it
        result = bench.run_agent("oracle", sim, oracle, [900000, 900001], config, limits=above)
    assert result["successes"] == 0 and result["held_episodes"] == [900000, 900001]
    for episode in result["episodes"]:
        assert episode["steps"] == 0 and not episode["success"]
        assert episode["held"].startswith("end effector is outside the workspace box")
        assert episode["held"].endswith(SIM_OUTSIDE_BOX_ADVICE)
