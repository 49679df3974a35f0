"""Franka Panda facts the simulator needs: joint names, limits, the ready pose, the hand's TCP.

Limits are Franka's published ones (the pybullet URDF's are a little wider). The end effector is
the Franka Hand TCP: the ``panda_hand`` frame (the flange ``panda_link8`` turned −45° about its z)
moved ``tcp_offset`` (0.1034 m for the Franka Hand) along its z axis — libfranka's default
``F_T_EE``. Note that the URDF's ``panda_grasptarget`` link sits 0.105 m beyond the flange, not
0.1034 m, so the simulator measures from ``panda_hand`` rather than from that link.
"""

import numpy as np

from vjepa_ros.robot.joint_states import closedness_from_fingers, finger_position
from vjepa_ros.robot.state_ranges import FINGER_MAX_M, PANDA_JOINT_LIMITS

MODEL = "panda"  # the simulated arm (pybullet's panda.urdf), robot.model's word for it
PREFIX = f"{MODEL}_"  # its links' and joints' prefix
ARM_JOINT_NAMES = tuple(f"{PREFIX}joint{i}" for i in range(1, 8))
FINGER_JOINT_NAMES = (f"{PREFIX}finger_joint1", f"{PREFIX}finger_joint2")
JOINT_NAMES = ARM_JOINT_NAMES + FINGER_JOINT_NAMES
HAND_LINK = f"{PREFIX}hand"
BASE_FRAME = f"{PREFIX}link0"

# Franka Emika datasheet limits (rad, rad/s, Nm).
JOINT_LOWER, JOINT_UPPER = PANDA_JOINT_LIMITS.T.copy()
JOINT_MAX_SPEED = np.array([2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61])
JOINT_MAX_TORQUE = np.array([87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0])

# Franka's "ready" pose: the hand points down, 0.307 m in front of the base, TCP 0.487 m high.
READY_JOINTS = (0.0, -np.pi / 4, 0.0, -3 * np.pi / 4, 0.0, np.pi / 2, np.pi / 4)

FRANKA_HAND_TCP_OFFSET = 0.1034  # m from the flange along the hand's z axis
FINGER_MAX_OPENING = FINGER_MAX_M  # m per finger; the hand opens 0.08 m


def closedness_to_finger_position(closedness: float) -> float:
    """Return each finger's joint position [m] for a gripper closedness in [0, 1] (0 open)."""
    return finger_position(closedness, 2 * FINGER_MAX_OPENING)


def finger_positions_to_closedness(finger1: float, finger2: float) -> float:
    """Return the gripper closedness in [0, 1] measured from the two finger joint positions."""
    return float(closedness_from_fingers([finger1, finger2], 2 * FINGER_MAX_OPENING))
