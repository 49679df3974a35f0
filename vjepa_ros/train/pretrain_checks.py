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
