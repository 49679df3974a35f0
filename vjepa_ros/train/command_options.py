"""The options of ``vjepa-ros train`` (and those ``pretrain`` shares) and the settings they give.

Split from ``train.command`` (the command): the table of options and switches, each the
dotted ``TrainConfig`` field it sets, adding them to a parser (:func:`add_options`) and reading
what was given (:func:`option_given`, :func:`bag_topics_given`, :func:`overrides_from_args`).
"""

from __future__ import annotations

import argparse

import yaml

from vjepa_ros import gripper_width_option as width
from vjepa_ros.cli_options import model_hyper_parameters
from vjepa_ros.cli_parser import MAY_BE_EMPTY
from vjepa_ros.config import UsageError
from vjepa_ros.train.set_conflicts import check_set_against_options
from vjepa_ros.yaml_files import yaml_problem
from vjepa_ros.yaml_keys import BoolWordError, RepeatedKeyError, load_settings

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
     "base; poses in another frame are refused (default: the joint names' <prefix>link0, or "
     "base for a single arm)")),
    ("--tcp-xyz", "data.topics.tcp_xyz", dict(nargs=3, type=float, metavar=("X", "Y", "Z"),
     help="bags: flange to end-effector point [m] joint-state bags are labelled at (give the "
     "planner's robot.tcp_xyz; recorded in world_model.pt)")),
    ("--tcp-rpy", "data.topics.tcp_rpy", dict(nargs=3, type=float, metavar=("R", "P", "Y"),
     help="bags: flange to end-effector rotation [rad], extrinsic xyz (the planner's "
     "robot.tcp_rpy)")),
    (width.OPTION, f"data.topics.{width.FIELD}", dict(type=float, metavar=width.METAVAR,
     help=f"bags: {width.HELP}; recorded in world_model.pt")),
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


def option_dest(field: str) -> str:
    """Return the argparse ``dest`` of the option that sets dotted ``field`` (``opt_a__b``)."""
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
        parser.add_argument(option, dest=option_dest(field), default=None, **keywords)


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
    return getattr(args, option_dest(field), None)


def option_value(args: argparse.Namespace, field: str):
    """Return the setting an option gives ``field`` (candidate topics joined: ``"A B"``)."""
    from vjepa_ros.recordings.topic_choice import joined_topics

    value = getattr(args, option_dest(field), None)
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
               and getattr(args, option_dest(field), None) is not None}
    return dataclasses.replace(base or BagTopics(), **changes)


def overrides_from_args(args: argparse.Namespace) -> dict:
    """Dotted settings given on the command line (options, switches, --set).

    Raises UsageError (one line) for a ``--set`` item that is not ``KEY=VALUE`` YAML, and for
    one giving a setting an option gives another value (``set_conflicts``: neither wins).
    """
    given, typed = {}, {}  # {field: value}, {field: the option as typed}
    for option, field, _ in OPTIONS:
        value = option_value(args, field)
        if value is not None:
            words = getattr(args, option_dest(field))
            given[field] = value
            typed[field] = " ".join([option, *map(str, words if isinstance(words, list)
                                                   else [words])])
    for option, field, value, _ in SWITCHES:
        if getattr(args, option_dest(field)):
            given[field], typed[field] = value, option
    for kind, values in model_hyper_parameters(args).items():  # --encoder-arg, --predictor-arg
        if values:
            given[f"{kind}_args"] = values
            typed.update({f"{kind}_args.{key}": f"--{kind}-arg {key}={value}"
                          for key, value in values.items()})
    items = [_set_item(item) for item in args.set]
    check_set_against_options(given, typed, items)
    return {**given, **{key: value for _, key, value in items}}


def _set_item(item: str) -> tuple[str, str, object]:
    """Return ``(item, key, value)`` of a ``--set KEY=VALUE`` item, its value read as YAML."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--set wants KEY=VALUE, got {item!r}")
    try:
        return item, key.strip(), load_settings(text)  # {lr: 1, lr: 2}: refused, as a file
    except (RepeatedKeyError, BoolWordError) as exc:
        raise UsageError(f"--set {item!r}: {exc.one_line_value(key.strip())}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"--set {item!r}: value is not YAML ({yaml_problem(exc, False)}); "
                         "quote a string that holds YAML signs") from None
