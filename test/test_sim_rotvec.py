"""robot/rotvec.py's quaternion, rotation vector and xyz Euler angles equal scipy's bit for bit.

The sim's controller and readings (seeded outcomes stay put) and the planner's joint-state
forward kinematics (``kinematics.FrankaKinematics.ee_pose``, perf59: the poses keep their bits)
use them in place of ``Rotation.from_matrix``.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.rotvec import matrix_to_euler_xyz, matrix_to_quat, matrix_to_rotvec
from vjepa_ros.sim.controller import orientation_error
from vjepa_ros.sim.sim import import_pybullet


def _assert_same_as_scipy(matrices) -> None:
    for matrix in matrices:
        rotation = Rotation.from_matrix(matrix)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's "Gimbal lock detected"
            euler = rotation.as_euler("xyz")
        for expected, got in ((rotation.as_rotvec(), matrix_to_rotvec(matrix)),
                              (rotation.as_quat(), matrix_to_quat(matrix)),
                              (euler, matrix_to_euler_xyz(matrix))):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            # tobytes: exact equality, the sign of zero included
            assert got.tobytes() == expected.tobytes(), (matrix.tolist(), got, expected)


def _axes(rng, count):
    axes = rng.normal(size=(count, 3))
    return axes / np.linalg.norm(axes, axis=1, keepdims=True)


def test_random_rotations_and_their_relative_rotations():
    rotations = Rotation.random(1000, random_state=1).as_matrix()
    _assert_same_as_scipy(rotations)
    _assert_same_as_scipy(rotations[:500] @ np.transpose(rotations[500:], (0, 2, 1)))


def test_identity_tiny_angles_and_the_series_boundary():
    rng = np.random.default_rng(2)
    angles = np.concatenate([np.logspace(-12, -2, 200), [1e-3, np.nextafter(1e-3, 0),
                                                         np.nextafter(1e-3, 1)]])
    matrices = [np.eye(3)]
    for angle, axis in zip(angles, _axes(rng, len(angles)), strict=True):
        matrices.append(Rotation.from_rotvec(axis * angle).as_matrix())
    _assert_same_as_scipy(matrices)


def test_angles_near_and_at_half_a_turn():
    rng = np.random.default_rng(3)
    offsets = np.logspace(-12, -1, 200)
    matrices = [np.diag([1.0, -1.0, -1.0]), np.diag([-1.0, 1.0, -1.0]),
                np.diag([-1.0, -1.0, 1.0])]
    for offset, axis in zip(offsets, _axes(rng, len(offsets)), strict=True):
        matrices.append(Rotation.from_rotvec(axis * (math.pi - offset)).as_matrix())
        matrices.append(Rotation.from_rotvec(axis * (math.pi + offset)).as_matrix())
    for axis in np.eye(3):
        matrices.append(Rotation.from_rotvec(axis * math.pi).as_matrix())
    _assert_same_as_scipy(matrices)


def test_ties_between_diagonal_entries_and_the_trace():
    """The 24 quarter-turn rotations of a cube and half turns about diagonals: exact ties."""
    matrices = list(Rotation.create_group("O").as_matrix())
    for axis in ([1, 1, 0], [1, 0, 1], [0, 1, 1], [1, -1, 0], [1, 1, 1], [-1, 1, 1]):
        axis = np.array(axis, dtype=float) / np.linalg.norm(axis)
        for angle in (math.pi / 2, 2 * math.pi / 3, math.pi):
            matrices.append(Rotation.from_rotvec(axis * angle).as_matrix())
    _assert_same_as_scipy(matrices)


def test_slightly_non_orthogonal_matrices_take_scipys_path():
    """Off by 1e-16..1e-4: both sides of scipy's orthogonality check (atol 1e-12)."""
    rng = np.random.default_rng(4)
    rotations = Rotation.random(16, random_state=5).as_matrix()
    matrices = [
        rotation + rng.normal(size=(3, 3)) * scale
        for scale in np.logspace(-16, -4, 25) for rotation in rotations[:16]
    ]
    _assert_same_as_scipy(matrices)


def test_euler_angles_at_and_near_gimbal_lock_and_at_the_wrap():
    """β at ±π/2 and 1e-12..1e-2 from it (both sides of scipy's 1e-7 lock threshold), α, γ ±π.

    Should: the bits of ``as_euler("xyz")`` (γ 0 at the lock, scipy's branch and rounding).
    """
    rng = np.random.default_rng(7)
    matrices = []
    for pitch in (math.pi / 2, -math.pi / 2):
        for offset in np.concatenate([[0.0], np.logspace(-12, -2, 60), -np.logspace(-12, -2, 60)]):
            roll, yaw = rng.uniform(-math.pi, math.pi, 2)
            matrices.append(Rotation.from_euler("xyz", [roll, pitch + offset, yaw]).as_matrix())
    for roll in (math.pi, -math.pi, 0.0):
        for yaw in (math.pi, -math.pi, 0.0):
            for pitch in (0.0, 1e-9, 0.5):
                matrices.append(Rotation.from_euler("xyz", [roll, pitch, yaw]).as_matrix())
    _assert_same_as_scipy(matrices)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at the lock (1 kHz joint states)
        assert matrix_to_euler_xyz(matrices[0])[2] == 0.0


def test_pybullet_matrices_as_the_simulator_feeds_them():
    """The product target @ measured.T of two pybullet matrices, as in each controller tick."""
    p, _ = import_pybullet()
    rng = np.random.default_rng(6)
    matrices = []
    for _ in range(600):
        quat = rng.normal(size=4)
        nearby = quat + rng.normal(size=4) * rng.choice([1e-6, 1e-3, 1e-1])
        target, measured = (np.array(p.getMatrixFromQuaternion((q / np.linalg.norm(q)).tolist()))
                            .reshape(3, 3) for q in (quat, nearby))
        matrices.append(target @ measured.T)
        expected = Rotation.from_matrix(matrices[-1]).as_rotvec()
        assert orientation_error(target, measured).tobytes() == expected.tobytes()
    _assert_same_as_scipy(matrices)


@pytest.mark.parametrize("matrix", [np.diag([1.0, 1.0, -1.0]), np.zeros((3, 3)), np.eye(4),
                                    np.full((3, 3), np.nan)])
def test_matrices_scipy_refuses_raise_its_error(matrix):
    with np.errstate(invalid="ignore"), pytest.raises(ValueError) as expected:
        Rotation.from_matrix(matrix).as_rotvec()
    for function in (matrix_to_rotvec, matrix_to_quat, matrix_to_euler_xyz):
        with np.errstate(invalid="ignore"), pytest.raises(ValueError) as got:
            function(matrix)
        assert (type(got.value), str(got.value)) == (type(expected.value), str(expected.value))
