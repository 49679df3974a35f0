"""End-effector pose algebra on batched tensors: state ⊕ action and state ⊖ state.

A state is 7 numbers: position xyz [m], orientation as extrinsic "xyz" Euler angles [rad] (the
rotation matrix is R = Rz(γ)·Ry(β)·Rx(α) for angles (α, β, γ)), gripper closedness in [0, 1]. An
action is the step between two states: Δxyz, the Euler angles of R_next·R_prevᵀ, Δgripper (V-JEPA
2-AC facts §4).

Rotations are composed as unit quaternions in float64, whatever the input dtype, so that the result
equals scipy's ``Rotation.from_euler("xyz", ...)`` / ``as_euler("xyz")`` to float rounding, near
gimbal lock included: Euler angles come out in scipy's ranges (α, γ in [-π, π], β in [-π/2, π/2]),
and at gimbal lock (|β| within 1e-7 of π/2) γ is set to 0, as scipy does. Everything is batched
over leading dimensions and runs on the tensors' device; no per-sample Python loops.
"""

import math

import numpy as np
import torch

# |β ∓ π/2| at or below this is treated as gimbal lock (the threshold scipy uses).
GIMBAL_LOCK_EPS = 1e-7


def _check_last_dim(name: str, tensor: torch.Tensor, size: int) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.ndim == 0 or tensor.shape[-1] != size:
        raise ValueError(f"{name} must have shape [..., {size}], got {list(tensor.shape)}")


def euler_to_quat(angles: torch.Tensor) -> torch.Tensor:
    """Convert extrinsic xyz Euler angles [..., 3] to quaternions [..., 4] (w, x, y, z), f64."""
    _check_last_dim("angles", angles, 3)
    half = angles.double() / 2
    ca, cb, cg = half.cos().unbind(-1)
    sa, sb, sg = half.sin().unbind(-1)
    # q = q_z(γ) ⊗ q_y(β) ⊗ q_x(α), expanded.
    w = cb * ca * cg + sb * sa * sg
    x = cb * sa * cg - sb * ca * sg
    y = sb * ca * cg + cb * sa * sg
    z = cb * ca * sg - sb * sa * cg
    return torch.stack([w, x, y, z], dim=-1)


def quat_to_euler(quats: torch.Tensor) -> torch.Tensor:
    """Convert quaternions [..., 4] (w, x, y, z; norm > 0) to extrinsic xyz Euler angles, float64.

    With q = q_z(γ)⊗q_y(β)⊗q_x(α): w+y = (cb+sb)·cos d, x−z = (cb+sb)·sin d, w−y = (cb−sb)·cos s,
    x+z = (cb−sb)·sin s, where d = (α−γ)/2, s = (α+γ)/2 and cb, sb are cos, sin of β/2. Both
    half-angle sums come from pairs of numbers of order one except at the lock they belong to, so
    the angles stay accurate near gimbal lock.
    """
    _check_last_dim("quats", quats, 4)
    w, x, y, z = quats.double().unbind(-1)
    plus_norm = torch.hypot(w + y, x - z)  # √2·|q|·cos(β/2 − π/4)
    minus_norm = torch.hypot(w - y, x + z)  # √2·|q|·|sin(β/2 − π/4)|
    half_gap = torch.atan2(minus_norm, plus_norm)  # (π/2 − β)/2, in [0, π/2]
    beta = math.pi / 2 - 2 * half_gap
    d = torch.atan2(x - z, w + y)
    s = torch.atan2(x + z, w - y)
    alpha = s + d
    gamma = s - d
    # Gimbal lock: only α−γ (β = π/2) or α+γ (β = −π/2) is defined; set γ = 0 like scipy.
    lock_up = 2 * half_gap <= GIMBAL_LOCK_EPS
    lock_down = math.pi - 2 * half_gap <= GIMBAL_LOCK_EPS
    alpha = torch.where(lock_up, 2 * d, torch.where(lock_down, 2 * s, alpha))
    gamma = torch.where(lock_up | lock_down, torch.zeros_like(gamma), gamma)
    return torch.stack([_wrap_angle(alpha), beta, _wrap_angle(gamma)], dim=-1)


def quat_to_euler_floats(w: float, x: float, y: float, z: float) -> tuple[float, float, float]:
    """:func:`quat_to_euler` of one quaternion (w, x, y, z; norm > 0) given as floats, bit for bit.

    Returns the extrinsic xyz Euler angles (α, β, γ) [rad] as floats. The same arithmetic in the
    same order on C doubles, without a tensor per number: the simulator measures one state per
    stream tick, where the tensor version took ~0.3 ms, a fifth of the tick. ``np.hypot`` is the C
    library's hypot, as torch's (``math.hypot`` rounds differently); Python's ``%`` is torch's
    float remainder. ``test/test_planning_pose.py`` compares the two with exact equality.
    """
    plus_norm = float(np.hypot(w + y, x - z))
    minus_norm = float(np.hypot(w - y, x + z))
    half_gap = math.atan2(minus_norm, plus_norm)
    beta = math.pi / 2 - 2 * half_gap
    d = math.atan2(x - z, w + y)
    s = math.atan2(x + z, w - y)
    alpha, gamma = s + d, s - d
    if 2 * half_gap <= GIMBAL_LOCK_EPS:  # gimbal lock: γ = 0 like scipy (see quat_to_euler)
        alpha, gamma = 2 * d, 0.0
    elif math.pi - 2 * half_gap <= GIMBAL_LOCK_EPS:
        alpha, gamma = 2 * s, 0.0
    return _wrap_angle_float(alpha), beta, _wrap_angle_float(gamma)


def _wrap_angle_float(angle: float) -> float:
    """:func:`_wrap_angle` of one float."""
    wrapped = (angle + math.pi) % (2 * math.pi) - math.pi
    return math.pi if wrapped == -math.pi and angle > 0 else wrapped


def _wrap_angle(angle: torch.Tensor) -> torch.Tensor:
    """Map angles into [-π, π] (π stays π)."""
    wrapped = torch.remainder(angle + math.pi, 2 * math.pi) - math.pi
    return torch.where(
        (wrapped == -math.pi) & (angle > 0), torch.full_like(wrapped, math.pi), wrapped
    )


def quat_multiply(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Return left ⊗ right for quaternions [..., 4] (w, x, y, z): the rotation R_left·R_right."""
    w1, x1, y1, z1 = left.unbind(-1)
    w2, x2, y2, z2 = right.unbind(-1)
    return torch.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        dim=-1,
    )


def quat_conjugate(quats: torch.Tensor) -> torch.Tensor:
    """Conjugate (the inverse rotation for unit quaternions) of quaternions [..., 4]."""
    return quats * quats.new_tensor([1.0, -1.0, -1.0, -1.0])


def euler_to_matrix(angles: torch.Tensor) -> torch.Tensor:
    """Convert extrinsic xyz Euler angles [..., 3] to Rz(γ)·Ry(β)·Rx(α) [..., 3, 3], float64."""
    _check_last_dim("angles", angles, 3)
    ca, cb, cg = angles.double().cos().unbind(-1)
    sa, sb, sg = angles.double().sin().unbind(-1)
    rows = [
        [cg * cb, cg * sb * sa - sg * ca, cg * sb * ca + sg * sa],
        [sg * cb, sg * sb * sa + cg * ca, sg * sb * ca - cg * sa],
        [-sb, cb * sa, cb * ca],
    ]
    return torch.stack([torch.stack(row, dim=-1) for row in rows], dim=-2)


def compose_rotations(delta_angles: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Euler angles of R_Δ·R for Euler angles [..., 3] of R_Δ and R (broadcast), in float64."""
    return quat_to_euler(quat_multiply(euler_to_quat(delta_angles), euler_to_quat(angles)))


def apply_action(states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """State ⊕ action: the states [..., 7] reached from ``states`` by ``actions`` [..., 7].

    xyz adds; the orientation becomes R_Δ·R; the gripper adds and is clipped to [0, 1]. The result
    has the dtype of ``states``.
    """
    _check_last_dim("states", states, 7)
    _check_last_dim("actions", actions, 7)
    actions = actions.to(states.dtype)
    xyz = states[..., :3] + actions[..., :3]
    angles = compose_rotations(actions[..., 3:6], states[..., 3:6]).to(states.dtype)
    gripper = (states[..., 6:] + actions[..., 6:]).clamp(0.0, 1.0)
    return torch.cat([xyz, angles, gripper], dim=-1)


def state_difference(start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """State ⊖ state: the actions [..., 7] that lead from ``start`` to ``end`` (both [..., 7]).

    Δxyz; the Euler angles of R_end·R_startᵀ; Δgripper (not clipped). The result has the dtype of
    ``start``.
    """
    _check_last_dim("start", start, 7)
    _check_last_dim("end", end, 7)
    end = end.to(start.dtype)
    relative = quat_multiply(
        euler_to_quat(end[..., 3:6]), quat_conjugate(euler_to_quat(start[..., 3:6]))
    )
    angles = quat_to_euler(relative).to(start.dtype)
    return torch.cat(
        [end[..., :3] - start[..., :3], angles, end[..., 6:] - start[..., 6:]], dim=-1
    )
