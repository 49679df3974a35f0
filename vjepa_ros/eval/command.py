"""The ``vjepa-ros eval``, ``bag-from-npz`` and ``record`` subcommands (parsers; eval's handler).

vjepa-ros eval BAG [--checkpoint vjepa2-ac-vitg.pt] [--out DIR] [--goal IMAGE] ...
vjepa-ros bag-from-npz OUT_BAG [--episode EPISODE.npz] [--storage mcap|sqlite3]
vjepa-ros record OUT_BAG [--seed 0] [--frames 16] [--storage mcap|sqlite3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vjepa_ros.cli_options import (
    RANDOM_MODEL_CEM,
    RANDOM_MODEL_CEM_WHY,
    cem_changes,
    check_input_paths,
    model_hyper_parameters,
    option_message,
)
from vjepa_ros.command_errors import after_saving, command_ended, saved_whole
from vjepa_ros.config import UsageError
from vjepa_ros.eval.bag_commands import (  # noqa: F401 (RECORD_SEED_MEANING ...: re-exported)
    RECORD_SEED_MEANING,
    bag_writing,
    cmd_bag_from_npz,
    cmd_record,
)
from vjepa_ros.eval.bag_options import (
    add_bag_planning_arguments,
    read_bag,
    topics_from_args,
)
from vjepa_ros.example_episode import several_episodes_message  # noqa: F401 (re-exported)
from vjepa_ros.threads import apply_threads_option, check_threads_option


def add_commands(sub) -> None:
    """Register the subcommands on an ``argparse`` subparsers object."""
    ev = sub.add_parser(
        "eval", help="replay a rosbag2 recording through the planner and score it",
        description="Resample a rosbag2 bag (MCAP or SQLite3) to the model's step rate, plan at "
        "every step toward the frame k steps later (or --goal), compare with the executed "
        "motion; write report.json and plots.",
    )
    add_bag_planning_arguments(ev, "eval", "evaluate", "a small RANDOM-weight model",
                               no_checkpoint_cem=RANDOM_MODEL_CEM)
    ev.add_argument("--goal", help="goal image file (a path, a file:// URI or a package:// URL); "
                    "default: the frame --goal-offset steps later")
    ev.add_argument("--goal-offset", type=int, default=0,
                    help="goal = frame this many steps later, at least --horizon (0, the "
                    "default: the planner horizon, --horizon; above it the executed sequence "
                    "stops short of the goal frame, noted)")
    ev.add_argument("--landscape-points", type=int, default=11,
                    help="Δx/Δz energy landscape grid size per axis, 2..101 (0: none)")
    ev.add_argument("--min-motion", type=float, default=0.002,
                    help="executed motion [m] below which an axis' sign is not scored, 0..0.2 "
                    "(one step: at most the planner's safety.max_step_m)")
    ev.set_defaults(func=cmd_eval)

    to_bag = sub.add_parser(
        "bag-from-npz", help="write an episode .npz (observations, states) as a rosbag2 bag",
        description="Write frames and end-effector states (the published notebook format, e.g. "
        "the packaged franka_example_traj.npz) as a bag with the topics a Franka lab records.",
    )
    to_bag.add_argument("out", help="bag directory to create")
    to_bag.add_argument("--episode", help="npz with observations [T,H,W,3] and states [T,7]; "
                        "default: the packaged real Franka example")
    add_bag_format_arguments(to_bag)
    to_bag.add_argument("--rate", type=float, default=None,
                        help="frame rate in Hz; given, it overrides the episode's timestamps "
                        "(default: its timestamps, or 4 Hz when it has none)")
    to_bag.set_defaults(func=cmd_bag_from_npz)

    record = sub.add_parser(
        "record", help="record a scripted simulator episode as a rosbag2 bag",
        description="Run one scripted simulator episode and write camera, end-effector pose, "
        "gripper and /joint_states like a Franka lab records them.",
    )
    record.add_argument("out", help="bag directory to create")
    record.add_argument("--seed", type=int, default=0, help="episode seed (scene and motion)")
    record.add_argument("--frames", type=int, default=16, help="frames at 4 Hz")
    # the demo model's frames (eval and camera-check note another size): its bag needs no note
    record.add_argument("--width", type=int, default=128, help="camera width [px], 32..1024, long "
                        "side <= 4x the short; the frame size of the model that will read the "
                        "bag: 128 is the demo model's (default 128)")
    record.add_argument("--height", type=int, default=128,
                        help="camera height [px], 32..1024 (default 128)")
    record.add_argument("--state-rate", type=float, default=120.0, metavar="HZ",
                        help="rate of the pose, gripper and /joint_states [Hz], 4..240 (the "
                        "frames' rate up to the simulator's physics rate; a lab's arm: 100 Hz-"
                        "1 kHz), each stamped with its sim time; a rate not dividing 240 comes "
                        "with up to 1/240 s of jitter (default 120)")
    add_bag_format_arguments(record)
    record.set_defaults(func=cmd_record)


def add_bag_format_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--storage`` and ``--image-format`` of a bag this command writes."""
    parser.add_argument("--storage", choices=("mcap", "sqlite3"), default="mcap",
                        help="rosbag2 storage: mcap (one .mcap file) or sqlite3 (.db3) "
                        "(default mcap)")
    parser.add_argument("--image-format", choices=("raw", "jpeg", "png"), default="raw",
                        help="camera frames as sensor_msgs/Image (raw) or CompressedImage "
                        "(jpeg, png) (default raw)")


# EvalConfig's fields (as its errors name them) -> the options that set them.
EVAL_OPTIONS = {"rate_hz": "--rate", "goal_offset": "--goal-offset", "max_steps": "--max-steps",
                "landscape_points": "--landscape-points", "min_motion_m": "--min-motion",
                "max_state_gap_s": "--max-state-gap", "start_s": "--start", "end_s": "--end"}


def checked_eval_config(args: argparse.Namespace):
    """Return the checked ``EvalConfig`` of the options; UsageError (status 2) naming one."""
    from vjepa_ros.eval.eval_config import EvalConfig

    try:
        return EvalConfig(rate_hz=args.rate, goal_offset=args.goal_offset,
                          max_steps=args.max_steps, landscape_points=args.landscape_points,
                          min_motion_m=args.min_motion, max_state_gap_s=args.max_state_gap,
                          start_s=args.start, end_s=args.end, seed=args.seed).check()
    except ValueError as exc:
        raise UsageError(option_message(str(exc), EVAL_OPTIONS)) from None


def _goal_image(path: str):
    """Read ``--goal`` (:func:`vjepa_ros.images.load_image_file`); ValueError naming the option."""
    from vjepa_ros.images import ImageError, load_image_file

    try:
        return load_image_file(path)
    except ImageError as exc:
        raise ValueError(f"--goal: {exc}") from None


def cmd_eval(args: argparse.Namespace) -> int:
    from vjepa_ros.out_paths import check_output_names, named_after, output_dir
    from vjepa_ros.planning.config import preset, say_frozen_mean
    from vjepa_ros.recordings.bag_files import BagError

    defaults = {} if args.checkpoint else RANDOM_MODEL_CEM
    out = Path(args.out) if args.out else named_after("eval", args.bag)
    stage = "checking"  # then "evaluating" (--out known), "writing" (write_report)
    try:
        cem = preset(args.preset, **cem_changes(args, defaults, RANDOM_MODEL_CEM_WHY))
        say_frozen_mean(cem)  # a mean momentum of 1: this command's one warning line
        check_threads_option(args.threads)
        config = checked_eval_config(args)
        if args.goal is not None and args.goal_offset:
            raise UsageError(f"--goal-offset {args.goal_offset} with --goal {args.goal}: the goal "
                             "is the image, the offset would do nothing; give one of them")
        from vjepa_ros.eval.eval_config import goal_offset_problem

        problem = goal_offset_problem(  # before the bag's read; a horizon not typed: whose
            config.goal_offset, cem.horizon,
            "" if args.horizon is not None else f"preset {args.preset!r}")
        if problem:
            raise UsageError(option_message(problem, EVAL_OPTIONS))
        topics = topics_from_args(args)  # --no-gripper with --gripper-topic: refused here
        model_args = model_hyper_parameters(args, "--checkpoint")
        # the options first, then the files: created by write_report, after the run
        output_dir(out, create=False)
        from vjepa_ros.train.out_check import refuse_out_in_recording

        refuse_out_in_recording(out, "eval", args.bag)  # `eval .` in a bag: not into it
        from vjepa_ros.eval.report import output_names

        # a folder in report.json's (or a plot's) way: before the run; not a plot not written
        check_output_names(out, output_names(not args.no_plots, config.landscape_points > 0))
        from vjepa_ros.eval.out_reuse import previous_report_note

        # refused: another bag's report (another --start/--end window's: once the bag is read)
        previous_report_note(out, args.bag, None)
        stage = "evaluating"  # a stop from here says what was saved (_eval_saved)
        goal = None if args.goal is None else _goal_image(args.goal)
        check_input_paths(args)  # --checkpoint, --device, --dtype
        from vjepa_ros.eval.report import note_lines
        from vjepa_ros.recordings.topic_choice import without_train_keys  # eval's options alone

        # a missing or unreadable bag, its topics and states (a wrong --image-topic): at once,
        # before torch and the model; read once (a .db3 with a pending log is copied once)
        recording, topics = read_bag(args, topics)  # topics: at the opening read with
        from vjepa_ros.eval.step_choice import choose_steps, covered_ns, step_span, window_ns

        # a window with no frame: that, before any other part (a start past the bag: the
        # latest start that holds the planner's steps)
        window_ns(recording, config, step_span(
            cem.horizon, None if goal is not None else (config.goal_offset or cem.horizon)))
        # another window of this bag: refused; windows compared by the frames they hold, so
        # that --end 0 and --end 1e300 (or the bag's length) are one window
        out_note = previous_report_note(out, args.bag, (config.start_s, config.end_s),
                                        lambda window: covered_ns(recording, *window))
        from vjepa_ros.eval.plan_reports import plan_report_note

        for line in note_lines(filter(None, [out_note, *recording.notes,
                                             plan_report_note(recording.topic_types)])):
            print(without_train_keys(line))  # about the input: before the results
        from vjepa_ros.eval.step_notes import step_notes

        # too short, or the arm still: refused before the model loads
        steps, offset, chosen = choose_steps(recording, config, cem.horizon, goal is not None)
        from vjepa_ros.eval.eval_config import goal_offset_note

        for line in note_lines(filter(None, [  # as report.json's recording.notes has them
                *step_notes(recording, steps, chosen, config.min_motion_m,
                            config.max_state_gap_s), goal_offset_note(offset, cem.horizon)])):
            print(option_message(line, EVAL_OPTIONS))
        recording.check_plannable_size()  # frames the planner node refuses: not scored
        from vjepa_ros.demo import (  # torch: after every input is checked
            load_planning_model,
            random_model_wording,
        )
        from vjepa_ros.eval.cpu_cost import cost_note_printer
        from vjepa_ros.eval.evaluate import evaluate_recording
        from vjepa_ros.eval.report import summary_lines, write_report

        apply_threads_option(args.threads)  # the cost note's probe and the plans alike
        model, source = load_planning_model(args.checkpoint, args.device, args.dtype,
                                            args.seed, **model_args)
        print(f"world model   {source}")
        notes = [recording.frame_size_note(getattr(model, "img_size", None),
                                           getattr(model, "trained_frame_sizes", None),
                                           **random_model_wording(source)),
                 "" if goal is None else recording.goal_size_note(goal.shape),
                 *recording.colour_notes(goal)]
        from vjepa_ros.robot.trained_model import model_rate_note, recording_rules

        # labelled at --tcp-xyz: the model's point?; held (evaluate_recording): said here too
        notes += [*recording_rules(model, recording, topics),
                  model_rate_note(model, config.rate_hz)]
        for line in note_lines(filter(None, notes)):
            print(line)
        report = evaluate_recording(recording, model, cem, config, goal, progress=not args.quiet,
                                    before_planning=cost_note_printer(
                                        model, cem, landscape_points=config.landscape_points),
                                    say=lambda note: print(*note_lines([note])))
        stage = "writing"
        _options_in_notes(report, len(recording.notes))
        written = write_report(report, out, plots=not args.no_plots)
    except (KeyboardInterrupt, BagError, OSError, ValueError, RuntimeError) as exc:
        from vjepa_ros.eval.report import summary_lines
        from vjepa_ros.eval.stopped_eval import measured, save_stopped_eval

        if stage == "evaluating" and measured(exc) is not None:  # the steps planned: saved
            if recording.copies is not None:
                recording.copies.close()
            partial = measured(exc)
            _options_in_notes(partial, len(recording.notes))
            return save_stopped_eval("vjepa-ros eval", exc, partial, out, not args.no_plots,
                                     lambda report: summary_lines(report, input_notes=False))
        # EvalConfig's and CEMConfig's names (no step to evaluate: goal_offset, rate_hz) as
        # options; 2: an option refused (config.UsageError); a stop while checking: nothing
        # started
        from vjepa_ros.recordings.topic_choice import without_train_keys

        return command_ended("vjepa-ros eval", exc, None if stage == "checking" else
                             lambda: _eval_saved(out, stage), options=EVAL_OPTIONS,
                             message=without_train_keys(str(exc)))  # eval's options alone

    def show() -> None:
        # first (a stop while printing skips nothing), and not in a finalizer as the command
        # returns: a stop there was "Exception ignored" and status 0
        if recording.copies is not None:
            recording.copies.close()
        print("\n".join(summary_lines(report, input_notes=False)))
        print(f"written       {', '.join(str(p) for p in written.values())}")

    return after_saving("vjepa-ros eval", saved_whole("its report", out), show)


def _options_in_notes(report: dict, input_notes: int) -> None:
    """Name the settings in the report's step notes (after the input's) as the options."""
    notes = report["recording"]["notes"]  # the step notes (after the input's) as printed
    notes[input_notes:] = [option_message(note, EVAL_OPTIONS) for note in notes[input_notes:]]


def _eval_saved(out: Path, stage: str) -> str:
    """Say what a stopped eval saved in ``out``: nothing before its first step is evaluated.

    A stop once steps are evaluated saves a partial report (``stopped_eval.save_stopped_eval``);
    before the first (``stage`` ``evaluating``: the bag read, the model loaded, the frames
    encoded) nothing; stopped while writing the whole report (``writing``), the plots may be
    there and ``report.json`` not, or an earlier run's.
    """
    from vjepa_ros.path_text import shown_path

    if stage == "writing":
        return (f"stopped while writing the report into {shown_path(out)}: its plots may be "
                "incomplete and report.json missing or an earlier run's; run eval again")
    return (f"nothing saved (stopped before the first step was evaluated; eval writes its "
            f"report into {shown_path(out)}, partial when stopped later)")
