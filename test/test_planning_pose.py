"""Pose algebra (state ⊕ action, state ⊖ state) against scipy's Rotation, gimbal lock included."""

import math
import warnings

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.pose import (
    apply_action,
    compose_rotations,
    euler_to_matrix,
    euler_to_quat,
    quat_to_euler,
    quat_to_euler_floats,
    state_difference,
)


def _scipy_euler(matrices):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns at gimbal lock
        return Rotation.from_matrix(matrices).as_euler("xyz")


def _scipy_apply(states, actions):
    rot = (
        Rotation.from_euler("xyz", actions[:, 3:6]).as_matrix()
        @ Rotation.from_euler("xyz", states[:, 3:6]).as_matrix()
    )
    return np.concatenate(
        [
            states[:, :3] + actions[:, :3],
            _scipy_euler(rot),
            np.clip(states[:, 6:] + actions[:, 6:], 0, 1),
        ],
        axis=1,
    )


def _near_lock_angles(rng, count):
    angles = rng.uniform(-math.pi, math.pi, (count, 3))
    offsets = 10.0 ** rng.uniform(-12, -2, count) * rng.choice([-1.0, 1.0], count)
    angles[:, 1] = rng.choice([-1.0, 1.0], count) * (math.pi / 2) + offsets
    return angles


def test_euler_roundtrip_matches_scipy_far_from_lock_and_outside_canonical_ranges():
    rng = np.random.default_rng(0)
    angles = rng.uniform(-7, 7, (5000, 3))  # many outside [-π, π] / [-π/2, π/2]: canonicalised
    ours = quat_to_euler(euler_to_quat(torch.from_numpy(angles))).numpy()
    theirs = Rotation.from_euler("xyz", angles).as_euler("xyz")
    assert np.abs(ours - theirs).max() < 1e-12


def test_euler_to_matrix_matches_scipy():
    angles = np.random.default_rng(1).uniform(-4, 4, (1000, 3))
    ours = euler_to_matrix(torch.from_numpy(angles)).numpy()
    assert np.abs(ours - Rotation.from_euler("xyz", angles).as_matrix()).max() < 1e-14


def test_near_gimbal_lock_gives_the_same_rotation_and_pitch_as_scipy():
    angles = _near_lock_angles(np.random.default_rng(2), 5000)
    ours = quat_to_euler(euler_to_quat(torch.from_numpy(angles))).numpy()
    theirs = _scipy_euler(Rotation.from_euler("xyz", angles).as_matrix())
    # Near the lock only the rotation (and β) is well defined: compare rotations, then the angles,
    # which scipy's quaternion-based conversion also gets to ~1e-9. Within 1e-7 of the lock both
    # set γ = 0, which moves the rotation by up to ~1e-7.
    ours_matrix = Rotation.from_euler("xyz", ours).as_matrix()
    assert np.abs(ours_matrix - Rotation.from_euler("xyz", theirs).as_matrix()).max() < 1e-12
    assert np.abs(ours_matrix - Rotation.from_euler("xyz", angles).as_matrix()).max() < 3e-7
    assert np.abs(ours[:, 1] - theirs[:, 1]).max() < 1e-12
    assert np.abs(ours - theirs).max() < 1e-6


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_exact_gimbal_lock_sets_third_angle_to_zero_like_scipy(sign):
    angles = np.array([[0.3, sign * math.pi / 2, 0.5], [-2.0, sign * math.pi / 2, 2.9]])
    ours = quat_to_euler(euler_to_quat(torch.from_numpy(angles))).numpy()
    theirs = _scipy_euler(Rotation.from_euler("xyz", angles).as_matrix())
    assert np.allclose(ours[:, 2], 0.0)
    assert np.abs(ours - theirs).max() < 1e-9
    # float32 input at the lock still yields a valid rotation
    ours32 = quat_to_euler(euler_to_quat(torch.from_numpy(angles).float())).numpy()
    matrix32 = Rotation.from_euler("xyz", ours32).as_matrix()
    assert np.abs(matrix32 - Rotation.from_euler("xyz", angles).as_matrix()).max() < 1e-6


def test_one_quaternion_as_floats_equals_the_tensor_version_bit_for_bit():
    """What the simulator measures each tick (sim.matrix_to_euler): seed-pinned outcomes need it.

    Random quaternions of any norm, at and within 1e-7 of gimbal lock both ways, multiples of
    45°, half turns; each against ``quat_to_euler`` of that one quaternion (a batch may round
    otherwise: vectorised atan2).
    """
    rng = np.random.default_rng(5)
    lock = rng.uniform(-math.pi, math.pi, (150, 3)) * [1, 0, 1]
    angles = np.concatenate([lock + [0, math.pi / 2, 0], lock - [0, math.pi / 2, 0],
                             lock + [0, math.pi / 2 - 1e-7, 0], lock + [0, 2e-8 - math.pi / 2, 0],
                             rng.integers(-4, 5, (300, 3)) * math.pi / 4])
    quats = np.concatenate([Rotation.from_euler("xyz", angles).as_quat()[:, [3, 0, 1, 2]],
                            rng.normal(size=(900, 4)) * rng.uniform(0.5, 2, (900, 1)),
                            [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, -1.0], [1.0, 0.0, 0.0, 0.0]]])
    for quat in quats.tolist():
        expected = quat_to_euler(torch.tensor(quat, dtype=torch.float64)).numpy()
        got = np.array(quat_to_euler_floats(*quat))
        assert got.dtype == np.float64
        assert expected.view(np.int64).tolist() == got.view(np.int64).tolist(), (quat, got)


def test_compose_is_delta_times_rotation_not_the_reverse():
    rng = np.random.default_rng(3)
    delta, base = rng.uniform(-1, 1, (500, 3)), rng.uniform(-3, 3, (500, 3))
    ours = compose_rotations(torch.from_numpy(delta), torch.from_numpy(base)).numpy()
    expected = (Rotation.from_euler("xyz", delta) * Rotation.from_euler("xyz", base)).as_euler(
        "xyz"
    )
    reversed_order = (
        Rotation.from_euler("xyz", base) * Rotation.from_euler("xyz", delta)
    ).as_euler("xyz")
    assert np.abs(ours - expected).max() < 1e-12
    assert np.abs(ours - reversed_order).max() > 0.1


def test_apply_action_matches_scipy_definition_including_near_lock_states():
    rng = np.random.default_rng(4)
    states = np.concatenate(
        [
            rng.uniform(-1, 1, (3000, 3)),
            rng.uniform(-3.5, 3.5, (3000, 3)),
            rng.uniform(0, 1, (3000, 1)),
        ],
        1,
    )
    states[:1000, 3:6] = _near_lock_angles(rng, 1000)
    actions = np.concatenate(
        [
            rng.normal(0, 0.05, (3000, 3)),
            rng.normal(0, 0.3, (3000, 3)),
            rng.normal(0, 0.8, (3000, 1)),
        ],
        1,
    )
    ours = apply_action(torch.from_numpy(states), torch.from_numpy(actions)).numpy()
    theirs = _scipy_apply(states, actions)
    assert np.abs(ours[:, :3] - theirs[:, :3]).max() < 1e-15
    assert np.abs(ours[:, 6] - theirs[:, 6]).max() == 0.0
    assert ours[:, 6].min() >= 0.0 and ours[:, 6].max() <= 1.0
    ours_rot = Rotation.from_euler("xyz", ours[:, 3:6]).as_matrix()
    assert np.abs(ours_rot - Rotation.from_euler("xyz", theirs[:, 3:6]).as_matrix()).max() < 1e-12
    far = np.abs(np.abs(theirs[:, 4]) - math.pi / 2) > 1e-3
    assert np.abs(ours[far, 3:6] - theirs[far, 3:6]).max() < 1e-10


def test_state_difference_is_the_inverse_of_apply_action_and_matches_official_definition():
    rng = np.random.default_rng(5)
    start = np.concatenate(
        [
            rng.uniform(-1, 1, (400, 3)),
            rng.uniform(-1.4, 1.4, (400, 3)),
            rng.uniform(0, 1, (400, 1)),
        ],
        1,
    )
    end = np.concatenate(
        [
            rng.uniform(-1, 1, (400, 3)),
            rng.uniform(-1.4, 1.4, (400, 3)),
            rng.uniform(0, 1, (400, 1)),
        ],
        1,
    )
    actions = state_difference(torch.from_numpy(start), torch.from_numpy(end))
    relative = Rotation.from_euler("xyz", end[:, 3:6]).as_matrix() @ np.transpose(
        Rotation.from_euler("xyz", start[:, 3:6]).as_matrix(), (0, 2, 1)
    )
    expected = np.concatenate(
        [end[:, :3] - start[:, :3], _scipy_euler(relative), end[:, 6:] - start[:, 6:]], 1
    )
    assert np.abs(actions.numpy() - expected).max() < 1e-12
    reached = apply_action(torch.from_numpy(start), actions).numpy()
    assert np.abs(reached[:, :3] - end[:, :3]).max() < 1e-12
    assert np.abs(reached[:, 6] - end[:, 6]).max() < 1e-12
    reached_rot = Rotation.from_euler("xyz", reached[:, 3:6]).as_matrix()
    assert np.abs(reached_rot - Rotation.from_euler("xyz", end[:, 3:6]).as_matrix()).max() < 1e-12


def test_real_franka_states(franka_example):
    states = torch.from_numpy(franka_example["states"])  # [2, 7] float32
    action = state_difference(states[0], states[1])
    assert action.dtype == torch.float32 and action.shape == (7,)
    reached = apply_action(states[0], action)
    assert torch.allclose(reached, states[1], atol=1e-5)


def test_batched_broadcast_dtype_and_device_kept():
    rng = torch.Generator().manual_seed(0)  # not the global RNG's state earlier tests left
    states = torch.rand(5, 1, 7, generator=rng)
    actions = torch.rand(1, 3, 7, generator=rng) * 0.1
    out = apply_action(states, actions)
    assert out.shape == (5, 3, 7) and out.dtype == torch.float32
    assert torch.allclose(out[2, 1], apply_action(states[2, 0], actions[0, 1]))


def test_zero_action_keeps_the_state_up_to_angle_canonicalisation():
    state = torch.tensor([0.4, -0.1, 0.3, 3.0, 0.2, -1.0, 0.5], dtype=torch.float64)
    assert torch.allclose(
        apply_action(state, torch.zeros(7, dtype=torch.float64)), state, atol=1e-14
    )


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match=r"states must have shape \[\.\.\., 7\]"):
        apply_action(torch.zeros(6), torch.zeros(7))
    with pytest.raises(ValueError, match="actions"):
        apply_action(torch.zeros(7), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="angles"):
        euler_to_quat(torch.zeros(4))
