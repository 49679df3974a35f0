"""``vjepa-ros pretrain``: V-JEPA pretraining of a small encoder (see ``pretrain.py``).

The command's flow, its stop handling and its parser; the checks before it runs are in
``pretrain_checks``, the files it writes in ``pretrain_files`` (both re-exported here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import ConfigError
from vjepa_ros.counts import counted
from vjepa_ros.train.command_options import add_options
from vjepa_ros.train.pretrain_checks import (  # noqa: F401 (re-exported: tests, callers)
    check_batch_memory,
    check_one_process,
    check_out_beside_data,
    check_pretrain_config_file,
    check_pretrain_inputs,
    checked_device,
    checked_pretrain_config,
    checked_rate,
    frames_memory_check,
    pretrain_device,
)
from vjepa_ros.train.pretrain_files import (  # noqa: F401 (re-exported: tests, callers)
    check_out_name,
    check_outputs_free,
    curve_files,
    existing_outputs,
    is_output_name,
    plot_curves,
    remove_stale_output_partials,
    step_file,
    write_curves,
)
from vjepa_ros.train.pretrain_lines import (
    frame_sizes_text,
    held_text,
    non_finite_weights,
    size_notes,
)


def cmd_pretrain(args: argparse.Namespace) -> int:
    """Pretrain, save the encoder file, its curves (.json) and plot (.png); exit 1 on bad input.

    An existing ``--out``, or any other file the run would write (:func:`existing_outputs`), is
    refused (exit 1), never overwritten.

    Exit 2 for a usage error (``config.UsageError``): an option refused, a ``--config`` file that
    cannot be read as settings.
    Ctrl-C or SIGTERM (``command_errors.run_reporting``) ends the step under way, saves the
    encoder as trained so far (:func:`save_stopped`) and exits 130 or 143; before the first step
    it writes nothing and says so, nor after a second Ctrl-C within a step (half updated).
    """
    from vjepa_ros.out_paths import output_file
    from vjepa_ros.terminate import stopped_by

    out = Path(args.out).expanduser()  # '--out=~/enc.pt' reaches here unexpanded (breaker40d)
    periodic: list[Path] = []  # the --save-every files written
    result = None
    try:
        from vjepa_ros.threads import apply_threads_option, check_threads_option

        check_threads_option(args.threads)  # first, as train: an option value alone
        # never overwritten, as train never overwrites a run; its folder is created once the
        # rest is checked
        output_file(args.out, create=False)
        check_out_name(out)
        check_outputs_free(out)
        # --config (readable, then its settings) before --data, in train's order
        check_pretrain_config_file(args)
        config = checked_pretrain_config(args)
        check_pretrain_inputs(args)
        check_out_beside_data(args)
        rate_hz = checked_rate(args)

        device_name = checked_device(args)  # the name, torch-free; torch knows if it is here
        check_one_process()
        from vjepa_ros.train.command_options import bag_topics_given
        from vjepa_ros.train.pretrain import (
            PretrainInterrupted,
            pretrain_encoder,
            save_pretrained,
        )
        from vjepa_ros.train.pretrain_data import clip_sampler, load_clip_segments, spread_frames

        apply_threads_option(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
        device = pretrain_device(device_name)
        check_batch_memory(config, device)  # before the data is read
        from vjepa_ros.recordings.topic_choice import without_train_keys  # its options alone

        sizes: list = []  # each segment's recorded (H, W) and source
        resize_to = None if config.crops() else config.img_size  # kept at what the encoder sees
        segments = load_clip_segments(args.data, config.frames_per_clip, rate_hz,
                                      log=lambda line: print(without_train_keys(line)),
                                      topics=bag_topics_given(args), resize_to=resize_to,
                                      sizes=sizes,
                                      on_source=frames_memory_check(config, device, resize_to))
        sampler = clip_sampler(segments, config, device)  # batches, masks: data_seed, else seed
        monitor_frames = spread_frames(segments, config.monitor_frames)
        from vjepa_ros.train.one_picture import one_picture_check  # refuses one picture

        picture_notes = one_picture_check(segments, [size[2] for size in sizes], monitor_frames)
        output_file(args.out)
        remove_stale_output_partials(out)  # of runs killed while saving (kill -9)
        check_outputs_free(out)  # again: files may have appeared while the data was read
        print(f"pretraining on {sampler.num_frames} frames {frame_sizes_text(sizes)} in "
              f"{counted(len(segments), 'segment')} ({counted(len(sampler.starts), 'clip')} of "
              f"{config.frames_per_clip} frames) from "
              f"{', '.join(map(str, args.data))}; monitors on {len(monitor_frames)} frames; "
              f"{held_text(sampler.frame_bytes, resize_to, sizes)}; on {device}")
        for note in [*size_notes(segments, sizes, config.img_size), *picture_notes]:
            print(f"note: {note}")
        del segments  # the sampler holds the frames (once)
        if config.batch_size > len(sampler.starts):
            print(f"note: a batch of {config.batch_size} clips is drawn from "
                  f"{len(sampler.starts)} distinct clips: clips repeat within every batch "
                  "(drawn with replacement); more data" + (
                      f", or --batch-size {len(sampler.starts)} or less," if
                      len(sampler.starts) > 1 else "") + " gives distinct clips")

        def checkpoint(step, encoder):
            if args.save_every and step % args.save_every == 0 and step < config.steps:
                periodic.append(save_pretrained(step_file(out, step), encoder, config, None,
                                                sampler.num_frames, step))

        try:
            result = pretrain_encoder(sampler, monitor_frames, config, checkpoint=checkpoint,
                                      device=device, progress=not args.quiet)
        except PretrainInterrupted as stopped:
            result = stopped.result
            return save_stopped(stopped, out, config, sampler.num_frames, periodic)
        path = save_pretrained(out, result.encoder, config, result, sampler.num_frames)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (command_errors.run_reporting)
        word, status = stopped_by(exc)
        if result is None:
            print(f"vjepa-ros pretrain: {word} before the first step; nothing written",
                  file=sys.stderr)
        else:  # a second signal while the files were written
            print(f"vjepa-ros pretrain: {word} while writing the encoder file; it may be "
                  "incomplete", file=sys.stderr)
        return status
    except (OSError, ValueError, ConfigError, FloatingPointError, RuntimeError,
            MemoryError) as exc:  # train's, and the loss's
        from vjepa_ros.recordings.topic_choice import without_train_keys  # its options alone

        return command_ended("vjepa-ros pretrain", exc,
                             message=without_train_keys(str(exc)) + lost_steps(exc, periodic))
    plot = write_curves(result, config.floors, *curve_files(out))
    if result.losses:
        tail = result.losses[-50:]
        steps = len(result.losses)
        done = (f"{counted(steps, 'step')} in {result.seconds / 60:.1f} min "
                f"({result.step_seconds / steps:.2f} s/step, and "
                f"{result.seconds - result.step_seconds:.0f} s of monitors and saves); final "
                f"loss (mean of last {len(tail)}) {sum(tail) / len(tail):.4f}")
    else:
        done = "untrained: the seeded initialization"
    first, last = result.monitors[0], result.monitors[-1]
    change = ", ".join(f"{name} {first[name]:.4g} -> {last[name]:.4g}" for name in config.floors)
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB): {done}; monitors {change}; "
          f"plot {plot}")
    if result.warnings:
        print(f"WARNING: {counted(len(result.warnings), 'collapse warning')}; first: "
              f"{result.warnings[0]}; "
              f"{START_NEXT if 'absolute floor' in result.warnings[0] else COLLAPSE_NEXT}")
    return 0


def lost_steps(exc: BaseException, periodic: list[Path]) -> str:
    """Return the tail of an error line that ended the run mid-way: the steps it lost.

    ``exc``: raised by ``pretrain_encoder`` after ``exc.pretrain_steps_done`` whole steps (""
    without it, or with none done). As ``vjepa-ros train``, an error saves nothing (the
    encoder may be what failed); the tail names the last ``--save-every`` file of ``periodic``
    and says that a rerun starts at step 0 (no ``--resume``).
    """
    done = getattr(exc, "pretrain_steps_done", 0)
    if not done:
        return ""
    kept = (f"the last --save-every file {periodic[-1]} stays" if periodic else
            "nothing was saved (--save-every N keeps files along the way)")
    which = f", step {done} included" if isinstance(exc, FloatingPointError) else ""  # the
    # step whose loss was not finite: its update was applied before its loss was checked
    return (f"; lost: the {counted(done, 'step')} done{which} (not saved), {kept}; pretrain "
            "has no --resume: a rerun starts at step 0")


# What to do after collapse warnings: what docs/pretraining.md measured helps, and the real check
COLLAPSE_NEXT = ("next: judge the encoder with benchmarks/bench_encoder_landscape.py (a monitor "
                 "below its floor did not predict a worse encoder in docs/pretraining.md); to "
                 "keep the floors, lower lr and start_lr (a sixth kept them there) or raise "
                 "ema_start (0.99925 only delayed the fall)")


# What to do after a warning at an absolute floor (collapse.ABSOLUTE_FLOORS: a start near 0)
START_NEXT = ("next: the monitors read about 0 from the start, so their frames' features do not "
              "differ (monitor frames that are one picture: see the notes above); pretrain on "
              "frames that differ, or raise monitor_frames in --config")


def save_stopped(stopped, out: Path, config, num_frames: int, periodic: list[Path]) -> int:
    """Save the encoder of a run Ctrl-C or SIGTERM stopped; say so in one line; return 130/143.

    ``stopped``: ``pretrain.PretrainInterrupted``. The target encoder after its N whole steps
    goes to :func:`step_file` (``encoder.step37.pt``, as ``--save-every`` names its files,
    ``trained_steps`` N inside; ``--out`` stays free for a full run), with its curves (.json)
    and plot (.png) named after it (:func:`curve_files`); ``periodic``: the ``--save-every``
    files written, the last one named too (that of the stop step itself: said so). The line
    says that a rerun starts at step 0 (there is no ``--resume``). An encoder whose weights
    became NaN or inf (an update overflowed after a finite loss, the stop came before the
    monitors saw it) is not saved, as ``--save-every`` never saves one: the line names the
    tensors and the last ``--save-every`` file, left as it was. Nothing is written when no
    step was done, nor when a second Ctrl-C stopped a step in the middle
    (``stop_request.InterruptedMidStep``: the encoder may be half updated); the line says so
    and names the last ``--save-every`` file, left as it was.
    """
    from vjepa_ros.terminate import stopped_by
    from vjepa_ros.train.pretrain import save_pretrained
    from vjepa_ros.train.stop_request import InterruptedMidStep

    word, status = stopped_by(stopped.signal)
    if isinstance(stopped.signal, InterruptedMidStep):
        kept = (f"the last --save-every file {periodic[-1]} stays as it was" if periodic else
                "nothing was saved for this run")
        print(f"vjepa-ros pretrain: {word} at once in the middle of step {stopped.signal.step} "
              f"of {config.steps}; its half-updated encoder was not saved; {kept}; pretrain has "
              "no --resume: a rerun starts at step 0" + (" (use a new --out)" if periodic else ""),
              file=sys.stderr)
        return status
    result = stopped.result
    step = len(result.losses)
    if not step:
        print(f"vjepa-ros pretrain: {word} before the first step; nothing written",
              file=sys.stderr)
        return status
    broken = non_finite_weights(result.encoder)
    if broken:  # the monitors refuse such an encoder; --save-every never writes one
        kept = (f"the last --save-every file {periodic[-1]} stays" if periodic else
                "nothing was saved for this run")
        print(f"vjepa-ros pretrain: {word} at step {step} of {config.steps}; the encoder was "
              f"not saved: its weights hold NaN or inf ({broken}: an update overflowed, its "
              f"loss finite before it), which every load refuses; {kept}; lower lr "
              f"({config.lr:g}) or start_lr; pretrain has no --resume: a rerun starts at step 0"
              + (" (use a new --out)" if periodic else ""), file=sys.stderr)
        return status
    path = save_pretrained(step_file(out, step), result.encoder, config, result, num_frames,
                           step)
    curves, plot = curve_files(out, step)
    write_curves(result, config.floors, curves, plot)
    also = ""
    if periodic:  # the stop step's own --save-every file is the one just replaced
        also = (f"; last --save-every file {periodic[-1]}" if periodic[-1] != path
                else f"; {path.name} is also the last --save-every file")
    print(f"vjepa-ros pretrain: {word} at step {step} of {config.steps}; the encoder as trained "
          f"so far saved to {path} (curves {curves.name}, plot {plot.name})"
          f"{also}; pretrain has no --resume: a rerun starts at step 0 (use a new --out)",
          file=sys.stderr)
    return status


def add_commands(sub) -> None:
    """Register ``pretrain`` on the ``vjepa-ros`` sub-parsers."""
    parser = sub.add_parser("pretrain", help="self-supervised V-JEPA pretraining of a small "
                            "V-JEPA 2 encoder on video clips (simulator episodes, bags)")
    parser.add_argument("--data", nargs="+", required=True,
                        help="episode .npz files, rosbag2 bags, or directories holding them")
    parser.add_argument("--out", required=True, help="encoder file to write (.pt; never "
                        "overwritten: refused when it, or its .json, .png or .step<N>.pt files, "
                        "exist)")
    parser.add_argument("--config", help="YAML with PretrainConfig settings "
                        "(default: config/pretrain.yaml values)")
    from vjepa_ros.threads import add_threads_argument
    from vjepa_ros.train.pretrain_config import PretrainConfig  # config/pretrain.yaml's

    defaults, file = PretrainConfig(), "(default {}, or --config's)"
    parser.add_argument("--steps", type=int, help="override the number of steps "
                        + file.format(defaults.steps))
    parser.add_argument("--batch-size", type=int, help="override the clips per step "
                        + file.format(defaults.batch_size))
    parser.add_argument("--seed", type=int, help="override the seed of the initialization "
                        "(and of the batches and masks, without --data-seed) "
                        + file.format(defaults.seed))
    parser.add_argument("--data-seed", type=int, help="override the seed of the batches (clip "
                        "order, still clips, crops) and masks apart from --seed's "
                        "initialization (default: data_seed of --config, null: --seed)")
    parser.add_argument("--save-every", type=int, default=0,
                        help="also write <out>.step<N>.pt every N steps (a multiple of "
                        "monitor_every; 0: only the final file); Ctrl-C or SIGTERM writes one "
                        "for the step reached")
    # Bags are read by their camera alone (no robot state): train's camera options and its step
    # rate (bags are resampled to it; 4 Hz, DROID's, by default) apply.
    from vjepa_ros.train.config import TrainConfig  # the defaults of these options' help

    add_options(parser, ("--rate", "--image-topic", "--stamps", "--device"), TrainConfig())
    add_threads_argument(parser, "torch CPU threads, 0..1024 (0 or left out: OMP_NUM_THREADS "
                         "when set, else all cores but one: the default, as every command's); "
                         "on a busy shared CPU 1 thread ran 15x faster than 2")
    parser.add_argument("--quiet", action="store_true", help="no progress: no step and monitor "
                        "lines (as train's and eval's --quiet: no progress bar); the notes, "
                        "collapse warnings and the summary stay")
    parser.set_defaults(func=cmd_pretrain)
