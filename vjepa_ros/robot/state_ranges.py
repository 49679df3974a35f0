"""The physical range of a Franka's measured state: joint limits, finger travel, reach, closedness.

A recording in the wrong units passes every shape and NaN check and gives wrong results with no
warning: arm joints in degrees put the forward-kinematics pose anywhere (20-38 cm per 0.25 s
step), finger joints in millimetres read as a closed gripper clipped to "open", a pose in
millimetres lies metres from the arm, Euler angles in degrees lie beyond ±π. These checks refuse
such values; each returns "" when all is well, else one line naming the joint (or step) and
value and what to do. They serve the one
joint-state reader (:mod:`vjepa_ros.robot.joint_states`: planner node, eval, train, camera
check), measured poses (:func:`vjepa_ros.robot.kinematics.pose_to_state`) and episode files.

Arm joint limits [rad]: the union of Franka's published limits of the Panda ("Robot and interface
specifications", Franka Control Interface docs; also the simulator's, ``sim/panda.py``) and of
the FR3 (FR3 product manual, "Technical data"): the two arms differ by up to 0.6 rad (joint 6).
The tolerance, :data:`JOINT_TOLERANCE_RAD`, also covers pybullet's URDF limits (0.07 rad wider)
and encoder noise at a limit.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.message_words import message_words
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH
from vjepa_ros.state_limits import (
    CLOSEDNESS_TOLERANCE,
    ONE_TURN_RAD,
    closedness_problem,
    first_outside,
    reach_problem,
)

# Rows: joint 1..7, columns: lower, upper [rad].
PANDA_JOINT_LIMITS = np.array([
    [-2.8973, 2.8973], [-1.7628, 1.7628], [-2.8973, 2.8973], [-3.0718, -0.0698],
    [-2.8973, 2.8973], [-0.0175, 3.7525], [-2.8973, 2.8973],
])
FR3_JOINT_LIMITS = np.array([
    [-2.7437, 2.7437], [-1.7837, 1.7837], [-2.9007, 2.9007], [-3.0421, -0.1518],
    [-2.8065, 2.8065], [0.5445, 4.5169], [-3.0159, 3.0159],
])
FRANKA_JOINT_LIMITS = np.stack([np.minimum(PANDA_JOINT_LIMITS[:, 0], FR3_JOINT_LIMITS[:, 0]),
                                np.maximum(PANDA_JOINT_LIMITS[:, 1], FR3_JOINT_LIMITS[:, 1])], 1)
JOINT_TOLERANCE_RAD = 0.1
FINGER_MAX_M = FRANKA_HAND_MAX_WIDTH / 2  # 0.04 m: each finger 0..0.04 m from the centre
FINGER_TOLERANCE_M = 0.005
# [m/s] no arm's TCP moves faster (Franka: 1.7 m/s, its Cartesian velocity limit): a measured pose
# that moved faster between two robot states is a glitch, not motion (``inputs.InputBuffer``)
MAX_TCP_SPEED_M_S = 3.0
TCP_JUMP_SLACK_M = 0.01  # [m] allowed besides, for two states stamped (nearly) at once
# [rad/s] no arm's TCP turns faster (Franka: 2.5 rad/s, its Cartesian rotational velocity limit):
# a recorded orientation that turned faster and straight back is a glitch (recordings.stray_states)
MAX_TCP_ANGULAR_SPEED_RAD_S = 5.0
ORIENTATION_JUMP_SLACK_RAD = 0.05  # [rad] allowed besides


def moved_faster_than_an_arm(moved_m: float, interval_s: float) -> bool:
    """Whether the TCP moving ``moved_m`` [m] in ``interval_s`` [s] is beyond any arm's speed.

    Above :data:`MAX_TCP_SPEED_M_S` over the interval plus :data:`TCP_JUMP_SLACK_M`: a jump,
    not motion (``jump_watch.JumpWatch``; ``frame_pairing.state_between``: no way between).
    """
    return moved_m > MAX_TCP_SPEED_M_S * interval_s + TCP_JUMP_SLACK_M


def turned_faster_than_an_arm(turned_rad: float, interval_s: float) -> bool:
    """Whether the hand turning ``turned_rad`` [rad] in ``interval_s`` [s] is beyond any arm's.

    Above :data:`MAX_TCP_ANGULAR_SPEED_RAD_S` over the interval plus
    :data:`ORIENTATION_JUMP_SLACK_RAD` (as :func:`moved_faster_than_an_arm`).
    """
    return turned_rad > MAX_TCP_ANGULAR_SPEED_RAD_S * interval_s + ORIENTATION_JUMP_SLACK_RAD
# [m/s², rad/s²] no Franka's TCP accelerates faster (its Cartesian limits, Franka's datasheet): a
# pose that left the arm's own motion faster is a jump even under the speed limit (a wall-stamped
# simulator's ~/reset 11.5 cm in 55 ms from rest: breaker41f)
MAX_TCP_ACCEL_M_S2 = 13.0
MAX_TCP_ANGULAR_ACCEL_RAD_S2 = 25.0
# [1/s] no hand's closedness changes faster (the Franka Hand: 0.1 m/s of its 0.08 m, 1.25 /s; 4x
# for faster hands and the simulator's): a closedness that did and came straight back is a glitch
MAX_CLOSEDNESS_RATE_PER_S = 5.0
CLOSEDNESS_JUMP_SLACK = 0.2  # allowed besides (a finger message rounded, a hand settling)
# The orientation of a state (columns 3:6, extrinsic xyz Euler angles, ``planning.pose``) lies in
# [-π, π] (the pitch in [-π/2, π/2]); degrees given as radians lie far beyond for any pose away
# from the zero rotation (a Franka pointing down has a roll near ±π: ±180 in degrees).
EULER_TOLERANCE_RAD = 0.01
# How far from 1 the norm of a pose message's quaternion may be: the simulator's target_pose
# and goal_pose (``sim.sim.quaternion_to_matrix``) and the planner's measured current_pose
# (``kinematics.pose_to_state``) alike. A float32 round trip of a unit quaternion is off by
# ~1e-7, a float64 one (the planner's, scipy) by ~1e-16; tf2 refuses |q|^2 off 1 by 0.01 (|q| by
# ~0.005): 1e-3 is 1e4x float32's error and stricter than tf2. Off by more: a sender that did not
# normalise, a half-filled or zeroed message (whose orientation is then a guess).
QUATERNION_NORM_TOLERANCE = 1e-3


def arm_joint_problem(names, positions) -> str:
    """Say which arm joint lies outside the Franka's limits ("" when none does).

    ``names``: the 7 joint names (joint1..7); ``positions`` [7] rad. Degrees given as radians
    fail here for any pose away from the zero pose.
    """
    positions = np.asarray(positions, dtype=np.float64)
    lower, upper = FRANKA_JOINT_LIMITS.T
    i = first_outside(positions, lower, upper, JOINT_TOLERANCE_RAD)
    if i is None:
        return ""
    return (f"{names[i]} = {positions[i]:g} is outside the Franka's joint range "
            f"{lower[i]:g}..{upper[i]:g} rad (Panda and FR3 limits): joint positions must be in "
            "radians (recorded in degrees?)")


def finger_problem(names, positions) -> str:
    """Say which finger joint lies outside the Franka Hand's 0..0.04 m ("" when none does).

    ``names`` and ``positions`` [m] of the finger joints. Millimetres given as metres fail here
    (said so); a negative one is no unit's (another gripper, a sign flipped: said so).
    """
    positions = np.asarray(positions, dtype=np.float64)
    i = first_outside(positions, 0.0, FINGER_MAX_M, FINGER_TOLERANCE_M)
    if i is None:
        return ""
    cause = ("a finger's position is its distance from the hand's centre, never negative "
             "(another gripper's joint, a sign flipped, or a driver's offset?)"
             if positions[i] < 0 else
             "finger positions must be in metres (recorded in millimetres?)")
    return (f"{names[i]} = {positions[i]:g} is outside the Franka Hand's finger range "
            f"0..{FINGER_MAX_M:g} m: {cause}")


def quaternion_norm_problem(quat_xyzw, what: str = "message",
                            subject: str = "orientation quaternion") -> str:
    """Say which quaternion [..., 4] (x, y, z, w) is not of unit norm ("" when none).

    Not unit: a norm off 1 by more than :data:`QUATERNION_NORM_TOLERANCE` (zero included).
    For several quaternions the first one off is named as in
    :func:`vjepa_ros.state_limits.reach_problem`. The line
    reads ``<subject> has norm N, not 1 within ...`` (the simulator's refusals match it).
    """
    quat = np.asarray(quat_xyzw, dtype=np.float64)
    with np.errstate(over="ignore"):  # a norm of inf (1e200 components) is off too
        norm = np.linalg.norm(quat.reshape(-1, 4), axis=-1)
    bad = np.flatnonzero(~(np.abs(norm - 1.0) <= QUATERNION_NORM_TOLERANCE))
    if not len(bad):
        return ""
    i = int(bad[0])
    label = message_words(i) if what == "message" else f"{what} {i}"
    where = f"{label}: " if quat.ndim > 1 else ""
    return (f"{where}{subject} has norm {norm[i]:.6g}, not 1 within "
            f"{QUATERNION_NORM_TOLERANCE:g}: not normalised; send (x, y, z, w) / |q|")


def states_problem(states) -> str:
    """Say what is wrong with end-effector states [T, 7] of an episode ("" when nothing).

    Checks the shape, NaN/inf, a quaternion in columns 3:7 (:func:`quaternion_columns_problem`),
    the gripper closedness (column 6, within [0, 1]), the reach
    (:func:`vjepa_ros.state_limits.reach_problem`) and the Euler angles (columns 3:6, within
    ±π rad by :data:`EULER_TOLERANCE_RAD`).
    """
    states = np.asarray(states)
    if states.ndim != 2 or states.shape[1] != 7:
        return (f"states must be [T, 7] (xyz, extrinsic xyz Euler, gripper closedness), got "
                f"{list(states.shape)}")
    if states.dtype.kind not in "biuf":
        return f"states must be numbers, got {states.dtype}"
    states = states.astype(np.float64)
    finite = np.isfinite(states).all(axis=1)
    if not finite.all():
        return (f"states contain NaN or inf (step {int(np.flatnonzero(~finite)[0])}): repair "
                "that step's state, or cut the episode before it")
    return (quaternion_columns_problem(states)
            or closedness_problem(states[:, 6], "gripper closedness (states[:, 6])")
            or reach_problem(states[:, :3], "step") or euler_problem(states[:, 3:6]))


def quaternion_columns_problem(states) -> str:
    """Say when states [T, 7] (finite float) hold xyz + a quaternion, not Euler + closedness.

    The rule (one for every episode reader: ``bag-from-npz``, ``train``): columns 3:7 have unit
    norm within :data:`QUATERNION_NORM_TOLERANCE` on every row, and some row has two of them
    off 0 (a row (0, 0, 0, 1) is also zero Euler angles and a closed hand). A Franka's
    Euler angles pointing down hold a roll near ±π, so a unit norm on every row is no chance:
    the file logs its pose as (x, y, z, qx, qy, qz, qw) or w first (Eigen, MuJoCo). Refused,
    not converted: the two orders cannot be told apart from the numbers, and the closedness
    is not there at all.
    """
    rest = np.asarray(states, dtype=np.float64)[:, 3:7]
    if not len(rest):
        return ""
    norm = np.linalg.norm(rest, axis=1)
    if not (np.abs(norm - 1.0) <= QUATERNION_NORM_TOLERANCE).all() or \
            not ((np.abs(rest) > QUATERNION_NORM_TOLERANCE).sum(axis=1) >= 2).any():
        return ""
    row = ", ".join(f"{v:.3g}" for v in rest[0])
    return (f"states[:, 3:7] have unit norm on every one of the {len(rest)} rows (step 0: "
            f"{row}): an orientation quaternion (x, y, z, w or w, x, y, z), not the layout read "
            "(xyz [m], extrinsic xyz Euler angles [rad], gripper closedness 0 open..1 closed): "
            "convert the quaternion (scipy Rotation.from_quat(q, scalar_first=...)"
            ".as_euler('xyz')) and give the closedness as column 6")


# A gripper column (states[:, 6]) never past the Franka Hand's full opening in metres
# (FRANKA_HAND_MAX_WIDTH plus the finger tolerance), opening to at least OPEN_WIDTH_MIN_M and
# moving by more than WIDTH_MOTION_M, reads like a width [m], not closedness.
# [m] the least largest value of a width column: a scripted grasp opens only to its object plus a
# margin (the hand to 0.05 or 0.06, one finger to 0.03), not fully; a homed hand's closedness
# (1 - 0.0801 / 0.08 = -0.00125 .. 0.025 closing a little) stays below
OPEN_WIDTH_MIN_M = 0.03
WIDTH_MOTION_M = 0.01  # [m] a width column moves by more (max - min): a grasp, not noise


def gripper_width_words(gripper) -> str:
    """Say when an episode's gripper column [T] looks like the hand's width in metres ("" if not).

    The rule: every value at least 0 (within closedness's tolerance), the largest within
    :data:`OPEN_WIDTH_MIN_M` .. 0.085 (0.03 .. 0.085: a hand or one finger opened to an object
    plus a margin, or fully) and the column moving by more than :data:`WIDTH_MOTION_M` (0.01,
    max − min). A width (0.08 open) or one finger's position (0.04 open) in metres passes every
    range check of closedness (0 open, 1 closed) and trains an inverted hand 12.5x too small. Not
    flagged: a held value (0.0, 1.0, 0.5: no motion to judge), any value above 0.085 (a hand that
    closed past it), a closedness whose largest is under 0.03 (a homed hand's
    1 − 0.0801/0.08 = −0.00125 .. 0.025). Flagged though right: a real closedness that closes to
    0.03 .. 0.085 and no further (a hand barely closing on an object): the words say so.
    """
    gripper = np.asarray(gripper, dtype=np.float64)
    if not len(gripper) or not np.isfinite(gripper).all():
        return ""
    low, high = float(gripper.min()), float(gripper.max())
    top = FRANKA_HAND_MAX_WIDTH + FINGER_TOLERANCE_M
    if low < -CLOSEDNESS_TOLERANCE or high - low <= WIDTH_MOTION_M \
            or not OPEN_WIDTH_MIN_M <= high <= top:
        return ""
    first, last = float(gripper[0]), float(gripper[-1])
    return (f"gripper states[:, 6] stays within 0..{top:g} and moves "
            f"({first:.3g} at the first step, {last:.3g} at the last): it reads like the hand's "
            f"width in metres (the Franka Hand opens {FRANKA_HAND_MAX_WIDTH:g} m, a finger "
            f"{FINGER_MAX_M:g} m), not closedness (0 open, 1 closed), which trains an inverted "
            "hand 12x too small; if so, save closedness = 1 - width / "
            f"{FRANKA_HAND_MAX_WIDTH:g} (one finger's position: 1 - pos / {FINGER_MAX_M:g}); a "
            f"real closedness that never passes {top:g} (a hand barely closing) reads the same: "
            "then nothing to do")


def euler_problem(angles) -> str:
    """Say whether Euler angles [T, 3] (rad, states[:, 3:6]) lie beyond ±π ("" when not).

    Names the largest angle found and its step. Beyond one turn (±2π) the angles are read as
    degrees (or unwrapped past a turn); within it as unwrapped radians (the same rotation, but
    the predictor takes the angles as numbers and was trained on them in [−π, π]: wrap them).
    """
    angles = np.asarray(angles, dtype=np.float64)
    i = first_outside(angles.reshape(-1), -np.pi, np.pi, EULER_TOLERANCE_RAD)
    if i is None:
        return ""
    step, column = np.unravel_index(int(np.argmax(np.abs(angles))), angles.shape)
    largest = angles[step, column]
    advice = ("angles in degrees? give radians in [−π, π] (or wrap angles unwrapped past a turn)"
              if abs(largest) > ONE_TURN_RAD
              else "unwrapped angles? wrap them into [−π, π] (the model takes them as numbers)")
    return (f"orientation (states[:, 3:6], extrinsic xyz Euler) beyond ±π rad: largest "
            f"{largest:g} at step {step} (states[{step}, {3 + column}]): {advice}")


def arm_unread(arm) -> np.ndarray | bool:
    """Whether arm joint positions [..., 7] rad are no reading of the arm: every joint exactly 0.

    A driver (franka_ros2's joint state broadcaster, a simulator's bridge) publishes all zeros
    before its first reading of the arm; no Franka stands there (joint 4's range ends at
    -0.0698 rad, short of 0: the zero pose is within :data:`JOINT_TOLERANCE_RAD` of it, so the
    range check passes it). Such a message is left out, whatever the stream's rate: the offline
    readers (``robot.joint_states.read_series``: eval, train, camera-check) count it in a note;
    the planner node can drop it as it drops a message it cannot use (as no reading yet). True
    for each row of zeros (a bool for one [7]).
    """
    arm = np.asarray(arm, dtype=np.float64)
    unread = np.all(arm == 0.0, axis=-1)
    return bool(unread) if unread.ndim == 0 else unread
