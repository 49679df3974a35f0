"""Camera check estimate against the number and length of its motions, at camera placements.

For each placement (``--checkpoint`` model: the default camera, ``--training-scene N``,
``--placement DAZ EL``, as ``bench_camera_check.py``) and each ``--distance``, one live check
exactly as the planner node runs it (``MPCSession.start_camera_check`` through
``vjepa_ros.sim.check_motions``) with all 26 directions: ±x, ±y, ±z, the 12 face diagonals, the 8
cube corners. Each motion starts and ends at the same pose, so its frames and its inferred motion
do not depend on the others: the checks with fewer motions are cut from the same run —

- ``6``: the axes (``camera_check.motion.corners false``), ``14``: axes + corners (the default),
  ``18``: axes + diagonals, ``26``: all —

and each cut gets the check's estimate (``eval.camera_check.check_motions``): the rotation's
angle from the identity, its 95 % bound and p (``eval.camera_check_noise``), the RMS scatter, the
verdict, and its duration: the arm's simulated seconds (2 moves per motion) and the inference's
wall seconds (two searches per motion), each prorated from the run by the motion count; their sum
is an upper bound, as the live check searches each motion while the arm makes the next ones.

``--rows FILE`` prints the table from a saved ``--json`` file (no model, no simulator).

Run:  python benchmarks/bench_camera_motion_count.py --checkpoint run2/world_model.pt
          [--training-scene 2] [--placement 0 50] [--distance 0.04 0.05] [--json out.json]
      python benchmarks/bench_camera_motion_count.py --rows out.json
Use one torch thread (``OMP_NUM_THREADS=1``) for inference times comparable with the docs'.
"""

import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.out_paths import output_file  # noqa: E402
from vjepa_ros.robot.camera_check_motions import motion_directions  # noqa: E402

# The cuts: name -> labels of the motions kept (their order in the full run doesn't matter).
CUTS = {
    6: [label for label, _ in motion_directions()],
    14: [label for label, _ in motion_directions(corners=True)],
    18: [label for label, _ in motion_directions(diagonals=True)],
    26: [label for label, _ in motion_directions(diagonals=True, corners=True)],
}


def cut_rows(run: dict) -> list[dict]:
    """Return one row per cut of a saved run: estimate, uncertainty, verdict, prorated seconds.

    ``run``: ``labels`` [N], ``executed``/``inferred`` [N, 3] m, ``explained`` [N] (per motion),
    ``arm_s``, ``inference_s``; ``inferred_repeat`` [N, 3] (the second search, judged as the
    live check judges it) where the run has it. Cuts needing a motion the run lacks are left out.
    Raises ValueError naming the missing key, or the lengths when the rows and labels differ.
    """
    from vjepa_ros.eval.camera_check import check_motions

    for key in ("labels", "executed", "inferred", "explained", "arm_s", "inference_s"):
        if key not in run:
            raise ValueError(f"run of {run.get('placement', '?')}: no '{key}' (not a "
                             "bench_camera_motion_count.py --json run)")
    lengths = {key: len(run[key]) for key in ("labels", "executed", "inferred", "explained")}
    if len(set(lengths.values())) > 1:  # rows paired with the wrong labels (breaker59j #6)
        raise ValueError(f"run of {run.get('placement', '?')}: its rows differ in length "
                         f"({', '.join(f'{k} {n}' for k, n in lengths.items())}): a row per "
                         "label needed; measure the run again")
    index = {label: k for k, label in enumerate(run["labels"])}
    executed, inferred = np.asarray(run["executed"]), np.asarray(run["inferred"])
    explained = np.asarray(run["explained"], dtype=np.float64)
    rows = []
    for count, labels in CUTS.items():
        if any(label not in index for label in labels):
            continue
        keep = [index[label] for label in labels]
        repeat = run.get("inferred_repeat")  # the second search (runs saved before: none)
        result = check_motions(executed[keep], inferred[keep], explained=explained[keep],
                               repeat=None if repeat is None else np.asarray(repeat)[keep])
        share = count / len(run["labels"])
        rows.append({"motions": count, "angle_deg": result.rotation_angle_deg,
                     "yaw_deg": result.yaw_deg, "bound_deg": result.uncertainty["bound_deg"],
                     "p_value": result.uncertainty["p_value"],
                     "rms_deg": result.residual_deg["full"], "verdict": result.verdict,
                     "arm_s": run["arm_s"] * share, "inference_s": run["inference_s"] * share})
    return rows


def print_table(runs: list[dict]) -> None:
    print(f"{'placement':<40} {'dist':>5} {'n':>3} {'angle':>6} {'±95%':>6} {'p':>5} {'RMS':>5} "
          f"{'verdict':<20} {'arm s':>6} {'infer s':>7} {'total s':>7}")
    for run in runs:
        for row in cut_rows(run):
            print(f"{run['placement'][:40]:<40} {run['distance_m']:>5.3f} {row['motions']:>3} "
                  f"{row['angle_deg']:>5.1f}° {row['bound_deg']:>5.1f}° {row['p_value']:>5.2f} "
                  f"{row['rms_deg']:>4.0f}° {row['verdict']:<20} {row['arm_s']:>6.1f} "
                  f"{row['inference_s']:>7.1f} {row['arm_s'] + row['inference_s']:>7.1f}")


def measure(args, parser) -> list[dict]:
    """Run the 26-motion live check per placement and distance; return the runs."""
    import vjepa_ros.eval.camera_check_inference as camera_check_inference
    from benchmarks.bench_camera_check import placements
    from vjepa_ros.input_paths import world_model_error, world_model_path
    from vjepa_ros.models import load_world_model
    from vjepa_ros.models.errors import CheckpointError
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, distance_problem
    from vjepa_ros.robot.safety import SafetyLimits
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.camera_orbit import camera_placement
    from vjepa_ros.sim.check_motions import run_live_check
    from vjepa_ros.sim.reach import reach_sim_config
    from vjepa_ros.sim.reach_config import (
        HELD_OUT_SEED_START,
        load_reach_config,
    )

    config = load_reach_config(None, {})
    cem = config.planner.to_cem()
    base = reach_sim_config(HELD_OUT_SEED_START, config.sim)
    args.skip_default, args.randomize = False, "camera"
    limits = SafetyLimits()  # the node's default: a longer motion it refuses at start-up
    for distance in args.distance:  # said as the option, before the model loads
        problem = distance_problem(distance, limits, "--distance",
                                   f"give at most {limits.max_step_m:g}")
        if problem:
            parser.error(problem)
    motions = [CheckMotionConfig(distance_m=d, diagonals=True, corners=True)
               for d in args.distance]
    try:
        cameras = placements(args, base.camera, base.scene.table_height)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        checkpoint = world_model_path(args.checkpoint)  # missing, a folder: its own line
    except ValueError as exc:
        parser.error(str(exc))
    try:
        model = load_world_model(checkpoint)
    except CheckpointError as exc:
        parser.error(str(world_model_error(exc, checkpoint, "--checkpoint", args.checkpoint)))
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    infer, seen = camera_check_inference.infer_motions, {"seconds": 0.0}

    def timed_infer(*a, **k):  # the session's searches (two per motion), timed
        started = time.perf_counter()
        found = infer(*a, **k)
        seen["seconds"] += time.perf_counter() - started
        return found

    camera_check_inference.infer_motions = timed_infer
    runs = []
    for label, camera in cameras:
        for motion in motions:
            with Sim(dataclasses.replace(base, camera=camera)) as sim:
                sim.reset(HELD_OUT_SEED_START)
                seen["seconds"] = 0.0
                started = sim.time
                run, _ = run_live_check(sim, model, cem, config=motion)
                if run.error:
                    raise SystemExit(f"{label}: {run.error}")
                runs.append({"placement": label, "distance_m": motion.distance_m,
                             "azimuth_elevation_distance": list(camera_placement(camera)),
                             # the result's rows, each with its own label and share
                             # (a skipped motion's left out of all: breaker59j #6)
                             "labels": run.result.labels, "executed": run.result.executed,
                             "inferred": run.result.inferred,
                             "explained": [run.explained[k] for k in run.result.motion_index],
                             "inferred_repeat": run.result.inferred_repeat,
                             "arm_s": sim.time - started, "inference_s": seen["seconds"]})
            print(f"  {label}, {motion.distance_m:g} m: done", flush=True)
    return runs


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", help="the learned world model to check (file, or 'demo' "
                        "for the packaged demo model)")
    parser.add_argument("--rows", help="print the table of a saved --json file instead")
    parser.add_argument("--training-scene", type=int, action="append", default=[],
                        help="the camera of this collect --randomize camera seed; repeatable")
    parser.add_argument("--placement", type=float, nargs=2, action="append",
                        metavar=("DAZ", "EL"), help="default azimuth + DAZ, elevation EL [deg]")
    parser.add_argument("--distance", type=float, nargs="+", default=[0.04],
                        help="motion lengths [m] (default 0.04)")
    parser.add_argument("--json", help="write the runs to this file")
    args = parser.parse_args(argv)
    if bool(args.rows) == bool(args.checkpoint):
        parser.error("give --checkpoint (measure) or --rows FILE (print a saved run), one of them")
    if args.json:
        try:  # before the checks: a folder or an unwritable path would lose them
            output_file(args.json, "--json")
        except ValueError as exc:
            parser.error(str(exc))
    if args.rows:
        try:
            runs = json.loads(Path(args.rows).read_text())["runs"]
            print(f"camera check estimate against motion count, from {args.rows}")
            print_table(runs)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            parser.error(f"--rows {args.rows}: not a bench_camera_motion_count.py --json file "
                         f"({exc})")
        return 0
    runs = measure(args, parser)
    if args.json:
        write_text(args.json, json.dumps({"runs": runs}))
    print_table(runs)
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
