"""The example episode in the published notebook format, read without torch.

``vjepa-ros demo`` plans on it; ``vjepa-ros bag-from-npz`` writes it as a bag. Reading it needs
numpy alone: ``bag-from-npz`` never imports torch, whose import holds a stop (Ctrl-C, SIGTERM)
until it has ended (``held_imports``: seconds, 25 s on a loaded machine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.episode_file import (
    check_episode_frames,
    episode_timestamps,
)
from vjepa_ros.recordings.joint_columns import (
    JOINT_POSITIONS,
    episode_states,
    read_state_arrays,
)
from vjepa_ros.robot.state_ranges import states_problem


@dataclass
class Example:
    frames: np.ndarray  # [T, H, W, 3] uint8 RGB
    states: np.ndarray  # [T, 7] float32: xyz, extrinsic xyz Euler, gripper closedness
    timestamps: np.ndarray | None = None  # [T] float64 s, increasing; None: the file has none
    episodes: int = 1  # the episodes the file holds ([B, T, ...]: B); the first is the one read
    notes: list = field(default_factory=list)  # states that look like joints (joint_columns)


def load_example(path: str | Path | None = None, timestamps: bool = False,
                 single: tuple[str, str] | None = None) -> Example:
    """Load an episode in the published notebook format (``observations``, ``states``).

    Raises ValueError (one line naming the file and the format to give) for a missing file, a
    folder, a file that is not an .npz archive or one without those arrays
    (:func:`vjepa_ros.recordings.episode_file.read_episode_arrays`), and for states that are not
    [T, 7], hold NaN/inf, a closedness outside [0, 1], a position beyond the arm's reach or
    Euler angles beyond ±π (:func:`vjepa_ros.robot.state_ranges.states_problem`, naming the
    step and the fix), and the episode read (the first) of a batch ``[B, T, 7]`` of several
    (``Example.episodes``: B, for a caller that must not drop the others).
    ``joint_positions`` instead of / beside ``states`` are read at the Franka Hand's TCP, and
    states that look like joints are noted in ``Example.notes``
    (:func:`vjepa_ros.recordings.joint_columns.episode_states`, its refusals too).
    ``timestamps``: keep the file's ``timestamps`` [T] (or [B, T]) seconds, when it holds them
    (``bag-from-npz``): not T increasing finite numbers raise ValueError too.
    ``single``: the command reads one episode only (``bag-from-npz``, ``demo``): a file of
    several raises ValueError (:func:`several_episodes_message` with these ``holds`` and
    ``give`` words) once the one read has passed the checks above, never the others dropped.
    """
    given = path
    if path is None:
        path = resources.files("vjepa_ros") / "data" / "franka_example_traj.npz"
    path = Path(str(path)).expanduser()
    data = read_state_arrays(path, ("observations", "states", "timestamps"))
    frames, notes = data["observations"], []
    # [B, T, ...]: the first episode is read; ``episodes`` says how many the file holds
    rows = [data[k] for k in ("states", JOINT_POSITIONS) if k in data]
    batch = max([len(frames) if frames.ndim == 5 else 1]
                + [len(array) if array.ndim == 3 else 1 for array in rows])
    frames = frames[0] if frames.ndim == 5 else frames
    states = episode_states(path, {k: data[k][0] if data[k].ndim == 3 else data[k]
                                   for k in ("states", JOINT_POSITIONS) if k in data}, notes)
    problem = states_problem(states)  # [T, 7], finite, closedness, reach, radians
    if problem:
        episode = f" (episode 0 of the file's {batch}, the one read)" if batch > 1 else ""
        raise ValueError(f"{path}{episode}: {problem}")
    try:  # the one frame-layout rule of every .npz reader: RGBA, grey, 16-bit read as RGB
        frames = check_episode_frames(frames)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if len(frames) < 2 or len(states) != len(frames):
        raise ValueError(
            f"{path}: need >= 2 frames [T, H, W, 3] with states [T, 7], got {frames.shape} and "
            f"{states.shape}"
        )
    example = Example(frames=frames, states=states.astype(np.float32),
                      timestamps=_timestamps(path, data.get("timestamps"), len(frames))
                      if timestamps else None, episodes=batch, notes=notes)
    if single and batch > 1:
        raise ValueError(several_episodes_message(path if given is None else given, batch,
                                                  *single))
    return example


def _timestamps(path: Path, times, count: int) -> np.ndarray | None:
    """Return the file's ``timestamps`` as [T] float64 seconds (episode 0 of [B, T]), or None.

    Raises ValueError naming the file when they are not ``count`` increasing seconds
    (``episode_file.episode_timestamps``: not numbers, going back, ms/µs/ns); a repeated stamp
    too, naming the frame: a bag is written with one stamp a frame.
    """
    if times is None:
        return None
    again = ("give --rate to write the frames at that rate instead, their timestamps unused")
    try:
        seconds = episode_timestamps(path, times, count)
    except ValueError as exc:
        raise ValueError(f"{exc}; or {again}") from None
    repeats = np.flatnonzero(np.diff(seconds) == 0)
    if len(repeats):
        frame = int(repeats[0]) + 1
        raise ValueError(f"{shown_path(path)}: its timestamps repeat at frame {frame} "
                         f"({seconds[frame]:.6g} s, {len(repeats)} repeat(s) in all): remove "
                         f"frame {frame} (a frame the camera repeated), or {again}")
    return seconds


def several_episodes_message(episode, count: int, holds: str, give: str) -> str:
    """Return the refusal of an ``.npz`` of ``count`` episodes, for a command that reads one.

    ``holds``: why the command takes one and that it did nothing (``a bag holds one, nothing
    written``); ``give``: what to do with each episode's own file. No command picks one of
    several (no ``--index``): the others are never dropped without a word.
    """
    return (f"{shown_path(episode)} holds {count} episodes ([{count}, T, ...] arrays) and "
            f"{holds}: save each episode as an .npz of its own (observations[k:k+1], "
            f"states[k:k+1], timestamps[k:k+1]) and {give}")
