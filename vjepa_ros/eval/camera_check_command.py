"""The ``vjepa-ros camera-check`` subcommand: the offline camera placement check on a bag.

vjepa-ros camera-check BAG [--checkpoint vjepa2-ac-vitg.pt] [--out DIR] [--params-file FILE]

Prints per-axis agreement, the estimated yaw and full rotation, the verdict; writes
``camera_check.json``, ``camera_check.png`` and ``planner_camera_check.yaml`` (the planner
parameters with ``control.model_frame_rpy_deg``) into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vjepa_ros.cli_options import (
    add_planning_arguments,
    add_search_method_arguments,
    cem_changes,
    check_input_paths,
    model_hyper_parameters,
    option_message,
)
from vjepa_ros.eval.camera_check_thresholds import (
    PARAM_PREFIX,
    CheckThresholds,
    check_eval_config,
)
from vjepa_ros.eval.command import add_topic_arguments, topics_from_args


def add_commands(sub) -> None:
    """Register ``camera-check`` on an ``argparse`` subparsers object."""
    check = sub.add_parser(
        "camera-check", help="does the world model see the robot's axes? (camera placement)",
        description="From a recorded bag: the world model's inferred motion between consecutive "
        "steps (the planner's search toward the next frame) against the executed motion; the "
        "rotation from the robot's base frame to the model's, a verdict (placement fine / "
        "correct by rotation / move the camera), a plot and a planner parameter file with the "
        "correction (control.model_frame_rpy_deg).",
    )
    check.add_argument("bag", help="bag directory (metadata.yaml) or a .mcap / .db3 file")
    check.add_argument("--out", help="output directory (default: ./camera_check_<bag name>)")
    check.add_argument("--params-file", help="planner parameter file the written file starts "
                       "from (default: the package's config/planner.yaml)")
    add_planning_arguments(check, default_preset="paper")
    add_search_method_arguments(check)
    check.add_argument("--rate", type=float, default=4.0, help="model step rate in Hz (default 4)")
    check.add_argument("--max-steps", type=int, default=0, help="use at most N steps")
    group = check.add_argument_group(
        "verdict thresholds", "default: camera_check.verdict.* of config/planner.yaml "
        "(vjepa_ros.eval.camera_check.CheckThresholds)")
    group.add_argument("--fine-deg", type=float,
                       help="placement fine up to this rotation [deg]")
    group.add_argument("--max-residual-deg", type=float,
                       help="move the camera when no rotation fits better than this RMS angle "
                       "[deg]")
    group.add_argument("--min-scale", type=float,
                       help="move the camera when the model infers less than this fraction of "
                       "the executed motion's length, over all motions or along one base axis")
    group.add_argument("--min-explained", type=float,
                       help="move the camera when the model's best action explains less than "
                       "this fraction of its best axis' share of the frame change along some "
                       "axis")
    group.add_argument("--confidence", type=float,
                       help="placement fine when the estimated rotation cannot be told from no "
                       "rotation at this confidence, in (0, 1) (default 0.95)")
    group.add_argument("--min-motion", type=float,
                       help="executed motions shorter than this [m] are not used")
    add_topic_arguments(check)
    check.add_argument("--no-plots", action="store_true", help="no camera_check.png")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    check.set_defaults(func=cmd_camera_check)


# Options named in the one-line errors: the setting (as the errors spell it) -> its option.
_VERDICT_OPTIONS = {"fine_deg": "--fine-deg", "max_residual_deg": "--max-residual-deg",
                    "min_scale": "--min-scale", "min_motion_m": "--min-motion",
                    "min_explained": "--min-explained", "confidence": "--confidence"}
_OPTIONS = {**{f"{PARAM_PREFIX}{name}": option for name, option in _VERDICT_OPTIONS.items()},
            "rate_hz": "--rate", "max_steps": "--max-steps"}


def checked_options(args: argparse.Namespace) -> tuple:
    """Check every option before anything is loaded; return ``(cem, thresholds, eval_config)``.

    Raises ValueError naming the option: ``--horizon`` other than 1 (the check's inverse
    inference is a one-step search toward the next frame), a bad planner option, a verdict
    threshold, ``--rate`` or ``--max-steps`` out of range.
    """
    from vjepa_ros.planning.config import preset

    if args.horizon is not None and args.horizon != 1:
        raise ValueError(f"--horizon {args.horizon}: the camera check infers each motion by a "
                         "horizon-1 search toward the next frame; leave --horizon out")
    defaults = {"horizon": 1} if args.checkpoint else {"samples": 64, "iterations": 3,
                                                       "horizon": 1}
    cem = preset(args.preset, **cem_changes(args, defaults))
    try:
        given = {name: getattr(args, option[2:].replace("-", "_"))
                 for name, option in _VERDICT_OPTIONS.items()}
        thresholds = CheckThresholds(**{k: v for k, v in given.items() if v is not None})
        config = check_eval_config(thresholds, args.rate, args.max_steps, args.seed)
    except ValueError as exc:
        raise ValueError(option_message(str(exc), _OPTIONS)) from None
    return cem, thresholds, config


def check_inputs(args: argparse.Namespace) -> None:
    """Check what the command reads, before the libraries that read it load.

    ``--checkpoint`` (and the ``--device``/``--dtype`` names), ``--params-file`` (as rcl would
    read it) and the bag (exists, holds a recording: ``open_reader``). Raises ValueError (or
    ``BagError``) naming the option or the bag.
    """
    from vjepa_ros.eval.bag_files import open_reader
    from vjepa_ros.nodes.params_file import check_params_file

    check_input_paths(args)
    if args.params_file:
        check_params_file(args.params_file)
    open_reader(args.bag).close()


def cmd_camera_check(args: argparse.Namespace) -> int:
    """Check the options, read the bag, load the model, run the check, print and write."""
    from vjepa_ros.eval.bag_files import BagError
    from vjepa_ros.out_paths import output_dir

    out = Path(args.out or f"camera_check_{Path(args.bag).name.rsplit('.', 1)[0]}")
    try:
        output_dir(out, create=False)
        cem, thresholds, _ = checked_options(args)
        model_args = model_hyper_parameters(args)
        check_inputs(args)
        from vjepa_ros.eval.bags import read_recording
        from vjepa_ros.eval.camera_check_report import (
            base_planner_params,
            summary_lines,
            write_check,
        )

        base = base_planner_params(args.params_file)
        recording = read_recording(args.bag, topics_from_args(args))  # before the model
        from vjepa_ros.demo import load_planning_model  # torch: after every input is checked
        from vjepa_ros.eval.camera_check_bag import check_recording
        model, source = load_planning_model(args.checkpoint, args.device, args.dtype,
                                            args.seed, **model_args)
        print(f"world model   {source}")
        note = recording.frame_size_note(getattr(model, "img_size", None))
        if note:
            print(f"note          {note}")
        result, report = check_recording(recording, model, cem, thresholds, args.rate,
                                         args.max_steps, args.seed, progress=not args.quiet)
        written = write_check(result, out, base, plot=not args.no_plots, extra={
            "bag": str(args.bag), "world_model": source,
            "steps_evaluated": report["summary"]["steps_evaluated"],
            "planner": report["planner"]})
    except (BagError, OSError, ValueError, RuntimeError) as exc:
        print(f"vjepa-ros camera-check: {exc}", file=sys.stderr)
        return 1
    print(f"bag           {args.bag}: {report['summary']['steps_evaluated']} steps at "
          f"{args.rate:g} Hz")
    print("\n".join(summary_lines(result)))
    print(f"written       {', '.join(str(p) for p in written.values())}")
    return 0
