"""What one JointState message says about the arm and its hand, and the errors of an unusable one.

:class:`JointReading` is what ``robot.joint_states.JointStateReader.read`` returns; the
:class:`~vjepa_ros.robot.kinematics.StateError` subclasses tell a caller which part is unusable
(the arm's joints, NaN or inf, out of range) and are importable from ``robot.joint_states``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.kinematics import StateError

ARM_JOINTS = 7


class RangeError(StateError):
    """Joint positions outside the Franka's range: wrong units (degrees, millimetres)."""


class ArmStateError(StateError):
    """A message whose *arm* joints are unusable (missing, NaN, two arms).

    Its fingers may be fine: the planner node does not mark the hand unknown for it.
    """


class NonFiniteError(StateError):
    """A message whose arm or finger joint positions hold NaN or inf (a driver's glitch)."""


class NonFiniteArmError(NonFiniteError, ArmStateError):
    """A message whose arm joint positions hold NaN or inf."""


class NonFiniteFingersError(NonFiniteError):
    """A message whose finger joint positions hold NaN or inf, its arm's (if any) finite.

    From ``read_series``: every message of a stream is such (or has only NaN or inf joints of
    its hand): no finger sample at all, a hand the recording cannot read.
    """


class ArmRangeError(RangeError, ArmStateError):
    """Arm joint positions outside the Franka's range (degrees for radians)."""


@dataclasses.dataclass(frozen=True)
class JointReading:
    """What one JointState message says about the arm and its hand."""

    arm: np.ndarray | None = None  # [7] float64 rad, joint1..joint7; None: no arm joints
    fingers: np.ndarray | None = None  # [2] float64 m; None: no finger joints
    arm_names: tuple[str, ...] = ()  # the message's names of joint1..7 (empty without arm)
    finger_prefix: str | None = None  # the fingers' name prefix ("left_fr3_"); None: no fingers
    nan_fingers: bool = False  # its finger joints were NaN or inf: left out (``fingers`` None)

    @property
    def foreign(self) -> bool:
        """True when the message holds none of this arm's joints and no finger joint."""
        return self.arm is None and self.fingers is None and not self.nan_fingers
