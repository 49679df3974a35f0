"""``vjepa-ros train``: post-train the AC predictor on recorded episodes (encoder frozen).

vjepa-ros train --data DIR [DIR ...] --out DIR --encoder FILE [--val DIR ...] [--init AC_FILE]
                [--steps N --batch-size B --lr LR ...] [--config train.yaml] [--set KEY=VALUE]
                [--resume]
torchrun --nproc_per_node N [--nnodes M ...] -m vjepa_ros.cli train ...   (data parallel)

Settings: the defaults of :class:`TrainConfig` (= ``config/train.yaml``), then ``--config``, then
the options given on the command line. With ``--resume`` the run stored in ``<out>/latest.pt``
continues; options may repeat its settings, and only a few may change (``steps``, ...).
"""

from __future__ import annotations

import argparse
import functools
import re
import sys

import yaml

from vjepa_ros.cli_options import add_model_arguments, model_hyper_parameters, option_message
from vjepa_ros.cli_parser import MAY_BE_EMPTY
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import UsageError, typed_on_command_line
from vjepa_ros.path_text import shown_path
from vjepa_ros.threads import check_threads_option
from vjepa_ros.train.command_lines import error_text, stop_line, summary_lines
from vjepa_ros.yaml_files import yaml_problem
from vjepa_ros.yaml_keys import RepeatedKeyError, load_settings

# (option, dotted TrainConfig field, argparse keywords)
OPTIONS = (
    ("--data", "data.train", dict(nargs="+", metavar="PATH", help="training episodes: .npz "
     "files, rosbag2 bags, or directories holding them (default: --config's data.train; one "
     "of them is needed)")),
    ("--val", "data.val", dict(nargs="+", metavar="PATH", help="validation episodes; default: "
     "hold out --val-fraction of the training episodes")),
    ("--out", "out", dict(help="output directory (latest.pt, world_model.pt, loss.png, "
     "log.json) (default: --config's out; one of them is needed)")),
    ("--encoder", "encoder", dict(help="frozen encoder: vitl.pt, vith.pt, vitg.pt, "
     "vjepa2-ac-vitg.pt, a Hugging Face snapshot or a file of ours ('demo': the packaged demo "
     "model's) (default: --init's)")),
    ("--encoder-key", "encoder_key", dict(choices=("auto", "encoder", "target_encoder"))),
    ("--init", "predictor.init", dict(help="start from this AC file's predictor "
     "(vjepa2-ac-vitg.pt; 'demo': the packaged demo model); default: a new predictor")),
    ("--predictor-dim", "predictor.embed_dim", dict(type=int, help="new predictor width")),
    ("--depth", "predictor.depth", dict(type=int, help="new predictor blocks")),
    ("--heads", "predictor.num_heads", dict(type=int, help="new predictor attention heads")),
    ("--steps", "steps", dict(type=int, help="optimizer steps")),
    ("--batch-size", "batch_size", dict(type=int, help="clips per step")),
    ("--lr", "optim.lr", dict(type=float, help="peak learning rate")),
    ("--weight-decay", "optim.weight_decay", dict(type=float)),
    ("--frames-per-clip", "data.frames_per_clip", dict(type=int)),
    ("--auto-steps", "auto_steps", dict(type=int, help="rollout steps of the second loss term")),
    ("--val-fraction", "data.val_fraction", dict(type=float)),
    ("--eval-every", "eval_every", dict(type=int, help="validation every N steps")),
    ("--save-every", "save_every", dict(type=int, help="latest.pt every N steps")),
    ("--device", "device", dict(help="cpu, cuda, cuda:1 (default: cuda when available)")),
    ("--dtype", "dtype", dict(choices=("float32", "bfloat16"),
                              help="default: bfloat16 on CUDA, float32 on CPU")),
    ("--seed", "seed", dict(type=int)),
    ("--rate", "data.rate_hz", dict(type=float, help="bag step rate in Hz (default 4)")),
    ("--image-topic", "data.topics.image", dict(nargs="+", metavar="TOPIC", help="bags: "
     "camera topic; several: each bag reads the one it holds")),
    ("--pose-topic", "data.topics.pose", dict(nargs="+", metavar="TOPIC", help="bags: "
     "end-effector PoseStamped topic; several: each bag reads the one it holds")),
    ("--joint-states-topic", "data.topics.joint_states", dict(nargs="+", metavar="TOPIC",
     help="bags: arm JointState topic; several: each bag reads the one it holds")),
    ("--gripper-topic", "data.topics.gripper", dict(nargs="+", metavar="TOPIC", help="bags: "
     "gripper JointState topic (default: the JointState topic holding the finger joints); "
     "several: each bag reads the one it holds")),
    ("--joint-prefix", "data.topics.joint_prefix", dict(type=MAY_BE_EMPTY, help="bags: arm "
     "joint name prefix, e.g. left_fr3_ (default: found from the names; needed only with two "
     "Franka arms)")),
    ("--base-frame", "data.topics.base_frame", dict(help="bags: header.frame_id of the arm's "
     "base; poses in another frame are refused (default: base or <prefix>link0)")),
    ("--state-source", "data.topics.state_source",  # not none: camera-only is pretrain's
     dict(choices=("auto", "pose", "joint_states"), help="bags: where end-effector states "
          "come from: auto (pose if recorded, else joint_states), pose or joint_states")),
    ("--stamps", "data.topics.stamps", dict(choices=("header", "receive"), help="bags: message "
     "clock, header (header.stamp) or receive (when the recorder received it)")),
    ("--max-clock-offset", "data.topics.max_clock_offset_s", dict(type=float, metavar="SECONDS",
     help="bags: keep the header stamps of a camera (or gripper) topic up to this far behind "
     "the states' clock (frames that arrived late); further behind is refused")),
)
# Switches: (option, dotted field, value when given, help)
SWITCHES = (
    ("--half", "export_dtype", "float16", "store world_model.pt in float16 (half the size)"),
    ("--cache-on-disk", "data.feature_cache", "disk", "keep encoded features in <out>/features "
     "and reuse them on later runs"),
    ("--quiet", "progress", False, "no progress bar"),
    ("--no-gripper", "data.topics.no_gripper", True, "bags: read no gripper topic, closedness 0 "
     "throughout (bags without gripper state are refused otherwise)"),
)
# Scaling past one process and one GPU (torchrun, accumulation, memory, shared feature cache).
OPTIONS += (
    ("--threads", "threads", dict(type=int, metavar="N", help="torch CPU threads (0: "
     "OMP_NUM_THREADS when set, else all cores but one, as every command's); on a CPU shared "
     "with other jobs 1 can be far faster")),
    ("--accumulate", "grad_accum_steps", dict(type=int, metavar="N", help="micro-batches of "
     "--batch-size per optimizer step (gradient accumulation); a step averages batch-size x "
     "processes x accumulate clips")),
    ("--feature-cache", "data.feature_cache_dir", dict(metavar="DIR", help="on-disk feature "
     "cache to build or reuse (shared by runs and torchrun ranks; implies --cache-on-disk) "
     "(default: <out>/features with --cache-on-disk)")),
)
SWITCHES += (
    ("--activation-checkpointing", "activation_checkpointing", True, "recompute predictor "
     "block activations in the backward pass (far less GPU memory, one more forward)"),
)
# Options of several candidate topics, stored as one setting "A B" (recordings.topic_choice).
TOPIC_FIELDS = ("data.topics.image", "data.topics.pose", "data.topics.joint_states",
                "data.topics.gripper")
PREDICTOR_SIZE = ("predictor.embed_dim", "predictor.depth", "predictor.num_heads",
                  "predictor.mlp_ratio")


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
        train.add_argument(option, dest=_dest(field), action="store_true", help=text)
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


def _dest(field: str) -> str:
    return "opt_" + field.replace(".", "__")


def add_options(parser: argparse.ArgumentParser, names, defaults=None) -> None:
    """Add these of train's :data:`OPTIONS` (by option name) to ``parser`` (train, pretrain).

    ``defaults``: the settings (a ``TrainConfig``) whose field gives an option without a help
    its text, and an option whose help names no default its value (``(default 0.05)``).
    """
    for option, field, keywords in OPTIONS:
        if option not in names:
            continue
        if "choices" not in keywords:
            keywords = {"metavar": option.lstrip("-").upper().replace("-", "_"), **keywords}
        if defaults is not None:
            keywords = {**keywords, "help": _help_with_default(keywords.get("help"), defaults,
                                                               field)}
        parser.add_argument(option, dest=_dest(field), default=None, **keywords)


def _help_with_default(text: str | None, settings, field: str) -> str:
    """Return ``text`` (else the field's description) with the field's default in ``settings``.

    A field with a declared range (``config.param``'s ``range=``) gets it too: ``peak learning
    rate, in (0, 1] (default 0.000425)``.
    """
    import dataclasses

    from vjepa_ros.config import value_range

    *groups, name = field.split(".")
    for group in groups:
        settings = getattr(settings, group)
    spec = next(f for f in dataclasses.fields(settings) if f.name == name)
    text = text or spec.metadata["description"].rstrip(".")
    if value_range(spec):
        text = f"{text}, in {value_range(spec)}"
    value = getattr(settings, name)
    if "default" in text.lower() or value in ("", [], None):
        return text
    return f"{text} (default {value})"


def option_given(args: argparse.Namespace, field: str):
    """Return the value of the option :func:`add_options` added for ``field`` (None: not given)."""
    return getattr(args, _dest(field), None)


def option_value(args: argparse.Namespace, field: str):
    """Return the setting an option gives ``field`` (candidate topics joined: ``"A B"``)."""
    from vjepa_ros.recordings.topic_choice import joined_topics

    value = getattr(args, _dest(field), None)
    return joined_topics(value) if field in TOPIC_FIELDS else value


def bag_topics_given(args: argparse.Namespace, base=None):
    """Return ``base`` (a ``BagTopics``; default the defaults) with the topic options given.

    Reads the options :func:`add_options` added for ``data.topics.*`` fields; those a parser
    lacks are skipped.
    """
    import dataclasses

    from vjepa_ros.recordings.bag_topics import BagTopics

    prefix = "data.topics."
    changes = {field[len(prefix):]: option_value(args, field)
               for _, field, _ in OPTIONS if field.startswith(prefix)
               and getattr(args, _dest(field), None) is not None}
    return dataclasses.replace(base or BagTopics(), **changes)


def overrides_from_args(args: argparse.Namespace) -> dict:
    """Dotted settings given on the command line (options, switches, --set).

    Raises UsageError (one line) for a ``--set`` item that is not ``KEY=VALUE`` YAML.
    """
    given = {}
    for _, field, _ in OPTIONS:
        value = option_value(args, field)
        if value is not None:
            given[field] = value
    for _, field, value, _ in SWITCHES:
        if getattr(args, _dest(field)):
            given[field] = value
    for kind, values in model_hyper_parameters(args).items():  # --encoder-arg, --predictor-arg
        if values:
            given[f"{kind}_args"] = values
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set wants KEY=VALUE, got {item!r}")
        try:
            given[key.strip()] = load_settings(text)  # {lr: 1, lr: 2}: refused, as in a file
        except RepeatedKeyError as exc:
            raise UsageError(f"--set {item!r}: {exc.one_line_value(key.strip())}") \
                from None
        except yaml.YAMLError as exc:
            raise UsageError(f"--set {item!r}: value is not YAML ({yaml_problem(exc, False)}); "
                             "quote a string that holds YAML signs") from None
    return given


def config_from_args(args: argparse.Namespace):
    """Return the run's checked TrainConfig from the layers (see the module docstring).

    Raises ValueError (ConfigError) naming the option for a setting given as an option
    (``--lr must be ...``, not ``optim.lr``), the setting for one from ``--config``/``--set``;
    a UsageError (exit status 2) for a ``--set`` value of the wrong type, as argparse's for an
    option's (``config.typed_on_command_line``).
    """
    given = {field: option for option, field, _ in OPTIONS
             if getattr(args, _dest(field)) is not None}
    # Identifiers (optim.lr, batch_size) wherever they stand; plain words (steps, out) only
    # where they lead the message, as the setting it is about.
    named = {field: option for field, option in given.items() if "." in field or "_" in field}
    named.update({field: option for option, field, *_ in SWITCHES  # --no-gripper, as eval says
                  if "." in field and getattr(args, _dest(field))})
    try:
        return _config_from_layers(args)
    except ValueError as exc:
        if isinstance(exc, UsageError) and args.config and \
                str(exc).startswith(f"{shown_path(args.config)}: "):
            raise  # the file alone (an unknown key: did you mean optim.lr?): its keys named
        if not args.resume:  # a default (no file or option gave it): its option changes it
            named = {**_defaults_named(args, given), **named}
        parts = option_message(str(exc), named).split("; ")  # several missing paths: each
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
    ``--config`` file), as ``--encoder demo`` and ``--init demo`` are replaced.
    """
    head, _, leaf = field.rpartition(".")
    holders = [(layer, field)] + ([(layer[head], leaf)] if isinstance(layer.get(head), dict)
                                  else [])
    for holder, key in holders:
        if holder.get(key) == "demo":
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
        value = getattr(args, _dest(field))
        if isinstance(value, str) and value.lower() == "demo":  # as launch, run, camera-check
            from vjepa_ros.input_paths import world_model_path

            # 'Demo' with no such file: refused naming the keyword's spelling (breaker38b)
            setattr(args, _dest(field), str(world_model_path(value, option)))
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
        config = _checked_with_options(file_layer, given)
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

    Under torchrun every rank runs this; rank 0 alone prints (errors: every rank, prefixed).
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
                                    notes=getattr(args, "moved_notes", ()))
            summary = trainer.train()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (command_errors.run_reporting)
        from vjepa_ros.terminate import stopped_by

        word, status = stopped_by(exc)
        if topology is not None and not topology.is_main:
            return status
        lead = "\n" if bars else ""  # --quiet: no bar, no empty line
        if trainer is None:
            print(f"{lead}vjepa-ros train: {word} before training started", file=sys.stderr)
            return status
        print(f"{lead}vjepa-ros train: {stop_line(word, trainer, exc)}", file=sys.stderr)
        return status
    except (OSError, ValueError, RuntimeError, ImportError, MemoryError) as exc:
        rank = f"rank {topology.rank}: " if topology is not None and topology.distributed else ""
        return command_ended("vjepa-ros train", exc,
                             message=f"{rank}{error_text(exc, trainer, config)}")
    if topology.is_main:
        print("\n".join(summary_lines(summary, config)))
    return 0
