"""Which topics of a rosbag2 recording hold what, and how they are timed: :class:`BagTopics`.

The camera, pose, joint-state and gripper topics a Franka lab records (all configurable), the
state source and the clock of the messages; :meth:`BagTopics.check` refuses settings outside
:data:`STATE_SOURCES` / :data:`STAMPS` or the declared ranges with a :class:`BagError`.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.config import check_values, param
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH
from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ, RobotConfig

STATE_SOURCES = ("auto", "pose", "joint_states", "none")  # none: camera only (pretraining)
STAMPS = ("header", "receive")


@dataclasses.dataclass
class BagTopics:
    image: str = param(
        "/camera/camera/color/image_raw",
        "Camera topic: sensor_msgs/Image or sensor_msgs/CompressedImage. When it is absent but "
        "'<image>/compressed' exists, that one is read. Several topics separated by spaces: "
        "each bag reads the one it holds (a bag holding two of them is refused).",
    )
    pose: str = param(
        "/franka_robot_state_broadcaster/current_pose",
        "End-effector pose topic (geometry_msgs/PoseStamped or PoseWithCovarianceStamped) in "
        "the robot base frame. Several separated by spaces: each bag reads the one it holds.",
    )
    joint_states: str = param(
        "/joint_states", "Arm joint states (sensor_msgs/JointState), used through forward "
        "kinematics when no pose topic is recorded. Any layout: Panda/FR3 names with any "
        "prefix, any order, extra joints, arm and fingers merged or in separate messages. "
        "Several separated by spaces: each bag reads the one it holds.",
    )
    joint_prefix: str = param(
        "", "Arm joint name prefix, all of the name before joint1..7 (e.g. left_fr3_; a shorter "
        "left_ reads the one arm it begins); empty: found from the names. Needed only when the "
        "bag holds two Franka arms.",
    )
    gripper: str = param(
        "", "Gripper topic (sensor_msgs/JointState with <prefix>finger_joint1/2); closedness = "
        "1 - opening / gripper_max_width. Empty: the JointState topic holding the finger "
        "joints, of several the one in the state topic's namespace (one named *gripper* "
        "first, then joint_states; two it cannot tell apart are refused). Several "
        "separated by spaces: each bag reads the one it holds.",
    )
    no_gripper: bool = param(
        False, "Read no gripper topic: closedness 0 throughout, one note (bags without gripper "
        "state: train refuses them otherwise, eval warns).",
    )
    base_frame: str = param(
        "", "Base frame of the arm: the header.frame_id the pose topic must carry (poses in "
        "another frame are refused, as the planner node refuses them); empty: the '<prefix>link0' "
        "of the arm the bag's joint names give (right_fr3_link0), or 'base' for a single arm "
        "(never another arm's link0, nor 'base' with a multi-arm prefix); no joint states: 'base' "
        "or a Franka's '<prefix>link0' (panda_link0, fr3_link0, ...).",
    )
    state_source: str = param(
        "auto", "Where end-effector states come from: auto (pose if recorded, else "
        "joint_states), pose or joint_states; none: the camera alone (pretraining, which uses "
        "no states): states 0 at the frame stamps, so frames are resampled by their own stamps.",
    )
    # The planner's robot.tcp_xyz / tcp_rpy (same meaning, same check): a joint-state bag
    # labelled at another point than the planner's state trains the model on other motions
    # (breaker52i: dx 0.040 m labelled, 0.059 m planned, for a tool 0.2 m from the flange).
    tcp_xyz: list[float] = param(
        HAND_TCP_XYZ, "Flange to end-effector (TCP) translation [m], each in [-1, 1], the "
        "point joint-state bags are labelled at through forward kinematics (as the planner's "
        "robot.tcp_xyz; default the Franka Hand TCP); give the planner's robot.tcp_xyz. Train "
        "records it in world_model.pt; a planner at another robot.tcp_xyz warns.",
    )
    tcp_rpy: list[float] = param(
        HAND_TCP_RPY, "Flange to TCP rotation as extrinsic xyz Euler angles [rad], each in "
        "[-2π, 2π] (as the planner's robot.tcp_rpy).",
    )
    # the planner's robot.gripper_max_width (same range): closedness on another scale than the
    # planner's reads an open hand as partly closed (breaker58e: 0.07 trained, 0.08 planned)
    gripper_max_width: float = param(
        FRANKA_HAND_MAX_WIDTH, "Finger opening [m] that counts as fully open (closedness 0), "
        f"at most the Franka Hand's full opening, {FRANKA_HAND_MAX_WIDTH:g} (as the planner's "
        "robot.gripper_max_width); give the "
        "planner's. Train records it in world_model.pt; a planner at another "
        "robot.gripper_max_width warns.", range=(0, FRANKA_HAND_MAX_WIDTH), low_open=True)
    stamps: str = param(
        "header", "Clock of the messages: header (header.stamp, the sensor's time; a topic whose "
        "stamps are all 0 falls back to receive) or receive (when the recorder received them: "
        "one clock for all topics, for a camera that stamps on its own device clock).",
    )
    max_clock_offset_s: float = param(
        1.0, "Header stamps of the camera (or a gripper topic) up to this many seconds behind "
        "the states' clock, set against when the recorder received each, are kept (noted); "
        "further behind, refused. Raise it for frames that arrive late with their stamps right "
        "(a slow link, a queue, a recorder behind), for which stamps: receive would pair each "
        "frame with a later state; stamps ahead of the states' over 1 s are always refused "
        "(no latency makes them).", range=(1.0, 3600.0), unit="s",
    )

    def gripper_conflict(self, no_gripper: str = "no_gripper", gripper: str = "gripper") -> str:
        """Say why ``no_gripper`` with a named ``gripper`` topic is refused ("" when not both).

        ``no_gripper`` reads no gripper topic (closedness 0); a named topic is read for the
        gripper state: they contradict each other (breaker38), and the message says which to
        drop for which reading, in one line. ``no_gripper`` / ``gripper``: the setting or option
        names to say.
        """
        topic = self.gripper.strip()
        if not (self.no_gripper and topic):
            return ""
        return (f"{no_gripper} reads no gripper topic (closedness 0), {gripper} {topic} reads "
                f"the gripper state from it: give one of them (drop {gripper} for closedness 0, "
                f"or {no_gripper} to read {topic})")

    def no_gripper_fix(self) -> str:
        """Say how to read the bags with closedness 0: ``--no-gripper``, which reads no gripper.

        With a gripper topic named, ``--no-gripper`` alone is refused (:meth:`gripper_conflict`):
        the fix then says to leave the topic out too.
        """
        leave = "leave --gripper-topic out and " if self.gripper.strip() else ""
        return f"{leave}pass --no-gripper to use closedness 0"

    def check(self) -> BagTopics:
        if self.state_source not in STATE_SOURCES:
            raise BagError(
                f"state_source must be one of {', '.join(STATE_SOURCES)}, got "
                f"'{self.state_source}'"
            )
        if self.stamps not in STAMPS:
            raise BagError(f"stamps must be one of {', '.join(STAMPS)}, got '{self.stamps}'")
        try:  # the declared range: gripper_max_width must lie in (0, 0.5], got inf
            check_values(self)
            # the planner's check of robot.tcp_xyz / tcp_rpy, named as this setting
            RobotConfig(tcp_xyz=self.tcp_xyz, tcp_rpy=self.tcp_rpy)
        except ValueError as exc:
            raise BagError(str(exc).replace("robot.tcp_", "tcp_")) from None
        return self
