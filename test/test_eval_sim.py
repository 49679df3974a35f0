"""Simulator episodes -> MCAP and SQLite3 bags -> offline evaluation with the oracle model."""

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="pybullet is in install_requires")

from vjepa_ros.eval import EvalConfig, evaluate_bag, read_recording, write_episode  # noqa: E402
from vjepa_ros.planning import preset  # noqa: E402
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
