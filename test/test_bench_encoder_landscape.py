"""benchmarks/bench_encoder_landscape.py: per-goal landscape numbers and paired differences."""

import numpy as np
import pytest
import torch

from benchmarks import bench_encoder_landscape as bench  # repository root on sys.path: conftest


def _positions(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform([0.35, -0.25, 0.1], [0.65, 0.25, 0.5], (count, 3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_landscape_scores_features_that_are_the_positions_as_perfect(seed):
    positions = _positions(60, seed)
    # Energy = mean |dx|, distance = |dx|_2: not the same order in general; a 1-D line is.
    line = positions.copy()
    line[:, 1:] = 0.3
    per_goal = bench.landscape_per_goal(torch.from_numpy(line[:, :1] * 7), line, goals=10)
    assert per_goal.shape == (10, 3)
    assert np.nanmin(per_goal) == pytest.approx(1.0)
    # Features unrelated to the positions score near 0, and far below the positions themselves.
    noise = torch.from_numpy(np.random.default_rng(seed + 10).normal(size=(60, 5)))
    unrelated = bench.landscape(noise, positions, goals=10)
    related = bench.landscape(torch.from_numpy(positions), positions, goals=10)
    assert abs(unrelated[0]) < 0.3 and related[0] > 0.8 and related[2] > unrelated[2] + 0.2


def test_landscape_leaves_goals_without_near_poses_out_of_the_near_columns():
    positions = np.array([[0.0, 0, 0], [0.1, 0, 0], [0.15, 0, 0], [0.2, 0, 0], [2.0, 0, 0]])
    per_goal = bench.landscape_per_goal(torch.from_numpy(positions[:, :1]), positions, goals=5)
    assert np.isnan(per_goal[4, 1:]).all() and not np.isnan(per_goal[:4]).any()
    assert np.isfinite(bench.landscape(torch.from_numpy(positions[:, :1]), positions, 5)).all()


def test_paired_differences_counts_scenes_and_goals():
    reference = [np.full((4, 3), 0.5), np.full((4, 3), 0.6)]
    better = [np.array([[0.6, 0.5, 0.4]] * 4), np.array([[0.7, np.nan, 0.5]] * 4)]
    paired = bench.paired_differences(better, reference)
    np.testing.assert_allclose(paired["scene_diff"], [[0.1, 0.0, -0.1], [0.1, np.nan, -0.1]])
    assert paired["scene_wins"].tolist() == [2, 0, 0]
    assert paired["goal_wins"].tolist() == [8, 0, 0]
    assert paired["goals"].tolist() == [8, 4, 8]
    with pytest.raises(ValueError, match="same scenes and goals"):
        bench.paired_differences(better[:1], reference)
    with pytest.raises(ValueError, match="same scenes and goals"):
        bench.paired_differences([np.zeros((3, 3))] * 2, reference)


def test_a_cache_file_stopped_while_written_is_not_left_for_the_next_run(tmp_path, monkeypatch):
    """--cache: a stop mid-write left a truncated .npz that the next run loaded (and failed on)."""
    from types import SimpleNamespace

    from vjepa_ros import saved_outputs

    frames, states = np.zeros((3, 8, 8, 3), np.uint8), np.ones((3, 7), np.float32)
    monkeypatch.setattr(bench, "render_poses", lambda *args: (frames, states))
    save = np.savez_compressed

    def stopped_while_writing(target, **arrays):
        half = b"PK\x03\x04 half an archive"
        target.write(half) if hasattr(target, "write") else open(target, "wb").write(half)
        raise KeyboardInterrupt

    args = SimpleNamespace(cache=str(tmp_path), randomize=False, poses=3, size=8)
    monkeypatch.setattr(np, "savez_compressed", stopped_while_writing)
    with pytest.raises(KeyboardInterrupt):
        bench.cached_poses(args, seed=5)
    assert list(tmp_path.iterdir()) == []  # neither the cache file nor its partial
    monkeypatch.setattr(np, "savez_compressed", save)
    try:
        assert bench.cached_poses(args, seed=5)[2] == "rendered"
        loaded = bench.cached_poses(args, seed=5)
    finally:
        saved_outputs.forget()
    assert loaded[2] == "loaded" and np.array_equal(loaded[1], states)
    assert [p.name for p in tmp_path.iterdir()] == ["poses_default_5_3x8.npz"]
