"""The simulated scene: reproducible for a seed, the Franka Hand TCP convention, the camera."""

import math

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from vjepa_ros.sim import Sim, SimConfig  # noqa: E402
from vjepa_ros.sim.config import CameraConfig  # noqa: E402
from vjepa_ros.sim.scene import OBJECT_COLOURS  # noqa: E402


def _scripted_run(sim: Sim, detour: bool = False):
    """Move, half-close the gripper, optionally make a goal-image detour; return the outcome."""
    start = sim.ee_state()
    target = start.copy()
    target[:3] += [0.1, 0.1, -0.25]
    target[6] = 0.5
    sim.set_target_state(target)
    sim.step(60)
    if detour:
        with sim.preserved():
            sim.set_target_state(start)
            sim.step(120)
            sim.render()
    sim.step(60)
    state = np.concatenate([sim.ee_state(), sim.object_poses().ravel(), sim.arm_joint_positions()])
    return state, sim.render()


@pytest.fixture(scope="module")
def sim():
    with Sim(SimConfig(seed=0)) as sim:
        yield sim


def test_same_seed_same_world_and_images(sim):
    sim.reset(0)
    first_state, first_frame = _scripted_run(sim)
    with Sim(SimConfig(seed=0)) as other:
        second_state, second_frame = _scripted_run(other)
    np.testing.assert_array_equal(first_state, second_state)
    np.testing.assert_array_equal(first_frame, second_frame)
    # A goal-image detour inside preserved() leaves no trace on what follows.
    sim.reset(0)
    detour_state, detour_frame = _scripted_run(sim, detour=True)
    np.testing.assert_array_equal(first_state, detour_state)
    np.testing.assert_array_equal(first_frame, detour_frame)


def test_seed_moves_the_objects_inside_their_region(sim):
    region = sim.config.scene.object_region
    placements = []
    for seed in (0, 1):
        sim.reset(seed)
        poses = sim.object_poses()
        assert poses.shape == (3, 7)
        assert np.all((poses[:, 0] >= region[0]) & (poses[:, 0] <= region[1]))
        assert np.all((poses[:, 1] >= region[2]) & (poses[:, 1] <= region[3]))
        pairwise = np.linalg.norm(poses[:, None, :2] - poses[None, :, :2], axis=-1)
        assert pairwise[np.triu_indices(3, 1)].min() >= sim.config.scene.object_spacing - 1e-9
        placements.append(poses[:, :2])
    assert np.abs(placements[0] - placements[1]).max() > 0.01


def test_end_effector_is_the_franka_hand_tcp(sim):
    """Ready pose: TCP 0.1034 m beyond the flange, hand pointing down, Euler (π, 0, 0)."""
    sim.reset(0)
    state = sim.ee_state()
    # Franka's ready pose: flange at (0.3069, 0, 0.5903) in the base frame, hand straight down.
    np.testing.assert_allclose(state[:3], [0.30689, 0.0, 0.59034 - 0.1034], atol=2e-4)
    assert abs(abs(state[3]) - math.pi) < 1e-6 and abs(state[4]) < 1e-6 and abs(state[5]) < 1e-6
    assert state[6] == pytest.approx(0.0)  # gripper open
    p, robot, client = sim._p, sim.handles.robot, sim.client
    links = {p.getJointInfo(robot, i, physicsClientId=client)[12].decode(): i
             for i in range(p.getNumJoints(robot, physicsClientId=client))}
    flange = p.getLinkState(robot, links["panda_link8"], computeForwardKinematics=True,
                            physicsClientId=client)
    flange_rotation = np.array(p.getMatrixFromQuaternion(flange[5])).reshape(3, 3)
    np.testing.assert_allclose(state[:3] - np.array(flange[4]), 0.1034 * flange_rotation[:, 2],
                               atol=1e-6)  # pybullet reports link poses in float32
    # The TCP frame is the flange frame turned −45° about its z axis (the Franka Hand mount).
    _, tcp_rotation = sim.ee_pose()
    relative = flange_rotation.T @ tcp_rotation
    c, s = math.cos(-math.pi / 4), math.sin(-math.pi / 4)
    np.testing.assert_allclose(relative, [[c, -s, 0], [s, c, 0], [0, 0, 1]], atol=1e-6)


@pytest.mark.parametrize("size", [(256, 256), (640, 480)])
def test_images_render_and_match_the_camera_intrinsics(size):
    width, height = size
    config = SimConfig(seed=3, camera=CameraConfig(width=width, height=height))
    with Sim(config) as sim:
        frame = sim.render()
        assert frame.shape == (height, width, 3) and frame.dtype == np.uint8
        assert frame.std() > 10  # not a blank image
        # Each object's centre, projected with the pinhole K (what camera_info carries) and the
        # camera pose, lands on a pixel of the object's own colour.
        view = np.array(sim.camera.view_matrix).reshape(4, 4).T  # base -> OpenGL camera
        k = sim.camera.intrinsics
        for name, pose in zip(sim.handles.object_names, sim.object_poses(), strict=True):
            x, y, z, _ = view @ np.append(pose[:3], 1.0)
            u = k[0, 0] * x / -z + k[0, 2]
            v = k[1, 1] * -y / -z + k[1, 2]
            rgb = frame[round(v), round(u)].astype(float)
            colour = dict(OBJECT_COLOURS)[name.split("_")[0]][:3]
            assert np.argmax(rgb) == int(np.argmax(colour)), (name, rgb)


def test_bad_settings_and_commands_are_clear_errors(sim):
    with pytest.raises(ValueError, match="camera.width"):
        Sim(SimConfig(camera=CameraConfig(width=4)))
    with pytest.raises(ValueError, match="home_joints"):
        Sim(SimConfig(home_joints=[0.0] * 6))
    sim.reset(0)
    before = sim.target_state()
    with pytest.raises(ValueError, match="NaN"):
        sim.set_target([0.4, float("nan"), 0.3], [math.pi, 0, 0])
    with pytest.raises(ValueError, match="zero norm"):
        sim.set_target([0.4, 0.0, 0.3], [0, 0, 0, 0])
    with pytest.raises(ValueError, match="7 numbers"):
        sim.set_target_state([0.4, 0.0, 0.3])
    with pytest.raises(ValueError, match="finite"):
        sim.set_gripper(float("inf"))
    np.testing.assert_array_equal(sim.target_state(), before)  # nothing was commanded


def test_planner_forward_kinematics_gives_the_sim_end_effector_state(sim):
    """The planner's FK of the published joint states equals the sim's own TCP state."""
    import torch

    from vjepa_ros.planning.pose import state_difference
    from vjepa_ros.robot.joint_states import JointStateReader, closedness_from_fingers
    from vjepa_ros.robot.kinematics import FrankaKinematics

    kinematics = FrankaKinematics()
    sim.reset(0)
    rng = np.random.default_rng(3)
    for _ in range(3):
        target = sim.ee_state()
        target[:3] = rng.uniform([0.35, -0.25, 0.1], [0.65, 0.25, 0.5])
        target[5] += rng.uniform(-0.8, 0.8)
        target[6] = rng.uniform(0.0, 1.0)
        sim.move_to(target, timeout=3.0)
        names, positions, _, _ = sim.joint_states()
        reading = JointStateReader().read(list(names), positions.tolist())
        planner_state = kinematics.state(reading.arm, closedness_from_fingers(reading.fingers))
        difference = state_difference(torch.from_numpy(sim.ee_state()),
                                      torch.from_numpy(planner_state))
        assert difference.abs().max() < 1e-5, difference  # pybullet works in float32
