"""Recorded episodes (frames, states, actions at a fixed rate) and their ``.npz`` files.

File layout, a superset of the published example ``franka_example_traj.npz`` so that
``vjepa-ros demo --episode`` and :func:`vjepa_ros.example_episode.load_example` read it:

=============== ====================== ==========================================================
``observations`` [1, T, H, W, 3] uint8  camera frames, RGB
``states``       [1, T, 7] float32      end effector: xyz, extrinsic xyz Euler, gripper closedness
``actions``      [1, T-1, 7] float32    state_{t+1} ⊖ state_t (``planning.pose.state_difference``)
``timestamps``   [1, T] float64         seconds since the episode started
``metadata``     0-d str                JSON: where the episode came from (seed, settings, ...)
=============== ====================== ==========================================================

Instead of or beside ``states``, ``joint_positions`` [1, T, 7] rad (the arm's joints 1..7) or
[1, T, 9] (and the two finger positions, m): the states are then the joints' forward kinematics
at the TCP (``recordings.joint_columns``: checked against ``states`` when both are there).
Files without ``actions``, ``timestamps`` or ``metadata`` (the published example) load too: the
actions are computed from the states, the timestamps assume 4 Hz (training: its step rate, with a
note), the metadata is empty. ``timestamps`` in another unit than seconds (ms, µs, ROS ns) are
refused naming the conversion (``episode_file.episode_timestamps``).
A manipulation episode's metadata (``vjepa-ros collect --task``) holds its outcome: ``success``
(false: the scripted expert did not finish the task, e.g. ``ran_out`` of its 120 frames),
``grasped``, ``placed``; :func:`recorded_success` reads it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import replacing
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.episode_file import (
    EPISODE_ARRAYS,
    check_episode_frames,
    episode_timestamps,
    read_episode_arrays,
)
from vjepa_ros.recordings.joint_columns import JOINT_POSITIONS, episode_states, read_state_arrays
from vjepa_ros.recordings.lazy_actions import LazyActions, given_actions
from vjepa_ros.robot.state_ranges import states_problem

DEFAULT_RATE_HZ = 4.0  # DROID's frame rate, which V-JEPA 2-AC was trained at


# The arrays of numbers, and what each should be.
NUMBER_ARRAYS = {"states": "[T, 7]", "actions": "[T-1, 7]", "timestamps": "[T] in seconds",
                 JOINT_POSITIONS: "[T, 7] or [T, 9]"}



def actions_from_states(states: np.ndarray) -> np.ndarray:
    """Return actions [T-1, 7] float32: state_{t+1} ⊖ state_t for states [T, 7].

    torch is imported here, on the first call, not with this module: readers that only look
    at a recording (``vjepa-ros inspect``) stay torch-free.
    """
    import torch

    from vjepa_ros.planning.pose import state_difference

    states = torch.from_numpy(np.asarray(states, dtype=np.float64))
    return state_difference(states[:-1], states[1:]).numpy().astype(np.float32)


@dataclasses.dataclass
class Episode:
    frames: np.ndarray  # [T, H, W, 3] uint8 RGB
    states: np.ndarray  # [T, 7] float32
    # [T-1, 7] float32; None: computed from the states when first read (lazy_actions: torch
    # then, so an episode only looked at, vjepa-ros inspect, never imports it)
    actions: np.ndarray | None = LazyActions()
    timestamps: np.ndarray  # [T] float64, seconds, never going back (a repeat: one moment)
    metadata: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.frames = check_episode_frames(self.frames)
        self.states = np.asarray(self.states, dtype=np.float32)
        given = given_actions(self)  # None: computed when read, from checked states
        self.timestamps = np.asarray(self.timestamps, dtype=np.float64)
        count = len(self.frames)
        if count < 1:
            raise ValueError("an episode needs at least one frame")
        expected = {
            "states": (self.states, (count, 7)),
            **({} if given is None else {"actions": (given, (count - 1, 7))}),
            "timestamps": (self.timestamps, (count,)),
        }
        for name, (array, shape) in expected.items():
            if array.shape != shape:
                raise ValueError(
                    f"episode {name} must have shape {list(shape)} for {count} frames, "
                    f"got {list(array.shape)}"
                )
            if not np.isfinite(array).all():
                raise ValueError(f"episode {name} contain NaN or inf")
        problem = states_problem(self.states)  # closedness in [0, 1], within reach
        if problem:
            raise ValueError(f"episode {problem}")
        if count > 1 and np.any(np.diff(self.timestamps) < 0):  # a repeat: one moment
            raise ValueError("episode timestamps must increase (or repeat), never go back")

    @classmethod
    def from_states(cls, frames, states, timestamps, metadata: dict | None = None) -> Episode:
        """Build an episode whose actions come from consecutive states (on first read)."""
        states = np.asarray(states, dtype=np.float32)
        return cls(frames, states, None, timestamps, dict(metadata or {}))

    def __len__(self) -> int:
        return len(self.frames)

    def save(self, path: str | Path) -> Path:
        """Write the episode to ``path`` (``.npz``, compressed, atomically); return the path."""
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as partial, open(partial, "wb") as file:  # never half written
            np.savez_compressed(
                file,
                observations=self.frames[None],
                states=self.states[None],
                actions=self.actions[None],
                timestamps=self.timestamps[None],
                metadata=np.array(json.dumps(self.metadata)),
            )
        return path

    @classmethod
    def load(cls, path: str | Path, notes: list[str] | None = None,
             rate_hz: float | None = None, tcp=None) -> Episode:
        """Read an episode file (this layout, or the published example's).

        ``notes``: for a reader that does not use the metadata: a metadata array that cannot
        be read becomes a note there (the episode's metadata is then empty) instead of an error.
        ``rate_hz``: the rate [Hz] a file without ``timestamps`` is taken as recorded at, said
        in ``notes`` (:func:`file_timestamps`; None: 4 Hz, DROID's, without a note).
        ``tcp``: (tcp_xyz [m], tcp_rpy [rad][, gripper_max_width [m]]) a ``joint_positions``
        array is read at (None: the Franka Hand's TCP and opening); states from joints, or that
        look like joints, follow :func:`~vjepa_ros.recordings.joint_columns.episode_states`
        (a note in ``notes``).

        Raises ValueError naming the file (one line) for a file that is no episode .npz
        (:func:`~vjepa_ros.recordings.episode_file.read_episode_arrays`: missing, empty, damaged, a
        folder, without observations/states), and for states that are not [T, 7], hold
        NaN/inf, a gripper closedness outside [0, 1], a position beyond the arm's reach or
        Euler angles beyond ±π (``state_ranges.states_problem``); states, actions or timestamps
        that are not numbers; timestamps that go back or are not seconds
        (``episode_file.episode_timestamps``); metadata that is not a JSON string of a mapping
        (:func:`episode_metadata`).
        """
        path = Path(path).expanduser()
        data = read_state_arrays(path, EPISODE_ARRAYS[:4])  # metadata: on its own
        for name, what in NUMBER_ARRAYS.items():
            if name in data and data[name].dtype.kind not in "biuf":
                raise ValueError(f"episode {path}: {name} must be numbers {what}, got "
                                 f"{data[name].dtype} {list(data[name].shape)}")
        try:
            metadata = episode_metadata(path)
        except ValueError as exc:
            if notes is None:
                raise
            notes.append(f"{exc}; read without it")
            metadata = {}
        try:  # the one frame check, before a 0-d array is counted (breaker37)
            frames = check_episode_frames(_unbatch(data["observations"], 4))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        states = episode_states(path, data, notes, *(tcp or (None, None)))
        problem = states_problem(states)
        if problem:
            raise ValueError(f"{path}: {problem}")
        count = len(frames)
        timestamps = file_timestamps(path, data, count, rate_hz, notes)
        try:  # the shapes' checks (__post_init__) name the file too (breaker37)
            if len(states) != count:
                raise ValueError(state_count_problem(count, len(states)))
            if "actions" in data:
                return cls(frames, states, _unbatch(data["actions"], 2), timestamps, metadata)
            return cls.from_states(frames, states, timestamps, metadata)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


def state_count_problem(frames: int, states: int) -> str:
    """Say that an episode's ``states`` must be one per frame, at its time, and how (one line).

    ``frames``, ``states``: how many the file holds (e.g. 17 frames at 4 Hz, 4001 states logged
    at the arm's 1 kHz).
    """
    faster = (" (states logged faster than the frames, e.g. at the arm's rate: resample them at "
              "the frames' timestamps, e.g. scipy's interp1d for xyz and the gripper, Slerp for "
              "the orientation, and save those [T, 7]; or give a bag of the camera and the "
              "arm's states, which is resampled as it is read)" if states > frames else "")
    return (f"{frames} frames but {states} states: give one state per frame, the state at that "
            f"frame's time (states [T, 7] for observations [T, H, W, 3]){faster}")


def file_timestamps(path: Path, data: dict, count: int, rate_hz: float | None = None,
                    notes: list[str] | None = None) -> np.ndarray:
    """Return the [T] float64 seconds of an episode file's ``count`` frames.

    ``data``: its arrays (``episode_file.read_episode_arrays``). Its ``timestamps`` checked by
    ``episode_file.episode_timestamps`` (ValueError naming the file); a file without them is
    taken as recorded at ``rate_hz`` (None: :data:`DEFAULT_RATE_HZ`), a frame every step: given
    ``rate_hz`` and ``notes``, a note there says so (once), never a rate read from timestamps
    the file does not hold.
    """
    if "timestamps" in data:
        return episode_timestamps(path, data["timestamps"], count)
    if rate_hz is not None and notes is not None:
        note = (f"{shown_path(path)}: no timestamps: its frames taken as recorded at "
                f"{rate_hz:g} Hz, the step rate (data.rate_hz), one frame a step; save "
                "timestamps [T] in seconds in it to resample it by them")
        notes += [note] if note not in notes else []
    return np.arange(count) / (DEFAULT_RATE_HZ if rate_hz is None else rate_hz)


def recorded_success(path: str | Path) -> bool | None:
    """Return the task outcome an episode file records (metadata ``success``), None if none.

    Reads only the metadata (not the frames); None too for a file without readable metadata
    (the published example, a motion episode, a damaged or foreign file).
    """
    try:
        metadata = episode_metadata(path)
    except ValueError:
        return None
    success = metadata.get("success")
    return success if isinstance(success, bool) else None


def episode_metadata(path: str | Path) -> dict:
    """Return the metadata mapping an episode file holds ({} when it has none).

    Raises ValueError (one line naming the file and the array) for a file
    :func:`~vjepa_ros.recordings.episode_file.read_episode_arrays` refuses, and for metadata that
    is not a JSON string of a mapping (``np.array(json.dumps({...}))``), e.g. plain text or a
    pickled dict.
    """
    data = read_episode_arrays(path, names=("metadata",), required=())
    if "metadata" not in data:
        return {}
    array = data["metadata"]
    text = str(array) if array.ndim == 0 else None
    try:
        metadata = json.loads(text) if text is not None else None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        shown = repr(text[:40]) if text is not None else f"{array.dtype} {list(array.shape)}"
        raise ValueError(f"episode {path}: metadata must be a JSON string of a mapping "
                         f"(np.array(json.dumps({{...}}))), got {shown}")
    return metadata


def _unbatch(array: np.ndarray, ndim: int) -> np.ndarray:
    """Drop the leading batch axis of 1 that the published layout has."""
    return array[0] if array.ndim == ndim + 1 and array.shape[0] == 1 else array
