"""Reading an episode ``.npz`` file: the one loader of every command that reads episodes.

``vjepa-ros train``, ``pretrain``, ``demo --episode``, ``bag-from-npz`` and ``Episode.load`` all
read episode files through :func:`read_episode_arrays`, so that every damaged or foreign file
(empty, truncated, garbage bytes, a ``.npy`` or a pickle renamed ``.npz``, a folder, an
unreadable file, a zip without the arrays) is refused in the same one line naming the file and
what to give. numpy's own errors are no help here: an empty file raises EOFError, a truncated
one ``zipfile.BadZipFile``, and any other file is read as a pickle and refused with advice to
load it unsafely (``allow_pickle``), which no episode needs.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from vjepa_ros.input_paths import EPISODE_FORMAT, input_path, unreadable
from vjepa_ros.path_text import one_line, shown_path

EPISODE_ARRAYS = ("observations", "states", "actions", "timestamps", "metadata")
REQUIRED_ARRAYS = ("observations", "states")
SHOWN_ENTRIES = 5  # the entries a "missing arrays" line names before "and N more"
# What numpy or zipfile raise for a file or an archive member that is not what it should be.
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)


def _reason(exc: Exception) -> str:
    """Say why numpy cannot read a file or member, without its advice to unpickle it."""
    if "pickle" in str(exc):  # a file numpy took for a pickle, an array of Python objects
        return "Python objects (a pickle), not numbers"
    return one_line(str(exc)) or type(exc).__name__


def read_episode_arrays(path: str | Path, names=EPISODE_ARRAYS,
                        required=REQUIRED_ARRAYS) -> dict[str, np.ndarray]:
    """Return the arrays ``names`` that the episode file ``path`` holds, read into memory.

    Args:
        path: the ``.npz`` file (``~`` expanded).
        names: the arrays to read; those the file lacks are left out of the result.
        required: the arrays the file must hold.
    Raises:
        ValueError: one line, ``episode PATH PROBLEM: give an .npz with observations ...``:
            PROBLEM is ``does not exist``, ``is a folder``, ``is not an .npz archive (WHY)``
            (empty, truncated, garbage, a pickle, a ``.npy``), ``is missing arrays [...]`` or
            ``is a damaged .npz archive (NAME: WHY)`` (a member that cannot be read: bad CRC);
            ``episode PATH: its NAME array holds Python objects (a pickle), not numbers: FIX``
            for an array saved from Python objects (a dict as metadata); ``episode PATH cannot
            be read by this user (...): ...chmod...`` for a file this user may not read
            (``input_paths.unreadable``); ``episode PATH: its suffix is not lower case ...``
            with the ``mv -n`` to lower case for ``EP0.NPZ`` (``bag_folders.upper_case_fix``:
            every command refuses it alike).
    """
    from vjepa_ros.recordings.bag_folders import upper_case_fix

    path = input_path(path, "episode", EPISODE_FORMAT)
    if fix := upper_case_fix(path):  # EP0.NPZ: no reader reads it, nor this one
        raise ValueError(f"episode {shown_path(path)}: {fix}")
    try:
        archive = np.load(path, allow_pickle=False)
    except PermissionError as exc:  # os.access passed (root, ACLs) but opening did not
        raise ValueError(f"episode {unreadable(path, exc.strerror or str(exc))}") from None
    except _READ_ERRORS as exc:
        reason = ("neither a zip archive nor a .npy array" if "pickle" in str(exc)
                  else _reason(exc))
        raise ValueError(f"episode {shown_path(path)} is not an .npz archive ({reason}): give "
                         f"{EPISODE_FORMAT}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"episode {shown_path(path)} is not an .npz archive (it holds one "
                         f"array, a .npy): give {EPISODE_FORMAT}")
    with archive:
        absent = sorted(set(required) - set(archive.files))
        if absent:
            has = archive.files  # a .pt file (a zip too): dozens of entries, the first few
            listed = f"{has}" if len(has) <= SHOWN_ENTRIES else (
                f"{has[:SHOWN_ENTRIES]} and {len(has) - SHOWN_ENTRIES} more entries")
            raise ValueError(f"episode {shown_path(path)} is missing arrays {absent} (has "
                             f"{listed}): give {EPISODE_FORMAT}")
        arrays = {}
        for name in names:
            if name not in archive.files:
                continue
            try:
                arrays[name] = archive[name]
            except _READ_ERRORS as exc:
                if "pickle" in str(exc):  # an intact member numpy will not unpickle
                    fix = ("save metadata as a JSON string (json.dumps)" if name == "metadata"
                           else f"save {name} as an array of numbers")
                    raise ValueError(f"episode {shown_path(path)}: its {name} array holds "
                                     f"Python objects (a pickle), not numbers: {fix}") from None
                raise ValueError(f"episode {shown_path(path)} is a damaged .npz archive ({name}: "
                                 f"{_reason(exc)}): give {EPISODE_FORMAT}") from None
    return arrays


def check_episode_frames(frames) -> np.ndarray:
    """Return an episode's frames as an array, or raise ValueError: uint8 [T, H, W, 3] only.

    The one frame check of every .npz reader (:meth:`Episode.load`, training, pretraining,
    ``vjepa_ros.example_episode.load_example`` behind ``demo --episode`` and ``bag-from-npz``):
    float frames (values 0..1) were once cast to uint8, all black, and planned on without a
    word.
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        hint = (": scale and convert them, e.g. (frames * 255).round().astype(np.uint8) for "
                "values in 0..1" if frames.dtype.kind == "f" else "")
        raise ValueError(f"episode frames must be uint8 [T, H, W, 3], got {frames.dtype} "
                         f"{list(frames.shape)}{hint}")
    return frames
