"""``vjepa-ros pretrain``'s checks of its options, inputs and environment before it runs.

Each raises one line naming the option (``--save-every``, ``--config``, ``--data``, ``--rate``,
``--out``, ``--batch-size``) or environment variable: a UsageError (exit status 2) for an option
refused, ValueError or ConfigError (exit status 1) otherwise. ``--threads`` is checked before
all of them in ``pretrain_command`` (``threads.check_threads_option``), as ``train`` does.
"""

from __future__ import annotations

import argparse
import os

from vjepa_ros.cli_options import option_message
from vjepa_ros.config import ConfigError, UsageError
from vjepa_ros.path_text import shown_path
from vjepa_ros.train.command_options import option_given


def checked_pretrain_config(args: argparse.Namespace):
    """Return the ``PretrainConfig`` of ``--config`` and the options; ValueError naming them.

    ``--save-every`` must be a multiple of ``monitor_every``: files are saved where the monitors
    are computed (``pretrain.pretrain_encoder``'s ``checkpoint``). An option refused, alone or
    over the file's settings (which pass alone), is a UsageError (exit status 2); a value of
    the file a ValueError (1), a file that cannot be read a UsageError.
    """
    from vjepa_ros.train.pretrain_config import load_pretrain_config  # torch-free

    if args.save_every is not None and args.save_every < 0:
        raise UsageError(f"--save-every {args.save_every}: must be >= 0")
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


def check_pretrain_config_file(args: argparse.Namespace) -> None:
    """Check that ``--config`` (when given) can be read: UsageError (exit status 2) naming it.

    First of the inputs, as ``train`` reads its ``--config`` before it looks at ``--data``:
    its settings (:func:`checked_pretrain_config`: another command's file is named as such)
    come next, then :func:`check_pretrain_inputs`.
    """
    from vjepa_ros.input_paths import input_path

    if args.config:
        try:
            input_path(args.config, "--config", "a YAML file of PretrainConfig settings (like "
                       "config/pretrain.yaml)")
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def check_pretrain_inputs(args: argparse.Namespace) -> None:
    """Check ``--data`` before torch loads (after ``--config``); ValueError naming the option."""
    from vjepa_ros.input_paths import input_path

    for path in args.data:
        input_path(path, "--data", "episode .npz files, rosbag2 bags or directories holding "
                   "them", folder=True)


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
    from vjepa_ros.train.distributed import SINGLE_PROCESS, torchrun_numbers

    environ = os.environ if environ is None else environ
    numbers = torchrun_numbers(environ)  # ConfigError for one that is not a whole number
    stray = [f"{name}={environ[name]}" for name in ("WORLD_SIZE", "RANK")
             if numbers[name] != SINGLE_PROCESS[name]]
    if stray:
        raise ConfigError(f"vjepa-ros pretrain runs in one process, but {' '.join(stray)} is "
                          "set (torchrun's, or left by a job script): start it without torchrun "
                          "and unset " + " and ".join(s.split("=")[0] for s in stray))


def clip_floor_bytes(config) -> int:
    """Return a floor of one clip's memory in a pretraining step [bytes].

    Its pixels as float32 [3, T, S, S] and the encoder's tokens as float32
    [T / 2 x (S / patch)^2, width].
    """
    size, frames = config.img_size, config.frames_per_clip
    tokens = frames // 2 * (size // config.patch_size) ** 2
    return 3 * frames * size * size * 4 + tokens * config.embed_dim * 4


def check_batch_memory(config, device="cpu") -> None:
    """Refuse a ``--batch-size`` whose clips cannot fit in ``device``'s free memory (ValueError).

    A floor per clip (:func:`clip_floor_bytes`; ``train.memory.batch_memory_problem`` words the
    line).
    """
    from vjepa_ros.train.memory import batch_memory_problem

    problem = batch_memory_problem(config.batch_size, clip_floor_bytes(config), device,
                                   what="its pixels and the encoder's tokens", accumulate=False)
    if problem:
        raise ValueError(problem)


def frames_memory_check(config, device, resize_to: int | None, available=None):
    """Return ``on_source(held, read, total)`` for ``pretrain_data.load_clip_segments``.

    Called after each source is read (``held`` bytes of frames kept for the ``read`` first of
    ``total`` sources), it raises ValueError, one line naming ``--data`` and what to do, when
    the sources still to read (at the bytes per source read so far) and, on the CPU, a batch
    (:func:`clip_floor_bytes`) need more than the memory free now: before the memory runs out
    and the kernel kills the run without a word. ``resize_to``: the size larger frames are
    kept at (None: as recorded, the crop on); ``available()``: free bytes (default:
    ``planning.memory.available_bytes("cpu")``; None: unknown, no check).
    """
    from vjepa_ros.planning.memory import GIB, available_bytes

    reserve = config.batch_size * clip_floor_bytes(config) if str(device) == "cpu" else 0

    def on_source(held: int, read: int, total: int) -> None:
        free = available_bytes("cpu") if available is None else available()
        rest = held / read * (total - read)  # the frames still to read, about
        if free is None or rest + reserve <= free:
            return
        kept = (f"frames larger than img_size {resize_to} are kept at it; lower img_size in "
                "--config" if resize_to else "the random crop keeps frames as recorded: "
                "random_resize_scale: [1.0, 1.0] with random_resize_aspect_ratio: [0.75, 1.35] "
                "in --config keeps them at img_size")
        batch = f" beside a batch's {reserve / GIB:.2f} GiB" if reserve else ""
        raise ValueError(
            f"--data: the frames of its {total} sources need about "
            f"{(held + rest) / GIB:.2f} GiB held while pretraining ({held / GIB:.2f} GiB for "
            f"the {read} read so far), more than the {(held + free) / GIB:.2f} GiB free"
            f"{batch}: pretrain on fewer of them, {kept}, or use a machine with more memory")

    return on_source


def checked_device(args: argparse.Namespace) -> str:
    """Return ``--device`` as given ("" when left out: cuda when available, else cpu).

    The name is checked here, torch-free (``models.device_names.check_device_name``): a
    ValueError naming ``--device``; whether this machine has it, by :func:`pretrain_device`.
    """
    from vjepa_ros.models.device_names import check_device_name

    name = option_given(args, "device") or ""
    if name:
        try:
            check_device_name(name)
        except ValueError as exc:
            raise UsageError(f"--device {name}: {exc}") from None
    return name


def pretrain_device(name: str):
    """Return the torch device of ``--device`` ``name`` (train's rule: "" is cuda when there).

    Raises ValueError, one line naming ``--device``, for a device this machine or this torch
    does not have (``models.world_model.resolve_device``'s words).
    """
    from vjepa_ros.models.world_model import resolve_device

    try:
        return resolve_device(name or None)
    except ValueError as exc:
        raise ValueError(f"--device {name}: {exc}") from None
