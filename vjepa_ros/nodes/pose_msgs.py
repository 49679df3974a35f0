"""geometry_msgs/Pose and header stamps <-> the 7-D state, for the nodes (no rclpy import here).

The functions take message objects (or anything with the same fields), so they run without ROS.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.robot.kinematics import pose_to_state, state_to_pose
from vjepa_ros.start_forms import restart_planner_with


def stamp_seconds(stamp) -> float:
    """Seconds of a ``builtin_interfaces/Time`` (``sec`` + ``nanosec``)."""
    return stamp.sec + stamp.nanosec * 1e-9


def set_stamp(stamp, seconds: float):
    """Fill a ``builtin_interfaces/Time`` with ``seconds`` (rounded to the nanosecond); return it.

    The inverse of :func:`stamp_seconds` (a float64 keeps ~0.2 µs at today's epoch seconds). The
    whole seconds are split off first (exact), so the fraction is not rounded twice.
    """
    whole = math.floor(seconds)
    nanoseconds = round((seconds - whole) * 1e9)
    carry, stamp.nanosec = divmod(nanoseconds, 1_000_000_000)
    stamp.sec = int(whole) + carry
    return stamp


def state_from_pose(pose, gripper: float) -> np.ndarray:
    """7-D state of a ``geometry_msgs/Pose``; ``StateError`` on NaN/inf or a non-unit quaternion.

    Non-unit: zero, or a norm off 1 by more than ``state_ranges.QUATERNION_NORM_TOLERANCE`` (the
    simulator's too): refused, never normalised silently (``kinematics.pose_to_state``).
    """
    p, q = pose.position, pose.orientation
    return pose_to_state([p.x, p.y, p.z], [q.x, q.y, q.z, q.w], gripper)


def set_pose(pose, state, near=None) -> np.ndarray:
    """Write the position and orientation of a 7-D state into a ``geometry_msgs/Pose``.

    Returns the quaternion written, float64 [4] (x, y, z, w). ``near`` [4]: a quaternion whose
    hemisphere the written one keeps (q·near ≥ 0; −q is the same rotation), e.g. the one
    published before; None: scipy's canonical one (w ≥ 0).
    """
    xyz, quat = state_to_pose(state)
    quat = np.asarray(quat, dtype=np.float64)
    if near is not None and float(np.dot(quat, near)) < 0:
        quat = -quat
    p, q = pose.position, pose.orientation
    p.x, p.y, p.z = (float(v) for v in xyz)
    q.x, q.y, q.z, q.w = (float(v) for v in quat)
    return quat


@functools.lru_cache(maxsize=64)  # per refused pose (up to 1 kHz): the advice reads YAML
def frame_problem(topic: str, frame_id: str, base_frame: str) -> str | None:
    """Compare a pose's ``header.frame_id`` with the base frame (``vjepa_ros.robot.base_frame``).

    Returns "" when they match, None when ``frame_id`` is empty (callers take the pose as in the
    base frame and say so once), else the refusal: topic, frame received, frame expected, fix.
    No transform is looked up: a pose in another frame is refused, never silently re-used.
    Cached (the last 64 argument triples): the refusal's restart advice reads its value back as
    YAML (``ros_values.shell_arg_value``), ~20 us a call against ~0.1 us from the cache.
    """
    matches = frame_matches(frame_id, base_frame)
    if matches is None:
        return None
    if matches:
        return ""
    return (f"{topic} is in frame '{frame_id}' but the planner works in '{base_frame}': "
            f"refusing it (nothing is commanded); publish it in {base_frame}, or, if "
            f"'{frame_id}' is the arm's base frame, "
            f"{restart_planner_with('robot.base_frame', frame_id.lstrip('/'))}")
