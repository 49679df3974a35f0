"""V-JEPA pretraining parts: mask statistics, schedules, EMA, collapse monitors."""

import math

import numpy as np
import pytest
import torch

from vjepa_ros.train.collapse import collapse_monitors, collapse_warnings, effective_rank
from vjepa_ros.train.pretrain_masks import (
    LONG_RANGE,
    SHORT_RANGE,
    MaskConfig,
    sample_block_mask,
    sample_block_size,
)
from vjepa_ros.train.pretrain_schedule import (
    cosine_weight_decay,
    ema_momentum,
    ema_update,
    warmup_cosine_lr,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


@pytest.mark.parametrize("spec", [SHORT_RANGE, LONG_RANGE, MaskConfig(3, [0.05, 0.3], [0.5, 2.0])])
@pytest.mark.parametrize("grid", [(16, 16), (8, 8), (14, 18)])
def test_block_sizes_follow_the_configured_scale_and_aspect_ratio(spec, grid):
    rows, cols = grid
    generator = torch.Generator().manual_seed(1)
    sizes = np.array([sample_block_size(rows, cols, spec, generator) for _ in range(400)])
    area = sizes.prod(1) / (rows * cols)
    ratio = sizes[:, 0] / sizes[:, 1]
    low, high = spec.spatial_scale
    # Rounding height and width to whole tokens moves the area by at most ~one row + column.
    slack = (rows + cols) / (rows * cols)
    assert area.max() <= high + slack
    free = (sizes[:, 0] < rows) & (sizes[:, 1] < cols)  # not clipped at the grid's border
    assert free.sum() >= 20
    assert area[free].min() >= low - slack
    assert abs(area[free].mean() - (low + high) / 2) < slack / 2
    if high * rows * cols >= 30:  # large enough blocks: the ratio survives rounding
        inside = (ratio >= spec.aspect_ratio[0] - 0.3) & (ratio <= spec.aspect_ratio[1] + 0.3)
        assert inside.mean() > 0.95
        assert ratio.min() < 1.0 < ratio.max() or spec.aspect_ratio[0] > 1


def test_masks_are_tubes_that_split_the_grid_with_the_published_coverage():
    generator = torch.Generator().manual_seed(0)
    covered = {SHORT_RANGE.num_blocks: [], LONG_RANGE.num_blocks: []}
    for _ in range(200):
        for spec in (SHORT_RANGE, LONG_RANGE):
            mask = sample_block_mask((2, 8, 8), spec, generator)
            context, target = set(mask.context.tolist()), set(mask.target.tolist())
            assert not context & target and context | target == set(range(128))
            spatial = mask.target[mask.target < 64]
            torch.testing.assert_close(mask.target[mask.target >= 64], spatial + 64)  # a tube
            assert len(context) >= 2  # >= 1 spatial position in each of 2 time steps
            covered[spec.num_blocks].append(len(spatial) / 64)
    short, long = np.mean(covered[8]), np.mean(covered[2])
    # 8 blocks of 0.15 overlap to about 1 - 0.85^8 = 0.73 minus edge effects; 2 of 0.7 to ~0.9.
    assert 0.55 < short < 0.8 and 0.8 < long < 0.97 and long > short
    one = sample_block_mask((1, 10, 10), MaskConfig(1, [0.25, 0.25], [1.0, 1.0]), generator)
    assert len(one.target) == 25  # one 5x5 block


def test_masks_are_seeded_and_bad_settings_raise():
    first = sample_block_mask((2, 8, 8), SHORT_RANGE, torch.Generator().manual_seed(3))
    again = sample_block_mask((2, 8, 8), SHORT_RANGE, torch.Generator().manual_seed(3))
    assert torch.equal(first.target, again.target)
    with pytest.raises(ValueError, match="too small"):
        sample_block_mask((1, 1, 8), SHORT_RANGE, torch.Generator())
    with pytest.raises(ValueError, match="context"):
        sample_block_mask((1, 4, 4), MaskConfig(4, [1.0, 1.0], [1.0, 1.0]), torch.Generator())
    for bad in ({"num_blocks": 0}, {"spatial_scale": [0.0, 0.2]}, {"aspect_ratio": [2.0, 1.0]}):
        with pytest.raises(ValueError, match="MaskConfig"):
            MaskConfig(**bad)


def test_learning_rate_warms_up_then_follows_the_cosine():
    total, warmup = 125, 13
    rates = [warmup_cosine_lr(s, total, warmup, 2e-4, 6.25e-4, 1e-6) for s in range(100)]
    assert rates[0] == pytest.approx(2e-4 + (6.25e-4 - 2e-4) / 13)
    assert rates[12] == pytest.approx(6.25e-4)
    assert all(a >= b for a, b in zip(rates[13:], rates[14:], strict=False))
    middle = warmup + (total - warmup) // 2
    assert warmup_cosine_lr(middle, total, warmup, 0, 1.0, 0.0) == pytest.approx(0.5, abs=0.02)
    assert warmup_cosine_lr(total, total, warmup, 0, 1.0, 0.1) == pytest.approx(0.1)
    assert rates[-1] > 1e-6 * 10  # ipe_scale 1.25: training stops before the floor


def test_weight_decay_and_momentum_schedules_reach_their_ends():
    # update s gets the official CosineWDSchedule's value after its (s + 1)-th step
    assert cosine_weight_decay(0, 100, 0.04, 0.4) == pytest.approx(
        0.4 - 0.36 * 0.5 * (1 + math.cos(math.pi / 100)))
    assert cosine_weight_decay(49, 100, 0.04, 0.4) == pytest.approx(0.22)
    assert cosine_weight_decay(99, 100, 0.04, 0.4) == pytest.approx(0.4)
    assert cosine_weight_decay(500, 100, 0.04, 0.4) == pytest.approx(0.4)
    assert ema_momentum(0, 80, 0.99925, 1.0) == pytest.approx(0.99925)
    assert ema_momentum(40, 80, 0.998, 1.0) == pytest.approx(0.999)
    assert ema_momentum(80, 80, 0.998, 1.0) == pytest.approx(1.0)


def test_ema_update_moves_the_target_by_one_minus_momentum():
    torch.manual_seed(0)
    online, target = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = [p.clone() for p in target.parameters()]
    ema_update(target, online, 0.9)
    for old, new, o in zip(before, target.parameters(), online.parameters(), strict=True):
        torch.testing.assert_close(new, 0.9 * old + 0.1 * o)
    ema_update(target, online, 1.0)  # momentum 1 freezes the target
    ema_update(target, online, 0.0)  # momentum 0 copies the online module
    for new, o in zip(target.parameters(), online.parameters(), strict=True):
        torch.testing.assert_close(new, o)
    with pytest.raises(ValueError, match="differ"):
        ema_update(torch.nn.Linear(3, 2), torch.nn.Sequential(), 0.5)


def test_effective_rank_counts_the_used_dimensions():
    torch.manual_seed(0)
    assert effective_rank(torch.eye(6)) == pytest.approx(6.0)
    assert effective_rank(torch.diag(torch.tensor([1.0, 1.0, 0.0]))) == pytest.approx(2.0)
    assert effective_rank(torch.zeros(4, 3)) == 0.0
    low_rank = torch.randn(200, 2) @ torch.randn(2, 32)
    assert effective_rank(low_rank) < 2.01
    assert effective_rank(torch.randn(500, 32)) > 25


def _monitors(features):
    return collapse_monitors(torch.nn.functional.layer_norm(features, features.shape[-1:]))


def test_collapse_monitors_tell_collapsed_from_healthy_features():
    torch.manual_seed(0)
    frames, tokens, dim = 48, 8, 32
    healthy = _monitors(torch.randn(frames, tokens, dim))
    shared = torch.randn(1, tokens, dim)
    collapsed = _monitors(shared + 0.05 * torch.randn(frames, tokens, dim))
    squeezed = _monitors(torch.randn(frames, tokens, 2) @ torch.randn(2, dim))  # 2 directions
    assert healthy["feature_std"] > 0.9 and collapsed["feature_std"] < 0.1
    assert healthy["pairwise_distance"] > 1.0 and collapsed["pairwise_distance"] < 0.1
    assert healthy["effective_rank"] > 25 and squeezed["effective_rank"] < 3.5
    # Complete collapse can keep a high rank of tiny residues: the other two monitors catch it.
    floors = {"feature_std": 0.5, "effective_rank": 0.5, "pairwise_distance": 0.5}
    assert collapse_warnings(healthy, healthy, floors) == []
    warned = collapse_warnings(healthy, collapsed, floors)
    assert [line.split()[0] for line in warned] == ["feature_std", "pairwise_distance"]
    assert "effective_rank" in collapse_warnings(healthy, squeezed, floors)[0] or any(
        "effective_rank" in line for line in collapse_warnings(healthy, squeezed, floors))
    with pytest.raises(ValueError, match="N >= 2"):
        collapse_monitors(torch.randn(1, 4, 8))
    with pytest.raises(ValueError, match="N >= 2"):
        collapse_monitors(torch.randn(4, 8))


def test_pairwise_distance_is_the_planner_energy_between_frames():
    features = torch.tensor([[[0.0, 0.0]], [[1.0, 3.0]], [[2.0, 2.0]]])
    # pairs: |(1,3)|=2, |(2,2)|=2, |(1,-1)|=1 (means over 2 dims); mean over pairs 5/3
    assert collapse_monitors(features)["pairwise_distance"] == pytest.approx(5 / 3)
    assert collapse_monitors(features)["feature_std"] == pytest.approx(
        float(np.mean([np.std([0, 1, 2], ddof=1), np.std([0, 3, 2], ddof=1)])))
    assert math.isfinite(collapse_monitors(torch.zeros(3, 2, 2))["effective_rank"])
