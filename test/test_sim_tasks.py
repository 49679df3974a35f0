"""Reach tasks with goal images, episode files and the scripted data collector."""

import json

import numpy as np
import pytest
import torch

from vjepa_ros.demo import load_example
from vjepa_ros.planning.pose import state_difference
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.sim.collector import CollectorConfig
from vjepa_ros.sim.tasks import ReachTaskConfig, reach_error, sample_reach_target


@pytest.fixture(scope="module")
def sim():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim import CameraConfig, Sim, SimConfig

    with Sim(SimConfig(seed=0, camera=CameraConfig(width=96, height=96))) as sim:
        yield sim


def test_reach_targets_lie_in_the_workspace_at_the_asked_distance():
    config = ReachTaskConfig()
    start = np.array([0.45, 0.0, 0.3, 3.1, 0.05, -0.2, 0.0])
    rng = np.random.default_rng(0)
    low, high = np.array(config.workspace[::2]), np.array(config.workspace[1::2])
    for _ in range(50):
        target = sample_reach_target(start, rng, config)
        assert np.all((target[:3] >= low) & (target[:3] <= high))
        assert config.min_distance <= reach_error(target, start) <= config.max_distance
        np.testing.assert_array_equal(target[3:], start[3:])  # orientation, gripper kept
    with pytest.raises(ValueError, match="no goal"):
        sample_reach_target([2.0, 2.0, 2.0, 0, 0, 0, 0], rng, config)
    with pytest.raises(ValueError, match="workspace"):
        ReachTaskConfig(workspace=[0.5, 0.4, 0, 1, 0, 1])


def test_goal_image_shows_the_arm_at_the_goal_and_leaves_the_scene_as_it_was(sim):
    from vjepa_ros.sim import capture_goal

    sim.reset(2)
    sim.step(10)
    before_state, before_frame = sim.ee_state(), sim.render()
    before_joints, before_time = sim.arm_joint_positions(), sim.time
    target = sample_reach_target(before_state, np.random.default_rng(1))
    goal = capture_goal(sim, target)
    assert goal.reached
    assert reach_error(goal.state, target) < 2e-3
    assert np.abs(goal.frame.astype(int) - before_frame).mean() > 1.0  # the arm is elsewhere
    np.testing.assert_array_equal(sim.arm_joint_positions(), before_joints)
    np.testing.assert_array_equal(sim.render(), before_frame)
    assert sim.time == before_time


def test_episode_files_round_trip_and_keep_the_published_layout(tmp_path):
    rng = np.random.default_rng(0)
    states = np.cumsum(rng.normal(0, 0.02, size=(5, 7)), axis=0).astype(np.float32)
    states[:, 3] += np.pi - 0.01  # roll near ±π, as a hand pointing down has
    frames = rng.integers(0, 255, size=(5, 32, 48, 3), dtype=np.uint8)
    episode = Episode.from_states(frames, states, np.arange(5) * 0.25, {"seed": 3})
    expected = state_difference(torch.from_numpy(states[:-1]), torch.from_numpy(states[1:]))
    np.testing.assert_allclose(episode.actions, expected.numpy(), atol=1e-6)
    path = episode.save(tmp_path / "e.npz")
    with np.load(path) as data:
        assert data["observations"].shape == (1, 5, 32, 48, 3)
        assert data["states"].shape == (1, 5, 7) and data["actions"].shape == (1, 4, 7)
        assert json.loads(str(data["metadata"])) == {"seed": 3}
    loaded = Episode.load(path)
    np.testing.assert_array_equal(loaded.frames, frames)
    np.testing.assert_array_equal(loaded.states, episode.states)
    np.testing.assert_array_equal(loaded.actions, episode.actions)
    np.testing.assert_array_equal(loaded.timestamps, episode.timestamps)
    assert loaded.metadata == {"seed": 3}
    example = load_example(path)  # what `vjepa-ros demo --episode` reads
    np.testing.assert_array_equal(example.frames, frames)


def test_published_example_loads_as_an_episode(franka_example):
    from conftest import SHARED_DATA

    episode = Episode.load(SHARED_DATA / "franka_example_traj.npz")
    np.testing.assert_array_equal(episode.frames, franka_example["frames"])
    np.testing.assert_allclose(episode.timestamps, [0.0, 0.25])
    states = torch.from_numpy(franka_example["states"])
    expected = state_difference(states[:1], states[1:])
    np.testing.assert_allclose(episode.actions, expected.numpy(), atol=1e-6)


def test_bad_episodes_are_clear_errors(tmp_path):
    frames = np.zeros((3, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="states must have shape"):
        Episode.from_states(frames, np.zeros((2, 7)), np.arange(3.0))
    with pytest.raises(ValueError, match="timestamps must increase"):  # a repeat: one moment
        Episode.from_states(frames, np.zeros((3, 7)), [0.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="NaN"):
        Episode.from_states(frames, np.full((3, 7), np.nan), np.arange(3.0))
    with pytest.raises(ValueError, match="uint8"):
        Episode.from_states(frames.astype(float), np.zeros((3, 7)), np.arange(3.0))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="is not an .npz archive"):
        Episode.load(tmp_path / "junk.npz")


def test_collector_records_varied_reproducible_4hz_episodes(sim, tmp_path):
    from vjepa_ros.sim import collect_episode

    config = CollectorConfig(frames=6, pause_probability=0.0, gripper_toggle_probability=0.5)
    first = collect_episode(sim, seed=4, config=config)
    assert first.frames.shape == (6, 96, 96, 3) and first.states.shape == (6, 7)
    np.testing.assert_allclose(np.diff(first.timestamps), 0.25)
    np.testing.assert_allclose(
        first.actions,
        state_difference(torch.from_numpy(first.states[:-1]), torch.from_numpy(first.states[1:])),
        atol=1e-6,
    )
    steps = np.linalg.norm(first.actions[:, :3], axis=1)
    assert steps.max() > 0.03 and steps.max() <= np.sqrt(3) * config.max_step + 0.01
    assert np.ptp(first.states[:, 6]) > 0.3  # the gripper moved
    assert first.metadata["seed"] == 4 and len(first.metadata["commanded_targets"]) == 5
    again = collect_episode(sim, seed=4, config=config)
    np.testing.assert_array_equal(again.frames, first.frames)
    np.testing.assert_array_equal(again.states, first.states)
    other = collect_episode(sim, seed=5, config=config)
    assert np.abs(other.states - first.states).max() > 0.05
    path = first.save(tmp_path / "sim.npz")
    np.testing.assert_array_equal(Episode.load(path).frames, first.frames)
