"""Command-line options shared by the commands that load a world model and plan with CEM."""

from __future__ import annotations

import argparse
import re
from types import SimpleNamespace

from vjepa_ros.cli_option_message import option_message
from vjepa_ros.search_method_options import (
    negated_search_options,
    search_method_changes,
    search_method_overrides,
)

# The CEM settings of the commands that plan with the small random model when no --checkpoint is
# given (it runs on a CPU in seconds), and how their messages name that default.
RANDOM_MODEL_CEM = {"samples": 64, "iterations": 3}
RANDOM_MODEL_CEM_WHY = "the default without --checkpoint, for the small random model"

# CEM settings on the command line: (CEMConfig field, type, help). Option = --field-with-dashes;
# the official notebook's mpc_args names are the same except rollout = horizon and
# cem_steps = iterations.
CEM_OPTIONS = (
    ("samples", int, "S: action sequences per CEM iteration"),
    ("iterations", int, "I: CEM iterations per replanning step (official cem_steps)"),
    ("horizon", int, "H: actions per plan (official rollout)"),
    ("topk", int, "k: lowest-energy samples that update the mean and std (< --samples)"),
    ("maxnorm", float, "initial xyz std and per-axis clip of sampled deltas [m]"),
    ("momentum_mean", float, "xyz mean momentum in [0, 1]"),
    ("momentum_std", float, "xyz std momentum in [0, 1]"),
    ("momentum_mean_gripper", float, "gripper mean momentum in [0, 1]"),
    ("momentum_std_gripper", float, "gripper std momentum in [0, 1]"),
    ("gripper_round_threshold", float, "planned gripper deltas smaller than this become 0 "
     "(published 0.25)"),
    ("close_gripper", int, "from this rollout step on the gripper delta is forced to 1 (close); "
     "-1: never"),
)

# CEMConfig fields that have a command-line option: CEM_OPTIONS and --method.
OPTION_FIELDS = frozenset([name for name, _, _ in CEM_OPTIONS] + ["method"])


def cem_changes(args: argparse.Namespace, defaults: dict | None = None,
                defaults_why: str = "this command's default") -> dict:
    """Return the CEMConfig fields given on the command line, over ``defaults``, validated.

    Raises UsageError (exit status 2; ``command_errors.usage_errors``) naming the options and
    where a value not given comes from (``--topk of preset 'paper' (10) must be less than
    --samples (8)``; ``--topk (100) must be less than --samples (64, DEFAULTS_WHY)`` for a value
    of ``defaults``) when the preset with these changes is not a valid CEM configuration, for
    a value out of its range, and for an option the chosen search would not use (``--icem-*``
    / ``--mppi-*`` of another ``--method``, the preset's when not given; ``--refine-lr`` while
    ``--refine-steps`` is 0 or not given).
    """
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # the options typed alone: no file is read
        return _cem_changes(args, defaults, defaults_why)


def _cem_changes(args: argparse.Namespace, defaults: dict | None, defaults_why: str) -> dict:
    from vjepa_ros.planning.config import close_gripper_step, preset
    from vjepa_ros.planning.methods import check_given_settings_used

    given = {name: getattr(args, name) for name, _, _ in CEM_OPTIONS
             if getattr(args, name, None) is not None}
    if "close_gripper" in given:  # -1: never, as the node's planner.close_gripper
        close_gripper_step(given["close_gripper"], "--close-gripper")  # (below -1: its words)
    check_option_ranges(given)  # the ranges the node's planner.* parameters declare
    if "close_gripper" in given:
        given["close_gripper"] = close_gripper_step(given["close_gripper"], "--close-gripper")
    given.update(search_method_changes(args))  # --method, --icem-*, --mppi-* (if the parser has)
    changes = {**(defaults or {}), **given}
    base = preset(args.preset)  # (the method and refinement the options change)
    planned = SimpleNamespace(method=changes.get("method", base.method),
                              refine=changes.get("refine", base.refine),
                              close_gripper=changes.get("close_gripper", base.close_gripper))
    try:  # an --icem-*/--mppi-* option of another method, --refine-lr without refinement,
        # a gripper-search option under --close-gripper 0:
        check_given_settings_used(planned, planner_overrides(args))  # before CEMConfig's
    except ValueError as exc:
        raise type(exc)(option_message(str(exc), negated_search_options(args))) from None
    try:
        preset(args.preset, **changes)
    except ValueError as exc:
        raise ValueError(cem_option_message(str(exc), given, f"preset {args.preset!r}",
                                            defaults or {}, defaults_why,
                                            option_fields(args))) from exc
    return changes


def check_option_ranges(given: dict) -> None:
    """Refuse a :data:`CEM_OPTIONS` value outside its ``planner.*`` parameter's declared range.

    ``given``: CEMConfig field -> the value typed. Raises ``config.UsageError`` (exit status 2,
    a value typed out of its range: every command and benchmark alike) naming the option and
    the range: ``--iterations must lie in [1, 1000], got 0`` (``robot.cem_params.CEMParams``).
    """
    from vjepa_ros.config import UsageError, check_given
    from vjepa_ros.robot.cem_params import CEMParams

    try:
        check_given(CEMParams, given, "planner.")
    except ValueError as exc:
        raise UsageError(option_message(str(exc))) from None


def option_fields(args: argparse.Namespace) -> frozenset[str]:
    """Return the :data:`OPTION_FIELDS` this command has options for (``args`` has them all)."""
    return frozenset(name for name in OPTION_FIELDS if hasattr(args, name))


def cem_option_message(message: str, given, source: str, defaults=(),
                       defaults_why: str = "", options=OPTION_FIELDS,
                       config_file: bool = False, source_sets=None) -> str:
    """Return a ``CEMConfig`` error with each setting named as the option, and whose value it is.

    ``CEMConfig.topk (100)`` becomes ``--topk (100)`` when ``topk`` is in ``given`` (the user
    typed it), ``--topk (100, DEFAULTS_WHY)`` when in ``defaults`` (the command's own default),
    else ``--topk of SOURCE (100)`` (``preset 'paper'``, ``config/reach_demo.yaml``): one message
    for every command that plans, whichever option the user gave. A field not in ``options``
    (the fields this command has an option for) keeps its name: ``gripper_clip of SOURCE (0.75)``.
    ``source_sets``: the fields SOURCE itself sets (None: all, as a preset); one it leaves out
    is the built-in default: ``gripper_clip (0.75, the default: SOURCE does not set it)``.
    A top-k not below the samples gets the fixes this command offers (``: use --samples >= 11, or a
    --config file with topk <= 4 in its planner: section``; ``config_file``: it has ``--config``).
    """
    def option(match):
        name, value = match.group(1), match.group(2)
        flag = f"--{name.replace('_', '-')}" if name in options else name
        if name in given:
            return flag + ("" if value is None else f" ({value})")
        if name in defaults:  # the caller's default: say whose
            return f"{flag} ({'' if value is None else f'{value}, '}{defaults_why})"
        if source_sets is not None and name not in source_sets:  # not the file's value
            return f"{flag} ({'' if value is None else f'{value}, '}the default: {source} " \
                "does not set it)"
        return f"{flag} of {source}" + ("" if value is None else f" ({value})")

    fix = _topk_fix(message, options, config_file)
    return re.sub(r"CEMConfig\.(\w+)(?: \(([^()]*)\))?", option, message) + fix


TOPK_ABOVE_SAMPLES = re.compile(r"CEMConfig\.topk \((\d+)\) must be less than "
                                r"CEMConfig\.samples \((\d+)\)$")  # CEMConfig's message


def _topk_fix(message: str, options, config_file: bool) -> str:
    """Return ``: use --samples >= K + 1, or ...`` for CEMConfig's top-k >= samples, else ""."""
    match = TOPK_ABOVE_SAMPLES.search(message)
    if not match:
        return ""
    topk, samples = match.groups()
    ways = [f"--samples >= {int(topk) + 1}"] if "samples" in options else []
    if "topk" in options:
        ways.append(f"--topk <= {int(samples) - 1}")
    elif config_file:
        ways.append(f"a --config file with topk <= {int(samples) - 1} in its planner: section")
    return f": use {', or '.join(ways)}" if ways else ""


def planner_option_message(message: str, args: argparse.Namespace, source: str | None = None,
                           options: dict[str, str] | None = None) -> str:
    """Return an error of ``load_reach_config(SOURCE, planner_overrides(args))`` in options.

    The :data:`CEM_OPTIONS` the user gave are named as typed, the others as values of ``source``
    (``--config``, default ``config/reach_demo.yaml``) (:func:`cem_option_message`); then
    :func:`option_message` with ``options``.
    """
    given = {name for name, _, _ in CEM_OPTIONS if getattr(args, name, None) is not None}
    message = cem_option_message(message, given, source or "config/reach_demo.yaml",
                                 options=option_fields(args), config_file=hasattr(args, "config"),
                                 source_sets=_planner_keys(source))
    return option_message(message, {**negated_search_options(args), **(options or {})})


def _planner_keys(source: str | None) -> frozenset[str] | None:
    """Return the planner settings file ``source`` sets (None: config/reach_demo.yaml).

    None when the file cannot be read as settings (its own error is reported elsewhere).
    """
    from vjepa_ros.sim.reach_config import _dotted, default_config_file
    from vjepa_ros.yaml_files import read_yaml_mapping

    try:
        keys = _dotted(read_yaml_mapping(source or default_config_file()))
    except (OSError, ValueError):
        return None
    return frozenset(key.split(".")[1] for key in keys if key.startswith("planner."))


def add_planning_arguments(parser: argparse.ArgumentParser, default_preset: str,
                           no_checkpoint: str = "a small RANDOM-weight model",
                           no_checkpoint_cem: dict | None = None,
                           random_when: str = "without --checkpoint") -> None:
    """Add ``--checkpoint --preset``, the :data:`CEM_OPTIONS`, ``--device --dtype --seed``.

    ``no_checkpoint``: what the command does without ``--checkpoint``, for its help;
    ``no_checkpoint_cem``: the CEM settings it then plans with instead of the preset's
    (:data:`RANDOM_MODEL_CEM`), named in their options' help as ``RANDOM_WHEN 64, for the
    small random model`` (``random_when``: when it plans with them, ``with --random-weights``
    for ``camera-check``).
    """
    parser.add_argument("--checkpoint", help="official V-JEPA 2-AC file (vjepa2-ac-vitg.pt) or a "
                        f"file this project saved; default: {no_checkpoint}")
    from vjepa_ros.models.device_names import dtype_help
    from vjepa_ros.planning.config import PRESETS

    presets = ", ".join(f"{name} (H {c.horizon}, S {c.samples}, I {c.iterations})"
                        for name, c in PRESETS.items())
    parser.add_argument("--preset", default=default_preset,
                        help=f"CEM preset: {presets} (default {default_preset})")
    notes = {name: f"{random_when} {value}, for the small random model"
             for name, value in (no_checkpoint_cem or {}).items()}
    add_cem_arguments(parser, f"--preset {default_preset}'s; another --preset: its own",
                      PRESETS[default_preset], notes)
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    parser.add_argument("--dtype", help=dtype_help())
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed of the CEM noise and random model, 0 to 2**32 - 1 (default 0)")
    add_model_arguments(parser)


def seed_value(text: str) -> int:
    """Parse a ``--seed`` of the planning commands: an integer in [0, 2**32 - 1].

    numpy's legacy seeding takes 32 bits and torch overflows past 64 (``Overflow when unpacking
    long long``, after the bag and the model were read: breaker38); the planner node's
    ``planner.seed`` and the simulator commands' seeds have the same range. Raises
    ``argparse.ArgumentTypeError`` (argparse names the option).
    """
    from vjepa_ros.sim.choices import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number in [0, "
                                         f"{MAX_SEED}]") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value}: a seed must lie in [0, {MAX_SEED}]")
    return value


def check_input_paths(args: argparse.Namespace) -> None:
    """Check ``--checkpoint`` and ``--episode`` paths, ``--device`` and ``--dtype`` names.

    Each where the parser has it and the user gave it. Run before torch is imported. Raises
    ValueError naming the option for a path that does not exist or cannot be read (``--checkpoint
    X does not exist: give ...``), UsageError (exit status 2) for a device or dtype name the
    models do not know (``--device: unknown device 'tpu': use ...``).
    """
    from vjepa_ros.command_errors import usage_errors
    from vjepa_ros.input_paths import EPISODE_FORMAT, input_path, world_model_path
    from vjepa_ros.models.device_names import check_device_and_dtype

    with usage_errors():
        check_device_and_dtype(getattr(args, "device", None), getattr(args, "dtype", None),
                               ("--device", "--dtype"))
    if getattr(args, "checkpoint", None):
        world_model_path(args.checkpoint)
    if getattr(args, "episode", None):
        input_path(args.episode, "--episode", EPISODE_FORMAT)


def add_cem_arguments(parser, source: str, values=None, notes: dict | None = None) -> None:
    """Add one ``--field-name`` option per :data:`CEM_OPTIONS` entry, its default in its help.

    ``values``: what holds the defaults the command plans with when the option is left out (a
    ``CEMParams`` read from the command's settings file, or a ``CEMConfig`` preset): shown as
    ``(default 100, SOURCE)``, ``close_gripper`` None as -1 (never); None: ``(default:
    SOURCE)``. ``notes``: field -> words after the value (``reach-with-object: 0``).
    """
    for name, kind, text in CEM_OPTIONS:
        if values is None:
            default = f"default: {source}"
        else:
            value = getattr(values, name)
            default = f"default {-1 if value is None else value}, {source}"
        note = (notes or {}).get(name)
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind,
                            help=f"{text} ({default}{f'; {note}' if note else ''})")


def planner_overrides(args: argparse.Namespace) -> dict:
    """Return the :data:`CEM_OPTIONS` and search-method options given, as ``planner.*`` keys.

    The planner node's parameter names, for ``load_reach_config`` overrides; check the result
    with :func:`option_message` on its ValueError.
    """
    given = {f"planner.{name}": getattr(args, name, None) for name, _, _ in CEM_OPTIONS}
    given.update(search_method_overrides(args))
    return {key: value for key, value in given.items() if value is not None}


def add_model_arguments(parser: argparse.ArgumentParser, files: dict | None = None) -> None:
    """Add ``--encoder-arg KEY=VALUE`` and ``--predictor-arg KEY=VALUE`` (repeatable).

    ``files``: the options naming the files they apply to, by kind (``encoder``, ``predictor``);
    default ``--checkpoint`` for both.
    """
    files = {"encoder": "--checkpoint", "predictor": "--checkpoint", **(files or {})}
    for kind in ("encoder", "predictor"):
        parser.add_argument(
            f"--{kind}-arg", action="append", metavar="KEY=VALUE", dest=f"{kind}_args",
            help=f"official {kind} hyper-parameter for {files[kind]} (repeatable, YAML values, "
                 f"e.g. num_heads=16 num_frames=64) for files that match no preset (default: "
                 "none, the file's own config or the preset it matches)")


def model_hyper_parameters(args: argparse.Namespace, checkpoint: str | None = None) -> dict:
    """Return ``{"encoder": {...}, "predictor": {...}}`` from :func:`add_model_arguments` options.

    Raises UsageError (a ValueError; exit status 2, as ``-p``/``--set`` items) naming the option
    for an item that is not KEY=VALUE with a YAML value. ``checkpoint``: how the command names
    the file they describe (``--checkpoint``), for the commands that plan: one given without
    ``args.checkpoint`` set is a UsageError too (options that do not go together).
    """
    from vjepa_ros.config import UsageError
    from vjepa_ros.models.official_names import parse_key_values

    try:
        values = {kind: parse_key_values(getattr(args, f"{kind}_args", None), f"--{kind}-arg")
                  for kind in ("encoder", "predictor")}
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if checkpoint and any(values.values()) and not args.checkpoint:
        raise UsageError(f"--encoder-arg/--predictor-arg describe a {checkpoint}; none given")
    return values
