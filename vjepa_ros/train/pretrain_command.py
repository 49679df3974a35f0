"""``vjepa-ros pretrain``: V-JEPA pretraining of a small encoder (see ``pretrain.py``)."""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from pathlib import Path

from vjepa_ros.atomic_files import is_partial, remove_stale_partials, save_plot, write_text
from vjepa_ros.cli_options import option_message
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import ConfigError, UsageError
from vjepa_ros.counts import counted
from vjepa_ros.path_text import shown_path
from vjepa_ros.train.command import add_options, option_given


def checked_pretrain_config(args: argparse.Namespace):
    """Return the ``PretrainConfig`` of ``--config`` and the options; ValueError naming them.

    ``--save-every`` must be a multiple of ``monitor_every``: files are saved where the monitors
    are computed (``pretrain.pretrain_encoder``'s ``checkpoint``). An option refused, alone or
    over the file's settings (which pass alone), is a UsageError (exit status 2); a value of
    the file a ValueError (1), a file that cannot be read a UsageError.
    """
    from vjepa_ros.threads import MAX_THREADS
    from vjepa_ros.train.pretrain_config import load_pretrain_config  # torch-free

    for option, value in (("--threads", args.threads), ("--save-every", args.save_every)):
        if value is not None and value < 0:
            raise UsageError(f"{option} {value}: must be >= 0")
    if args.threads is not None and args.threads > MAX_THREADS:
        raise UsageError(f"--threads {args.threads}: must lie in [0, {MAX_THREADS}]")
    overrides = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size),
                                   ("seed", args.seed), ("data_seed", args.data_seed))
                 if v is not None}
    try:
        config = load_pretrain_config(args.config, **overrides)
    except ValueError as exc:  # ConfigError too
        options = {f"PretrainConfig.{name}": f"--{name.replace('_', '-')}" for name in overrides}
        if not overrides or _fails_alone(args.config):
            raise type(exc)(option_message(str(exc), options)) from None
        try:  # the file passes alone: an option's own value, named as the option (breaker40d)
            load_pretrain_config(None, **overrides)
        except ValueError as own:
            raise UsageError(option_message(str(own), options)) from None
        raise UsageError(option_message(str(exc), options)) from None
    if args.save_every and args.save_every % config.monitor_every:
        where = f" (of {shown_path(args.config)})" if args.config else ""
        raise UsageError(f"--save-every {args.save_every}: not a multiple of monitor_every "
                         f"{config.monitor_every}{where}, the steps it saves at; give a multiple "
                         "of it")
    return config


def _fails_alone(config_file: str | None) -> bool:
    """Return whether the ``--config`` file's settings fail without the options' overrides."""
    from vjepa_ros.train.pretrain_config import load_pretrain_config

    try:
        load_pretrain_config(config_file)
    except ValueError:
        return True
    return False


def checked_rate(args: argparse.Namespace) -> float:
    """Return ``--rate`` [Hz] (bags are resampled to it), or train's default; UsageError naming it.

    The range is ``vjepa-ros train --rate``'s (``recordings.step_rates.rate_problem``).
    """
    from vjepa_ros.recordings.step_rates import rate_problem
    from vjepa_ros.train.config import DataConfig

    rate = option_given(args, "data.rate_hz")
    if rate is None:
        return DataConfig.rate_hz
    problem = rate_problem("--rate", rate)
    if problem:
        raise UsageError(problem)
    return rate


def check_pretrain_inputs(args: argparse.Namespace) -> None:
    """Check ``--data`` and ``--config`` before torch loads; ValueError naming the option.

    A ``--config`` that cannot be read is a UsageError (exit status 2), as are one that is not
    YAML or not a mapping (``yaml_files.read_yaml_mapping``, when it is read).
    """
    from vjepa_ros.input_paths import input_path

    for path in args.data:
        input_path(path, "--data", "episode .npz files, rosbag2 bags or directories holding "
                   "them", folder=True)
    if args.config:
        try:
            input_path(args.config, "--config", "a YAML file of PretrainConfig settings (like "
                       "config/pretrain.yaml)")
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def check_out_beside_data(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` named like a recording or lying among ``--data`` (ValueError, 1 line).

    ``--out x.mcap`` would be read as a bag by the next search of its folder; an encoder file
    inside a data folder or bag would be written among the recordings (``train.out_check``).
    """
    from vjepa_ros.train.out_check import named_like_data, out_among_data

    problem = named_like_data(args.out) or out_among_data(
        args.out, {"--data": args.data}, setting="--out", writer="pretraining", file=True)
    if problem:
        raise ValueError(problem)


def check_one_process(environ=None) -> None:
    """Raise ConfigError when torchrun's variables say this is one of several processes.

    ``vjepa-ros pretrain`` has no process group: under torchrun every rank ran the same
    pretraining and wrote the same files (breaker44h). ``WORLD_SIZE`` other than 1 or ``RANK``
    other than 0 (set, not empty) is refused naming them, also when they are strays of a job
    script or an IDE in a single process (breaker44l: the torchrun parser's advice was "start
    the processes with torchrun", which this then refused). ``WORLD_SIZE=1 RANK=0``: one process.
    """
    environ = os.environ if environ is None else environ
    stray = [f"{name}={environ[name]}" for name, alone in (("WORLD_SIZE", "1"), ("RANK", "0"))
             if environ.get(name, "").strip() not in ("", alone)]
    if stray:
        raise ConfigError(f"vjepa-ros pretrain runs in one process, but {' '.join(stray)} is "
                          "set (torchrun's, or left by a job script): start it without torchrun "
                          "and unset " + " and ".join(s.split("=")[0] for s in stray))


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
        # never overwritten, as train never overwrites a run; its folder is created once the
        # rest is checked
        output_file(args.out, create=False)
        check_out_name(out)
        check_outputs_free(out)
        check_pretrain_inputs(args)
        check_out_beside_data(args)
        config = checked_pretrain_config(args)
        rate_hz = checked_rate(args)
        import torch

        check_one_process()
        from vjepa_ros.train.command import bag_topics_given
        from vjepa_ros.train.pretrain import (
            PretrainInterrupted,
            pretrain_encoder,
            save_pretrained,
        )
        from vjepa_ros.train.pretrain_data import clip_sampler, load_clip_segments, spread_frames

        if args.threads:
            torch.set_num_threads(args.threads)
        check_batch_memory(config)  # before the data is read
        from vjepa_ros.recordings.topic_choice import without_train_keys  # its options alone

        segments = load_clip_segments(args.data, config.frames_per_clip, rate_hz,
                                      log=lambda line: print(without_train_keys(line)),
                                      topics=bag_topics_given(args))
        sampler = clip_sampler(segments, config)  # batches and masks: data_seed, else seed
        monitor_frames = spread_frames(segments, config.monitor_frames)
        output_file(args.out)
        remove_stale_output_partials(out)  # of runs killed while saving (kill -9)
        check_outputs_free(out)  # again: files may have appeared while the data was read
        height, width = segments[0].shape[1:3]
        print(f"pretraining on {sampler.num_frames} frames {width}x{height} in {len(segments)} "
              f"segments ({len(sampler.starts)} clips of {config.frames_per_clip} frames) from "
              f"{', '.join(map(str, args.data))}; monitors on {len(monitor_frames)} frames")
        for note in size_notes(segments, config.img_size):
            print(f"note: {note}")
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
                                      progress=not args.quiet)
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
    except (OSError, ValueError, ConfigError, FloatingPointError) as exc:
        from vjepa_ros.recordings.topic_choice import without_train_keys  # its options alone

        return command_ended("vjepa-ros pretrain", exc, message=without_train_keys(str(exc)))
    plot = write_curves(result, config.floors, *curve_files(out))
    if result.losses:
        tail = result.losses[-50:]
        done = (f"{counted(config.steps, 'step')} in {result.seconds / 60:.1f} min "
                f"({result.seconds / config.steps:.2f} s/step); final loss (mean of last "
                f"{len(tail)}) {sum(tail) / len(tail):.4f}")
    else:
        done = "untrained: the seeded initialization"
    first, last = result.monitors[0], result.monitors[-1]
    change = ", ".join(f"{name} {first[name]:.4g} -> {last[name]:.4g}" for name in config.floors)
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB): {done}; monitors {change}; "
          f"plot {plot}")
    if result.warnings:
        print(f"WARNING: {counted(len(result.warnings), 'collapse warning')}; first: "
              f"{result.warnings[0]}; {COLLAPSE_NEXT}")
    return 0


# What to do after collapse warnings: what docs/pretraining.md measured helps, and the real check
COLLAPSE_NEXT = ("next: judge the encoder with benchmarks/bench_encoder_landscape.py (a monitor "
                 "below its floor did not predict a worse encoder in docs/pretraining.md); to "
                 "keep the floors, lower lr and start_lr (a sixth kept them there) or raise "
                 "ema_start (0.99925 only delayed the fall)")


def check_batch_memory(config) -> None:
    """Refuse a ``--batch-size`` whose clips cannot fit in the free memory (ValueError).

    A floor per clip: its pixels as float32 [3, T, S, S] and the encoder's tokens as float32
    [T / 2 x (S / patch)^2, width] (``train.memory.batch_memory_problem`` words the line).
    """
    from vjepa_ros.train.memory import batch_memory_problem

    size, frames = config.img_size, config.frames_per_clip
    tokens = frames // 2 * (size // config.patch_size) ** 2
    per_clip = 3 * frames * size * size * 4 + tokens * config.embed_dim * 4
    problem = batch_memory_problem(config.batch_size, per_clip, "cpu", what="its pixels and "
                                   "the encoder's tokens", accumulate=False)
    if problem:
        raise ValueError(problem)


def existing_outputs(out: Path) -> list[Path]:
    """Return the files a run to ``out`` would write that exist already, ``out`` first.

    Those are ``out`` and its curves and plot (:func:`curve_files`), and the :func:`step_file`
    files of ``--save-every`` or a stopped run (``out.step37.pt`` with its ``.json``/``.png``).
    A ``*.partial`` file (of a run killed while saving: ``atomic_files``) is none of them.
    """
    named = [out, *curve_files(out)]
    found = sorted((path for path in out.parent.glob(f"{glob.escape(out.stem)}.step*")
                    if is_output_name(out, path.name)), key=lambda path: path.name)
    return [path for path in dict.fromkeys(named + found) if path.exists()]


def is_output_name(out: Path, name: str) -> bool:
    """Return whether a file named ``name`` beside ``out`` is one a run to ``out`` writes.

    ``out``'s name, its curves' and plot's (:func:`curve_files`), or a :func:`step_file`'s
    (with its curves and plot); never a ``*.partial`` file (``atomic_files.is_partial``).
    """
    if is_partial(name):
        return False
    steps = re.compile(rf"{re.escape(out.stem)}\.step\d+(\.|$)")
    return name in {path.name for path in (out, *curve_files(out))} or bool(steps.match(name))


def remove_stale_output_partials(out: Path) -> list[Path]:
    """Remove the partial files of stopped runs for the files a run to ``out`` writes.

    ``atomic_files.remove_stale_partials`` (one line when any were removed).
    """
    return remove_stale_partials(out.parent, lambda name: is_output_name(out, name))


def check_out_name(out: Path) -> None:
    """Refuse an ``--out`` named as the run's own curves or plot (ValueError, one line).

    ``--out enc.json`` would be written as the encoder, then overwritten by its curves
    (:func:`curve_files`: ``enc.json``, ``enc.png``): "saved enc.json (0.0 MB)" and no encoder
    (breaker40d).
    """
    curves, plot = curve_files(out)
    if out in (curves, plot):
        raise ValueError(f"--out {shown_path(out)}: the run writes its curves to {curves.name} "
                         f"and its plot to {plot.name} beside the encoder file: give the encoder "
                         f"file another name, e.g. --out {shown_path(out.with_suffix('.pt'))}")


def check_outputs_free(out: Path) -> None:
    """Refuse ``out`` when files a run to it would write exist already (ValueError, one line).

    The line names ``--out``, the count and the first two files: a rerun would otherwise
    replace an earlier run's curves, plot and step files without a word.
    """
    existing = existing_outputs(out)
    if not existing:
        return
    names = ", ".join(str(path) for path in existing[:2]) + (", ..." if len(existing) > 2 else "")
    shown = shown_path(out)
    count, them = ((f"{len(existing)} files it would write exist", "them") if len(existing) > 1
                   else ("1 file it would write exists", "it"))
    raise ValueError(f"--out {shown}: {count} already ({names}); choose another --out or remove "
                     f"{them}")


def step_file(out: Path, step: int) -> Path:
    """Return the file of the encoder after ``step`` steps: ``<out stem>.step<step><suffix>``."""
    return out.with_name(f"{out.stem}.step{step}{out.suffix}")


def curve_files(out: Path, step: int | None = None) -> tuple[Path, Path]:
    """Return the curves (.json) and plot (.png) of the encoder file of ``out``.

    ``step``: of the :func:`step_file` of that step instead. The encoder file's name with
    ``.json``/``.png`` for its extension (``enc.pt``: ``enc.json``, ``enc.step37.json``), also
    for an ``out`` without one (``enc``: ``enc.json``, and ``enc.step37.json`` beside the file
    ``enc.step37``, never the full run's ``enc.json``).
    """
    base = out.stem if step is None else f"{out.stem}.step{step}"
    return out.with_name(f"{base}.json"), out.with_name(f"{base}.png")


def save_stopped(stopped, out: Path, config, num_frames: int, periodic: list[Path]) -> int:
    """Save the encoder of a run Ctrl-C or SIGTERM stopped; say so in one line; return 130/143.

    ``stopped``: ``pretrain.PretrainInterrupted``. The target encoder after its N whole steps
    goes to :func:`step_file` (``encoder.step37.pt``, as ``--save-every`` names its files,
    ``trained_steps`` N inside; ``--out`` stays free for a full run), with its curves (.json)
    and plot (.png) named after it (:func:`curve_files`); ``periodic``: the ``--save-every``
    files written, the last one named too (that of the stop step itself: said so). The line
    says that a rerun starts at step 0 (there is no ``--resume``). Nothing is written when no
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


def write_curves(result, floors: dict[str, float], curves: Path, plot: Path) -> Path:
    """Write ``result``'s curves to ``curves`` (.json) and plot them to ``plot`` (.png).

    The paths: :func:`curve_files`. Returns the plot's path.
    """
    values = {"losses": result.losses, "monitors": result.monitors, "warnings": result.warnings,
              "seconds": result.seconds}
    write_text(curves, json.dumps(values, indent=0))  # whole or not at all
    return plot_curves(result.losses, result.monitors, floors, plot)


def size_notes(segments, img_size: int) -> list[str]:
    """Return a note for each frame size under the encoder's ``img_size`` [px] (upsampled)."""
    from vjepa_ros.image_notes import grouped_frame_size_notes

    advice = (f"collect them at {img_size}x{img_size} or larger (collect --width/--height), or "
              "lower img_size in --config")
    return grouped_frame_size_notes(
        [(segment, segment.shape[1:3]) for segment in segments], img_size,
        lambda group: "the frames", lambda width, height: advice, model="the encoder",
        risk="it learns from frames blurred by the upsampling")


def plot_curves(losses, monitors, floors: dict[str, float], path: Path) -> Path:
    """Save the loss and the monitors (relative to their start, with floors) and return path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, monitor_axes) = plt.subplots(1, 2, figsize=(10, 3.6))
    loss_axes.plot(range(1, len(losses) + 1), losses, linewidth=0.6)
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("L1 loss (masked tokens)")
    loss_axes.set_title("V-JEPA pretraining loss")
    steps = [m["step"] for m in monitors]
    for (name, floor), colour in zip(floors.items(), ("C0", "C1", "C2"), strict=False):
        start = monitors[0][name] or 1.0
        monitor_axes.plot(steps, [m[name] / start for m in monitors], color=colour,
                          label=f"{name} (start {monitors[0][name]:.3g})")
        monitor_axes.axhline(floor, color=colour, linestyle=":", linewidth=0.8)
    monitor_axes.set_xlabel("step")
    monitor_axes.set_ylabel("value / value at start (dotted: floors)")
    monitor_axes.set_title("collapse monitors (target encoder)")
    monitor_axes.legend(fontsize=7)
    return save_plot(figure, path, dpi=100)


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

    add_options(parser, ("--rate", "--image-topic", "--stamps"), TrainConfig())
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads of torch (0: its default); on a busy shared CPU 1 "
                        "thread ran 15x faster than 2")
    parser.add_argument("--quiet", action="store_true", help="no progress: no step and monitor "
                        "lines (as train's and eval's --quiet: no progress bar); the notes, "
                        "collapse warnings and the summary stay")
    parser.set_defaults(func=cmd_pretrain)
