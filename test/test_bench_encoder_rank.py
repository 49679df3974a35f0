"""benchmarks/bench_encoder_rank.py: the effective rank split into scene and arm variation."""

import importlib.util
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def _rank_split():
    spec = importlib.util.spec_from_file_location(
        "bench_encoder_rank", ROOT / "benchmarks" / "bench_encoder_rank.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rank_split


@pytest.mark.parametrize(("scene_dims", "arm_dims", "arm_scale"), [(3, 2, 0.5), (6, 1, 1.0),
                                                                    (2, 5, 2.0)])
def test_rank_split_separates_scene_and_within_episode_variation(scene_dims, arm_dims,
                                                                 arm_scale):
    torch.manual_seed(0)
    episodes, frames, tokens, dim = 12, 10, 4, 32
    scene_basis, arm_basis = torch.randn(scene_dims, dim), torch.randn(arm_dims, dim)
    scene = torch.randn(episodes, 1, tokens, scene_dims) @ scene_basis
    arm = arm_scale * torch.randn(episodes, frames, tokens, arm_dims) @ arm_basis
    split = _rank_split()(scene + arm + torch.randn(1, 1, tokens, dim))  # + a fixed layout
    assert split["rank arm"] <= arm_dims + 0.01 and split["rank arm"] > 0.6 * arm_dims
    assert split["rank scene"] <= scene_dims + arm_dims + 0.01  # means keep a little arm
    assert split["rank all"] <= scene_dims + arm_dims + 0.01
    within = arm - arm.mean(1, keepdim=True)
    centred = scene + arm - (scene + arm).mean((0, 1), keepdim=True)
    expected = float(within.pow(2).sum() / centred.pow(2).sum())
    assert split["arm share"] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="E >= 2"):
        _rank_split()(torch.randn(1, 5, 4, 8))
