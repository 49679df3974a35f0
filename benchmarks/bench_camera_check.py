"""Camera check on a world model with a known frame error: estimate, verdict, reach with/without.

The world model is the simulator's oracle (``vjepa_ros.sim.oracle``) told to predict motion in a
frame rotated from the base frame by a given rotation (``model_frame_rpy_deg``): a stand-in for
a learned model that misjudges the robot's axes from an unusual camera placement, with the error
known. For each rotation:

1. **check**: from the reach start pose of the first goal's scene, the live camera check as the
   planner node runs it (``MPCSession.start_camera_check`` through ``vjepa_ros.sim.check_motions``:
   ±x, ±y, ±z and the 8 cube corners (``--no-corners``: the axes only; ``--diagonals``: the
   12 face diagonals too), ``--distance`` each, through the safety filter and the set-point
   stream), the model's inferred motion of each (the planner's search toward the frame after,
   horizon 1) and the estimate (``vjepa_ros.eval.camera_check``): estimated rotation, its
   error against the true one [deg], its uncertainty, verdict, the check's simulated
   duration, and whether every commanded target stayed in the workspace box within
   ``--distance`` of the start;
2. **reach**: the held-out goals (seeds 900000.., as ``bench_reach.py``) uncorrected and
   corrected with the check's *estimated* correction (``control.model_frame_rpy_deg``); with
   ``--reach-with-yaw`` also corrected by the check's yaw estimate alone, whatever the verdict
   (does the model's frame error hold a usable yaw where the verdict says "move the camera"?).

Every row keeps the check's motions (``executed``, ``inferred``: [N, 3] m, base frame and the
model's frame) in ``--json``, so verdict rules can be studied offline.

``--blind`` adds a model that cannot see motion along one base axis (``axis_gain`` 0 there, e.g. a
camera looking along it), the case where the check must say "move the camera".

With ``--trial`` (default ``auto``, as the node) the check's correction trial runs after a verdict
other than "placement fine" (``robot/camera_check_trial.py``) and decides the verdict; the
rows keep the motions' own verdict (``motions_verdict``) and the trial's legs (``trial``).

Run:  python benchmarks/bench_camera_check.py [--goals 10] [--yaw 0 30 60 90 135]
          [--tilt 20 -10 60] [--blind z] [--json out.json]
          [--fine-deg 10] [--max-residual-deg 60] [--min-scale 0.3] [--min-explained 0.05]
          [--confidence 0.95] [--min-motion 0.01]
Defaults (planner, episode, camera) come from config/reach_demo.yaml; simulated time stands still
while the planner thinks (as bench_reach.py without --real-time). The verdict thresholds are the
options of ``vjepa-ros camera-check`` (``eval/camera_check_options.py``), default the node's
``camera_check.verdict.*``; the header and ``--json`` (``thresholds``) carry the ones used.
"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.camera_check_rows import check_row  # noqa: E402
from benchmarks.camera_check_table import oracle_label, print_rows  # noqa: E402
from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.eval.camera_check_options import (  # noqa: E402
    add_verdict_arguments,
    verdict_option_message,
    verdict_thresholds,
)
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds  # noqa: E402
from vjepa_ros.input_paths import world_model_path  # noqa: E402
from vjepa_ros.out_paths import output_file  # noqa: E402
from vjepa_ros.robot.camera_check_motions import (  # noqa: E402
    CheckMotionConfig,
    step_problem,
)
from vjepa_ros.robot.camera_check_trial import WHEN, CheckTrialConfig  # noqa: E402
from vjepa_ros.robot.planner_config import CameraCheckParams  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402
from vjepa_ros.sim.camera_orbit import (  # noqa: E402
    camera_placement,
    elevation_range,
    orbit_camera,
)
from vjepa_ros.sim.config import CameraConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.randomize import (  # noqa: E402
    RANDOMIZE_WHAT,
    SceneRandomization,
    randomized_sim_config,
)
from vjepa_ros.sim.reach_config import (  # noqa: E402
    HELD_OUT_SEED_START,
    load_reach_config,
)

# torch and the simulator (seconds; a minute under load) are imported where they are first
# needed, after the options are parsed: --help and a bad combination of options answer at once.


def check_settings(args) -> tuple[CheckThresholds, CheckMotionConfig, CheckTrialConfig]:
    """Return the check's verdict thresholds, motion and trial settings from the options.

    Raises ValueError in one line naming the options for what the node would refuse: a
    ``--distance`` longer than one safety step (``camera_check_motions.step_problem``, the
    node's rule, with the default ``safety.max_step_m``) or outside its range, a verdict
    threshold out of range, ``--min-motion`` not below ``--distance``.
    """
    limits = SafetyLimits()
    try:
        problem = step_problem(args.distance, limits,
                               remedy=f"give at most {limits.max_step_m:g}")
        if problem:
            raise ValueError(problem)
        thresholds = verdict_thresholds(args)
        motion = CheckMotionConfig(distance_m=args.distance, diagonals=args.diagonals,
                                   corners=args.corners)
        CameraCheckParams(motion=motion, verdict=thresholds)  # the verdict can count these
    except ValueError as exc:
        raise ValueError(option_names(str(exc))) from None
    return thresholds, motion, CheckTrialConfig(when=args.trial)


# the node's parameters this script sets with an option of another name (the verdict's: below)
OPTIONS = {"camera_check.motion.distance_m": "--distance"}


def option_names(message: str) -> str:
    """Return ``message`` with this script's options named instead of the node's parameters."""
    message = verdict_option_message(message)
    for name, option in OPTIONS.items():
        message = message.replace(name, option)
    return message


def placements(args, base: CameraConfig, table_height: float) -> list[tuple[str, CameraConfig]]:
    """Return the camera placements of a learned model's rows: (label, camera).

    Raises ValueError naming ``--placement`` for one that puts the eye under the table or at the
    vertical (``sim.camera_orbit``).
    """
    az0, _, _ = camera_placement(base, table_height)
    chosen = [] if args.skip_default else [("default", base)]
    for seed in args.training_scene:
        scene = randomized_sim_config(SimConfig(camera=base), seed,
                                      SceneRandomization(what=args.randomize))
        camera = dataclasses.replace(base, eye=scene.camera.eye, target=scene.camera.target,
                                     vertical_fov_deg=scene.camera.vertical_fov_deg)
        az, el, dist = camera_placement(camera, table_height)
        chosen.append((f"training pose {seed}: az {az:.0f}, el {el:.0f}, {dist:.2f} m", camera))
    for azimuth_offset, elevation in args.placement or []:
        try:
            camera = orbit_camera(base, az0 + azimuth_offset, elevation,
                                  table_height=table_height)
        except ValueError:
            raise ValueError(placement_refusal(base, table_height, azimuth_offset,
                                               elevation)) from None
        chosen.append((f"az {az0 + azimuth_offset:.0f} (default {azimuth_offset:+.0f}), el "
                       f"{elevation:.0f}", camera))
    return chosen


def placement_refusal(base: CameraConfig, table_height: float, azimuth_offset: float,
                      elevation: float) -> str:
    """Return the one short line refusing ``--placement DAZ EL`` (the reasons: camera_orbit)."""
    given = f"--placement {azimuth_offset:g} {elevation:g}"
    if not (np.isfinite(azimuth_offset) and np.isfinite(elevation)):
        return f"{given}: give two finite angles [deg]"
    low, high = elevation_range(base, camera_placement(base, table_height)[2], table_height)
    return (f"{given}: EL must be in ({low:.1f}, {high:.1f}) deg (above the table, off the "
            "vertical; see vjepa_ros/sim/camera_orbit.py)")


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--goals", type=int, default=10)
    parser.add_argument("--yaw", type=float, nargs="*",
                        help="oracle rows: frame errors about z [deg] (default 0 30 60 90 135)")
    parser.add_argument("--tilt", type=float, nargs=3, action="append", metavar=("R", "P", "Y"),
                        help="also a full rotation (roll pitch yaw, deg); repeatable")
    parser.add_argument("--blind", choices=("x", "y", "z"), action="append", default=[],
                        help="also a model blind to motion along this axis; repeatable")
    parser.add_argument("--checkpoint",
                        help="a learned world model (file or 'demo') instead of the oracle: "
                        "rows are camera placements (the default, --training-scene, "
                        "--placement), not frame errors")
    parser.add_argument("--placement", type=float, nargs=2, action="append",
                        metavar=("DAZ", "EL"),
                        help="with --checkpoint: a camera orbited about its look-at point to "
                        "the default azimuth + DAZ and elevation EL [deg]; repeatable")
    parser.add_argument("--training-scene", type=int, action="append", default=[],
                        help="with --checkpoint: the camera of this collect --randomize seed "
                        "(a placement the model was trained on); repeatable")
    parser.add_argument("--skip-default", action="store_true",
                        help="with --checkpoint: leave out the default placement's row")
    parser.add_argument("--randomize", choices=RANDOMIZE_WHAT,
                        help="with --training-scene: how the model's episodes were randomized "
                        "(collect --randomize WHAT; default camera)")
    parser.add_argument("--distance", type=float, default=0.04, help="check motion [m]")
    parser.add_argument("--diagonals", action="store_true",
                        help="the check also moves along the 12 face diagonals "
                        "(camera_check.motion.diagonals)")
    parser.add_argument("--corners", action=argparse.BooleanOptionalAction,
                        default=CheckMotionConfig().corners,
                        help="the check also moves toward the 8 cube corners "
                        "(camera_check.motion.corners; default as the node: on)")
    parser.add_argument("--no-reach", action="store_true", help="only the check")
    parser.add_argument("--reach-with-yaw", action="store_true",
                        help="with --checkpoint: also reach corrected by the check's yaw "
                        "estimate alone, whatever the verdict")
    parser.add_argument("--reach-with-candidate", action="store_true",
                        help="also reach corrected by the rotation the correction trial tries "
                        "(the check's best fit), whatever the verdict")
    parser.add_argument("--trial", choices=WHEN, default=CheckTrialConfig().when,
                        help="the correction trial (camera_check.trial.when; default as the "
                        "node: auto, after a verdict other than placement fine)")
    parser.add_argument("--json", help="write the numbers to this file")
    add_verdict_arguments(parser)
    args = parser.parse_args()
    learned_only = {"--placement": args.placement, "--training-scene": args.training_scene,
                    "--skip-default": args.skip_default, "--randomize": args.randomize,
                    "--reach-with-yaw": args.reach_with_yaw}
    oracle_only = {"--yaw": args.yaw is not None, "--tilt": args.tilt, "--blind": args.blind}
    given = [name for name, value in (oracle_only if args.checkpoint else learned_only).items()
             if value]
    if given:
        rows = ("to --checkpoint (learned model) rows" if args.checkpoint
                else "without --checkpoint (oracle rows)")
        parser.error(f"{', '.join(given)}: {'do' if len(given) > 1 else 'does'} not apply {rows}")
    if args.goals < 1:
        parser.error(f"--goals {args.goals}: must be >= 1")
    for option in ("reach_with_yaw", "reach_with_candidate"):
        if getattr(args, option) and args.no_reach:
            name = "--" + option.replace("_", "-")
            parser.error(f"{name}: reaches, which --no-reach turns off; give one of them")
    for option, angles in (("--yaw", args.yaw or []), ("--tilt", args.tilt or [])):
        for value in angles:
            if not np.isfinite(value).all():
                shown = " ".join(f"{v:g}" for v in np.atleast_1d(value))
                parser.error(f"{option} {shown}: give finite angles [deg]")
    if any(seed < 0 for seed in args.training_scene):
        parser.error("--training-scene: collect seeds are >= 0")
    if args.json:
        try:  # before the checks and episodes: a folder or an unwritable path would lose them
            output_file(args.json, "--json")
        except ValueError as exc:
            parser.error(str(exc))
    try:
        thresholds, motion, trial = check_settings(args)
    except ValueError as exc:
        parser.error(str(exc))
    from scipy.spatial.transform import Rotation

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import reach_sim_config

    args.yaw = [0, 30, 60, 90, 135] if args.yaw is None else args.yaw
    args.randomize = args.randomize or "camera"
    config = load_reach_config(None, {})
    seeds = list(range(HELD_OUT_SEED_START, HELD_OUT_SEED_START + args.goals))
    cem = config.planner.to_cem()
    try:
        base = reach_sim_config(seeds[0], config.sim)
        cameras = (placements(args, base.camera, base.scene.table_height) if args.checkpoint
                   else [])
        checkpoint = world_model_path(args.checkpoint) if args.checkpoint else None
    except (OSError, ValueError) as exc:
        parser.error(option_names(str(exc)))
    if args.checkpoint and not cameras:
        parser.error("--skip-default leaves no placement: add --placement or --training-scene")
    if args.checkpoint:
        from vjepa_ros.sim.run_command import load_run_model

        try:  # a file that is not a world model: one line, before anything runs
            model = load_run_model(str(checkpoint), option="--checkpoint")
        except ValueError as exc:
            parser.error(str(exc))
    what = (f"world model {args.checkpoint} at camera placements" if args.checkpoint else
            "oracle world model with a known frame error")
    print(f"camera check benchmark ({what})")
    print(f"  goals          {seeds[0]}..{seeds[-1]} ({len(seeds)}), success radius "
          f"{config.episode.success_radius} m, max steps {config.episode.max_steps}")
    print(f"  planner        CEM S {cem.samples}, I {cem.iterations}, H {cem.horizon}, "
          f"maxnorm {cem.maxnorm}")
    print(f"  check motions  {args.distance * 100:g} cm along ±x, ±y, ±z"
          f"{' and the 12 face diagonals' if args.diagonals else ''}"
          f"{' and the 8 cube corners' if args.corners else ''} from the start pose")
    verdict = dataclasses.asdict(thresholds)
    print(f"  verdict        {', '.join(f'{k} {v:g}' for k, v in verdict.items())}")
    settings = dataclasses.asdict(trial)
    print(f"  trial          {', '.join(f'{k} {v}' for k, v in settings.items())}")
    if args.checkpoint:  # its TCP against the simulator's, a --no-gripper model's hand held
        from vjepa_ros.robot.trained_model import simulator_notes

        for note in simulator_notes(model):
            print(f"  note           {note}")
    rows = []
    if args.checkpoint:
        for label, camera in cameras:
            az, el, dist = camera_placement(camera, base.scene.table_height)
            with Sim(dataclasses.replace(base, camera=camera)) as sim:
                row = {"placement": label, "azimuth_deg": az, "elevation_deg": el,
                       "distance_m": dist, "eye": camera.eye, "target": camera.target,
                       "vertical_fov_deg": camera.vertical_fov_deg,
                       **check_row(sim, model, seeds, config, motion, args.no_reach,
                                   args.reach_with_yaw, thresholds, trial,
                                   args.reach_with_candidate)}
            rows.append(row)
            print(f"  {label}: {json.dumps(row)}", flush=True)
        print_rows(rows, seeds, args.no_reach, "placement", lambda r: r["placement"][:34])
    else:
        models = [((0.0, 0.0, yaw), (1.0, 1.0, 1.0)) for yaw in args.yaw] + \
            [(tuple(t), (1.0, 1.0, 1.0)) for t in args.tilt or []] + \
            [((0.0, 0.0, 0.0), tuple(0.0 if a == axis else 1.0 for a in "xyz"))
             for axis in args.blind]
        with Sim(reach_sim_config(seeds[0], config.sim)) as sim:
            for rpy, gain in models:
                model = OracleWorldModel(model_frame_rpy_deg=rpy, axis_gain=gain).attach(sim)
                truth = Rotation.from_euler("xyz", rpy, degrees=True)
                row = check_row(sim, model, seeds, config, motion, args.no_reach,
                                thresholds=thresholds, trial=trial,
                                reach_with_candidate=args.reach_with_candidate)
                estimate = Rotation.from_euler("xyz", row["estimated_rpy_deg"], degrees=True)
                row = {"true_rpy_deg": list(rpy), "axis_gain": list(gain),
                       "estimation_error_deg": float(np.degrees(
                           (estimate * truth.inv()).magnitude())),
                       "yaw_error_deg": float(abs((row["yaw_deg"] - rpy[2] + 180) % 360 - 180)),
                       **row}
                rows.append(row)
                print(f"  rotation {rpy}, axis gain {gain}: {json.dumps(row)}", flush=True)
        print_rows(rows, seeds, args.no_reach, "true rpy [deg]", oracle_label)
    if args.json:
        write_text(args.json, json.dumps({"seeds": seeds, "thresholds": verdict,
                                          "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main, OPTIONS))
