"""breaker42e: can the manipulation and reach benchmarks report untrue success rates (da26525).

Attacked: ``benchmarks/bench_manipulation.py`` (``summarize_loop``, ``run_loop``),
``benchmarks/bench_reach.py`` (goals of ``vjepa_ros/sim/reach.py`` ``make_reach_goal`` /
``reach_target``), ``vjepa_ros/sim/detectors.py`` (``is_grasped``, ``is_placed``),
``vjepa_ros/sim/manipulation.py`` (``task_outcome``, ``setup_task``), ``sim/manipulation_loop.py``
(``run_task_episode``'s ``done``), ``sim/scene.py`` (``object_placements``), the collection
seeds of ``scripts/*.sh``. Each test asserts what SHOULD happen; the strict xfails fail at da26525.

1. pick-and-place counts a cup that was never picked: the closed hand lowered beside the cup and
   moved along the table pushes it onto the place spot (never lifted, never grasped) and
   ``task_outcome`` (the loop's ``done`` and the benchmark's success) says success: the README's
   "picks and places the cup 13/20" counts pushes as picks.
2. ``bench_manipulation.summarize_loop`` drops a seed without sub-goal images from the
   denominator: 1 success of 2 seeds prints as 100 % (the loop rows print no denominator).
3. The held-out reach goals are drawn from the same random stream as the coloured objects'
   placement (``np.random.default_rng(seed)`` twice): 14 of the 20 goals of seeds 900000-900019
   are an affine copy of one coloured object's (x, y, yaw), i.e. the hand's goal hovers within
   5 cm (x-y) of that object and its height is set by the object's yaw; not the independent
   workspace draw the benchmark describes.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from sim_push import push_onto_spot

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_pushed_cup_is_not_a_pick_and_place_success():
    """A cup pushed along the table onto the place spot counts as picked and placed.

    The closed hand is lowered beside the cup (4 cm above the table) and moved 14 cm along the
    table toward the place spot, then raised: the cup slides upright onto the spot (3 cm from it)
    without ever leaving the table. A lab sees it whenever the planner moves the hand at grasp
    height before closing (docs/manipulation.md: "a finger lands on the rim and pushes the cup",
    the hand closing 2-4 cm off the object): the cup is pushed, not picked. The task is
    pick-and-place: a cup that was never grasped must not count as a success (the benchmark's
    success and the loop's ``done`` are both ``task_outcome``).
    """
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.detectors import SuccessMonitor
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task, task_outcome

    seed = 900000
    with Sim(manipulation_sim_config(seed, "cup", 32, 32)) as sim:
        setup = setup_task(sim, seed, "pick-and-place", subgoal_images=False)
        monitor = SuccessMonitor(sim)
        cup = sim.object_reading().position
        spot = setup.place_xy
        lifted, grasped = push_onto_spot(sim, monitor, cup[:2], spot)
        position = sim.object_reading().position
        # the scene is what the test says: pushed onto the spot, never lifted or held
        assert not lifted and not grasped
        assert np.linalg.norm(position[:2] - spot) < 0.05
        assert np.linalg.norm(position[:2] - cup[:2]) > 0.1
        outcome = task_outcome(sim, setup)
    assert not outcome.success, "a pushed cup counted as picked and placed"


def test_loop_success_counts_a_skipped_seed_as_a_failure():
    """A seed without sub-goal images is dropped from the loop rows' success rate.

    ``bench_manipulation.py --seeds 2``: seed A has no sub-goal images (the clean expert missed
    a sub-goal: ``setup_task`` raised, ``run_loop`` returns ``{"seed", "subgoals": False}``),
    seed B ran and succeeded. The loop row prints ``success`` as a bare percentage with no
    denominator: it says 100 % though the agent succeeded on 1 of the 2 seeds asked for. A lab
    sees it with more seeds or another scene (docs/manipulation.md: the clean expert reached
    every sub-goal on the 120 default seeds only). A skipped seed must count as a failure (or
    the row must say n/N);
    here: the rate over every episode run.
    """
    bench = _load("bench_manipulation")
    rows = [
        {"seed": 1, "subgoals": False},
        {"subgoals": True, "seed": 2, "success": True, "steps": 10, "sim_s": 5.0, "wall_s": 1.0,
         "switches": []},
    ]
    summary = bench.summarize_loop(rows)
    assert summary["episodes"] == 2
    assert summary["success"] == pytest.approx(0.5)


def test_held_out_reach_goals_do_not_copy_an_object_pose():
    """Most held-out reach goals are a copy of a coloured object's pose.

    ``bench_reach.py`` (and ``vjepa-ros reach --goal-seed``) draws the goal of seed s with
    ``np.random.default_rng(s)``, the generator ``Sim.reset(s)`` placed the coloured objects with.
    Its first three uniforms are the first object's (x, y, yaw) draws, so when the first candidate
    lies 8-25 cm from the start the goal is an affine copy of that object's pose (the next
    candidate: the next object's): the hand's goal hovers within 5 cm (x-y) of a coloured cube or
    cylinder and its height is set by the object's yaw. On the 20 default held-out seeds (the
    README's 18/20) 14 goals are such copies, not independent workspace draws; a person running
    ``bench_reach.py --verbose`` sees the hand stop above an object in most episodes. The goal
    must be drawn from a stream of its own (as ``setup_task`` does with ``[seed, 1]``).
    """
    from vjepa_ros.sim.config import SceneConfig
    from vjepa_ros.sim.reach import reach_target
    from vjepa_ros.sim.scene import object_placements
    from vjepa_ros.sim.tasks import ReachTaskConfig

    start = np.array([0.307, 0.0, 0.487, np.pi, 0.0, 0.0, 0.0])  # the home TCP (README)
    scene, task = SceneConfig(), ReachTaskConfig()
    low, high = np.array(task.workspace[::2]), np.array(task.workspace[1::2])
    x0, x1, y0, y1 = scene.object_region
    copies = []
    for seed in range(900000, 900020):
        goal = reach_target(start, seed)
        drawn = (goal[:3] - low) / (high - low)  # the goal's uniforms
        for x, y, _, yaw in object_placements(scene, np.random.default_rng(seed)):
            object_draws = [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0),
                            (yaw + np.pi) / (2 * np.pi)]
            if np.allclose(object_draws, drawn, atol=1e-9):
                copies.append(seed)
    assert copies == [], f"held-out goals that copy a coloured object's pose: {copies}"
