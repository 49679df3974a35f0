"""Quaternion, rotation vector and xyz Euler angles of a rotation matrix, bit for bit scipy's.

The simulator's controller turns one orientation error into a rotation vector every physics tick;
``Rotation.from_matrix(m).as_rotvec()`` spent about a third of a tick on array checks and
bookkeeping for a single 3x3 matrix, and ``sim.matrix_to_euler`` paid the same for each measured
state's quaternion. :func:`matrix_to_quat` and :func:`matrix_to_rotvec` do the same arithmetic
on Python floats, which round like the C doubles of scipy's compiled backend, in the same order:

1. quaternion from the matrix (Markley 2008): the largest of the three diagonal entries and the
   trace chooses which component is computed from the diagonal, the other three come from sums or
   differences of symmetric off-diagonal pairs; then the quaternion is divided by its norm;
2. the quaternion is made canonical (``w >= 0``, ties broken on x, y, z), its angle is
   ``2 atan2(|xyz|, w)``, and the vector is ``xyz * angle / sin(angle / 2)``, or for angles up to
   1e-3 rad ``xyz * (2 + angle²/12 + 7 angle⁴/2880)`` (the series of that ratio).

scipy (1.17) first checks that the determinant is positive and that ``m mᵀ`` is the identity
within ``np.isclose(..., atol=1e-12)``; a matrix failing either is refused or orthogonalized with
an SVD. The fast path here takes only matrices that pass both checks with a wide margin (so
rounding in how ``m mᵀ`` is summed cannot flip scipy's decision) and hands every other matrix —
not orthogonal, left-handed, NaN — to scipy itself, so the result (or the error) is always
scipy's. ``test/test_sim_rotvec.py`` compares the two with exact equality against the installed
scipy, whatever its version.
"""

from __future__ import annotations

import math

import numpy as np

# Fast-path margins: half of scipy's isclose tolerances (atol 1e-12 off the diagonal,
# atol 1e-12 + rtol 1e-5 on it). Rounding differences in m mᵀ are ~1e-16, far inside the margin.
_OFF_DIAGONAL_MARGIN = 0.5e-12
_DIAGONAL_MARGIN = 0.5e-5


def _scipy_rotation(matrix: np.ndarray):
    from scipy.spatial.transform import Rotation

    return Rotation.from_matrix(matrix)


def _near_rotation(m) -> bool:
    """Whether rows ``m`` (3 lists of 3 floats) pass scipy's checks with margin to spare."""
    (a, b, c), (d, e, f), (g, h, i) = m
    off = (a * d + b * e + c * f, a * g + b * h + c * i, d * g + e * h + f * i)
    diagonal = (a * a + b * b + c * c, d * d + e * e + f * f, g * g + h * h + i * i)
    if not all(abs(x) <= _OFF_DIAGONAL_MARGIN for x in off):
        return False
    if not all(abs(x - 1.0) <= _DIAGONAL_MARGIN for x in diagonal):
        return False
    # Orthogonal within 1e-5, so |det| is 1 within 1e-4: only its sign is in question.
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g) > 0.5


def _quat(matrix) -> tuple[float, float, float, float] | None:
    """Return scipy's quaternion (x, y, z, w) of ``matrix``, or None where scipy must decide."""
    array = np.asarray(matrix, dtype=np.float64)
    if array.shape != (3, 3):
        return None
    m = array.tolist()
    if not _near_rotation(m):
        return None
    trace = m[0][0] + m[1][1] + m[2][2]
    decision = (m[0][0], m[1][1], m[2][2], trace)
    choice = 0
    for index in (1, 2, 3):
        if decision[index] > decision[choice]:
            choice = index
    quat = [0.0, 0.0, 0.0, 0.0]
    if choice != 3:
        i = choice
        j = (i + 1) % 3
        k = (j + 1) % 3
        quat[i] = 1 - trace + 2 * m[i][i]
        quat[j] = m[j][i] + m[i][j]
        quat[k] = m[k][i] + m[i][k]
        quat[3] = m[k][j] - m[j][k]
    else:
        quat[0] = m[2][1] - m[1][2]
        quat[1] = m[0][2] - m[2][0]
        quat[2] = m[1][0] - m[0][1]
        quat[3] = 1 + trace
    x, y, z, w = quat
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    return x / norm, y / norm, z / norm, w / norm


def matrix_to_quat(matrix: np.ndarray) -> np.ndarray:
    """Return the unit quaternion [4] (x, y, z, w) of ``matrix`` [3, 3], its sign as scipy's.

    Equal bit for bit to ``Rotation.from_matrix(matrix).as_quat()``; matrices scipy would
    orthogonalize or refuse go to scipy (``ValueError`` for a non-positive determinant).
    """
    quat = _quat(matrix)
    if quat is None:
        return _scipy_rotation(np.asarray(matrix, dtype=np.float64)).as_quat()
    return np.array(quat)


def matrix_to_rotvec(matrix: np.ndarray) -> np.ndarray:
    """Return the rotation vector [3] (axis * angle, rad, angle in [0, π]) of ``matrix`` [3, 3].

    Equal bit for bit to ``scipy.spatial.transform.Rotation.from_matrix(matrix).as_rotvec()``;
    matrices scipy would orthogonalize or refuse go to scipy, so its errors (``ValueError`` for a
    non-positive determinant or a wrong shape) are raised unchanged.
    """
    quat = _quat(matrix)
    if quat is None:
        return _scipy_rotation(np.asarray(matrix, dtype=np.float64)).as_rotvec()
    x, y, z, w = quat
    if w < 0 or (w == 0 and (x < 0 or (x == 0 and (y < 0 or (y == 0 and z < 0))))):
        x, y, z, w = -x, -y, -z, -w
    angle = 2 * math.atan2(math.sqrt(x * x + y * y + z * z), w)
    if angle <= 1e-3:
        angle2 = angle * angle
        scale = 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880
    else:
        scale = angle / math.sin(angle / 2)
    return np.array([scale * x, scale * y, scale * z])


def matrix_to_euler_xyz(matrix: np.ndarray) -> np.ndarray:
    """Return extrinsic xyz Euler angles [3] [rad] of ``matrix`` [3, 3], float64.

    Equal bit for bit to ``Rotation.from_matrix(matrix).as_euler("xyz")`` (the convention of the
    package's states, ``kinematics``: R = Rz(γ)·Ry(β)·Rx(α); α, γ in [-π, π], β in
    [-π/2, π/2]; at gimbal lock, β within 1e-7 of ±π/2, γ is 0 as scipy sets it, without
    scipy's warning). The quaternion is :func:`matrix_to_quat`'s; the angles follow scipy's
    method (Bernardes & Viollet 2022, its reference for ``as_euler``) on floats in scipy's order:
    for xyz, a = w − y, b = x + z, c = y + w, d = z − x; β = 2 atan2(hypot(c, d), hypot(a, b))
    − π/2; α, γ = atan2(b, a) ∓ atan2(d, c). ``np.hypot`` is the C library's hypot, as scipy's
    compiled backend calls (``math.hypot`` rounds otherwise). Matrices scipy would orthogonalize
    or refuse go to scipy. ``test/test_sim_rotvec.py`` compares with the installed scipy.
    """
    quat = _quat(matrix)
    if quat is None:
        return _scipy_rotation(np.asarray(matrix, dtype=np.float64)).as_euler("xyz")
    x, y, z, w = quat
    a, b, c, d = w - y, x + z, y + w, z - x
    half_sum, half_diff = math.atan2(b, a), math.atan2(d, c)
    middle = 2 * math.atan2(float(np.hypot(c, d)), float(np.hypot(a, b)))
    if abs(middle) <= 1e-7:  # gimbal lock, β = -π/2: only α + γ is defined
        first, third = 2 * half_sum, 0.0
    elif abs(middle - math.pi) <= 1e-7:  # gimbal lock, β = +π/2: only α − γ
        first, third = -2 * half_diff, 0.0
    else:
        first, third = half_sum - half_diff, half_sum + half_diff
    return np.array([_wrapped(first), middle - math.pi / 2, _wrapped(third)])


def _wrapped(angle: float) -> float:
    """``angle`` [rad] in [-π, π], as scipy wraps the first and third Euler angles."""
    if angle < -math.pi:
        return angle + 2 * math.pi
    if angle > math.pi:
        return angle - 2 * math.pi
    return angle
