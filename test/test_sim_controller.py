"""The sim's Cartesian controller: tracks reachable targets, respects joint and speed limits."""

import numpy as np
import pytest
import torch

from vjepa_ros.planning.pose import apply_action
from vjepa_ros.sim.config import ControllerConfig
from vjepa_ros.sim.controller import CartesianController, orientation_error
from vjepa_ros.sim.panda import JOINT_LOWER, JOINT_MAX_SPEED, JOINT_UPPER, READY_JOINTS

# Stated bound: reachable targets are tracked to within 2 mm and 0.01 rad once the arm settles.
POSITION_BOUND = 2e-3
ORIENTATION_BOUND = 1e-2


def test_nullspace_pull_does_not_move_the_end_effector():
    """The pull towards the rest pose must not leak into the end-effector twist."""
    rng = np.random.default_rng(0)
    controller = CartesianController(ControllerConfig(nullspace_gain=5.0), READY_JOINTS)
    jacobian = rng.normal(size=(6, 7))
    joints = np.array(READY_JOINTS) + 0.3
    pose = (np.zeros(3), np.eye(3))
    command = controller.command(joints, *pose, jacobian, *pose, dt=1e-3)
    assert np.abs(command.velocities).max() > 0.01  # it does move the joints ...
    np.testing.assert_allclose(jacobian @ command.velocities, 0.0, atol=1e-9)  # ... not the hand


def test_speed_and_joint_limits_hold_for_any_error():
    config = ControllerConfig(joint_speed_fraction=0.5)
    controller = CartesianController(config, READY_JOINTS)
    rng = np.random.default_rng(1)
    for _ in range(50):
        joints = rng.uniform(JOINT_LOWER, JOINT_UPPER)
        jacobian = rng.normal(size=(6, 7)) * rng.uniform(0.01, 1.0)
        target = rng.normal(size=3) * 5  # far away: the twist saturates
        command = controller.command(joints, np.zeros(3), np.eye(3), jacobian, target,
                                     np.eye(3), dt=0.01)
        assert np.all(np.abs(command.velocities) <= 0.5 * JOINT_MAX_SPEED + 1e-12)
        assert np.all(command.positions >= JOINT_LOWER + config.joint_limit_margin - 1e-12)
        assert np.all(command.positions <= JOINT_UPPER - config.joint_limit_margin + 1e-12)


def test_end_effector_speed_is_limited_and_aimed_at_the_target():
    config = ControllerConfig(joint_speed_fraction=1.0, nullspace_gain=0.0)
    controller = CartesianController(config, READY_JOINTS)
    rng = np.random.default_rng(2)
    for _ in range(20):
        jacobian = rng.normal(size=(6, 7))  # well conditioned: damping is negligible
        target = rng.normal(size=3)
        command = controller.command(np.array(READY_JOINTS), np.zeros(3), np.eye(3), jacobian,
                                     target, np.eye(3), dt=1e-3)
        linear = (jacobian @ command.velocities)[:3]
        assert np.linalg.norm(linear) <= config.max_linear_speed * (1 + 1e-3)
        cosine = linear @ target / (np.linalg.norm(linear) * np.linalg.norm(target))
        assert cosine > 0.999


@pytest.fixture(scope="module")
def sim():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim import Sim, SimConfig

    with Sim(SimConfig(seed=0)) as sim:
        yield sim


def test_reachable_targets_are_tracked_within_the_bound(sim):
    sim.reset(0)
    home = sim.ee_state()
    rng = np.random.default_rng(7)
    for _ in range(4):
        target = home.copy()
        target[:3] = rng.uniform([0.35, -0.25, 0.1], [0.65, 0.25, 0.5])
        turn = np.r_[0, 0, 0, rng.uniform(-0.2, 0.2, 2), rng.uniform(-0.5, 0.5), 0]
        target = apply_action(torch.from_numpy(target), torch.from_numpy(turn)).numpy()
        assert sim.move_to(target, timeout=4.0), f"did not settle at {target[:3]}"
        position, rotation = sim.ee_pose()
        assert np.linalg.norm(position - target[:3]) < POSITION_BOUND
        assert np.linalg.norm(orientation_error(sim.target_rotation, rotation)) < ORIENTATION_BOUND
        # ee_state reports the same pose in the state convention.
        np.testing.assert_allclose(sim.ee_state()[:3], position)


def test_unreachable_target_keeps_limits_and_speed(sim):
    sim.reset(0)
    home = sim.ee_state()
    target = home.copy()
    target[:3] = [1.4, 0.3, 0.2]  # beyond the arm's reach
    sim.set_target_state(target)
    config = sim.config.controller
    previous = sim.ee_pose()[0]
    fastest = 0.0
    for _ in range(120):
        sim.step(5)
        joints = sim.arm_joint_positions()
        assert np.all(joints >= JOINT_LOWER - 1e-3) and np.all(joints <= JOINT_UPPER + 1e-3)
        position = sim.ee_pose()[0]
        assert np.isfinite(position).all()
        fastest = max(fastest, np.linalg.norm(position - previous) / (5 * sim.dt))
        previous = position
    assert fastest <= config.max_linear_speed * 1.1
    velocities = np.abs(sim.joint_velocities()[:7])
    assert np.all(velocities <= JOINT_MAX_SPEED * config.joint_speed_fraction * 1.1)
    # It got as close as it could: further out than any reachable target.
    assert sim.ee_state()[0] > 0.75


def test_gripper_follows_the_closedness_command(sim):
    sim.reset(0)
    sim.set_gripper(1.0)
    sim.advance(0.8)
    assert sim.ee_state()[6] == pytest.approx(1.0, abs=0.02)
    sim.set_gripper(0.5)
    sim.advance(0.8)
    assert sim.ee_state()[6] == pytest.approx(0.5, abs=0.02)
    sim.set_gripper(-3.0)  # clipped: fully open
    sim.advance(0.8)
    assert sim.ee_state()[6] == pytest.approx(0.0, abs=0.02)
