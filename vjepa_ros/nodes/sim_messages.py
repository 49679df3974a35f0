"""The simulator node's messages: joint states, the TCP pose, camera images and camera_info.

Built from :class:`vjepa_ros.sim.Sim` readings (``nodes/sim_node.py`` publishes them, each
tick's with one stamp): ``joint_states`` (panda_joint1..7, panda_finger_joint1/2; positions
[rad, m], velocities, efforts), ``current_pose`` (the TCP in the base frame [m], xyzw
quaternion), rgb8 images and a pinhole ``camera_info`` (no distortion).
"""

from __future__ import annotations

from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import CameraInfo, Image, JointState

from vjepa_ros.images import rgb_to_image_fields


def joint_state_message(sim, stamp: Time) -> JointState:
    """Return the arm's and fingers' joint states stamped ``stamp``."""
    names, positions, velocities, efforts = sim.joint_states()
    msg = JointState(name=list(names), position=positions.tolist(),
                     velocity=velocities.tolist(), effort=efforts.tolist())
    msg.header.stamp = stamp
    return msg


def tcp_pose_message(sim, stamp: Time, base_frame: str) -> PoseStamped:
    """Return the TCP pose in ``base_frame`` [m, xyzw quaternion] stamped ``stamp``."""
    position, _ = sim.ee_pose()
    pose = PoseStamped()
    pose.header.stamp, pose.header.frame_id = stamp, base_frame
    pose.pose.position.x, pose.pose.position.y, pose.pose.position.z = position.tolist()
    o = pose.pose.orientation
    o.x, o.y, o.z, o.w = sim.ee_quaternion().tolist()
    return pose


def image_message(rgb, stamp: Time, frame_id: str) -> Image:
    """Return an rgb8 image [H, W, 3] uint8 stamped ``stamp`` in ``frame_id``."""
    image = Image(**rgb_to_image_fields(rgb))
    image.header.stamp, image.header.frame_id = stamp, frame_id
    return image


def camera_info_message(camera, frame_id: str) -> CameraInfo:
    """Return the simulated camera's pinhole ``CameraInfo`` (plumb_bob, no distortion).

    ``camera``: the simulator's camera (``width``, ``height``, ``intrinsics`` K [3, 3] in px);
    R is the identity, P is K with a zero fourth column (a monocular camera, ROS's layout).
    """
    k = camera.intrinsics
    info = CameraInfo(width=camera.width, height=camera.height, distortion_model="plumb_bob")
    info.header.frame_id = frame_id
    info.d = [0.0] * 5
    info.k = k.reshape(-1).tolist()
    info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    info.p = [k[0, 0], 0.0, k[0, 2], 0.0, 0.0, k[1, 1], k[1, 2], 0.0, 0.0, 0.0, 1.0, 0.0]
    return info
