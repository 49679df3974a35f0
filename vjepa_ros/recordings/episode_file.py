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

from vjepa_ros.input_paths import EPISODE_FORMAT, input_path
from vjepa_ros.path_advice import unreadable
from vjepa_ros.path_text import one_line, shown_path
from vjepa_ros.recordings.time_precision import timestamp_precision_problem

EPISODE_ARRAYS = ("observations", "states", "actions", "timestamps", "metadata")
REQUIRED_ARRAYS = ("observations", "states")
# A frame's channel counts: grey, RGB, RGBA (image_encodings.channels_to_rgb); a last axis wider
# than 4 is a width: [T, H, W] is grey, [1, T, H, W] grey in the batched layout ([1, T, H, W, C]).
COLOUR_CHANNELS = (1, 3, 4)
SHOWN_ENTRIES = 5  # the entries a "missing arrays" line names before "and N more"
# The widest median spacing [s] of a camera's frames (a 0.1 Hz time-lapse): wider timestamps
# are in another unit; each unit and how many of it make a second, smallest first.
MAX_FRAME_SPACING_S = 10.0
TIME_UNITS = (("1e3", "milliseconds"), ("1e6", "microseconds"), ("1e9", "nanoseconds"))
# The latest time [s] a bag's int64 nanosecond stamps (and rclpy's Time) hold: April 2262.
# Epoch milliseconds, microseconds or nanoseconds (1.7e12, 1.7e15, 1.7e18 today) are all past it.
MAX_STAMP_S = (2**63 - 1) / 1e9
SECONDS_PER_YEAR = 31_557_600  # a Julian year, for the year an epoch time falls in
# What numpy or zipfile raise for a file or an archive member that is not what it should be.
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)


def _reason(exc: Exception) -> str:
    """Say why numpy cannot read a file or member, without its advice to unpickle it."""
    if "pickle" in str(exc):  # a file numpy took for a pickle, an array of Python objects
        return "Python objects (a pickle), not numbers"
    return one_line(str(exc)) or type(exc).__name__


def _starts_as_zip(path: Path) -> bool:
    """Return whether ``path`` begins as a zip does: its first local file header signature."""
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def read_episode_arrays(path: str | Path, names=EPISODE_ARRAYS,
                        required=REQUIRED_ARRAYS, give: str = EPISODE_FORMAT
                        ) -> dict[str, np.ndarray]:
    """Return the arrays ``names`` that the episode file ``path`` holds, read into memory.

    Args:
        path: the ``.npz`` file (``~`` expanded).
        names: the arrays to read; those the file lacks are left out of the result.
        required: the arrays the file must hold.
        give: what the refusals advise to give (default: an episode with frames and states).
    Raises:
        ValueError: one line, ``episode PATH PROBLEM: give an .npz with observations ...``:
            PROBLEM is ``does not exist``, ``is a folder``, ``is truncated (a zip archive
            without its end record ...)`` (a zip's first bytes, its end cut off: a copy cut
            short, as the bag readers say of a cut MCAP), ``is not an .npz archive (WHY)``
            (empty, garbage, a pickle, a ``.npy``), ``is missing arrays [...]`` or
            ``is a damaged .npz archive (NAME: WHY)`` (a member that cannot be read: bad CRC);
            ``episode PATH: its NAME array holds Python objects (a pickle), not numbers: FIX``
            for an array saved from Python objects (a dict as metadata); ``episode PATH cannot
            be read by this user (...): ...chmod...`` for a file this user may not read
            (``path_advice.unreadable``); ``episode PATH: its suffix is not lower case ...``
            with the ``mv -n`` to lower case for ``EP0.NPZ`` (``bag_folders.upper_case_fix``:
            every command refuses it alike).
    """
    from vjepa_ros.recordings.bag_folders import upper_case_fix

    path = input_path(path, "episode", give)
    if fix := upper_case_fix(path):  # EP0.NPZ: no reader reads it, nor this one
        raise ValueError(f"episode {shown_path(path)}: {fix}")
    try:
        archive = np.load(path, allow_pickle=False)
    except PermissionError as exc:  # os.access passed (root, ACLs) but opening did not
        raise ValueError(f"episode {unreadable(path, exc.strerror or str(exc))}") from None
    except _READ_ERRORS as exc:
        if isinstance(exc, zipfile.BadZipFile) and _starts_as_zip(path):
            raise ValueError(f"episode {shown_path(path)} is truncated (a zip archive without "
                             "its end record: a copy or save cut short): copy it again from "
                             f"its source, or give {give}") from None
        reason = ("neither a zip archive nor a .npy array" if "pickle" in str(exc)
                  else _reason(exc))
        raise ValueError(f"episode {shown_path(path)} is not an .npz archive ({reason}): give "
                         f"{give}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"episode {shown_path(path)} is not an .npz archive (it holds one "
                         f"array, a .npy): give {give}")
    with archive:
        absent = sorted(set(required) - set(archive.files))
        if absent:
            has = archive.files  # a .pt file (a zip too): dozens of entries, the first few
            listed = f"{has}" if len(has) <= SHOWN_ENTRIES else (
                f"{has[:SHOWN_ENTRIES]} and {len(has) - SHOWN_ENTRIES} more entries")
            raise ValueError(f"episode {shown_path(path)} is missing arrays {absent} (has "
                             f"{listed}): give {give}")
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
                                 f"{_reason(exc)}): give {give}") from None
    return arrays


def check_episode_frames(frames) -> np.ndarray:
    """Return an episode's frames as uint8 [T, H, W, 3] RGB, or raise ValueError.

    The one frame check of every .npz reader (:meth:`Episode.load`, training, pretraining,
    ``vjepa_ros.example_episode.load_example`` behind ``demo --episode`` and ``bag-from-npz``).
    Frames [T, H, W, C] are read as a bag's camera topic of the same pixels is
    (``image_encodings.channels_to_rgb``, one rule): RGBA (pybullet's ``getCameraImage``) with
    the alpha dropped, grey [T, H, W, 1] repeated into RGB (grey saved without its channel axis,
    [T, H, W] or [1, T, H, W], too: a last axis wider than 4 is a width, not channels), 16-bit
    colour (uint16, either byte order) scaled by v / 257. Refused, naming the conversion: float
    frames (values 0..1 were once cast to uint8, all black, and planned on without a word),
    other integer dtypes, single-channel 16-bit in either byte order (a depth or infrared
    image, as a bag's 16UC1 / mono16 is) and any other layout (a 3-d array up to 4 wide, one
    frame [H, W, C] or grey [T, H, W]: refused with the ``frames[..., None]`` fix).
    """
    from vjepa_ros.image_encodings import SINGLE_CHANNEL_16, channels_to_rgb, pixel_bits
    from vjepa_ros.input_paths import FRAME_LAYOUTS

    frames = np.asarray(frames)
    if _grey_without_channels(frames):  # grey [T, H, W] or [1, T, H, W]
        frames = frames.reshape(*frames.shape[-3:], 1)
    channels = frames.shape[-1] if frames.ndim == 4 else None
    bits = pixel_bits(frames.dtype)  # 8 or 16 in either byte order (">u2" too), else None
    if bits == 16 and channels == 1:
        raise ValueError(f"episode frames are {SINGLE_CHANNEL_16} (uint16 "
                         f"{list(frames.shape)}), not colour: save the colour camera's frames")
    if bits is None or channels not in COLOUR_CHANNELS:
        kind = frames.dtype.kind
        hint = (": scale and convert them, e.g. (frames * 255).round().astype(np.uint8) for "
                "values in 0..1" if kind == "f" else
                ": convert them, e.g. frames.astype(np.uint8) for values in 0..255"
                if kind in "iu" and channels in COLOUR_CHANNELS else
                ": if they are grey [T, H, W], save them as [T, H, W, 1] (frames[..., None])"
                if frames.ndim == 3 else "")
        raise ValueError(f"episode frames must be uint8 [T, H, W, 3], got {frames.dtype} "
                         f"{list(frames.shape)}{hint} ({FRAME_LAYOUTS})")
    if bits == 8 and channels == 3:
        return frames
    return np.ascontiguousarray(channels_to_rgb(frames))


def _grey_without_channels(frames: np.ndarray) -> bool:
    """Whether ``frames`` are grey [T, H, W] or [1, T, H, W]: a last axis no channel count."""
    return ((frames.ndim == 3 or (frames.ndim == 4 and frames.shape[0] == 1))
            and frames.shape[-1] > max(COLOUR_CHANNELS))


def episode_timestamps(path: str | Path, times, count: int) -> np.ndarray:
    """Return an episode file's ``timestamps`` as [T] float64 seconds, or raise ValueError.

    The one timestamps check of every reader of them (training's resampling through
    ``Episode.load``, ``bag-from-npz`` through ``example_episode.load_example``), made before
    any time grid is built. ``times``: the file's array, [T] or [B, T] (the first episode);
    ``count``: its frames T. A stamp equal to the one before (a frame the camera repeated) is
    kept: one moment, as a bag's duplicated stamp is to the resampler. Raises ValueError, one
    line naming the file, for float32 / float16 timestamps too coarse for a frame's time
    (``time_precision.timestamp_precision_problem``: float32 epoch seconds are 128 s steps),
    for timestamps that are not T finite numbers, that go back (naming
    the frame), that are mostly repeats (whole seconds?), that reach past :data:`MAX_STAMP_S`
    (2262: epoch milliseconds, microseconds or nanoseconds, named by their magnitude, whatever
    their spacing: a 100 Hz camera's milliseconds are 10 apart), and for spacing wider than
    :data:`MAX_FRAME_SPACING_S` (median): milliseconds, microseconds or nanoseconds (ROS
    stamps) saved as they were, named with the conversion to seconds; no unit is guessed.
    """
    shown = shown_path(path)
    times = np.asarray(times)
    times = times[0] if times.ndim == 2 else times
    if times.dtype.kind not in "iuf" or times.shape != (count,):
        raise ValueError(f"episode {shown}: its timestamps ({times.dtype} {list(times.shape)}) "
                         f"must be {count} numbers, one per frame, in seconds")
    coarse = timestamp_precision_problem(times)  # float32 epoch seconds: one value (128 s steps)
    if coarse:
        raise ValueError(f"episode {shown}: {coarse}")
    seconds = times.astype(np.float64)  # epoch ns (1.7e18) fit; differences kept to 256 ns
    if not np.isfinite(seconds).all():
        raise ValueError(f"episode {shown}: its timestamps hold NaN or inf")
    steps = np.diff(seconds)
    if (steps < 0).any():
        frame = int(np.flatnonzero(steps < 0)[0]) + 1
        raise ValueError(f"episode {shown}: its timestamps go back at frame {frame} "
                         f"({seconds[frame - 1]:.6g} then {seconds[frame]:.6g}): sort the "
                         f"frames by time, or remove frame {frame}")
    if len(steps) and (steps == 0).mean() > 0.5:
        raise ValueError(f"episode {shown}: {int((steps == 0).sum())} of its {count} timestamps "
                         "equal the one before (whole seconds?): save each frame's time in "
                         "seconds, with its fraction")
    spacing = float(np.median(steps[steps > 0])) if (steps > 0).any() else 0.0
    if spacing > MAX_FRAME_SPACING_S:
        raise ValueError(f"episode {shown}: its timestamps are {spacing:.6g} apart (median) from "
                         f"{times[0]}: {_unit_words(spacing)}")
    late = past_stamps_words(seconds)  # epoch ms of a 100 Hz camera (10 apart) pass the above
    if late:
        raise ValueError(f"episode {shown}: its timestamps {late}")
    return seconds


def past_stamps_words(seconds) -> str:
    """Say why times ``seconds`` ([T] float s) are no bag's stamps, '' when they fit.

    The one rule of the latest time a bag holds (every reader of an episode's timestamps,
    ``bag_writing.episode_start_ns``): any time past :data:`MAX_STAMP_S` (2262), NaN or inf
    is refused. The words continue "its timestamps ...": "reach 1.7e+12, past 9.223e+09 s (the
    year 2262, ...): they look like epoch milliseconds (...), not seconds: save them as
    seconds, timestamps / 1e3".
    """
    latest = float(np.max(seconds)) if len(seconds) else 0.0
    if latest <= MAX_STAMP_S:
        return ""
    return (f"reach {latest:.6g}, past {MAX_STAMP_S:.4g} s (the year 2262, where a bag's int64 "
            f"nanosecond stamps end): {_epoch_unit_words(latest)}")


def _time_unit(value: float, most: float) -> tuple[str, str] | None:
    """Return the first (factor, unit) of :data:`TIME_UNITS` taking ``value`` to <= ``most`` s.

    Smallest unit first (``value / factor``); None when none does (NaN, inf, too large).
    """
    return next(((factor, unit) for factor, unit in TIME_UNITS
                 if value / float(factor) <= most), None)


def _epoch_unit_words(latest: float) -> str:
    """Say which epoch unit a time ``latest`` past :data:`MAX_STAMP_S` looks like, and the fix."""
    found = _time_unit(latest, MAX_STAMP_S)
    if found is None:
        return "not seconds of any clock: save each frame's time in seconds"
    factor, unit = found
    seconds = latest / float(factor)
    year = 1970 + seconds / SECONDS_PER_YEAR
    return (f"they look like epoch {unit} ({seconds:.6g} s, the year {year:.0f}), not "
            f"seconds: save them as seconds, timestamps / {factor}")


def _unit_words(spacing: float) -> str:
    """Say which unit timestamps ``spacing`` apart look like, and the conversion to seconds."""
    found = _time_unit(spacing, MAX_FRAME_SPACING_S)
    if found is not None:
        factor, unit = found
        return (f"they look like {unit} (a {float(factor) / spacing:.3g} Hz camera), not "
                f"seconds: save them as seconds, timestamps / {factor} (an epoch time stays "
                "one, so a bag made from it lines up with the lab's other recordings)")
    return ("not seconds of one recording: save them as seconds since the episode started, one "
            "per frame")
