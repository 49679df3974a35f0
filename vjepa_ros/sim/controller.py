"""Cartesian controller: track an end-effector pose target with resolved-rate inverse kinematics.

Each control tick turns the pose error into a bounded end-effector twist, maps it to joint
velocities with damped least squares (plus a pull towards the home pose in the null space), slows
all joints together so none exceeds its speed limit, and integrates one tick into a joint position
command that stays inside the joint limits. Pure numpy: the simulator supplies the measured pose,
the Jacobian and the joint positions, and sends the returned command to its joint motors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vjepa_ros.robot.rotvec import matrix_to_rotvec
from vjepa_ros.sim.config import ControllerConfig
from vjepa_ros.sim.panda import JOINT_LOWER, JOINT_MAX_SPEED, JOINT_UPPER

# pybullet's position motor (target position = measured + velocity x dt, target velocity) runs
# the joints at ~1.1x the commanded velocity: its velocity target adds positionGain (0.1) x the
# position error / dt. Measured 1.1002x; commands stay below the datasheet limit / this
# (breaker51e: joints at 1.10x Franka's limits at joint_speed_fraction 1). Fractions below
# 1 / 1.101 are unchanged, so their joints still reach 1.1x the fraction (0.55 at 0.5).
POSITION_MOTOR_OVERSHOOT = 1.101


@dataclass
class JointCommand:
    positions: np.ndarray  # [7] rad, inside the joint limits
    velocities: np.ndarray  # [7] rad/s, inside the joint speed limits
    position_error: float  # m, end-effector distance to the target before this tick
    orientation_error: float  # rad, angle between measured and target orientation


def orientation_error(target_rotation: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Return the rotation vector [3] (base frame) that turns ``rotation`` into the target.

    Equal bit for bit to scipy's ``Rotation.from_matrix(...).as_rotvec()`` (see ``rotvec``).
    """
    return matrix_to_rotvec(target_rotation @ rotation.T)


def _clip_norm(vector: np.ndarray, limit: float) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector * (limit / norm) if norm > limit else vector


class CartesianController:
    """Resolved-rate IK tracking of a pose target within joint limits and speed limits."""

    def __init__(self, config: ControllerConfig, rest_joints):
        self.config = config
        self.rest_joints = np.asarray(rest_joints, dtype=np.float64)
        margin = config.joint_limit_margin
        self.lower = JOINT_LOWER + margin
        self.upper = JOINT_UPPER - margin
        # commanded at most the fraction, and at most the datasheet's limit / the overshoot
        self.max_speed = JOINT_MAX_SPEED * min(config.joint_speed_fraction,
                                               1.0 / POSITION_MOTOR_OVERSHOOT)

    def command(
        self,
        joints: np.ndarray,
        position: np.ndarray,
        rotation: np.ndarray,
        jacobian: np.ndarray,
        target_position: np.ndarray,
        target_rotation: np.ndarray,
        dt: float,
    ) -> JointCommand:
        """One control tick.

        Args:
            joints: [7] measured arm joint positions.
            position, rotation: measured end-effector position [3] and rotation matrix [3, 3].
            jacobian: [6, 7] end-effector Jacobian (linear rows, then angular), base frame.
            target_position, target_rotation: the pose to reach ([3], [3, 3]).
            dt: tick length [s].

        """
        cfg = self.config
        position_error = target_position - position
        rotation_error = orientation_error(target_rotation, rotation)
        twist = np.concatenate(
            [
                _clip_norm(cfg.position_gain * position_error, cfg.max_linear_speed),
                _clip_norm(cfg.orientation_gain * rotation_error, cfg.max_angular_speed),
            ]
        )
        # Damped least squares: J⁺ = Jᵀ (J Jᵀ + λ² I)⁻¹, well behaved near singularities.
        gram = jacobian @ jacobian.T + cfg.damping**2 * np.eye(6)
        pseudo_inverse = jacobian.T @ np.linalg.inv(gram)  # [7, 6]
        velocities = pseudo_inverse @ twist
        # The null-space projector uses the exact pseudo-inverse: a damped one would leak the
        # pull towards the rest pose into the end-effector motion (a steady-state pose error).
        nullspace = np.eye(7) - np.linalg.pinv(jacobian, rcond=1e-4) @ jacobian
        velocities += nullspace @ (cfg.nullspace_gain * (self.rest_joints - joints))
        # No joint pushes further into a limit it already touches.
        at_lower = (joints <= self.lower) & (velocities < 0)
        at_upper = (joints >= self.upper) & (velocities > 0)
        velocities[at_lower | at_upper] = 0.0
        # Slow all joints by one factor so the motion keeps its direction.
        overshoot = float(np.max(np.abs(velocities) / self.max_speed))
        if overshoot > 1.0:
            velocities /= overshoot
        positions = np.clip(joints + velocities * dt, self.lower, self.upper)
        return JointCommand(
            positions=positions,
            velocities=velocities,
            position_error=float(np.linalg.norm(position_error)),
            orientation_error=float(np.linalg.norm(rotation_error)),
        )
