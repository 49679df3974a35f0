"""An ``.npz`` episode as training reads it: frames, states and timestamps, actions unused.

Training recomputes the actions from the states (``episodes``), so an episode whose stored
``actions`` array cannot be used (NaN or inf, e.g. a dataset's padded last action; another
shape; not numbers) is read without it, with a note, instead of refused; whatever else
``Episode.load`` refuses (states, frames, timestamps, a damaged file) is refused as it says.
:func:`rate_note` says when an episode's timestamps are at another rate than the steps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.episode import DEFAULT_RATE_HZ, Episode, _unbatch
from vjepa_ros.recordings.episode_file import read_episode_arrays


def read_training_episode(path: Path, notes: list[str]) -> Episode:
    """Return the episode in ``path``, its actions recomputed when the stored ones are unusable.

    ``notes`` receives a note naming the file when its stored actions were left unread (and
    ``Episode.load``'s note on unreadable metadata). Raises ValueError (``Episode.load``'s
    one line) for anything else that makes the file unusable.
    """
    try:
        return Episode.load(path, notes)
    except ValueError as exc:
        problem = str(exc)
    try:
        episode = _without_actions(path)
    except ValueError:  # not the actions alone: refused as Episode.load says
        raise ValueError(problem) from None
    notes.append(named_once(path, f"{problem}; read without its stored actions, which train "
                                  "does not use (it recomputes them from the states)"))
    return episode


def _without_actions(path: Path) -> Episode:
    """Return the episode of ``path`` read without its ``actions`` array (ValueError if none)."""
    data = read_episode_arrays(path, names=("observations", "states", "timestamps"))
    if any(array.dtype.kind not in "biuf" for name, array in data.items()
           if name != "observations"):
        raise ValueError("states or timestamps are not numbers")
    frames = _unbatch(data["observations"], 4)
    states = _unbatch(data["states"], 2)
    timestamps = (_unbatch(data["timestamps"], 1) if "timestamps" in data
                  else np.arange(len(frames)) / DEFAULT_RATE_HZ)
    if len(states) != len(frames):
        raise ValueError("frames and states differ in number")
    return Episode.from_states(frames, states, timestamps)


def rate_note(path: Path, timestamps: np.ndarray, rate_hz: float) -> str:
    """Return a note when ``timestamps`` [T] s are not ``rate_hz`` [Hz] apart ("" when they are).

    The rate is the median interval's; within 2 % of the step rate is that rate.
    """
    if len(timestamps) < 2:
        return ""
    interval = float(np.median(np.diff(timestamps)))
    if abs(interval * rate_hz - 1) <= 0.02:
        return ""
    return (f"{shown_path(path)}: recorded at {1 / interval:.3g} Hz (timestamps "
            f"{interval:.3g} s apart, median): resampled to {rate_hz:g} Hz steps (data.rate_hz) "
            "as a bag is")
