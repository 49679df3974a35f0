"""The start-up check of the pretraining masks, and the line of a run that fails mid-way.

fix50c (breaker50c): a mask whose drawn block sizes can cover the whole token grid, or whose
blocks cover it on nearly every draw, is refused before the run; an error mid-way says which
steps it lost.
"""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from test_pretrain_encoder import square_videos, tiny_config

from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.pretrain_command import lost_steps
from vjepa_ros.train.pretrain_config import MaskConfig, PretrainConfig
from vjepa_ros.train.pretrain_data import ClipSampler
from vjepa_ros.train.pretrain_mask_check import corner_cover_chance, mask_problem
from vjepa_ros.train.pretrain_masks import sample_block_size

pytestmark = pytest.mark.usefixtures("one_thread")


def _covered_fraction(height, width, side, blocks):
    """Return the exact fraction of position draws whose rectangles cover the grid."""
    positions = list(itertools.product(range(side - height + 1), range(side - width + 1)))
    covered = 0
    for draw in itertools.product(positions, repeat=blocks):
        grid = np.zeros((side, side), bool)
        for top, left in draw:
            grid[top:top + height, left:left + width] = True
        covered += grid.all()
    return covered / len(positions) ** blocks


@pytest.mark.parametrize("height, width, blocks", [(6, 8, 3), (8, 5, 2), (7, 7, 2), (7, 7, 4),
                                                   (8, 8, 2), (4, 4, 3)])
def test_the_corner_chance_bounds_the_exact_cover_fraction(height, width, blocks):
    """Exact where a corner pair decides (6x8, 8x5), an upper bound otherwise (7x7: no cover)."""
    exact = _covered_fraction(height, width, 8, blocks)
    bound = corner_cover_chance(height, width, 8, 8, blocks)
    assert bound >= exact - 1e-12
    if height == 8 or width == 8:
        assert bound == pytest.approx(exact, abs=1e-12)


def test_the_defaults_pass_at_128_and_256_px():
    """The shipped masks at 8x8 and 16x16, and a 2x2 grid, are accepted."""
    for size in (128, 256, 32):
        PretrainConfig(img_size=size)
    for spec in (PretrainConfig().mask_short, PretrainConfig().mask_long):
        assert mask_problem("m", spec.num_blocks, spec.spatial_scale, spec.aspect_ratio, 8,
                            "x") is None


@pytest.mark.parametrize("scale", [[0.7, 0.95], [0.9, 0.9], [0.2, 1.0]])
def test_a_range_reaching_a_whole_grid_block_is_refused_naming_it(scale):
    """One line naming mask_short's spatial_scale, the grid and a high end that passes."""
    with pytest.raises(ValueError) as info:
        PretrainConfig(mask_short=MaskConfig(1, scale, [0.75, 1.5]))
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith("PretrainConfig.mask_short.spatial_scale")
    assert "8x8 token grid (img_size 128 / patch_size 16)" in line and "e.g. 0.89" in line


def test_the_suggested_high_end_draws_no_whole_grid_block():
    """spatial_scale [0.7, 0.89] passes and 20000 draws never give an 8x8 block."""
    spec = MaskConfig(2, [0.7, 0.89], [0.75, 1.5])
    PretrainConfig(mask_long=spec)
    generator = torch.Generator().manual_seed(0)
    sizes = {sample_block_size(8, 8, spec, generator) for _ in range(20000)}
    assert (8, 8) not in sizes and (8, 7) in sizes


def test_blocks_that_cover_the_grid_on_nearly_every_draw_are_refused():
    """16 blocks of 0.7 (6x8 among them: 99.7 % of draws cover) refused naming num_blocks."""
    with pytest.raises(ValueError, match=r"^PretrainConfig\.mask_long: 16 rectangles of 6x8 "
                       r".*give fewer num_blocks"):
        PretrainConfig(mask_long=MaskConfig(16, [0.7, 0.7], [0.75, 1.5]))
    PretrainConfig(mask_long=MaskConfig(8, [0.7, 0.7], [0.75, 1.5]))  # 80 % of draws: passes


def test_an_error_mid_way_carries_and_words_the_steps_lost(monkeypatch):
    """A mask error at step 4 of 5: the error carries 3 steps done; the line says they are lost."""
    calls = []
    real = pretrain_module.sample_block_mask

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 7:  # the first mask of step 4
            raise ValueError("could not draw a mask")
        return real(*args, **kwargs)

    monkeypatch.setattr(pretrain_module, "sample_block_mask", failing)
    config = tiny_config(steps=5, monitor_every=100)
    videos = square_videos(2)
    sampler = ClipSampler(videos, config.frames_per_clip, config.img_size, 0.25,
                          torch.Generator().manual_seed(0))
    with pytest.raises(ValueError) as info:
        pretrain_module.pretrain_encoder(sampler, np.concatenate(videos)[:4], config, log=None)
    assert info.value.pretrain_steps_done == 3
    assert lost_steps(info.value, []) == (
        "; lost: the 3 steps done (not saved), nothing was saved (--save-every N keeps files "
        "along the way); pretrain has no --resume: a rerun starts at step 0")
    assert "the last --save-every file enc.step2.pt stays" in lost_steps(
        info.value, [Path("enc.step2.pt")])
    assert lost_steps(ValueError("before"), []) == ""
