"""An ``.npz`` episode as training reads it: frames, states and timestamps, actions unused.

Pretraining reads frames and timestamps alone (:func:`read_episode_frames`).

Training recomputes the actions from the states (``episodes``), so an episode whose stored
``actions`` array cannot be used (NaN or inf, e.g. a dataset's padded last action; another
shape; not numbers) is read without it, with a note, instead of refused; whatever else
``Episode.load`` refuses (states, frames, timestamps, a damaged file) is refused as it says.
:func:`rate_note` says when an episode's timestamps are at another rate than the steps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.episode import (
    Episode,
    _unbatch,
    file_timestamps,
    state_count_problem,
)
from vjepa_ros.recordings.episode_file import check_episode_frames, read_episode_arrays
from vjepa_ros.recordings.joint_columns import FLOAT16_WORDS, episode_states, read_state_arrays


def read_training_episode(path: Path, notes: list[str], rate_hz: float, tcp=None) -> Episode:
    """Return the episode in ``path``, its actions recomputed when the stored ones are unusable.

    ``notes`` receives a note naming the file when its stored actions were left unread (and
    ``Episode.load``'s notes: unreadable metadata; no timestamps, so taken as recorded at the
    step rate ``rate_hz`` [Hz]; states that look like joint positions). ``tcp``: (tcp_xyz [m],
    tcp_rpy [rad], gripper_max_width [m]) its ``joint_positions`` are read at
    (``data.topics``). Raises ValueError (``Episode.load``'s one line) for anything else that
    makes the file unusable.
    """
    try:
        return Episode.load(path, notes, rate_hz, tcp)
    except ValueError as exc:
        problem = str(exc)
    try:
        episode = _without_actions(path, rate_hz, notes, tcp)
    except ValueError:  # not the actions alone: refused as Episode.load says
        raise ValueError(problem) from None
    notes.append(named_once(path, f"{problem}; read without its stored actions, which train "
                                  "does not use (it recomputes them from the states)"))
    return episode


def read_episode_frames(path: Path, notes: list[str], rate_hz: float) -> Episode:
    """Return the episode in ``path`` read by its frames and timestamps alone, states 0.

    What a bag read by its camera alone is (``state_source`` "none": pretraining, which uses
    no robot state): the file's ``states`` and ``actions``, whatever they hold (none, mm, a
    gripper 0..255, NaN), are not read. The frames pass the one frame check
    (``episode_file.check_episode_frames``), the timestamps theirs (``file_timestamps``:
    without them, a frame a step at ``rate_hz`` [Hz], noted in ``notes``). Raises ValueError,
    one line naming the file.
    """
    from vjepa_ros.input_paths import FRAMES_FORMAT

    data = read_episode_arrays(path, names=("observations", "timestamps"),
                               required=("observations",), give=FRAMES_FORMAT)
    try:
        frames = check_episode_frames(_unbatch(data.pop("observations"), 4))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    timestamps = file_timestamps(path, data, len(frames), rate_hz, notes)
    return Episode.from_states(frames, np.zeros((len(frames), 7), np.float32), timestamps)


def _without_actions(path: Path, rate_hz: float, notes: list[str], tcp=None) -> Episode:
    """Return the episode of ``path`` read without its ``actions`` array (ValueError if none)."""
    data = read_state_arrays(path, ("observations", "states", "timestamps"))
    if any(array.dtype.kind not in "biuf" for name, array in data.items()
           if name != "observations"):
        raise ValueError("states or timestamps are not numbers")
    frames = check_episode_frames(_unbatch(data["observations"], 4))  # grey [T, H, W]: T
    states = episode_states(path, data, [], *(tcp or (None, None)))  # notes: Episode.load's
    timestamps = file_timestamps(path, data, len(frames), rate_hz, notes)
    if len(states) != len(frames):  # refused as Episode.load says
        raise ValueError(state_count_problem(len(frames), len(states)))
    return Episode.from_states(frames, states, timestamps)


def rate_note(path: Path, timestamps: np.ndarray, rate_hz: float) -> str:
    """Return a note when ``timestamps`` [T] s are not ``rate_hz`` [Hz] apart ("" when they are).

    The rate is the median interval's (between distinct stamps); within 2 % of the step rate is
    that rate.
    """
    intervals = np.diff(timestamps)
    intervals = intervals[intervals > 0]
    if not len(intervals):
        return ""
    interval = float(np.median(intervals))
    if abs(interval * rate_hz - 1) <= 0.02:
        return ""
    return (f"{shown_path(path)}{RECORDED_AT}{1 / interval:.3g} Hz (timestamps "
            f"{interval:.3g} s apart, median): resampled to {rate_hz:g} Hz steps (data.rate_hz) "
            "as a bag is")


RECORDED_AT = ": recorded at "  # what a rate note says after the path
# The notes on an episode's rate that many episodes share word for word after their path.
RATE_WORDS = (RECORDED_AT, ": no timestamps: ")
# ... and the other notes said word for word of many episodes: float16 states (joint_columns)
GROUPED_WORDS = (*RATE_WORDS, FLOAT16_WORDS)
SHOWN_NAMES = 3  # the episodes a grouped note names before "..."


def is_rate_note(note: str) -> bool:
    """Whether ``note`` is an episode's note on its rate (:func:`rate_note`, no timestamps)."""
    return any(words in note for words in RATE_WORDS)


def grouped_rate_notes(notes: list[str]) -> list[str]:
    """Return ``notes`` with the rate notes of several episodes saying the same made one line.

    A dataset of 500 episodes at 10 Hz gave 500 lines ``EP: recorded at 10 Hz ...``; now one,
    ``500 episodes (ep0.npz, ep1.npz, ep2.npz, ...): recorded at 10 Hz ...``, in the place of
    the first; a rate note of one episode and every other note are kept as they are. The
    float16 notes alike (``joint_columns.float16_note``: ``500 episodes (...): float16 states:
    ...``; :data:`GROUPED_WORDS`).
    """
    groups: dict[str, list[str]] = {}
    for note in notes:
        for words in GROUPED_WORDS:
            if words in note:
                path, rest = note.split(words, 1)
                groups.setdefault(words + rest, []).append(path)
                break
    out = []
    for note in notes:
        words = next((w for w in GROUPED_WORDS if w in note), None)
        if words is None:
            out.append(note)
            continue
        path, rest = note.split(words, 1)
        paths = groups.get(words + rest)
        if paths is None:  # said already, in the place of the first
            continue
        if len(paths) == 1:
            out.append(note)
        else:
            names = first_names((Path(p).name for p in paths), SHOWN_NAMES)
            out.append(f"{len(paths)} episodes ({names}){words}{rest}")
        del groups[words + rest]
    return out
