"""The ``vjepa-ros camera-check`` subcommand: the offline camera placement check on a bag.

vjepa-ros camera-check BAG [--checkpoint vjepa2-ac-vitg.pt] [--out DIR] [--params-file FILE]

Prints per-axis agreement, the estimated yaw and full rotation, the verdict; writes
``camera_check.json``, ``camera_check.png`` and ``planner_camera_check.yaml`` (the planner
parameters with ``control.model_frame_rpy_deg``; not on an "undecided" verdict) into ``--out``.
An ``--out`` holding the check of another recording, or of another ``--start``/``--end`` part of
it, is refused before the bag loads; one of another world model is replaced with a note
(``camera_check_out``); the same check's earlier files are overwritten.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import asdict
from pathlib import Path

from vjepa_ros.cli_options import (
    RANDOM_MODEL_CEM,
    cem_changes,
    check_input_paths,
    model_hyper_parameters,
    option_message,
)
from vjepa_ros.command_errors import (
    after_saving,
    command_ended,
    saved_whole,
    usage_errors,
)
from vjepa_ros.eval.bag_options import (
    add_bag_planning_arguments,
    read_bag,
    topics_from_args,
)
from vjepa_ros.eval.camera_check_base import (
    check_node_start,
    file_planner_params,
    file_rotations,
    params_file_checkpoint,
)
from vjepa_ros.eval.camera_check_options import (
    PARAMETER_OPTIONS,
    add_verdict_arguments,
    verdict_thresholds,
)
from vjepa_ros.eval.camera_check_thresholds import check_eval_config
from vjepa_ros.threads import apply_threads_option, check_threads_option


def add_commands(sub) -> None:
    """Register ``camera-check`` on an ``argparse`` subparsers object."""
    check = sub.add_parser(
        "camera-check", help="does the world model see the robot's axes? (camera placement)",
        description="From a recorded bag: the world model's inferred motion between consecutive "
        "steps (the planner's search toward the next frame) against the executed motion; the "
        "rotation from the robot's base frame to the model's, a verdict (placement fine / "
        "correct by rotation / move the camera; undecided when two independent searches of "
        "the same steps disagree: too few --samples/--iterations), a plot and a planner "
        "parameter file with the correction (control.model_frame_rpy_deg; none when "
        "undecided). Each step is searched twice.",
    )
    add_bag_planning_arguments(check, "camera_check", "check", "refused (a model with random "
                               "weights sees nothing; --random-weights runs it anyway); demo: "
                               "the packaged demo world model",
                               no_checkpoint_cem=RANDOM_MODEL_CEM,
                               random_when="with --random-weights")
    check.add_argument("--params-file", help="planner parameter file the written file starts "
                       "from (default: the package's config/planner.yaml)")
    check.add_argument("--random-weights", action="store_true",
                       help="run without --checkpoint on a small RANDOM-weight model (a test of "
                       "the pipeline: its verdict means nothing)")
    add_verdict_arguments(check)
    check.set_defaults(func=cmd_camera_check)


# Options named in the one-line errors: the setting (as the errors spell it) -> its option.
_OPTIONS = {**PARAMETER_OPTIONS, "rate_hz": "--rate", "max_steps": "--max-steps",
            "max_state_gap_s": "--max-state-gap", "start_s": "--start", "end_s": "--end"}


def checked_options(args: argparse.Namespace) -> tuple:
    """Check every option before anything is loaded; return ``(cem, thresholds, eval_config)``.

    Raises UsageError (exit status 2; ``command_errors.usage_errors``) naming the option:
    ``--horizon`` other than 1 (the check's inverse inference is a one-step search toward the
    next frame), a bad planner option, a verdict threshold, ``--rate`` or ``--max-steps`` out of
    range.
    """
    with usage_errors():  # the options alone, before any file is read
        return _checked_options(args)


def _checked_options(args: argparse.Namespace) -> tuple:
    from vjepa_ros.planning.config import preset, say_frozen_mean

    if args.horizon is not None and args.horizon != 1:
        raise ValueError(f"--horizon {args.horizon}: the camera check infers each motion by a "
                         "horizon-1 search toward the next frame; leave --horizon out")
    defaults = {"horizon": 1} if args.checkpoint else {**RANDOM_MODEL_CEM, "horizon": 1}
    cem = preset(args.preset, **cem_changes(args, defaults))
    say_frozen_mean(cem)  # a mean momentum of 1: this command's one warning line
    check_threads_option(args.threads)
    thresholds = verdict_thresholds(args)
    try:
        config = check_eval_config(thresholds, args.rate, args.max_steps, args.seed,
                                   args.max_state_gap, args.start, args.end)
    except ValueError as exc:
        raise ValueError(option_message(str(exc), _OPTIONS)) from None
    return cem, thresholds, config


def horizon_note(name: str) -> str:
    """Say that preset ``name``'s horizon is not the check's ("" for a horizon-1 preset).

    The check infers each motion by a horizon-1 search (an explicit ``--horizon 2`` is refused);
    a preset of another horizon (``notebook``: 2) gives its other settings only (breaker38).
    """
    from vjepa_ros.planning.config import preset

    horizon = preset(name).horizon
    return "" if horizon == 1 else (
        f"--preset {name}'s horizon {horizon} is not used: the camera check infers each motion "
        "by a horizon-1 search; the preset's other settings are")


NO_CHECKPOINT = ("no --checkpoint: a world model with random weights sees nothing, so its "
                 "camera check means nothing; pass --checkpoint demo (the packaged demo model), "
                 "--checkpoint vjepa2-ac-vitg.pt (Meta's) or a trained file, or --random-weights "
                 "to run the pipeline anyway")


def run_settings(args: argparse.Namespace, cem, model_args: dict) -> dict:
    """Return the planner parameters of this run, for the written file (nested, as the node's).

    ``model.checkpoint`` as the node reads it (``demo``: the packaged file's path; a path made
    absolute; none: empty, which the node refuses), the official hyper-parameters and the
    ``--device``/``--dtype``/``--threads`` given (``--threads`` 0 or left out: the node's
    ``model.threads`` 0, whose default is the check's, ``threads.cpu_threads``:
    ``OMP_NUM_THREADS`` when set, else all cores but one), and ``planner.*`` from the search the
    check ran (``cem``, with ``--seed``): loading the file plans with the model and search the
    correction came from.
    """
    import json

    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.robot.cem_params import CEMParams
    model = {"checkpoint": str(world_model_path(args.checkpoint).resolve())
             if args.checkpoint else ""}
    model.update({f"{kind}_args": json.dumps(values) for kind, values in model_args.items()
                  if values})
    model.update({name: getattr(args, name) for name in ("device", "dtype", "threads")
                  if getattr(args, name)})
    return {"model": model,
            "planner": dataclasses.asdict(CEMParams.from_cem(cem, args.seed))}


def check_inputs(args: argparse.Namespace):
    """Check what the command reads, before the libraries that read it load.

    ``--checkpoint`` (and the ``--device``/``--dtype`` names), ``--params-file`` (as rcl would
    read it) and the bag (exists, holds a recording: ``open_reader``). Raises ValueError (a
    ``UsageError`` for ``--params-file``, or ``BagError``) naming the option or the bag.
    Returns the ``temp_copies.TempCopies`` the bag was opened with, for ``read_recording``: a
    ``.db3`` with a pending log is then merged into a copy once, not twice.
    """
    from vjepa_ros.nodes.params_file import check_params_file
    from vjepa_ros.recordings.bag_files import open_reader
    from vjepa_ros.recordings.temp_copies import TempCopies
    from vjepa_ros.robot.planner_name import PLANNER_NODE

    check_input_paths(args)
    if args.params_file:  # a planner file: a section for no planner would be dropped
        check_params_file(args.params_file, nodes=[f"/{PLANNER_NODE}"],
                          nodes_are="whose parameters camera-check reads")
    copies = TempCopies()
    open_reader(args.bag, copies=copies).close()
    return copies


def check_world_model_choice(args: argparse.Namespace) -> None:
    """Refuse no ``--checkpoint`` without ``--random-weights`` (:data:`NO_CHECKPOINT`).

    After the bag's own checks (its topics and motions say more about the bag than this line),
    before the model loads. Raises UsageError (exit status 2) naming the options. Both given
    are refused with the other options, first (:func:`refuse_random_with_checkpoint`).
    """
    from vjepa_ros.config import UsageError

    if not args.checkpoint and not args.random_weights:
        raise UsageError(NO_CHECKPOINT)


def refuse_random_with_checkpoint(args: argparse.Namespace) -> None:
    """Refuse ``--random-weights`` with ``--checkpoint``: options that do not go together.

    Raises UsageError (exit status 2) in one line naming both, before any file is read; a
    ``--params-file`` naming a checkpoint is refused alike
    (``camera_check_base.params_file_checkpoint``).
    """
    from vjepa_ros.config import UsageError

    if args.checkpoint and args.random_weights:
        raise UsageError(f"--random-weights: does not apply with --checkpoint {args.checkpoint}, "
                         "whose weights load; leave one of them out")


def _check_saved(out: Path, stage: str) -> str:
    """Say what a check stopped at ``stage`` saved in ``out`` (``stopped_check_saved``)."""
    from vjepa_ros.eval.camera_check_report import stopped_check_saved

    return stopped_check_saved(out, stage == "writing")


def cmd_camera_check(args: argparse.Namespace) -> int:
    """Check the options, read the bag, load the model, run the check, print and write.

    Exit status 2 for a usage error (``config.UsageError``: an option refused, no
    ``--checkpoint`` nor ``--random-weights``, a ``--params-file`` that cannot be used), 1 for
    any other refusal or failure. Stopped (Ctrl-C, SIGTERM) once ``--out`` is known: one line
    saying what was saved there (``camera_check_report.stopped_check_saved``), status 130 / 143;
    stopped in its searches, the motions inferred so far are saved as a partial check when
    enough for one, else the line says why not (``camera_check_stopped``).
    """
    from vjepa_ros.out_paths import named_after, output_dir
    from vjepa_ros.recordings.bag_files import BagError

    out = Path(args.out) if args.out else named_after("camera_check", args.bag)
    stage = "checking"  # then "checking the bag" (--out known), "writing" (write_check)
    try:  # the options first (what --params-file sets included), then the files they name
        refuse_random_with_checkpoint(args)
        file_params = file_planner_params(args)  # the one read of --params-file
        file_checkpoint = params_file_checkpoint(args, file_params)  # the defaults depend on it
        cem, thresholds, config = checked_options(args)
        from vjepa_ros.eval.camera_check_file_search import file_search_note

        for note in (horizon_note(args.preset), file_search_note(args, cem, file_params)):
            if note:  # F's search is not the check's (user56u: the time note said S 800)
                print(f"note          {note}")
        topics = topics_from_args(args)  # --no-gripper with --gripper-topic: refused here
        model_args = model_hyper_parameters(
            args, "--checkpoint (or a --params-file with model.checkpoint)")
        output_dir(out, create=False)
        from vjepa_ros.train.out_check import refuse_out_in_recording

        refuse_out_in_recording(out, "camera-check", args.bag)  # never into the recording
        stage = "checking the bag"  # a stop from here says what was saved in --out
        if file_checkpoint:
            from vjepa_ros.input_paths import world_model_path

            world_model_path(args.checkpoint, file_checkpoint)
        copies = check_inputs(args)
        from vjepa_ros.eval.camera_check_report import (
            NODE_KEY,
            params_with_correction,
            save_check,
            summary_lines,
            with_settings,
        )

        base = with_settings(file_params, run_settings(args, cem, model_args))
        from vjepa_ros.eval.camera_check_out import KEY, check_identity, refuse_other_check

        identity = check_identity(args.bag, base["model"]["checkpoint"],
                                  (config.start_s, config.end_s))
        # another bag's check: refused; another window's once the bag's times are known
        refuse_other_check(out, identity, compare_window=False)
        from vjepa_ros.eval.camera_check_report import written_names
        from vjepa_ros.out_paths import check_output_names

        # a folder in camera_check.json's way failed the write after the whole check
        check_output_names(out, written_names(plot=not args.no_plots))
        written_params = params_with_correction(base, (0.0, 0.0, 0.0), asdict(thresholds))
        node_config = check_node_start(written_params[NODE_KEY]["ros__parameters"],
                                       args.params_file)
        # the file's own rotation and record, read alone: written_params holds none (user56u,
        # review56s; camera_check_base.file_rotations)
        in_force_rpy, checked_rpy = file_rotations(base)
        crop = node_config.model.aspect_ratio_range()  # as the node: None, the file's crop
        # before torch; the check's copies; topics: at the opening the fingers were read with
        recording, topics = read_bag(args, topics, copies)
        from vjepa_ros.eval.camera_check_frames import base_frame_problem

        problem = base_frame_problem(node_config.robot, recording.state_frame, args.bag,
                                     recording.state_topic, args.params_file)
        if problem:  # another arm's bag: its correction is not this file's (breaker55b)
            raise ValueError(problem)
        from vjepa_ros.eval.camera_check_bag import STEP_SPAN
        from vjepa_ros.eval.step_choice import covered_ns, window_ns

        try:  # a window with no frame: that, before any other part (eval's words and advice)
            window_ns(recording, config, STEP_SPAN)
        except ValueError as exc:
            raise ValueError(option_message(str(exc), _OPTIONS)) from None
        # windows compared by the frames they hold: --end 0 and --end 1e300 are one window
        replaced = refuse_other_check(out, identity,
                                      covered=lambda window: covered_ns(recording, *window))
        from vjepa_ros.eval.camera_check_bag import check_executed_motions, check_recording

        try:  # the bag's states alone: seconds, before the model loads (~10 s)
            check_executed_motions(recording, thresholds, config)
        except ValueError as exc:  # the verdict's parameters and --max-steps as options
            raise ValueError(option_message(str(exc), _OPTIONS)) from None
        check_world_model_choice(args)
        recording.check_plannable_size()  # frames the planner node refuses: not checked on
        from vjepa_ros.demo import (  # torch: after every input is checked
            load_planning_model,
            random_model_wording,
        )

        apply_threads_option(args.threads)  # before the model encodes and plans
        model, source = load_planning_model(  # its errors name where the file came from
            args.checkpoint, args.device, args.dtype, args.seed, aspect_ratio_range=crop,
            option=file_checkpoint or "--checkpoint", **model_args)
        print(f"world model   {source}")
        if replaced:  # this bag's check with another world model
            print(f"note          {replaced}")
        from vjepa_ros.models.preprocess import crop_note
        from vjepa_ros.robot.trained_model import model_rate_note, recording_rules

        for note in (recording.frame_size_note(getattr(model, "img_size", None),
                                               getattr(model, "trained_frame_sizes", None),
                                               **random_model_wording(source)),
                     crop_note(crop, getattr(model, "trained_aspect_ratio_range", None),
                               source),  # the node's warning
                     # labelled at --tcp-xyz: the model's point?; held (evaluate_recording)
                     *recording_rules(model, recording, topics),
                     model_rate_note(model, args.rate),  # its actions' period: the steps'?
                     *recording.colour_notes()):  # grey or near-black frames, as eval's
            if note:
                print(f"note          {note}")
        from vjepa_ros.eval.cpu_cost import cost_note_printer

        def extra(report: dict) -> dict:  # camera_check.json's, beside the result (a stop's too)
            return {"bag": str(args.bag), KEY: identity, "world_model": source,
                    "steps_evaluated": report["summary"]["steps_evaluated"],
                    "torch_threads": report["model"]["torch_threads"],
                    "planner": report["planner"]}

        try:  # no step to evaluate: the settings as options (--rate, --max-state-gap)
            result, report = check_recording(
                recording, model, cem, thresholds, args.rate, args.max_steps, args.seed,
                progress=not args.quiet, max_state_gap_s=args.max_state_gap,
                window_s=(args.start, args.end),  # eval's cost note, two searches a step
                before_planning=cost_note_printer(model, cem.with_(horizon=1),
                                                  searches=2),
                say=lambda note: print(f"note          {note}", flush=True))  # lost frames
        except ValueError as exc:
            raise ValueError(option_message(str(exc), _OPTIONS)) from None
        stage = "writing"
        written, saved = save_check(result, out, base, f" in {out}", world_model=source,
                                    plot=not args.no_plots,
                                    camera_topic=recording.image_topic, extra=extra(report))
    except (KeyboardInterrupt, BagError, OSError, ValueError, RuntimeError) as exc:
        from vjepa_ros.eval.stopped_eval import measured

        if stage != "checking" and measured(exc) is not None:  # in a search: what it measured
            from vjepa_ros.eval.camera_check_stopped import save_stopped_check

            copies.close()
            return save_stopped_check("vjepa-ros camera-check", exc, measured(exc), out, extra,
                                      not args.no_plots, summary_lines, world_model=source)
        # a stop (Ctrl-C, SIGTERM) while checking: nothing started
        from vjepa_ros.recordings.topic_choice import without_train_keys

        return command_ended("vjepa-ros camera-check", exc, None if stage == "checking" else
                             lambda: _check_saved(out, stage),
                             message=without_train_keys(str(exc)))  # its options alone

    def show() -> None:  # the check written: a stop now says it is saved
        copies.close()  # here, not in a finalizer as the command returns (a stop there: ignored)
        print(f"bag           {args.bag}: {report['summary']['steps_evaluated']} steps at "
              f"{args.rate:g} Hz")
        print("\n".join(summary_lines(result)))
        for caveat in saved.notes:  # the demo model's, a marginal verdict's
            print(f"note          {caveat}")
        from vjepa_ros.eval.camera_check_in_force import in_force_words

        given = f"--params-file {args.params_file or 'config/planner.yaml'} gave"
        try:
            held = in_force_words(  # the file's own correction, replaced in the written one
                in_force_rpy, result, given, "a planner started with that file plans with it: "
                "start it with the written file", checked_rpy)
        except ValueError as exc:  # not a rotation the planner takes: the written file's is
            held = (f"{given} control.model_frame_rpy_deg {in_force_rpy!r}, which the planner "
                    f"refuses ({exc}); the written file holds the check's rotation in its place")
        if held:
            print(f"note          {held}")
        if args.random_weights:  # the verdict's reasons name no cause: this run's is known
            print("note          random weights (--random-weights): the verdict means nothing")
        print(f"written       {saved.files}")
        if saved.kept:  # a correction is never replaced by none unsaid
            print(f"note          {saved.kept}")
        if written.params is None:  # undecided: the search was too weak to trust
            print(f"              {saved.undecided}")
            return
        checkpoint = base["model"]["checkpoint"]
        print(f"              {written.params.name} plans with "
              + (f"model.checkpoint {checkpoint}" if checkpoint else
                 "no model.checkpoint (random weights: the node refuses it until you set one)")
              + f" and the check's search ({cem.method}, samples {cem.samples}, iterations "
              f"{cem.iterations}, maxnorm {cem.maxnorm:g})")

    return after_saving("vjepa-ros camera-check", saved_whole("the check", out), show)
