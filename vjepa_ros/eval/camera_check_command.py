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
from vjepa_ros.eval.camera_check_options import (
    PARAMETER_OPTIONS,
    add_verdict_arguments,
    verdict_thresholds,
)
from vjepa_ros.eval.camera_check_thresholds import check_eval_config
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
    check.add_argument("--max-steps", type=int, default=0,
                       help="use at most N steps (0, the default: all)")
    add_verdict_arguments(check)
    add_topic_arguments(check)
    check.add_argument("--no-plots", action="store_true", help="no camera_check.png")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    check.set_defaults(func=cmd_camera_check)


# Options named in the one-line errors: the setting (as the errors spell it) -> its option.
_OPTIONS = {**PARAMETER_OPTIONS, "rate_hz": "--rate", "max_steps": "--max-steps"}


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
    thresholds = verdict_thresholds(args)
    try:
        config = check_eval_config(thresholds, args.rate, args.max_steps, args.seed)
    except ValueError as exc:
        raise ValueError(option_message(str(exc), _OPTIONS)) from None
    return cem, thresholds, config


def check_inputs(args: argparse.Namespace) -> None:
    """Check what the command reads, before the libraries that read it load.

    ``--checkpoint`` (and the ``--device``/``--dtype`` names), ``--params-file`` (as rcl would
    read it) and the bag (exists, holds a recording: ``open_reader``). Raises ValueError (a
    ``UsageError`` for ``--params-file``, or ``BagError``) naming the option or the bag.
    """
    from vjepa_ros.eval.bag_files import open_reader
    from vjepa_ros.nodes.params_file import check_params_file
    from vjepa_ros.nodes.planner_name import PLANNER_NODE

    check_input_paths(args)
    if args.params_file:  # a planner file: a section for no planner would be dropped
        check_params_file(args.params_file, nodes=[f"/{PLANNER_NODE}"],
                          nodes_are="whose parameters camera-check reads")
    open_reader(args.bag).close()


def cmd_camera_check(args: argparse.Namespace) -> int:
    """Check the options, read the bag, load the model, run the check, print and write.

    Exit status 2 for a ``--params-file`` that cannot be used (``config.UsageError``), 1 for
    any other refusal or failure.
    """
    from vjepa_ros.config import exit_status
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
        return exit_status(exc)
    print(f"bag           {args.bag}: {report['summary']['steps_evaluated']} steps at "
          f"{args.rate:g} Hz")
    print("\n".join(summary_lines(result)))
    print(f"written       {', '.join(str(p) for p in written.values())}")
    return 0
