"""Manipulation in the simulator: the scripted expert, the oracle world model, random actions.

For each object (cup, box), task (grasp, reach-with-object, pick-and-place) and held-out seed
s = seed_start .. seed_start + seeds − 1 (default 900000..900019): reset the scene to seed s and
make the task's sub-goal images with the clean scripted expert (``manipulation.setup_task``; a
seed where it cannot reach every sub-goal counts as "no sub-goals"). Then, per agent:

expert   the noisy scripted expert (misses, re-grasps, detours, mis-placements: ``ExpertConfig``
         defaults), scored by the detectors (``vjepa_ros.sim.detectors``); then a *probe* tests
         what happened without them:
         - held (grasp, reach-with-object): the hand rises 5 cm more; held when the object rose
           with it (≥ 4 cm) and its centre is ≥ 5 cm above its resting height;
         - placed (pick-and-place): the open hand rises 10 cm more and 1 s passes; placed when the
           object stayed put (< 5 mm), stands at its resting height (± 1 cm) and its centre is
           within the place radius of the spot.
         "agree" is the share of episodes where the detector's verdict equals the probe's (probes
         run inside ``Sim.preserved``).
oracle   the ROS-free MPC loop (``manipulation_loop.run_task_episode``: the planner node's
         MPCSession, blocking control, the CEM of config/reach_demo.yaml with its gripper
         dimension, pick-and-place sub-goals switched after 4, 10 and 4 steps) with the exact
         stand-in world model of the simulator (``vjepa_ros.sim.oracle``), which represents the
         end-effector pose and gripper only, not the object
random   the same loop with uniform xyz actions within the CEM's ±maxnorm box (gripper still)

Run:  python benchmarks/bench_manipulation.py [--agents expert oracle random] [--seeds 20]
          [--seed-start 900000] [--objects cup box]
          [--tasks grasp reach-with-object pick-and-place] [--size 128] [--json out.json]
          [--dense] [--round-threshold 0.1]

``--dense``: the loop agents get a sub-goal image at every turn of the expert's motion
(``manipulation.DENSE_MILESTONES``: pre-grasp, descend, closed, grasp, carry, lower, release,
place; switched after ``TaskLoopConfig.dense_steps``) instead of the paper's. ``--round-threshold``
overrides the planner's gripper round threshold (published 0.25: planned gripper changes smaller
than that are dropped, and the cup is held at closedness 0.24).

A trained world model plugs in where the oracle does (``run_task_episode(sim, model, ...)``).
Wall-clock numbers are this process's (rendering a frame per 0.25 s of simulated time plus the
physics at 240 Hz); other processes on the machine slow them down.
"""

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.out_paths import output_file
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import (  # noqa: E402
    TASKS,
    manipulation_sim_config,
    record_expert_episode,
    setup_task,
)
from vjepa_ros.sim.manipulation_loop import run_task_episode  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config  # noqa: E402


def probe_held(sim: Sim, monitor: SuccessMonitor) -> bool:
    """Raise the hand 5 cm more (gripper unchanged): is the object lifted and coming along."""
    with sim.preserved():
        before = sim.object_reading().position[2]
        target = sim.target_state()
        sim.set_target(target[:3] + [0.0, 0.0, 0.05], target[3:6])
        sim.advance(1.0)
        after = sim.object_reading().position[2]
    return after - before >= 0.04 and before - monitor.rest_height >= 0.05


def probe_placed(sim: Sim, monitor: SuccessMonitor, place_xy) -> bool:
    """Raise the hand 10 cm more, wait 1 s: is the object still, upright and on the spot."""
    with sim.preserved():
        before = sim.object_reading().position
        target = sim.target_state()
        sim.set_target(target[:3] + [0.0, 0.0, 0.1], target[3:6])
        sim.advance(1.0)
        after = sim.object_reading().position
    return bool(
        np.linalg.norm(after - before) < 0.005
        and abs(after[2] - monitor.rest_height) <= 0.01
        and np.linalg.norm(after[:2] - place_xy) <= monitor.config.place_radius
    )


def run_expert(sim: Sim, task: str, seed: int) -> dict:
    started = time.perf_counter()
    try:
        setup = setup_task(sim, seed, task)
    except RuntimeError:
        return {"seed": seed, "subgoals": False}
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    episode, outcome = record_expert_episode(sim, setup)
    wall_s = time.perf_counter() - started
    monitor = SuccessMonitor(sim)
    if task == "pick-and-place":
        detector, truth = bool(outcome.placed), probe_placed(sim, monitor, setup.place_xy)
    else:
        detector, truth = outcome.grasped, probe_held(sim, monitor)
    events = [what for _, what in outcome.events]
    return {
        "seed": seed, "subgoals": True, "success": outcome.success, "detector": detector,
        "probe": truth, "frames": len(episode), "wall_s": wall_s, "setup_s": setup_s,
        "sim_s": float(episode.timestamps[-1]), "ran_out": outcome.ran_out, "events": events,
        "misses": events.count("missed grasp") + events.count("missed placement"),
        "recovered": events.count("re-grasp succeeded") + events.count("re-placement succeeded"),
    }


def summarize_expert(rows: list[dict]) -> dict:
    done = [r for r in rows if r["subgoals"]]
    with_miss = [r for r in done if r["misses"]]
    return {
        "episodes": len(rows),
        "subgoal_images": len(done),
        "success": sum(r["success"] for r in done) / max(len(done), 1),
        "agree": sum(r["detector"] == r["probe"] for r in done) / max(len(done), 1),
        "episodes_with_a_miss": len(with_miss),
        "recovered": sum(r["recovered"] > 0 for r in with_miss),
        "frames_median": statistics.median(r["frames"] for r in done) if done else None,
        "wall_s_median": statistics.median(r["wall_s"] for r in done) if done else None,
        "sim_s_median": statistics.median(r["sim_s"] for r in done) if done else None,
    }


def run_loop(sim: Sim, oracle, cem, task: str, seed: int, random_actions: bool,
             dense: bool) -> dict:
    setup = setup_task(sim, seed, task, dense=dense)
    started = time.perf_counter()
    episode, outcome = run_task_episode(sim, oracle, setup, cem, random_actions=random_actions,
                                        seed=seed)
    return {
        "seed": seed, "success": outcome.success, "grasped": outcome.grasped,
        "placed": outcome.placed, "reach_error": outcome.reach_error,
        "steps": len(episode.steps), "sim_s": episode.sim_seconds,
        "wall_s": time.perf_counter() - started,
        "gripper_commands": [round(float(s.command[6]), 3) for s in episode.steps],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", nargs="+", default=["expert", "oracle", "random"],
                        choices=["expert", "oracle", "random"])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--objects", nargs="+", default=["cup", "box"], choices=["cup", "box"])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--size", type=int, default=128, help="camera image size [px]")
    parser.add_argument("--dense", action="store_true",
                        help="loop agents: a sub-goal image at every turn of the expert's motion "
                        "(DENSE_MILESTONES) instead of the paper's")
    parser.add_argument("--round-threshold", type=float,
                        help="override planner.gripper_round_threshold (published: 0.25)")
    parser.add_argument("--json", help="write every episode's numbers here")
    args = parser.parse_args()
    if args.seeds < 1 or args.seed_start < 0:
        parser.error("--seeds must be >= 1 and --seed-start >= 0")
    if args.size < 32:
        parser.error(f"--size {args.size}: the camera needs at least 32 px")
    if args.round_threshold is not None and not 0.0 <= args.round_threshold <= 1.0:
        parser.error(f"--round-threshold {args.round_threshold}: between 0 and 1")
    if args.json:
        try:
            output_file(args.json, "--json")
        except ValueError as exc:
            parser.error(str(exc))
    cem = load_reach_config().planner.to_cem()
    if args.round_threshold is not None:
        cem = dataclasses.replace(cem, gripper_round_threshold=args.round_threshold)
    seeds = range(args.seed_start, args.seed_start + args.seeds)
    print(f"# manipulation: seeds {seeds[0]}..{seeds[-1]}, camera {args.size}x{args.size}; loop: "
          f"blocking control, CEM H {cem.horizon} S {cem.samples} I {cem.iterations} maxnorm "
          f"{cem.maxnorm}, gripper round threshold {cem.gripper_round_threshold}, "
          f"{'dense' if args.dense else 'paper'} sub-goals")
    print(f"{'agent':7} {'object':6}  {'task':18}  {'success':>7}  {'steps':>5}  {'sim s':>6}  "
          f"{'wall s':>6}  expert: agree, misses → recovered, sub-goal images")
    results = {}
    for kind in args.objects:
        with Sim(manipulation_sim_config(args.seed_start, kind, args.size, args.size)) as sim:
            oracle = OracleWorldModel().attach(sim)  # remembers every frame from here on
            for task in args.tasks:
                for agent in args.agents:
                    if agent == "expert":
                        rows = [run_expert(sim, task, seed) for seed in seeds]
                        s = summarize_expert(rows)
                        success, steps, sim_s, wall_s = (s["success"], s["frames_median"],
                                                         s["sim_s_median"], s["wall_s_median"])
                        extra = (f"  {s['agree']:.0%}, {s['episodes_with_a_miss']} → "
                                 f"{s['recovered']}, {s['subgoal_images']}/{s['episodes']}")
                    else:
                        rows = [run_loop(sim, oracle, cem, task, seed, agent == "random",
                                         args.dense) for seed in seeds]
                        success = sum(r["success"] for r in rows) / len(rows)
                        steps = statistics.median(r["steps"] for r in rows)
                        sim_s = statistics.median(r["sim_s"] for r in rows)
                        wall_s = statistics.median(r["wall_s"] for r in rows)
                        extra = ""
                    results[f"{agent}/{kind}/{task}"] = rows
                    print(f"{agent:7} {kind:6}  {task:18}  {success:>7.0%}  {steps:>5}  "
                          f"{sim_s:>6.1f}  {wall_s:>6.1f}{extra}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=lambda o: o.item()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
