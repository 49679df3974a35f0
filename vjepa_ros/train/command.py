"""``vjepa-ros train``: post-train the AC predictor on recorded episodes (encoder frozen).

vjepa-ros train --data DIR [DIR ...] --out DIR --encoder FILE [--val DIR ...] [--init AC_FILE]
                [--steps N --batch-size B --lr LR ...] [--config train.yaml] [--set KEY=VALUE]
                [--resume]
torchrun --nproc_per_node N [--nnodes M ...] -m vjepa_ros.cli train ...   (data parallel)

Settings: the defaults of :class:`TrainConfig` (= ``config/train.yaml``), then ``--config``, then
the options given on the command line. With ``--resume`` the run stored in ``<out>/latest.pt``
continues; options may repeat its settings, and only a few may change (``steps``, ...). The
table of options and reading what they give: ``command_options``.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path

from vjepa_ros.cli_options import add_model_arguments, option_message
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import UsageError, typed_on_command_line
from vjepa_ros.path_text import shown_path
from vjepa_ros.threads import check_threads_option
from vjepa_ros.train.command_lines import error_text, stop_line, summary_lines
from vjepa_ros.train.command_options import (
    OPTIONS,
    PREDICTOR_SIZE,
    SWITCHES,
    add_options,
    option_dest,
    option_given,
    overrides_from_args,
)


def add_commands(sub) -> None:
    """Register ``train`` on the ``vjepa-ros`` sub-parsers."""
    train = sub.add_parser(
        "train", help="post-train the action-conditioned predictor on episodes (encoder frozen)",
        description="Train the V-JEPA 2-AC predictor on simulator episodes (.npz) or rosbag2 "
        "bags with the published objective (teacher-forcing L1 + rollout L1) over cached "
        "features of a frozen encoder. Writes <out>/latest.pt (resumable), world_model.pt, "
        "loss.png and log.json. Defaults: config/train.yaml.",
    )
    from vjepa_ros.train.config import TrainConfig  # its defaults: config/train.yaml's

    add_options(train, [option for option, _, _ in OPTIONS], TrainConfig())
    for option, field, _, text in SWITCHES:
        train.add_argument(option, dest=option_dest(field), action="store_true", help=text)
    add_model_arguments(train, {"encoder": "--encoder (or --init's encoder)",
                                "predictor": "--init"})
    train.add_argument("--config", help="YAML file of settings (TrainConfig fields, nested or "
                       "dotted), applied before the options above (default: none, "
                       "config/train.yaml's values)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="any setting, e.g. --set optim.warmup=0.1 (repeatable; default: "
                       "none)")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in <out>/latest.pt")
    train.set_defaults(func=cmd_train)


def config_from_args(args: argparse.Namespace):
    """Return the run's checked TrainConfig from the layers (see the module docstring).

    Raises ValueError (ConfigError) naming the option for a setting given as an option
    (``--lr must be ...``, not ``optim.lr``), the setting for one from ``--config``/``--set``;
    a UsageError (exit status 2) for a ``--set`` value of the wrong type, as argparse's for an
    option's (``config.typed_on_command_line``).
    """
    given = {field: option for option, field, _ in OPTIONS
             if getattr(args, option_dest(field)) is not None}
    # Identifiers (optim.lr, batch_size) wherever they stand; plain words (steps, out) only
    # where they lead the message, as the setting it is about.
    named = {field: option for field, option in given.items() if "." in field or "_" in field}
    named.update({field: option for option, field, *_ in SWITCHES  # --no-gripper, as eval says
                  if "." in field and getattr(args, option_dest(field))})
    try:
        return _config_from_layers(args)
    except ValueError as exc:
        if isinstance(exc, UsageError) and args.config and \
                str(exc).startswith(f"{shown_path(args.config)}: "):
            raise  # the file alone (an unknown key: did you mean optim.lr?): its keys named
        if not args.resume:  # a default (no file or option gave it): its option changes it
            named = {**_defaults_named(args, given), **named}
        parts = option_message(_dotted_topics(str(exc)), named).split("; ")  # each path
        for field, option in given.items():
            if field not in named:
                parts = [option + part[len(field):] if re.match(rf"{field}\b", part) else part
                         for part in parts]
        if args.config:  # a setting the file gives (and no option overrides): name the file
            from vjepa_ros.config import unflatten
            from vjepa_ros.train.config import config_from_yaml

            in_file = set(_dotted(unflatten(config_from_yaml(args.config)))) - set(given)
            parts = [f"{shown_path(args.config)}: {part}" if re.match(r"[\w.]+", part) and
                     re.match(r"[\w.]+", part)[0] in in_file else part for part in parts]
        if typed_on_command_line(exc, overrides_from_args(args)):  # --set optim.lr=abc
            raise UsageError("; ".join(parts)) from None  # status 2, as argparse's --lr abc
        raise type(exc)("; ".join(parts)) from None


def _dotted_topics(text: str) -> str:
    """Return ``text`` with ``data.topics: FIELD`` (``BagTopics.check`` under its group) dotted.

    ``data.topics: tcp_xyz must be ...`` -> ``data.topics.tcp_xyz must be ...``, so that the
    option that gave it is named as eval names it (``--tcp-xyz``, ``--gripper-max-width``,
    ``--max-clock-offset``); a field of another group is left as it is.
    """
    import dataclasses

    from vjepa_ros.recordings.bag_topics import BagTopics

    fields = "|".join(field.name for field in dataclasses.fields(BagTopics))
    return re.sub(rf"\bdata\.topics: ({fields})\b", r"data.topics.\1", text)


def _defaults_named(args: argparse.Namespace, given: dict) -> dict:
    """Return {dotted field: option} of the settings left at a default value (identifiers only).

    ``given``: the fields given as options. A message quoting a default value (``--heads 5``
    with the default width: ``predictor.embed_dim 256 is not divisible``) names the option that
    changes it; an empty default (no ``--data``) keeps its name, which its message pairs with
    the option. A field ``--config`` or ``--set`` sets keeps its key; a resumed run's settings
    come from latest.pt, so this is for new runs only.
    """
    in_file = {item.partition("=")[0].strip() for item in args.set}
    if args.config:
        from vjepa_ros.config import unflatten
        from vjepa_ros.train.config import config_from_yaml

        try:
            in_file |= set(_dotted(unflatten(config_from_yaml(args.config))))
        except ValueError:  # its own error is the one shown
            return {}
    from vjepa_ros.train.config import TrainConfig

    defaults = TrainConfig()

    def default(field: str):
        value = defaults
        for part in field.split("."):
            value = getattr(value, part)
        return value

    return {field: option for option, field, _ in OPTIONS
            if field not in given and field not in in_file and ("." in field or "_" in field)
            and default(field) not in ("", [], None)}


def _dotted(mapping: dict, prefix: str = ""):
    """Yield the dotted names of a nested mapping's leaves (``optim.lr``) and its groups."""
    for key, value in mapping.items():
        yield prefix + str(key)
        if isinstance(value, dict):
            yield from _dotted(value, f"{prefix}{key}.")


def _demo_in_layer(layer: dict, field: str, source: str) -> None:
    """Replace ``demo`` for ``field`` (dotted or nested) in a layer by the packaged model's file.

    ``source``: what gave the layer, as a missing model's message names it (``--set``, the
    ``--config`` file), as ``--encoder demo`` and ``--init demo`` are replaced. The keyword in
    other letters (``Demo``) with no such file is refused (ValueError) naming the setting as
    given and the keyword's spelling, as ``--init Demo`` is (it read "Demo does not exist").
    """
    head, _, leaf = field.rpartition(".")
    holders = [(layer, field)] + ([(layer[head], leaf)] if isinstance(layer.get(head), dict)
                                  else [])
    for holder, key in holders:
        value = holder.get(key)
        if not isinstance(value, str) or value.lower() != "demo":
            continue
        if value != "demo":
            if Path(value).expanduser().exists():  # a file of that name: a path, as given
                continue
            given, fix = ((f"--set {field}={value}", f"--set {field}=demo") if source == "--set"
                          else (f"{shown_path(source)}: {field}: {value}", f"{field}: demo"))
            raise ValueError(f"{given}: no such file; the keyword is lower case: {fix}")
        from vjepa_ros.input_paths import world_model_path

        holder[key] = str(world_model_path("demo", f"{source}: {field}"))


def _config_from_layers(args: argparse.Namespace):
    from vjepa_ros.config import unflatten
    from vjepa_ros.train.config import absolute_paths, config_from_yaml, make_config

    file_layer = config_from_yaml(args.config) if args.config else {}
    try:  # names and types of the file's settings, alone: its errors name the file
        make_config(file_layer)
    except ValueError as exc:
        raise type(exc)(f"{shown_path(args.config)}: {exc}") from None
    for field, option in (("predictor.init", "--init"), ("encoder", "--encoder")):
        value = getattr(args, option_dest(field))
        if isinstance(value, str) and value.lower() == "demo":  # as launch, run, camera-check
            from vjepa_ros.input_paths import world_model_path

            # 'Demo' with no such file: refused naming the keyword's spelling (breaker38b)
            setattr(args, option_dest(field), str(world_model_path(value, option)))
        _demo_in_layer(file_layer, field, args.config)
    given = overrides_from_args(args)
    for field in ("predictor.init", "encoder"):  # --set encoder=demo: as --encoder demo
        _demo_in_layer(given, field, "--set")
    if args.resume:
        from vjepa_ros.train.resume_checks import (  # torch: a checkpoint
            config_of_checkpoint,
            read_latest,
            resume_config,
        )
        from vjepa_ros.train.resume_paths import take_moved_paths

        out = given.get("out") or unflatten(file_layer).get("out")
        if not out:
            raise UsageError("--resume needs --out DIR (the run's output directory)")
        _, state = read_latest(out)
        overrides = {**file_layer, **given}
        stored, args.moved_notes = take_moved_paths(config_of_checkpoint(state), overrides)
        config = resume_config(stored, overrides)
    else:
        from vjepa_ros.train.recorded_width import with_recorded_width

        config = _checked_with_options(file_layer, given)
        # not given anywhere: the opening the bags record (train.recorded_width), said once
        config, said = with_recorded_width(config, {*_dotted(unflatten(given)),
                                                    *_dotted(unflatten(file_layer))})
        args.width_notes = [said] if said else []
    config.check(need_encoder=not args.resume)  # messages name the paths as given
    return absolute_paths(config)  # stored so: the run resumes from any working directory


def _checked_with_options(file_layer: dict, given: dict):
    """Return the ``TrainConfig`` of the ``--config`` layer and the options, values checked.

    Raises UsageError (exit status 2) when the file's settings alone pass and the options make
    them fail: a value out of its range, options that do not go together (``--heads`` with
    ``--init``); else the error as raised (status 1: the file's values). The paths are checked
    after, by the caller (missing data: status 1).
    """
    from vjepa_ros.config import ConfigError
    from vjepa_ros.train.config import make_config

    try:
        config = make_config(file_layer, given)
        sized = [key for key in PREDICTOR_SIZE if key in given]
        if config.predictor.init and sized:
            raise ConfigError(f"{', '.join(sized)}: the predictor's size comes from "
                              f"--init {config.predictor.init}; leave these out")
        return config.check(need_paths=False)
    except UsageError:
        raise
    except ValueError as exc:
        try:
            make_config(file_layer).check(need_paths=False)
        except ValueError:
            raise exc from None  # the file's own values fail: named as its
        raise UsageError(str(exc)) from None


def cmd_train(args: argparse.Namespace) -> int:
    """Run (or resume) a training run; exit 1 with one line on bad settings or data.

    Exit 2 instead for a usage error (``config.UsageError``): a ``--config`` file that cannot be
    read as settings, a ``--set`` item that is not ``KEY=VALUE`` YAML, an option or ``--set``
    value out of its range, options that do not go together (:func:`_checked_with_options`).

    Under torchrun every rank runs this; rank 0 alone prints (errors: every rank, prefixed with
    its rank; a rank whose collective failed because another rank ended prints nothing, exit 1:
    that rank's line names the cause, ``distributed.another_rank_ended``; a data refusal every
    rank reaches alike, no usable source among short ones, once, by rank 0, when every rank
    refused in the same words, else each refusing rank its own: ``distributed.refuse_together``).
    """
    trainer, topology, config = None, None, None  # topology: once the process group is up
    bars = False  # progress bars on: a stop line first ends the bar's line
    try:
        check_threads_option(option_given(args, "threads"))  # as every command's --threads
        config = config_from_args(args)  # every option, before torch is imported
        bars = config.progress
        from vjepa_ros.train.distributed import process_group
        from vjepa_ros.train.prepare import build_trainer

        with process_group(config.device) as topology:
            quiet = not topology.is_main
            # flushed: the lines keep their place among the progress bars on stderr in a log
            trainer = build_trainer(config, resume=args.resume, topology=topology,
                                    log=(lambda line: None) if quiet else
                                    functools.partial(print, flush=True),
                                    notes=(*getattr(args, "moved_notes", ()),
                                           *getattr(args, "width_notes", ())))
            summary = trainer.train()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (command_errors.run_reporting)
        from vjepa_ros.terminate import stopped_by

        word, status = stopped_by(exc)
        if topology is not None and (not topology.is_main or _another_rank_ended(topology, exc)):
            return status  # torchrun stopped the survivors of a rank that failed: its line
        if (trainer is None and word == "terminated" and topology is not None
                and topology.distributed):
            return status  # torchrun's SIGTERM to the survivors, before a collective failed
        lead = "\n" if bars else ""  # --quiet: no bar, no empty line
        if trainer is None:
            print(f"{lead}vjepa-ros train: {word} before training started", file=sys.stderr)
            return status
        print(f"{lead}vjepa-ros train: {stop_line(word, trainer, exc)}", file=sys.stderr)
        return status
    except (OSError, ValueError, RuntimeError, ImportError, MemoryError) as exc:
        if _another_rank_ended(topology, exc):
            return 1  # the collective's raw words: the rank that ended says why, not this one
        line = _rank_refusal(exc)  # the ranks' refusal: once, or each rank's own
        if line is not None:
            return command_ended("vjepa-ros train", exc, message=line) if line else 1
        rank = f"rank {topology.rank}: " if topology is not None and topology.distributed else ""
        return command_ended("vjepa-ros train", exc,
                             message=f"{rank}{error_text(exc, trainer, config)}")
    if topology.is_main:
        print("\n".join(summary_lines(summary, config)))
    return 0


def _rank_refusal(exc: BaseException) -> str | None:
    """Return this rank's line of the ranks' refusal (``distributed.RankRefusal``), else None."""
    module = sys.modules.get("vjepa_ros.train.distributed")  # not loaded: no such refusal
    return exc.line if module is not None and isinstance(exc, module.RankRefusal) else None


def _another_rank_ended(topology, exc: BaseException) -> bool:
    """Return whether ``exc`` on this torchrun rank came of another rank's end (no line then)."""
    if topology is None or not topology.distributed:
        return False
    from vjepa_ros.train.distributed import another_rank_ended

    return another_rank_ended(exc)
