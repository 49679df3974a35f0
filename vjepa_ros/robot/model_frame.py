"""The frame the world model predicts motion in, and the correction between it and the base frame.

V-JEPA 2-AC infers the robot's axes from one camera view (paper, limitations): with the camera
placed differently from its training views, the action the model calls "+x" may move the hand
along another direction of the robot's base frame. The camera check
(``robot/camera_check.py``) estimates the rotation ``R`` that maps base-frame motion to the
motion the model predicts, ``Δxyz_model = R · Δxyz_base``; this module applies it.

Planning with the correction (``control.model_frame_rpy_deg``, :class:`ModelFrame`): the state
given to the model is turned into the model's frame (position ``R·xyz``, orientation
``R·R_ee``), the planner searches actions in the model's frame, and the planned actions are
turned back into the base frame (``Δxyz = Rᵀ·Δxyz_model``, ``R_Δ = Rᵀ·R_Δ,model·R``, gripper
unchanged) before ``state ⊕ action``, the safety filter and the set-point stream, which all stay
in the base frame. The position is rotated about the base origin: motions (differences of
states), all the check can observe, do not determine an offset between the frames.

States and actions are 7 numbers as everywhere (``planning/pose.py``: xyz [m], extrinsic xyz
Euler angles [rad], gripper); the rotation is given as extrinsic xyz Euler angles in degrees
(``scipy.spatial.transform.Rotation.from_euler("xyz", rpy, degrees=True)``).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from vjepa_ros.planning.pose import (
    euler_to_matrix,
    euler_to_quat,
    quat_conjugate,
    quat_multiply,
    quat_to_euler,
)
from vjepa_ros.robot.control_config import model_frame_angles


class ModelFrame:
    """The rotation base → model frame, applied to states and actions (torch, batched, float64).

    Args:
        rpy_deg: [3] extrinsic xyz Euler angles [deg] of ``R`` (``Δxyz_model = R · Δxyz_base``);
            (0, 0, 0) is the identity (no correction).
    Raises:
        ValueError: ``rpy_deg`` is not 3 finite numbers (the message names
            ``control.model_frame_rpy_deg``).
    """

    def __init__(self, rpy_deg=(0.0, 0.0, 0.0)):
        angles = model_frame_angles(rpy_deg)
        self.rpy_deg = angles
        radians = torch.as_tensor(np.radians(angles))
        self.quat = euler_to_quat(radians)  # [4] (w, x, y, z) float64
        self.matrix = euler_to_matrix(radians)  # [3, 3] float64, R

    @property
    def identity(self) -> bool:
        """True when the rotation is (within 1e-9 rad) none: planning needs no conversion."""
        return self.angle_deg < math.degrees(1e-9)

    @property
    def angle_deg(self) -> float:
        """Rotation angle of R [deg] (0..180)."""
        w = float(abs(self.quat[0]))
        return math.degrees(2 * math.acos(min(w, 1.0)))

    def _rotate(self, values: torch.Tensor, inverse: bool, kind: str) -> torch.Tensor:
        if not isinstance(values, torch.Tensor):
            values = torch.as_tensor(np.asarray(values, dtype=np.float64))
        if values.ndim == 0 or values.shape[-1] != 7:
            raise ValueError(f"{kind}s must have shape [..., 7], got {list(values.shape)}")
        if self.identity:
            return values.clone()
        dtype, device = values.dtype, values.device
        x = values.double()
        matrix = self.matrix.to(device)
        quat = self.quat.to(device)
        if inverse:
            matrix, quat = matrix.T, quat_conjugate(quat)
        xyz = x[..., :3] @ matrix.T  # R·v for each row v
        orientation = quat_multiply(quat.expand(*x.shape[:-1], 4), euler_to_quat(x[..., 3:6]))
        if kind == "action":  # a rotation delta changes frame by conjugation: R·R_Δ·Rᵀ
            orientation = quat_multiply(orientation, quat_conjugate(quat).expand_as(orientation))
        angles = quat_to_euler(orientation)
        return torch.cat([xyz, angles, x[..., 6:]], dim=-1).to(device=device, dtype=dtype)

    def state_to_model(self, states) -> torch.Tensor:
        """States [..., 7] in the base frame → the model's frame (same dtype; arrays → float64)."""
        return self._rotate(states, inverse=False, kind="state")

    def state_to_base(self, states) -> torch.Tensor:
        """States [..., 7] in the model's frame → the base frame (inverse of state_to_model)."""
        return self._rotate(states, inverse=True, kind="state")

    def action_to_model(self, actions) -> torch.Tensor:
        """Actions [..., 7] in the base frame → the model's frame (Δxyz: R·Δ; R_Δ: R·R_Δ·Rᵀ)."""
        return self._rotate(actions, inverse=False, kind="action")

    def action_to_base(self, actions) -> torch.Tensor:
        """Actions [..., 7] planned in the model's frame → the base frame (inverse)."""
        return self._rotate(actions, inverse=True, kind="action")

    def plan_to_base(self, plan):
        """Return a ``PlanResult`` whose first action, actions and mean are in the base frame.

        The search std and energies stay as the planner left them (model frame; energies do not
        depend on the frame). The identity returns ``plan`` itself.
        """
        import dataclasses

        if self.identity:
            return plan
        return dataclasses.replace(
            plan, first_action=self.action_to_base(plan.first_action),
            actions=self.action_to_base(plan.actions), mean=self.action_to_base(plan.mean),
        )

    def describe(self) -> str:
        roll, pitch, yaw = self.rpy_deg
        if self.identity:
            return "model frame = base frame (no correction)"
        return (f"model frame rotated from the base frame by roll {roll:.1f}°, pitch {pitch:.1f}°,"
                f" yaw {yaw:.1f}° ({self.angle_deg:.1f}° in all)")
