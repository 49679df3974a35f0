"""Input files of the ``vjepa-ros`` commands, checked before the libraries that read them load.

A missing checkpoint that is found only once torch, pybullet or rclpy have loaded costs seconds
(a minute on a busy machine) before its one-line error. Every command checks the paths it reads
first, with :func:`input_path`, in one line that names the option and says what to give
(``out_paths.py`` does the same for the paths a command writes).
"""

from __future__ import annotations

import os
from pathlib import Path

# What to give, as the messages say it.
EPISODE_FORMAT = "an .npz with observations [T, H, W, 3] uint8 and states [T, 7]"
CHECKPOINT_FORMAT = ("Meta's vjepa2-ac-vitg.pt or a world model file this project saved "
                     "(save_world_model)")


def input_path(path: str | os.PathLike, option: str, give: str, folder: bool = False) -> Path:
    """Return ``path`` (``~`` expanded) when it can be read; else ValueError naming ``option``.

    Args:
        path: the path the user gave.
        option: how the message names it (``--episode``, ``episode``).
        give: what to give instead (``EPISODE_FORMAT``), after ``give``.
        folder: a directory is accepted too (a Hugging Face snapshot, a folder of episodes).
    Raises:
        ValueError: ``{option} {path} does not exist|is a folder|is not readable: give {give}``.
    """
    path = Path(path).expanduser()
    if not path.exists():
        problem = "does not exist"
    elif path.is_dir() and not folder:
        problem = "is a folder"
    elif not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        problem = "is not readable"
    else:
        return path
    raise ValueError(f"{option} {path} {problem}: give {give}")


def world_model_path(spec: str, option: str = "--checkpoint") -> Path:
    """Return the file a world model option names: ``demo`` (the packaged one) or a path.

    For the commands that plan: a folder (a Hugging Face snapshot) holds an encoder only and is
    refused too. Raises ValueError naming ``option`` for a missing, unreadable or folder path,
    and for ``demo`` when the demo world model is not installed
    (``sim.reach_config.resolve_checkpoint``'s message).
    """
    if spec == "demo":
        from vjepa_ros.sim.reach_config import resolve_checkpoint  # numpy and yaml only

        try:
            return resolve_checkpoint("")
        except FileNotFoundError as exc:
            hint = str(exc).replace("--checkpoint FILE", f"{option} FILE")
            raise ValueError(f"{option} demo: {hint}") from None
    return input_path(spec, option, CHECKPOINT_FORMAT)
