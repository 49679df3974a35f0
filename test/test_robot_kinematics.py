"""Franka forward kinematics against a known pose, an independent URDF chain and pybullet."""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.kinematics import (
    FrankaKinematics,
    RobotConfig,
    StateError,
    forward_kinematics,
    pose_to_state,
    state_to_pose,
    transform,
)

HOME = [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]

# franka_description's panda URDF joint origins (xyz, rpy), joint axes all z: a second, independent
# description of the same arm (DH parameters are not used here).
URDF_JOINTS = [
    ([0, 0, 0.333], [0, 0, 0]),
    ([0, 0, 0], [-math.pi / 2, 0, 0]),
    ([0, -0.316, 0], [math.pi / 2, 0, 0]),
    ([0.0825, 0, 0], [math.pi / 2, 0, 0]),
    ([-0.0825, 0.384, 0], [-math.pi / 2, 0, 0]),
    ([0, 0, 0], [math.pi / 2, 0, 0]),
    ([0.088, 0, 0], [math.pi / 2, 0, 0]),
]


def urdf_flange(q):
    pose = np.eye(4)
    for (xyz, rpy), angle in zip(URDF_JOINTS, q, strict=True):
        pose = pose @ transform(xyz, rpy) @ transform([0, 0, 0], [0, 0, angle])
    return pose @ transform([0, 0, 0.107], [0, 0, 0])


def test_home_pose_is_the_known_franka_hand_pose():
    pose = forward_kinematics(HOME)
    np.testing.assert_allclose(pose[:3, 3], [0.3069, 0.0, 0.4869], atol=1e-4)
    np.testing.assert_allclose(pose[:3, :3], np.diag([1.0, -1.0, -1.0]), atol=1e-9)


def test_dh_chain_matches_the_urdf_chain_on_random_and_batched_joints():
    rng = np.random.default_rng(0)
    joints = rng.uniform(-2.8, 2.8, size=(20, 7))
    batched = forward_kinematics(joints, tool=np.eye(4))  # [20, 4, 4]
    for q, pose in zip(joints, batched, strict=True):
        np.testing.assert_allclose(pose, urdf_flange(q), atol=1e-12)


def test_flange_and_hand_match_pybullet_panda():
    p = pytest.importorskip("pybullet")
    data = pytest.importorskip("pybullet_data")
    client = p.connect(p.DIRECT)
    try:
        p.setAdditionalSearchPath(data.getDataPath(), physicsClientId=client)
        robot = p.loadURDF("franka_panda/panda.urdf", useFixedBase=True, physicsClientId=client)
        rng = np.random.default_rng(1)
        for _ in range(5):
            q = rng.uniform(-2.5, 2.5, 7)
            for index, angle in enumerate(q):
                p.resetJointState(robot, index, angle, physicsClientId=client)
            flange = p.getLinkState(robot, 7, computeForwardKinematics=True,
                                    physicsClientId=client)  # panda_link8
            hand = p.getLinkState(robot, 8, computeForwardKinematics=True,
                                  physicsClientId=client)  # panda_hand (−45° about z)
            ours = forward_kinematics(q, tool=transform([0, 0, 0], [0, 0, -math.pi / 4]))
            np.testing.assert_allclose(ours[:3, 3], flange[4], atol=1e-5)
            np.testing.assert_allclose(ours[:3, :3], Rotation.from_quat(hand[5]).as_matrix(),
                                       atol=1e-5)
    finally:
        p.disconnect(client)


def test_tcp_offset_moves_the_point_along_the_flange_z_axis():
    kin = FrankaKinematics(RobotConfig(tcp_xyz=[0.0, 0.0, 0.2], tcp_rpy=[0.0, 0.0, 0.0]))
    flange = forward_kinematics(HOME, tool=np.eye(4))
    tcp = kin.tool_pose(HOME)
    np.testing.assert_allclose(tcp[:3, 3], flange[:3, 3] + 0.2 * flange[:3, 2], atol=1e-12)


def test_state_of_joint_angles_is_the_ready_pose_with_the_gripper_given():
    kin = FrankaKinematics()
    state = kin.state(HOME, 0.25)
    np.testing.assert_allclose(state[:3], [0.3069, 0.0, 0.4869], atol=1e-4)
    np.testing.assert_allclose(Rotation.from_euler("xyz", state[3:6]).as_matrix(),
                               np.diag([1.0, -1.0, -1.0]), atol=1e-9)
    assert state[6] == 0.25
    batch = kin.ee_pose(np.stack([HOME, np.zeros(7)]))  # batched over leading dims
    assert batch.shape == (2, 6)
    np.testing.assert_allclose(batch[0], state[:6], atol=1e-12)


def test_fr3_uses_its_joint_names_and_base_frame():
    kin = FrankaKinematics(RobotConfig(model="fr3"))
    assert kin.joint_names[0] == "fr3_joint1" and kin.base_frame == "fr3_link0"
    prefixed = FrankaKinematics(RobotConfig(joint_prefix="left_fr3_"))
    assert prefixed.base_frame == "left_fr3_link0"
    assert prefixed.finger_names == ["left_fr3_finger_joint1", "left_fr3_finger_joint2"]


def test_bad_joint_states_are_clear_errors():
    kin = FrankaKinematics()
    with pytest.raises(StateError, match="NaN"):
        kin.state(HOME[:6] + [float("nan")], 0.0)
    with pytest.raises(StateError, match="7 arm joint angles"):
        kin.state(HOME[:6], 0.0)
    with pytest.raises(ValueError, match="robot.model"):
        FrankaKinematics(RobotConfig(model="ur5"))


def test_pose_state_round_trip_and_bad_quaternions():
    rng = np.random.default_rng(2)
    states = np.concatenate([rng.uniform(-1, 1, (10, 3)), rng.uniform(-1.5, 1.5, (10, 3)),
                             rng.uniform(0, 1, (10, 1))], axis=1)
    xyz, quat = state_to_pose(states)
    np.testing.assert_allclose(pose_to_state(xyz, quat, states[:, 6]), states, atol=1e-12)
    with pytest.raises(StateError, match="zero quaternion"):
        pose_to_state([0, 0, 0], [0, 0, 0, 0], 0.0)
    with pytest.raises(StateError, match="NaN"):
        pose_to_state([0, float("nan"), 0], [0, 0, 0, 1], 0.0)


def test_pose_messages_round_trip_states_without_ros():
    from types import SimpleNamespace

    from vjepa_ros.nodes.pose_msgs import set_pose, stamp_seconds, state_from_pose

    pose = SimpleNamespace(position=SimpleNamespace(x=0, y=0, z=0),
                           orientation=SimpleNamespace(x=0, y=0, z=0, w=1))
    state = np.array([0.4, -0.1, 0.3, 2.9, 0.3, -1.2, 0.6])
    set_pose(pose, state)
    assert isinstance(pose.position.x, float) and isinstance(pose.orientation.w, float)
    np.testing.assert_allclose(state_from_pose(pose, 0.6), state, atol=1e-12)
    pose.orientation.w = pose.orientation.x = pose.orientation.y = pose.orientation.z = 0.0
    with pytest.raises(StateError, match="zero quaternion"):
        state_from_pose(pose, 0.0)
    assert stamp_seconds(SimpleNamespace(sec=12, nanosec=500_000_000)) == 12.5
