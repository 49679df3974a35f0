"""Camera check on a world model with a known frame error: estimate, verdict, reach with/without.

The world model is the simulator's oracle (``vjepa_ros.sim.oracle``) told to predict motion in a
frame rotated from the base frame by a given rotation (``model_frame_rpy_deg``): a stand-in for
a learned model that misjudges the robot's axes from an unusual camera placement, with the error
known. For each rotation:

1. **check**: from the reach start pose of the first goal's scene, the live camera check as the
   planner node runs it (``MPCSession.start_camera_check`` through ``vjepa_ros.sim.check_motions``:
   ±x, ±y, ±z, ``--distance`` each, through the safety filter and the set-point stream), the
   model's inferred motion of each (the planner's search toward the frame after, horizon 1) and
   the estimate (``vjepa_ros.eval.camera_check``): estimated rotation, its error against the
   true one [deg], verdict, the check's simulated duration, and whether every commanded target
   stayed in the workspace box within ``--distance`` of the start;
2. **reach**: the held-out goals (seeds 900000.., as ``bench_reach.py``) uncorrected and
   corrected with the check's *estimated* correction (``control.model_frame_rpy_deg``).

``--blind`` adds a model that cannot see motion along one base axis (``axis_gain`` 0 there, e.g. a
camera looking along it), the case where the check must say "move the camera".

Run:  python benchmarks/bench_camera_check.py [--goals 10] [--yaw 0 30 60 90 135]
          [--tilt 20 -10 60] [--blind z] [--json out.json]
Defaults (planner, episode, camera) come from config/reach_demo.yaml; simulated time stands still
while the planner thinks (as bench_reach.py without --real-time).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.robot.camera_check_motions import CheckMotionConfig  # noqa: E402
from vjepa_ros.robot.control_config import ControlConfig  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits, in_box  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.check_motions import run_live_check  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config, run_reach_episode  # noqa: E402
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config  # noqa: E402


def reach(sim, model, seeds, config, rpy) -> dict:
    cem = config.planner.to_cem()
    control = ControlConfig(model_frame_rpy_deg=list(rpy))
    outcomes = []
    for seed in seeds:
        goal = make_reach_goal(sim, seed)
        episode = run_reach_episode(sim, model, goal, cem, config.episode, control=control,
                                    seed=config.planner.seed)
        outcomes.append((episode.success, len(episode.steps), episode.final_distance))
    return {"successes": sum(o[0] for o in outcomes), "goals": len(seeds),
            "mean_steps": float(np.mean([o[1] for o in outcomes])),
            "median_final_distance_m": float(np.median([o[2] for o in outcomes]))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--goals", type=int, default=10)
    parser.add_argument("--yaw", type=float, nargs="*", default=[0, 30, 60, 90, 135])
    parser.add_argument("--tilt", type=float, nargs=3, action="append", metavar=("R", "P", "Y"),
                        help="also a full rotation (roll pitch yaw, deg); repeatable")
    parser.add_argument("--blind", choices=("x", "y", "z"), action="append", default=[],
                        help="also a model blind to motion along this axis; repeatable")
    parser.add_argument("--distance", type=float, default=0.04, help="check motion [m]")
    parser.add_argument("--no-reach", action="store_true", help="only the check")
    parser.add_argument("--json", help="write the numbers to this file")
    args = parser.parse_args()
    config = load_reach_config(None, {})
    seeds = list(range(HELD_OUT_SEED_START, HELD_OUT_SEED_START + args.goals))
    models = [((0.0, 0.0, yaw), (1.0, 1.0, 1.0)) for yaw in args.yaw] + \
        [(tuple(t), (1.0, 1.0, 1.0)) for t in args.tilt or []] + \
        [((0.0, 0.0, 0.0), tuple(0.0 if a == axis else 1.0 for a in "xyz"))
         for axis in args.blind]
    cem = config.planner.to_cem()
    print("camera check benchmark (oracle world model with a known frame error)")
    print(f"  goals          {seeds[0]}..{seeds[-1]} ({len(seeds)}), success radius "
          f"{config.episode.success_radius} m, max steps {config.episode.max_steps}")
    print(f"  planner        CEM S {cem.samples}, I {cem.iterations}, H {cem.horizon}, "
          f"maxnorm {cem.maxnorm}")
    print(f"  check motions  ±{args.distance * 100:g} cm along x, y, z from the start pose")
    rows = []
    with Sim(reach_sim_config(seeds[0], config.sim)) as sim:
        for rpy, gain in models:
            model = OracleWorldModel(model_frame_rpy_deg=rpy, axis_gain=gain).attach(sim)
            sim.reset(seeds[0])
            started, sim_started, start = time.perf_counter(), sim.time, sim.ee_state()
            limits = SafetyLimits()
            run, _ = run_live_check(sim, model, cem, limits,
                                    config=CheckMotionConfig(distance_m=args.distance))
            if run.error:
                raise SystemExit(f"rotation {rpy}: {run.error}")
            result = run.result
            commands = np.array(run.commands)
            reach_m = float(np.linalg.norm(commands[:, :3] - start[:3], axis=1).max())
            truth = Rotation.from_euler("xyz", rpy, degrees=True)
            estimate = Rotation.from_euler("xyz", result.rotation_rpy_deg, degrees=True)
            row = {
                "true_rpy_deg": list(rpy), "axis_gain": list(gain),
                "estimated_rpy_deg": result.rotation_rpy_deg,
                "estimation_error_deg": float(np.degrees((estimate * truth.inv()).magnitude())),
                "yaw_error_deg": float(abs((result.yaw_deg - rpy[2] + 180) % 360 - 180)),
                "residual_deg": result.residual_deg, "verdict": result.verdict,
                "correction_rpy_deg": result.correction_rpy_deg,
                "check_wall_s": time.perf_counter() - started,
                "check_sim_s": sim.time - sim_started,
                "commands": len(commands),
                "commands_in_box": bool(all(in_box(c[:3], limits) for c in commands)),
                "farthest_command_m": reach_m,
            }
            if not args.no_reach:
                row["uncorrected"] = reach(sim, model, seeds, config, (0, 0, 0))
                row["corrected"] = reach(sim, model, seeds, config, result.correction_rpy_deg)
            rows.append(row)
            print(f"  rotation {rpy}, axis gain {gain}: {json.dumps(row)}", flush=True)
    print(f"\n{'true rpy [deg]':<22} {'estimated':<22} {'error':>6} {'verdict':<20} "
          f"{'check sim s':>11} {'uncorrected':>12} {'corrected':>10}")
    for row in rows:
        fmt = ", ".join(f"{v:.0f}" for v in row["true_rpy_deg"]) + (
            "" if min(row["axis_gain"]) > 0 else f"; blind {'xyz'[row['axis_gain'].index(0.0)]}")
        est = ", ".join(f"{v:.1f}" for v in row["estimated_rpy_deg"])
        reach_cells = "" if args.no_reach else (
            f" {row['uncorrected']['successes']:>9}/{len(seeds):<2} "
            f"{row['corrected']['successes']:>7}/{len(seeds):<2}")
        print(f"{'[' + fmt + ']':<22} {'[' + est + ']':<22} {row['estimation_error_deg']:>5.1f}° "
              f"{row['verdict']:<20} {row['check_sim_s']:>11.1f}{reach_cells}")
    if args.json:
        Path(args.json).write_text(json.dumps({"seeds": seeds, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
