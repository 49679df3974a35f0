"""ROS messages of a recording <-> numpy, through the ``rosbags`` type store (no ROS install).

The message objects here are ``rosbags`` dataclasses; they carry the same attribute names as the
rclpy ones, so :func:`vjepa_ros.images.decode_image_message` (the one image decoder) reads them
directly. A state is the 7-vector of V-JEPA 2-AC: xyz [m], extrinsic "xyz" Euler angles [rad],
gripper closedness in [0, 1].
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from vjepa_ros.images import encode_compressed, rgb_to_image_fields
from vjepa_ros.robot.kinematics import state_to_pose

IMAGE = "sensor_msgs/msg/Image"
COMPRESSED_IMAGE = "sensor_msgs/msg/CompressedImage"
JOINT_STATE = "sensor_msgs/msg/JointState"
POSE_STAMPED = "geometry_msgs/msg/PoseStamped"
POSE_WITH_COVARIANCE_STAMPED = "geometry_msgs/msg/PoseWithCovarianceStamped"
IMAGE_TYPES = (IMAGE, COMPRESSED_IMAGE)
POSE_TYPES = (POSE_STAMPED, POSE_WITH_COVARIANCE_STAMPED)



@lru_cache(maxsize=1)
def typestore():
    """Return the ``rosbags`` type store that (de)serializes messages: ROS 2 Humble types.

    Humble is the oldest distro this package supports; the standard messages read here (images,
    joint states, poses) have the same definitions in every distro since.
    """
    from rosbags.typesys import Stores, get_typestore

    return get_typestore(Stores.ROS2_HUMBLE)


def frame_is_empty(raw, msgtype: str) -> bool:
    """Whether a serialized Image (0 rows or columns) or CompressedImage (no data) is empty.

    Read from the CDR bytes without decoding the pixels (a camera driver warming up sends
    such frames); False for bytes too short to tell (their decoding then says what is wrong).
    """
    import struct

    data = memoryview(raw)
    if len(data) < 16 or data[1] not in (0, 1):
        return False
    endian = "<" if data[1] == 1 else ">"

    def string_end(at: int) -> int:  # after a CDR string at ``at``, aligned to 4 (origin 4)
        (length,) = struct.unpack_from(endian + "I", data, at)
        end = at + 4 + length
        return end + (-(end - 4)) % 4

    try:
        at = string_end(12)  # encapsulation 4, stamp 8, then frame_id
        if msgtype == COMPRESSED_IMAGE:
            (count,) = struct.unpack_from(endian + "I", data, string_end(at))
            return count == 0
        height, width = struct.unpack_from(endian + "II", data, at)
    except struct.error:
        return False
    return height == 0 or width == 0


def stamp_ns(header) -> int:
    """Nanoseconds of a ``std_msgs/Header`` stamp."""
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


def make_header(time_ns: int, frame_id: str):
    store = typestore()
    time_cls = store.types["builtin_interfaces/msg/Time"]
    header_cls = store.types["std_msgs/msg/Header"]
    sec, nanosec = divmod(int(time_ns), 1_000_000_000)
    return header_cls(stamp=time_cls(sec=sec, nanosec=nanosec), frame_id=frame_id)


# -- images


def image_message(rgb: np.ndarray, time_ns: int, frame_id: str, encoding: str = "rgb8"):
    """Build a ``sensor_msgs/Image`` holding ``rgb`` ``[H, W, 3]`` as rgb8 or bgr8."""
    fields = rgb_to_image_fields(rgb, encoding)
    fields["data"] = np.frombuffer(fields["data"], dtype=np.uint8)
    return typestore().types[IMAGE](header=make_header(time_ns, frame_id), **fields)


def compressed_image_message(rgb: np.ndarray, time_ns: int, frame_id: str, fmt: str = "jpeg",
                             jpeg_quality: int = 90):
    """Build a ``sensor_msgs/CompressedImage`` of ``rgb`` as JPEG or PNG (lossless)."""
    fmt_string, data = encode_compressed(rgb, fmt, jpeg_quality)
    return typestore().types[COMPRESSED_IMAGE](
        header=make_header(time_ns, frame_id), format=fmt_string, data=data)


# -- poses


def pose_from_message(msg, msgtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Return position [3], quaternion [4] (x, y, z, w) of a PoseStamped (WithCovariance)."""
    pose = msg.pose.pose if msgtype == POSE_WITH_COVARIANCE_STAMPED else msg.pose
    p, q = pose.position, pose.orientation
    return np.array([p.x, p.y, p.z]), np.array([q.x, q.y, q.z, q.w])


def pose_message(state: np.ndarray, time_ns: int, frame_id: str):
    """Build a ``geometry_msgs/PoseStamped`` of the end-effector pose of ``state`` [7]."""
    store = typestore()
    state = np.asarray(state, dtype=np.float64)
    _, (x, y, z, w) = state_to_pose(state)
    pose = store.types["geometry_msgs/msg/Pose"](
        position=store.types["geometry_msgs/msg/Point"](x=state[0], y=state[1], z=state[2]),
        orientation=store.types["geometry_msgs/msg/Quaternion"](x=x, y=y, z=z, w=w),
    )
    return store.types[POSE_STAMPED](header=make_header(time_ns, frame_id), pose=pose)


# -- joint states (read by vjepa_ros.robot.joint_states)


def joint_state_message(names, positions, time_ns: int, velocities=None, efforts=None):
    """Build a ``sensor_msgs/JointState`` with these joints (velocities and efforts optional)."""
    positions = np.asarray(positions, dtype=np.float64)
    empty = np.zeros(0, dtype=np.float64)
    return typestore().types[JOINT_STATE](
        header=make_header(time_ns, ""), name=[str(n) for n in names], position=positions,
        velocity=empty if velocities is None else np.asarray(velocities, dtype=np.float64),
        effort=empty if efforts is None else np.asarray(efforts, dtype=np.float64),
    )
