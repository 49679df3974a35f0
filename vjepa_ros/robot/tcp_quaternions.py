"""Unit quaternions (w, x, y, z) of measured TCP orientations, numpy only (the jump rule's)."""

from __future__ import annotations

import numpy as np


def _angle(qa: np.ndarray, qb: np.ndarray) -> float:
    """Return the angle [rad] of the rotation between unit quaternions [4].

    Wrap-free (a pose pointing down flips its roll between +π and −π: angle 0).
    """
    return float(2.0 * np.arccos(min(1.0, abs(float(np.dot(qa, qb))))))


def _product(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Return the quaternion product qa qb, (w, x, y, z) each [4]."""
    aw, ax, ay, az = qa
    bw, bx, by, bz = qb
    return np.array([aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw])


def _inverse(q: np.ndarray) -> np.ndarray:
    return np.array([q[0], -q[1], -q[2], -q[3]])


def _rotation_vector(q: np.ndarray) -> np.ndarray:
    """Return the rotation vector [3] (axis × angle [rad], angle ≤ π) of unit quaternion ``q``."""
    q = q if q[0] >= 0 else -q
    sine = float(np.linalg.norm(q[1:]))
    if sine < 1e-12:
        return 2.0 * q[1:]  # (nearly) no rotation: the first-order term
    return q[1:] * (2.0 * np.arctan2(sine, float(q[0])) / sine)


def _exp(vector: np.ndarray) -> np.ndarray:
    """Return the unit quaternion [4] (w, x, y, z) of rotation vector ``vector`` [3] [rad]."""
    angle = float(np.linalg.norm(vector))
    if angle < 1e-12:
        return np.array([1.0, *(vector / 2.0)])
    return np.array([np.cos(angle / 2.0), *(vector * (np.sin(angle / 2.0) / angle))])


def _quaternion(rpy) -> np.ndarray:
    """[4] (w, x, y, z) of extrinsic xyz Euler angles [rad] (R = Rz(yaw) Ry(pitch) Rx(roll))."""
    roll, pitch, yaw = (float(v) / 2.0 for v in rpy)
    cr, sr, cp, sp, cy, sy = (np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch),
                              np.cos(yaw), np.sin(yaw))
    return np.array([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                     cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy])
