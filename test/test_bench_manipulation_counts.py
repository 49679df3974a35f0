"""bench_manipulation counts every seed asked for: one without sub-goal images is a failure.

breaker42e: ``summarize_loop`` dropped a seed whose clean expert missed a sub-goal from the
denominator (1 success of 2 seeds printed as 100 %), the loop rows printed no denominator.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from benchmarks.manipulation_episodes import skipped_row  # repository root: conftest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_manipulation", ROOT / "benchmarks" / "bench_manipulation.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def _loop_row(seed, success, switches=()):
    return {"subgoals": True, "seed": seed, "success": success, "steps": 10, "sim_s": 5.0,
            "wall_s": 1.0, "switches": [list(s) for s in switches]}


def test_every_summary_counts_a_skipped_seed_as_a_failure(bench):
    skipped = skipped_row(1)
    assert skipped == {"seed": 1, "subgoals": False, "success": False}  # the JSON row
    loop = bench.summarize_loop([skipped, _loop_row(2, True)])
    assert (loop["successes"], loop["episodes"], loop["subgoal_images"]) == (1, 2, 1)
    assert loop["success"] == pytest.approx(0.5) and bench.success_text(loop) == "1/2  50%"
    expert_row = {"seed": 2, "subgoals": True, "success": True, "detector": True, "probe": True,
                  "frames": 40, "wall_s": 1.0, "sim_s": 10.0, "misses": 0, "recovered": 0}
    expert = bench.summarize_expert([skipped, expert_row])
    assert (expert["successes"], expert["episodes"]) == (1, 2)
    assert expert["success"] == pytest.approx(0.5) and expert["agree"] == 1.0
    # the JSON's rows give the printed rate: the share with success true
    rows = [skipped, _loop_row(2, True)]
    assert sum(r["success"] for r in rows) / len(rows) == loop["success"]


def test_a_row_of_only_skipped_seeds_prints_without_medians(bench):
    loop = bench.summarize_loop([skipped_row(1), skipped_row(2)])
    assert bench.success_text(loop) == "0/2   0%" and loop["steps_median"] is None
    assert bench.number(loop["steps_median"], ">5") == "-"
    assert bench.number(5.25, ">6.1f") == "   5.2"


def test_the_rule_comparison_counts_skipped_seeds(bench, capsys):
    results = {
        "demo/cup/grasp/steps": [skipped_row(1), _loop_row(2, True, [(4, "steps")])],
        "demo/cup/grasp/energy": [skipped_row(1), _loop_row(2, False)],
    }
    bench.print_rule_comparison(results, ["steps", "energy"])
    lines = capsys.readouterr().out.splitlines()
    steps = next(line for line in lines if " steps " in line and line.startswith("demo"))
    energy = next(line for line in lines if " energy " in line and line.startswith("demo"))
    assert " 1/2  50% " in steps and "0 / 0 / 1" in steps
    assert " 0/2   0% " in energy


def test_a_model_trained_without_the_gripper_is_noted_once_in_the_benchmarks_words(bench):
    """mend53b: the note was only in each episode's log (unprinted), in the node's words.

    Under two switching rules (steps, energy) the gripper note comes once, advising this
    benchmark's --subgoal-gripper subgoal with --dense (no goals.*, no hold); the TCP note names
    the simulator's Franka Hand TCP and the model's point.
    """
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY
    from vjepa_ros.robot.trained_model import simulator_notes

    class Model:
        trained_tcp = ((0.0, 0.0, 0.2), tuple(HAND_TCP_RPY))
        trained_without_gripper = True

    switchings = [GoalSwitchConfig(rule="steps"), GoalSwitchConfig(rule="energy")]
    tcp, gripper = map(bench.option_message,  # as the benchmark prints them
                       simulator_notes(Model(), switchings, bench.BENCH_GRIPPER_ADVICE))
    assert "Franka Hand TCP" in tcp and "xyz [0, 0, 0.2]" in tcp
    assert "--subgoal-gripper planned is held" in gripper
    assert "--subgoal-gripper subgoal (with --dense" in gripper
    assert "goals." not in gripper and "hold or" not in gripper
    assert simulator_notes(type("Official", (), {})(), switchings) == []
