"""benchmarks/bench_encoder_rank.py: the effective rank split into scene and arm variation."""

import sys

import numpy as np
import pytest
import torch

from benchmarks import bench_encoder_rank as bench  # repository root on sys.path: conftest
from vjepa_ros.train.collapse import collapse_monitors, effective_rank
from vjepa_ros.train.pretrain import PretrainConfig, encode_still, seeded_encoder
from vjepa_ros.train.pretrain_data import load_clip_segments, spread_frames
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder


@pytest.mark.parametrize(("scene_dims", "arm_dims", "arm_scale"), [(3, 2, 0.5), (6, 1, 1.0),
                                                                    (2, 5, 2.0)])
def test_rank_split_separates_scene_and_within_episode_variation(scene_dims, arm_dims,
                                                                 arm_scale):
    torch.manual_seed(0)
    episodes, frames, tokens, dim = 12, 10, 4, 32
    scene_basis, arm_basis = torch.randn(scene_dims, dim), torch.randn(arm_dims, dim)
    scene = torch.randn(episodes, 1, tokens, scene_dims) @ scene_basis
    arm = arm_scale * torch.randn(episodes, frames, tokens, arm_dims) @ arm_basis
    split = bench.rank_split(scene + arm + torch.randn(1, 1, tokens, dim))  # + a fixed layout
    assert split["rank arm"] <= arm_dims + 0.01 and split["rank arm"] > 0.6 * arm_dims
    assert split["rank scene"] <= scene_dims + arm_dims + 0.01  # means keep a little arm
    assert split["rank all"] <= scene_dims + arm_dims + 0.01
    within = arm - arm.mean(1, keepdim=True)
    centred = scene + arm - (scene + arm).mean((0, 1), keepdim=True)
    expected = float(within.pow(2).sum() / centred.pow(2).sum())
    assert split["arm share"] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="E >= 2"):
        bench.rank_split(torch.randn(1, 5, 4, 8))


@pytest.mark.parametrize(("img_size", "patch"), [(32, 8), (64, 16), (48, 16)])
def test_pixel_tokens_cut_each_patch_into_one_layer_normed_tubelet_token(img_size, patch):
    # In patch (r, c) only the pixel at offset (r, c) inside the patch is white: after the
    # token cut, token r * side + c must peak at that offset in each of the 3 channels and both
    # (repeated) frames of the tubelet, flattened as the patch embedding's [3, t, p, p].
    side = img_size // patch
    frame = np.zeros((img_size, img_size, 3), np.uint8)
    for r in range(side):
        for c in range(side):
            frame[r * patch + r % patch, c * patch + c % patch] = 255
    tokens = bench.pixel_tokens(np.stack([frame, frame]), img_size, patch)
    assert tokens.shape == (2, side * side, 3 * 2 * patch * patch)
    torch.testing.assert_close(tokens.mean(-1), torch.zeros(2, side * side), atol=1e-5, rtol=0)
    torch.testing.assert_close(tokens.var(-1, unbiased=False), torch.ones(2, side * side),
                               atol=1e-3, rtol=0)
    for r in range(side):
        for c in range(side):
            token = tokens[0, r * side + c].reshape(3, 2, patch * patch)
            assert (token.argmax(-1) == (r % patch) * patch + c % patch).all()


@pytest.mark.parametrize("rank", [1, 3, 6])
def test_random_projection_keeps_the_rank_of_low_rank_tokens(rank):
    torch.manual_seed(rank)
    tokens = torch.randn(40, 4, rank) @ torch.randn(rank, 300) + torch.randn(300)
    projected = bench.random_projection(tokens, 48)
    assert projected.shape == (40, 4, 48)
    torch.testing.assert_close(projected, bench.random_projection(tokens, 48))  # seeded
    assert not torch.allclose(projected, bench.random_projection(tokens, 48, seed=1))
    torch.testing.assert_close(projected.mean(-1), torch.zeros(40, 4), atol=1e-5, rtol=0)
    # A linear map keeps the span (rank directions + the offset); layer norm scales each token
    # and adds at most the all-ones direction: rank + 2, far below the 48 dimensions.
    centred = (projected - projected.mean(0, keepdim=True)).flatten(0, 1)
    assert effective_rank(centred) <= rank + 2 + 1e-6
    assert effective_rank(centred) > 0.5 * rank


@pytest.mark.usefixtures("one_thread")
def test_main_prints_pixel_rows_and_the_monitors_pretrain_starts_from(tmp_path, monkeypatch,
                                                                      capsys):
    data = tmp_path / "episodes"
    write_blob_episodes(data, 4, frames=6, size=32)
    encoder = write_tiny_encoder(tmp_path / "tiny.pt")
    monkeypatch.setattr(sys, "argv", [
        "bench.py", "--data", str(data), "--encoder", str(encoder),
        "--episodes", "3", "--frames", "5", "--pixels", "--monitor-frames", "10"])
    bench.main()
    assert torch.is_grad_enabled()  # main() must not switch autograd off for the rest of the suite
    lines = capsys.readouterr().out.splitlines()
    monitor_at = next(i for i, line in enumerate(lines) if line.startswith("collapse monitors"))
    split_rows, monitor_rows = lines[2:monitor_at], lines[monitor_at + 2:]
    names = [str(encoder)[-48:], "same architecture, seeded random weights",
             "pixels (384 per token)", "pixels -> 32 (random projection)"]
    for rows in (split_rows, monitor_rows):
        assert [row[:48].rstrip() for row in rows] == names
    # The seeded row's monitors are what `vjepa-ros pretrain` computes at step 0 (same frames,
    # same seeded weights).
    config = PretrainConfig(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2,
                            monitor_frames=10)
    frames = spread_frames(load_clip_segments([data], config.frames_per_clip, log=None), 10)
    start = collapse_monitors(encode_still(seeded_encoder(config), frames, config.img_size))
    printed = monitor_rows[1][48:].split()
    assert printed[:3] == [f"{start['feature_std']:.4f}", f"{start['effective_rank']:.1f}",
                           f"{start['pairwise_distance']:.4f}"]
    assert 1 <= int(printed[3]) <= 32 and 0 < float(printed[4]) <= 1


@pytest.mark.parametrize(("weights", "dims"), [([10.0, 0.1, 0.1], 1), ([1.0, 1.0, 1.0, 1.0], 4),
                                               ([3.0, 2.0, 1.5, 0.3], 3), ([2.0, 2.0, 0.5], 2)])
def test_variance_spread_counts_the_directions_holding_90_percent(weights, dims):
    # Orthogonal directions with the given std (codes centred per position, then made
    # orthonormal), plus a fixed per-position layout the centring must remove: the variance
    # shares are weights^2 / sum(weights^2).
    torch.manual_seed(0)
    basis = torch.linalg.qr(torch.randn(16, len(weights)))[0].T  # [k, 16] orthonormal rows
    codes = torch.randn(400, 3, len(weights)).double()
    codes = torch.linalg.qr((codes - codes.mean(0)).flatten(0, 1))[0].unflatten(0, (400, 3))
    scale = torch.tensor(weights).double()
    features = codes * scale @ basis.double() + torch.randn(1, 3, 16).double()
    found_dims, found_top = bench.variance_spread(features)
    assert found_dims == dims
    assert found_top == pytest.approx(float(scale[0] ** 2 / scale.pow(2).sum()), rel=1e-6)
