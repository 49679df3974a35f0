"""An ``.npz`` episode's arm state from its joint positions, and states that look like joints.

The one rule of every reader of ``.npz`` episodes' states (``Episode.load``: train and eval;
``example_episode.load_example``: ``demo --episode``, ``bag-from-npz``):

* ``joint_positions`` [T, 7] rad (Franka arm joints 1..7), or [T, 9] with the two finger
  positions [m] (franka_description's ``finger_joint1/2``): the states are the joints' forward
  kinematics at the run's TCP (``kinematics.FrankaKinematics.ee_pose``, the function joint-state
  bags are labelled with: ``bag_arm_states.default_joints_to_pose``), the closedness that of the
  fingers (``joint_states.closedness_from_fingers``), else the ``states`` array's last column.
  With ``states`` beside them, the two must agree (:data:`AGREE_M`, :data:`AGREE_RAD`; with
  the fingers, the closedness too: :data:`AGREE_CLOSEDNESS`), and hold finite numbers.
* ``states`` 9 wide (7 joints + 2 fingers): refused, naming ``joint_positions``.
* ``states`` 7 wide that read as joint positions (:func:`joint_like_note`): a note, never a
  refusal (a pose can lie inside every joint's range: ``test_npz_pose_states.py``).
* ``states`` or ``joint_positions`` saved as float16: read as they are, with a note
  (:func:`float16_note`: the precision float16 keeps), grouped over a run's episodes by
  ``train.npz_episode.grouped_rate_notes``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.path_text import shown_path

JOINT_POSITIONS = "joint_positions"
# [m], [rad]: how far a file's states may lie from its joints' forward kinematics at the TCP
# (float32 storage, a driver's pose a tick apart); farther: another point, frame or recording.
AGREE_M = 0.005
AGREE_RAD = 0.02
# [1] how far the states' closedness may lie from the fingers' in joint_positions [T, 9]: 4 mm of
# an 80 mm hand (the fingers a driver's tick apart at 0.1 m/s; a hand homed 1 mm narrower)
AGREE_CLOSEDNESS = 0.05
# Signs that a 7-wide ``states`` array holds joint positions (measured: docs/training-data.md).
# The hand read as a pose tilts this far [rad] from pointing down (median over the frames): a
# Franka's ready pose read as a pose tilts 45 deg (joint 4 -2.356 read as the roll), a working
# hand points down within 45 deg.
JOINT_LIKE_TILT_RAD = np.deg2rad(50.0)
# The "z" column (joint 3, kept near 0 by most teleoperation) never above this [m]: a working
# TCP rises above the table at some frame.
JOINT_LIKE_Z_MAX_M = 0.05
# The "closedness" column (joint 7) strictly inside (0, 1) by this margin and changing at least
# this much [1/step] at most steps: a wrist turning, not a hand open, closed or holding.
CLOSEDNESS_MARGIN = 0.02
CLOSEDNESS_STEP = 1e-3
FLOAT16_WORDS = ": float16 "  # what a float16 note says after the path (grouped over episodes)


def read_state_arrays(path: str | Path, names) -> dict[str, np.ndarray]:
    """Read ``names`` and ``joint_positions`` of an episode file with states or joints.

    ``episode_file.read_episode_arrays``'s refusals; a file with neither ``states`` nor
    ``joint_positions`` (or no ``observations``) is refused as one without them is (naming the
    arrays it has).
    """
    from vjepa_ros.recordings.episode_file import read_episode_arrays

    data = read_episode_arrays(path, names=(*names, JOINT_POSITIONS), required=())
    if "observations" not in data or ("states" not in data and JOINT_POSITIONS not in data):
        read_episode_arrays(path, names=())  # its refusal: missing [...] (has [...])
    return data


def float16_note(path: str | Path, data: dict) -> str:
    """Return a note when the file's ``states`` / ``joint_positions`` are float16 ("" if not).

    float16 keeps 11 significant bits (IEEE 754 half precision): a position near 1 m is rounded
    to within about 0.5 mm (its spacing in [1, 2) m is 2**-10 m), an angle near 3 rad to about
    1 mrad (2**-9 rad in [2, 4)). Read as they are: the note says what was lost and how to keep
    it. Its words after the path are alike for every such episode (:data:`FLOAT16_WORDS`), so a
    run of many says it once (``train.npz_episode.grouped_rate_notes``).
    """
    names = [name for name in ("states", JOINT_POSITIONS)
             if name in data and np.asarray(data[name]).dtype == np.float16]
    if not names:
        return ""
    return (f"{shown_path(path)}{FLOAT16_WORDS}{' and '.join(names)}: float16 keeps 11 "
            "significant bits, so positions near 1 m are rounded to about 0.5 mm and angles near "
            "3 rad to about 1 mrad; read as saved (save them as float32 to keep the recorded "
            "precision)")


def _unbatch(array: np.ndarray, ndim: int) -> np.ndarray:
    return array[0] if array.ndim == ndim + 1 and array.shape[0] == 1 else array


def episode_states(path: str | Path, data: dict, notes: list[str] | None = None,
                   tcp_xyz=None, tcp_rpy=None, max_width: float | None = None) -> np.ndarray:
    """Return an episode file's states [T, 7] (float64 when from joints) from its arrays.

    ``data``: its arrays (``episode_file.read_episode_arrays``, ``states`` and / or
    ``joint_positions``, [T, ...] or [1, T, ...]); ``tcp_xyz`` [m] / ``tcp_rpy`` [rad]: the
    point the joints are read at (None: the Franka Hand's TCP, ``robot.tcp_xyz``'s default);
    ``max_width`` [m]: the hand's opening (None: the Franka Hand's 0.08). ``notes`` receives
    :func:`joint_like_note`. Returns the ``states`` array as it is when there are no joints
    (its shape and values checked by the caller). Raises ValueError, one line naming the file:
    ``states`` 9 wide; ``joint_positions`` not [T, 7] / [T, 9] finite numbers in the Franka's
    ranges (radians, metres); joints 7 wide without ``states`` (no closedness); ``states``
    beside them holding NaN or inf; ``states`` and ``joint_positions`` that disagree (naming
    the frame and the distance; with the fingers [T, 9], the closedness too, naming the
    columns and ``max_width``). ``notes`` also receives :func:`float16_note`.
    """
    shown = shown_path(path)
    note = float16_note(path, data)
    if note and notes is not None and note not in notes:
        notes.append(note)
    states = _unbatch(np.asarray(data["states"]), 2) if "states" in data else None
    if JOINT_POSITIONS not in data:
        if states is not None and states.ndim == 2 and states.shape[1] == 9:
            raise ValueError(f"episode {shown}: its states [T, 9] look like joint positions "
                             "(7 arm joints + 2 fingers), not end-effector poses [T, 7]: save "
                             f"them as {JOINT_POSITIONS} (read by forward kinematics at the "
                             "TCP), or save states [T, 7] (xyz, extrinsic xyz Euler, closedness)")
        if states is not None and notes is not None and states.ndim == 2 \
                and states.shape[1] == 7 and states.dtype.kind in "biuf":
            note = joint_like_note(path, states)
            notes += [note] if note and note not in notes else []
        return states
    joints = _checked_joints(shown, _unbatch(np.asarray(data[JOINT_POSITIONS]), 2))
    from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH, closedness_from_fingers
    from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig

    robot = RobotConfig() if tcp_xyz is None else RobotConfig(tcp_xyz=list(tcp_xyz),
                                                              tcp_rpy=list(tcp_rpy))
    pose = FrankaKinematics(robot).ee_pose(joints[:, :7])
    if states is not None and (states.ndim != 2 or states.shape != (len(joints), 7)
                               or states.dtype.kind not in "biuf"):
        raise ValueError(f"episode {shown}: its states {list(states.shape)} beside "
                         f"{JOINT_POSITIONS} {list(joints.shape)} must be [T, 7], one per "
                         f"joint reading; or leave states out and save {JOINT_POSITIONS} "
                         "[T, 9] with the fingers")
    if states is not None and not np.isfinite(states).all():
        frame = int(np.flatnonzero(~np.isfinite(states).all(axis=1))[0])
        raise ValueError(f"episode {shown}: its states beside {JOINT_POSITIONS} hold NaN or inf "
                         f"(frame {frame}): save finite states, or leave them out")
    width = max_width or FRANKA_HAND_MAX_WIDTH
    fingers = closedness_from_fingers(joints[:, 7:], width) if joints.shape[1] == 9 else None
    if fingers is not None:
        closedness = fingers
    elif states is not None:
        closedness = states[:, 6].astype(np.float64)
    else:
        raise ValueError(f"episode {shown}: its {JOINT_POSITIONS} [T, 7] hold no fingers and "
                         "it has no states array: save the two finger positions [m] as "
                         f"{JOINT_POSITIONS} [T, 9], or the closedness as states [T, 7]")
    if states is not None:
        _check_agree(shown, states.astype(np.float64), pose, fingers, width)
    return np.concatenate([pose, closedness[:, None]], axis=1)


def _checked_joints(shown: str, joints: np.ndarray) -> np.ndarray:
    """Return ``joints`` [T, 7|9] float64, or raise ValueError naming the file and the column."""
    from vjepa_ros.robot.state_ranges import arm_joint_problem, finger_problem

    if joints.dtype.kind not in "biuf" or joints.ndim != 2 or joints.shape[1] not in (7, 9):
        raise ValueError(f"episode {shown}: its {JOINT_POSITIONS} ({joints.dtype} "
                         f"{list(joints.shape)}) must be numbers [T, 7] (arm joints 1..7, rad) "
                         "or [T, 9] (and the two finger positions, m)")
    joints = joints.astype(np.float64)
    if not np.isfinite(joints).all():
        raise ValueError(f"episode {shown}: its {JOINT_POSITIONS} hold NaN or inf")
    names = [f"joint{i}" for i in range(1, 8)]
    for frame, row in enumerate(joints):
        problem = arm_joint_problem(names, row[:7]) or (
            finger_problem(["finger_joint1", "finger_joint2"], row[7:]) if len(row) == 9 else "")
        if problem:
            raise ValueError(f"episode {shown}: its {JOINT_POSITIONS} at frame {frame}: "
                             f"{problem}")
    return joints


def _check_agree(shown: str, states: np.ndarray, pose: np.ndarray,
                 fingers: np.ndarray | None = None, width: float = 0.0) -> None:
    """Raise ValueError when ``states`` [T, 7] lie off the joints' pose [T, 6] at the TCP.

    With ``fingers`` (the closedness [T] of ``joint_positions``' fingers, read at ``width``
    [m]: ``data.topics.gripper_max_width``), the states' closedness must lie within
    :data:`AGREE_CLOSEDNESS` of it too. One line naming the first frame off and the columns.
    """
    from scipy.spatial.transform import Rotation

    distance = np.linalg.norm(states[:, :3] - pose[:, :3], axis=1)
    turned = (Rotation.from_euler("xyz", states[:, 3:6]).inv()
              * Rotation.from_euler("xyz", pose[:, 3:6])).magnitude()
    gap = np.zeros(len(states)) if fingers is None else np.abs(states[:, 6] - fingers)
    for off, what, advice in (
            (np.flatnonzero((distance > AGREE_M) | (turned > AGREE_RAD)), "states",
             "--tcp-xyz / --tcp-rpy of the point the states are at"),
            (np.flatnonzero(gap > AGREE_CLOSEDNESS), "states' closedness (column 6)",
             "the opening the closedness was computed with (train: "
             "data.topics.gripper_max_width)")):
        if not len(off):
            continue
        frame = int(off[0])
        how = (f"{distance[frame] * 1e3:.3g} mm, {np.rad2deg(turned[frame]):.3g} deg from the "
               "joints' forward kinematics at the TCP" if what == "states" else
               f"{states[frame, 6]:.3g} against {fingers[frame]:.3g}, the fingers (columns 7, "
               f"8) read with gripper_max_width {width:g} m")
        raise ValueError(
            f"episode {shown}: its {what} and {JOINT_POSITIONS} disagree at frame {frame} "
            f"({how}; {len(off)} of {len(states)} frames): give {advice}, or save one of the "
            "two")


def joint_like_note(path: str | Path, states: np.ndarray) -> str:
    """Return a note when 7-wide ``states`` [T, 7] read as a Franka's joint positions ("" if not).

    Every sign must agree: every value inside the Franka's joint limits read as joints
    (``state_ranges.FRANKA_JOINT_LIMITS``: joint 4 in [-3.07, -0.07], joint 6 in [-0.02, 4.52]
    ...); the orientation read as a pose tilting the hand more than :data:`JOINT_LIKE_TILT_RAD`
    from pointing down (median); and the "z" column never above :data:`JOINT_LIKE_Z_MAX_M` or
    the "closedness" column moving at most steps strictly inside (0, 1), as a turning joint 7.
    """
    from vjepa_ros.robot.state_ranges import FRANKA_JOINT_LIMITS

    states = np.asarray(states, dtype=np.float64)
    if len(states) < 2 or not np.isfinite(states).all():
        return ""
    lower, upper = FRANKA_JOINT_LIMITS.T
    if not ((states >= lower) & (states <= upper)).all():
        return ""
    roll, pitch = states[:, 3], states[:, 4]  # the hand's z axis: -z is cos(pitch) cos(roll)
    tilt = np.arccos(np.clip(-np.cos(pitch) * np.cos(roll), -1.0, 1.0))
    if not np.median(tilt) > JOINT_LIKE_TILT_RAD:
        return ""
    low = states[:, 2].max() <= JOINT_LIKE_Z_MAX_M
    last = states[:, 6]
    turning = (bool(((last > CLOSEDNESS_MARGIN) & (last < 1 - CLOSEDNESS_MARGIN)).all())
               and (np.abs(np.diff(last)) > CLOSEDNESS_STEP).mean() > 0.5)
    if not (low or turning):
        return ""
    return (f"{shown_path(path)}: its states look like a Franka's 7 joint positions, not "
            "end-effector poses (every value inside the joint limits, the hand read as a pose "
            f"tilted {np.rad2deg(np.median(tilt)):.0f} deg from pointing down, "
            + ("the 'z' never above 5 cm" if low else "the 'closedness' turning like joint 7")
            + f"): if so, save them as {JOINT_POSITIONS} (read by forward kinematics at the "
            "TCP), not states")
