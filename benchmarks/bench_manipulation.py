"""Manipulation tasks in closed loop in the simulator: the oracle world model and random actions.

For each object (cup, box), task (grasp, reach-with-object, pick-and-place) and held-out seed
s = seed_start .. seed_start + seeds − 1 (default 900000..900019): reset the scene to seed s, make
the task's sub-goal images with the clean scripted expert (``manipulation.setup_task``), then run
the ROS-free MPC loop (``manipulation_loop.run_task_episode``: the planner node's MPCSession,
blocking control, the CEM of config/reach_demo.yaml with its gripper dimension, pick-and-place
sub-goals switched after 4, 10 and 4 steps) and score the final scene with the task's detectors.

Agents
  oracle   the simulator's exact stand-in world model (``vjepa_ros.sim.oracle``): it represents
           the end-effector pose and gripper only, not the object
  random   uniform xyz actions within the CEM's ±maxnorm box (no model; gripper never moves)

Run:  python benchmarks/bench_manipulation.py [--agents oracle random] [--seeds 20]
          [--objects cup box] [--tasks grasp reach-with-object pick-and-place] [--json out.json]

A trained world model plugs in where the oracle does (``run_task_episode(sim, model, ...)``).
Wall-clock numbers are this process's; other processes on the machine slow them down.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.manipulation import TASKS, manipulation_sim_config, setup_task  # noqa: E402
from vjepa_ros.sim.manipulation_loop import run_task_episode  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", nargs="+", default=["oracle", "random"],
                        choices=["oracle", "random"])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--objects", nargs="+", default=["cup", "box"], choices=["cup", "box"])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--size", type=int, default=128, help="camera image size [px]")
    parser.add_argument("--json", help="write every episode's numbers here")
    args = parser.parse_args()
    demo = load_reach_config()
    cem = demo.planner.to_cem()
    last = args.seed_start + args.seeds - 1
    print(f"# closed-loop manipulation: seeds {args.seed_start}..{last}, CEM H {cem.horizon} "
          f"S {cem.samples} I {cem.iterations} maxnorm {cem.maxnorm}, camera "
          f"{args.size}x{args.size}, blocking control")
    print(f"{'agent':7} {'object':6}  {'task':18}  {'success':>7}  {'steps':>5}  {'sim s':>6}  "
          f"{'wall s':>6}")
    results = {}
    for kind in args.objects:
        with Sim(manipulation_sim_config(args.seed_start, kind, args.size, args.size)) as sim:
            oracle = OracleWorldModel().attach(sim)
            for task in args.tasks:
                for agent in args.agents:
                    rows = []
                    for seed in range(args.seed_start, args.seed_start + args.seeds):
                        setup = setup_task(sim, seed, task)
                        started = time.perf_counter()
                        episode, outcome = run_task_episode(
                            sim, oracle, setup, cem, random_actions=agent == "random", seed=seed)
                        rows.append({
                            "seed": seed, "success": outcome.success, "grasped": outcome.grasped,
                            "placed": outcome.placed, "reach_error": outcome.reach_error,
                            "steps": len(episode.steps), "sim_s": episode.sim_seconds,
                            "wall_s": time.perf_counter() - started,
                            "gripper_commands": [round(float(s.command[6]), 3)
                                                 for s in episode.steps],
                        })
                    success = sum(r["success"] for r in rows) / len(rows)
                    results[f"{agent}/{kind}/{task}"] = rows
                    print(f"{agent:7} {kind:6}  {task:18}  {success:>7.0%}  "
                          f"{statistics.median(r['steps'] for r in rows):>5}  "
                          f"{statistics.median(r['sim_s'] for r in rows):>6.1f}  "
                          f"{statistics.median(r['wall_s'] for r in rows):>6.1f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=lambda o: o.item()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
