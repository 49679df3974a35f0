"""Per-sample masks (the official collator) and random resized crops of pretraining clips."""

import numpy as np
import pytest
import torch

from vjepa_ros.models import build_encoder
from vjepa_ros.train.pretrain import PretrainConfig
from vjepa_ros.train.pretrain_augment import ClipAugment, crop_box
from vjepa_ros.train.pretrain_masks import (
    LONG_RANGE,
    SHORT_RANGE,
    MaskConfig,
    sample_batch_masks,
    sample_block_mask,
)
from vjepa_ros.train.pretrain_predictor import MaskPredictor

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


@pytest.mark.parametrize("grid", [(2, 8, 8), (1, 6, 9), (3, 5, 5)])
@pytest.mark.parametrize("spec", [SHORT_RANGE, LONG_RANGE, MaskConfig(3, [0.1, 0.3], [0.5, 2.0])])
def test_per_sample_masks_keep_the_shared_masks_statistics(grid, spec):
    tokens = int(np.prod(grid))
    generator = torch.Generator().manual_seed(0)
    per_sample, shared, rows_differ = [], [], 0
    for _ in range(60):
        batch = sample_batch_masks(grid, spec, 6, generator)
        assert batch.context.shape[0] == batch.target.shape[0] == 6
        for context, target in zip(batch.context, batch.target, strict=True):
            assert not set(context.tolist()) & set(target.tolist())
            assert torch.all(context.diff() > 0) and torch.all(target.diff() > 0)  # sorted
            assert 0 <= int(context.min()) and int(target.max()) < tokens
        rows_differ += not all(torch.equal(row, batch.target[0]) for row in batch.target)
        per_sample.append(batch.target.shape[1] / tokens)
        shared.append(len(sample_block_mask(grid, spec, generator).target) / tokens)
    # Trimming to the batch's shortest list drops a few targets, nothing more.
    assert np.mean(shared) - 0.12 < np.mean(per_sample) <= np.mean(shared) + 0.03
    if spec.num_blocks < 4 or grid[1] * grid[2] > 40:
        assert rows_differ >= 50  # the samples' rectangles are drawn apart


@pytest.mark.parametrize("spec", [MaskConfig(1, [0.25, 0.25], [1.0, 1.0]),
                                  MaskConfig(1, [0.1, 0.5], [0.75, 1.5])])
def test_one_block_size_per_batch_so_single_blocks_need_no_trimming(spec):
    generator = torch.Generator().manual_seed(2)
    rows, cols = 10, 12
    areas = []
    for _ in range(40):
        batch = sample_batch_masks((2, rows, cols), spec, 4, generator)
        spatial = batch.target[:, batch.target[0] < rows * cols]
        for row in batch.target:  # every sample: a whole rectangle, a tube over both times
            first = row[row < rows * cols]
            torch.testing.assert_close(row[len(first):], first + rows * cols)
            r, c = first // cols, first % cols
            height, width = int(r.max() - r.min() + 1), int(c.max() - c.min() + 1)
            assert height * width == len(first)
        assert batch.context.shape[1] + batch.target.shape[1] == 2 * rows * cols
        areas.append(spatial.shape[1] / (rows * cols))
    low, high = spec.spatial_scale
    slack = (rows + cols) / (rows * cols)
    assert abs(np.mean(areas) - (low + high) / 2) < slack


def test_per_sample_masks_are_seeded_and_bad_settings_raise():
    first = sample_batch_masks((2, 8, 8), SHORT_RANGE, 4, torch.Generator().manual_seed(5))
    again = sample_batch_masks((2, 8, 8), SHORT_RANGE, 4, torch.Generator().manual_seed(5))
    assert torch.equal(first.context, again.context) and torch.equal(first.target, again.target)
    with pytest.raises(ValueError, match="batch_size"):
        sample_batch_masks((2, 8, 8), SHORT_RANGE, 0, torch.Generator())
    with pytest.raises(ValueError, match="context"):
        sample_batch_masks((1, 4, 4), MaskConfig(4, [1.0, 1.0], [1.0, 1.0]), 2, torch.Generator())


def test_encoder_and_predictor_take_one_index_row_per_sample():
    torch.manual_seed(0)
    encoder = build_encoder(img_size=32, patch_size=8, embed_dim=48, depth=2, num_heads=2).eval()
    predictor = MaskPredictor(48, (2, 4, 4), 24, depth=1, num_heads=2).eval()
    clips = torch.randn(3, 3, 4, 32, 32)
    keep = torch.tensor([[0, 5, 6, 20], [1, 2, 3, 31], [7, 8, 16, 17]])
    target = torch.tensor([[1, 9], [0, 30], [4, 24]])
    with torch.no_grad():
        together = encoder(clips, keep=keep)
        predicted = predictor(together, keep, target)
        for row in range(3):
            alone = encoder(clips[row:row + 1], keep=keep[row])
            torch.testing.assert_close(together[row:row + 1], alone)
            torch.testing.assert_close(predicted[row:row + 1],
                                       predictor(alone, keep[row], target[row]))
    assert predicted.shape == (3, 2, 48)
    for bad in (keep[:2], keep[None], torch.tensor([[0, 32]] * 3), torch.zeros(3, 0).long()):
        with pytest.raises(ValueError, match="keep"):
            encoder(clips, keep=bad)


def test_crop_boxes_follow_the_configured_scale_and_aspect_ratio():
    generator = torch.Generator().manual_seed(0)
    boxes = np.array([crop_box(64, 96, (0.3, 1.0), (0.75, 1.35), generator)
                      for _ in range(500)])
    top, left, height, width = boxes.T
    assert (top >= 0).all() and (left >= 0).all()
    assert (top + height <= 64).all() and (left + width <= 96).all()
    area, ratio = height * width / (64 * 96), width / height
    drawn = area < 0.999  # not the whole-frame fallback
    assert drawn.mean() > 0.8
    assert area[drawn].min() > 0.28 and ratio[drawn].min() > 0.72 and ratio[drawn].max() < 1.4
    assert 0.5 < area[drawn].mean() < 0.7  # uniform in [0.3, 1] minus the boxes that do not fit
    assert crop_box(8, 8, (1.0, 1.0), (1.0, 1.0), generator) == (0, 0, 8, 8)
    assert crop_box(8, 8, (0.9, 1.0), (3.0, 4.0), generator) == (0, 0, 8, 8)  # never fits


def test_one_crop_per_clip_applied_to_all_its_frames():
    generator = torch.Generator().manual_seed(1)
    base = torch.randn(16, 3, 1, 24, 24)
    clips = base + torch.arange(4.0).view(1, 1, 4, 1, 1)  # frame t = frame 0 + t
    out = ClipAugment((0.3, 1.0), (0.75, 1.35), flip=False)(clips, generator)
    assert out.shape == clips.shape
    # Crop and bilinear resize are linear and keep constants: the same box on every frame.
    torch.testing.assert_close(out - out[:, :, :1], clips - clips[:, :, :1])
    changed = (out[:, :, 0] - clips[:, :, 0]).flatten(1).abs().amax(1) > 1e-4
    assert changed.sum() >= 12
    same = ClipAugment((1.0, 1.0), (0.75, 1.35), flip=False)(clips, generator)
    torch.testing.assert_close(same, clips)
    flipped = ClipAugment((1.0, 1.0), (0.75, 1.35), flip=True)(clips, generator)
    mirrored = torch.tensor([torch.equal(f, c.flip(-1)) for f, c in zip(flipped, clips,
                                                                          strict=True)])
    kept = torch.tensor([torch.equal(f, c) for f, c in zip(flipped, clips, strict=True)])
    assert (mirrored | kept).all() and 3 <= mirrored.sum() <= 13


def test_config_builds_the_augmentation_and_refuses_bad_ranges():
    assert PretrainConfig().augment() is None  # default: no crop, no flip
    augment = PretrainConfig(random_resize_scale=[0.3, 1.0], random_horizontal_flip=True).augment()
    assert augment == ClipAugment((0.3, 1.0), (0.75, 1.35), True)
    assert PretrainConfig(random_horizontal_flip=True).augment().scale == (1.0, 1.0)
    for bad in ({"random_resize_scale": [0.0, 1.0]}, {"random_resize_scale": [0.5, 1.2]},
                {"random_resize_scale": [0.3, 1.0], "random_resize_aspect_ratio": [1.3, 0.7]}):
        with pytest.raises(ValueError, match="random_resize"):
            PretrainConfig(**bad)
