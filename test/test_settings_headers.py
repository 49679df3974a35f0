"""The settings lines `vjepa-ros run` and the manipulation / reach benchmarks print first.

They name what changes the numbers below them: the search method with its own settings, gradient
refinement when on, and per task the sub-goals it plans toward (with the dense step counts that
task uses; reach-with-object has one goal, dense or not).
"""

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.robot.goals import GoalSwitchConfig
from vjepa_ros.sim.choices import DENSE_STEPS_DEFAULT, subgoals_text
from vjepa_ros.sim.run_notes import planner_text

ROOT = Path(__file__).resolve().parent.parent
ICEM = CEMConfig(horizon=1, samples=100, iterations=5, method="icem",
                 icem=ICEMSettings(noise_beta=3.0), refine=RefineSettings(steps=5, lr=0.05))


def _bench(name: str):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(f"_headers_{name}",
                                                      ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


@pytest.mark.parametrize("task, dense, steps, text", [
    ("grasp", True, DENSE_STEPS_DEFAULT,
     "dense sub-goals (steps: approach 6, pre-grasp 6, descend 5, closed 2, grasp 4)"),
    ("grasp", True, (1, 2, 3, 4, 5, 6, 7, 8, 9),
     "dense sub-goals (steps: approach 1, pre-grasp 2, descend 3, closed 4, grasp 5)"),
    ("pick-and-place", True, (1, 2, 3, 4, 5, 6, 7, 8, 9),
     "dense sub-goals (steps: approach 1, pre-grasp 2, descend 3, closed 4, grasp 5, carry 6, "
     "lower 7, release 8, place 9)"),
    ("reach-with-object", True, DENSE_STEPS_DEFAULT, "one goal (no dense sub-goals)"),
    ("reach-with-object", False, DENSE_STEPS_DEFAULT, "one goal"),
    ("pick-and-place", False, DENSE_STEPS_DEFAULT, "paper sub-goals (grasp, carry, place)"),
    ("grasp", False, DENSE_STEPS_DEFAULT, "paper sub-goals (grasp)"),
])
def test_each_task_names_its_own_sub_goals_and_the_counts_it_uses(task, dense, steps, text):
    assert subgoals_text(task, dense, steps) == text


@pytest.mark.parametrize("config, parts", [
    (ICEM, ["ICEM (noise_beta 3.0, keep_elites_fraction 0.3, population_decay 1.25, "
            "shift_warm_start True, add_mean True, execute_best True) S 100, H 1, I 5",
            ", refine 5 steps lr 0.05;"]),
    (CEMConfig(method="mppi", mppi=MPPISettings(temperature=0.5)),
     ["MPPI (temperature 0.5, normalize_costs True, noise_sigma 1.0, noise_decay 0.7, "
      "shift_warm_start True) S 400"]),
    (CEMConfig(), ["CEM S 400, H 2, I 10, k 10, maxnorm 0.05 m, gripper clip 0.75, round "
                   "threshold 0.25; blocking control"]),
])
def test_run_names_the_method_settings_and_refinement(config, parts):
    text = planner_text(config, GoalSwitchConfig())
    assert all(part in text for part in parts), text
    assert ("refine" in text) == (config.refine.steps > 0)


def test_bench_manipulation_header_names_refinement_method_and_each_tasks_sub_goals():
    from vjepa_ros.sim.manipulation_loop import task_loop_config

    bench = _bench("bench_manipulation")
    args = argparse.Namespace(tasks=["grasp", "reach-with-object", "pick-and-place"],
                              dense=True, width=640, height=480, max_steps=None)
    loop = task_loop_config(None, [3, 3, 3, 3, 3, 4, 4, 4, 4], True)
    settings, subgoals = bench.header_lines(args, ICEM, loop, [GoalSwitchConfig()],
                                            range(900000, 900002))
    assert "ICEM (noise_beta 3.0, " in settings and "H 1 S 100 I 5 k 10 maxnorm 0.05" in settings
    assert ", camera 640x480; " in settings  # --width/--height, as vjepa-ros run (was: --size)
    assert ", refine 5 steps lr 0.05;" in settings
    assert subgoals == (
        "# sub-goals: grasp: dense sub-goals (steps: approach 3, pre-grasp 3, descend 3, "
        "closed 3, grasp 3); reach-with-object: one goal (no dense sub-goals); pick-and-place: "
        "dense sub-goals (steps: approach 3, pre-grasp 3, descend 3, closed 3, grasp 3, carry 4, "
        "lower 4, release 4, place 4)")
    args.dense, args.tasks = False, ["reach-with-object"]
    plain = bench.header_lines(args, CEMConfig(), task_loop_config(None, None, False),
                               [GoalSwitchConfig()], range(1, 2))
    assert "refine" not in plain[0] and "CEM H 2 S 400" in plain[0]
    assert plain[1] == "# sub-goals: reach-with-object: one goal"


def test_bench_reach_settings_carry_the_method_settings_and_refinement():
    bench = _bench("bench_reach")
    parser = bench.build_parser()
    config = bench.checked_settings(parser.parse_args(
        ["--method", "mppi", "--mppi-temperature", "0.2", "--refine-steps", "3"]))[0]
    settings = bench.planner_settings(config.planner)
    assert settings["method"] == "mppi" and settings["mppi"]["temperature"] == 0.2
    assert settings["refine"] == {"steps": 3, "lr": 0.1}
    plain = bench.planner_settings(bench.checked_settings(parser.parse_args([]))[0].planner)
    assert "mppi" not in plain and "icem" not in plain and plain["refine"]["steps"] == 0
