"""Simulator episodes -> MCAP and SQLite3 bags -> offline evaluation with the oracle model."""

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="pybullet is in install_requires")

from scipy.spatial.transform import Rotation  # noqa: E402

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.eval import EvalConfig, evaluate_bag  # noqa: E402
from vjepa_ros.planning import preset  # noqa: E402
from vjepa_ros.recordings import BagTopics, read_recording, write_episode  # noqa: E402
from vjepa_ros.sim import CollectorConfig, Sim, SimConfig, collect_episode  # noqa: E402
from vjepa_ros.sim.config import CameraConfig  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402


@pytest.fixture(scope="module")
def sim_episode():
    """Record an 8-frame scripted simulator episode (64x64 camera); an oracle saw its frames."""
    with Sim(SimConfig(camera=CameraConfig(width=64, height=64))) as sim:
        oracle = OracleWorldModel().attach(sim)
        episode = collect_episode(sim, seed=2, config=CollectorConfig(frames=8))
    return episode, oracle


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_sim_episode_round_trip_evaluates_with_agreement_near_one(tmp_path, sim_episode,
                                                                  storage):
    episode, oracle = sim_episode
    bag = write_episode(tmp_path / "bag", episode, storage=storage)
    recording = read_recording(bag)
    assert recording.storage == storage
    np.testing.assert_allclose(recording.states[:, :3], episode.states[:, :3], atol=1e-6)
    np.testing.assert_array_equal(recording.load_frames(np.arange(len(episode))), episode.frames)

    cem = preset("paper", samples=64, iterations=3)
    report = evaluate_bag(bag, oracle, cem, EvalConfig(landscape_points=0, min_motion_m=0.005))
    steps = report["steps"]
    assert len(steps) == len(episode) - 1
    np.testing.assert_allclose([s["executed_action"] for s in steps], episode.actions, atol=1e-5)
    actions = report["summary"]["actions"]
    assert sum(actions["sign_agreement_steps"].values()) >= 6, "the arm must have moved"
    assert actions["sign_agreement_all_axes"] >= 0.9
    assert actions["cosine_xyz_mean"] > 0.95
    assert actions["magnitude_error_m_mean"] < 0.01
    energy = report["summary"]["energy"]
    assert energy["executed_mean"] < energy["planned_mean"]  # the executed move hits the goal


@pytest.fixture(scope="module")
def recorded_bag(tmp_path_factory):
    """Record a 5-frame simulator bag through the CLI (64x64 camera, SQLite3)."""
    path = tmp_path_factory.mktemp("record") / "bag"
    assert main(["record", str(path), "--frames", "5", "--width", "64", "--height", "64",
                 "--storage", "sqlite3", "--seed", "4"]) == 0
    return path


def test_recorded_sim_bags_carry_the_topics_a_lab_records(recorded_bag):
    recording = read_recording(recorded_bag)
    assert recording.topic_types == {
        "/camera/camera/color/image_raw": "sensor_msgs/msg/Image",
        "/franka_robot_state_broadcaster/current_pose": "geometry_msgs/msg/PoseStamped",
        "/franka_gripper/joint_states": "sensor_msgs/msg/JointState",
        "/joint_states": "sensor_msgs/msg/JointState",
    }
    assert recording.storage == "sqlite3" and len(recording.image_times) == 5
    assert recording.load_frames([0]).shape == (1, 64, 64, 3)
    assert np.linalg.norm(np.diff(recording.states[:, :3], axis=0), axis=1).sum() > 0.01


def test_joint_states_through_forward_kinematics_match_the_recorded_pose(recorded_bag):
    from_pose = read_recording(recorded_bag)
    from_joints = read_recording(recorded_bag, BagTopics(state_source="joint_states",
                                                         gripper="/joint_states"))
    assert from_joints.state_source == "joint_states"
    assert from_joints.gripper_source == "/joint_states"  # its finger joints
    np.testing.assert_allclose(from_joints.states[:, :3], from_pose.states[:, :3], atol=1e-6)
    np.testing.assert_allclose(from_joints.states[:, 6], from_pose.states[:, 6], atol=1e-6)
    relative = Rotation.from_euler("xyz", from_joints.states[:, 3:6]) * \
        Rotation.from_euler("xyz", from_pose.states[:, 3:6]).inv()
    assert relative.magnitude().max() < 1e-5
