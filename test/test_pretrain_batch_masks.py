"""Per-sample masks (the official collator) and random resized crops of pretraining clips."""

import numpy as np
import pytest
import torch

from vjepa_ros.models import build_encoder
from vjepa_ros.models.preprocess import IMAGENET_STD, preprocess_frames
from vjepa_ros.train.pretrain import PretrainConfig
from vjepa_ros.train.pretrain_augment import ClipAugment, crop_box
from vjepa_ros.train.pretrain_data import ClipSampler
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
    # never fits: the official fallback, the central crop with the aspect ratio clamped
    assert crop_box(8, 8, (0.9, 1.0), (3.0, 4.0), generator) == (2, 0, 3, 8)
    assert crop_box(90, 160, (0.9, 1.0), (0.75, 1.35), generator) == (0, 19, 90, 122)


def _ramps(height: int, width: int, frames: int) -> np.ndarray:
    """Frames [frames, H, W, 3] uint8 whose red is the column, green the row, blue the frame."""
    rows, columns = np.mgrid[0:height, 0:width]
    return np.stack([np.stack([columns, rows, np.full_like(rows, 10 * t)], -1)
                     for t in range(frames)]).astype(np.uint8)


def _boxes_seen(clips: torch.Tensor) -> np.ndarray:
    """Return the crop boxes [N, 4] (left, top, width, height) [px] clips of ramps show.

    Undoes the normalization; bilinear resizing (no antialias) of a ramp samples it exactly, at
    a box ``w`` px wide cut to S px: its first and last columns ``(S - 1) * w / S`` apart.
    """
    from vjepa_ros.models.preprocess import IMAGENET_MEAN, IMAGENET_STD

    mean = torch.tensor(IMAGENET_MEAN)[:2, None, None] * 255
    std = torch.tensor(IMAGENET_STD)[:2, None, None] * 255
    pixels = clips[:, :2, 0] * std + mean  # [N, 2, S, S]: column, row
    size = clips.shape[-1]
    low, high = pixels.flatten(2).amin(2), pixels.flatten(2).amax(2)
    extent = (high - low) * size / (size - 1)
    start = low - (0.5 * extent / size - 0.5)
    return torch.cat([start, extent], 1).numpy()


def test_the_crop_is_cut_from_the_recorded_frame_then_resized():
    """A 200x120 frame (wider than 1.35): boxes of its own pixels, then the square (official).

    V-JEPA 2's ``random_resized_crop`` draws the box on the decoded frame: its area a fraction
    in [0.3, 1] of the frame's 24,000 px and its width / height in [0.75, 1.35] in the frame's
    pixels. Cutting it from the frame already centre-cropped to 1.35 and squashed to the square
    (before session 54) gave boxes 1.01-1.82 times as wide as high in the frame's pixels, and
    areas from 0.24 of it.
    """
    sampler = ClipSampler([_ramps(120, 200, 3)], 2, 32, 0.0, torch.Generator().manual_seed(4),
                          ClipAugment((0.3, 1.0), (0.75, 1.35), flip=False))
    clips = sampler.sample(400)
    assert clips.shape == (400, 3, 2, 32, 32)
    left, top, width, height = _boxes_seen(clips).T
    assert (left > -0.5).all() and (top > -0.5).all()
    assert (left + width < 200.5).all() and (top + height < 120.5).all()
    aspect, area = width / height, width * height / (200 * 120)
    assert aspect.min() > 0.74 and aspect.max() < 1.37
    assert (aspect < 1.0).mean() > 0.25  # log-uniform in [0.75, 1.35]: 49 % below 1 if all fit
    assert area.min() > 0.28 and area.max() < 0.82  # 1.35 x 120 px wide at most: 0.81
    assert 0.4 < area.mean() < 0.6
    # one box per clip: its frames differ only by their blue (the frame's index), not the box
    torch.testing.assert_close(clips[:, :2, 1], clips[:, :2, 0])


def test_one_crop_per_clip_applied_to_all_its_frames():
    generator = torch.Generator().manual_seed(1)
    frames = torch.from_numpy(_ramps(24, 24, 4)).expand(16, -1, -1, -1, -1)  # [16, 4, H, W, 3]
    out = ClipAugment((0.3, 1.0), (0.75, 1.35), flip=False)(frames, 24, generator)
    assert out.shape == (16, 3, 4, 24, 24)
    whole = preprocess_frames(frames[0], 24).transpose(0, 1)  # [3, 4, 24, 24]
    # Crop and bilinear resize are linear and keep constants: the same box on every frame.
    torch.testing.assert_close(out - out[:, :, :1], (whole - whole[:, :1]).expand_as(out))
    changed = (out[:, :, 0] - whole[None, :, 0]).flatten(1).abs().amax(1) > 1e-4
    assert changed.sum() >= 12
    same = ClipAugment((1.0, 1.0), (0.75, 1.35), flip=False)(frames, 24, generator)
    torch.testing.assert_close(same, whole.expand_as(same))
    flipped = ClipAugment((1.0, 1.0), (0.75, 1.35), flip=True)(frames, 24, generator)
    mirrored = torch.tensor([torch.equal(f, whole.flip(-1)) for f in flipped])
    kept = torch.tensor([torch.equal(f, whole) for f in flipped])
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


@pytest.mark.parametrize("ratio, flip", [((1.0, 1.0), False), ((1.0, 1.0), True),
                                         ((0.75, 1.35), True), ((0.5, 2.0), False)])
def test_frames_kept_at_img_size_show_the_encoder_what_the_recorded_frames_would(ratio, flip):
    """m56t: with scale [1, 1] and aspect ratio [1, 1], frames were cut 1.35 wide at load.

    ``vjepa-ros pretrain`` keeps frames at ``img_size`` when ``crops()`` is off (resize_frames,
    the DROID crop); ``augment()`` then cuts with the configured ratio: [1, 1] must still see the
    recorded frame's central square, as without the resize. (120x60 frames: no box of the
    whole area fits, so every clip takes the central crop, not a box 1 px narrower.)
    """
    from vjepa_ros.models.preprocess import resize_frames

    config = PretrainConfig(random_resize_aspect_ratio=list(ratio), random_horizontal_flip=flip)
    frames = _ramps(60, 120, 2)

    def seen(kept):
        sampler = ClipSampler([kept], 2, 32, 0.0, torch.Generator().manual_seed(3),
                              config.augment())
        return sampler.sample(6)

    recorded = seen(frames)
    kept = seen(frames if config.crops() else resize_frames(frames, 32))
    level = 0.5 / 255 / min(IMAGENET_STD) + 1e-5  # resize_frames rounds to whole grey levels
    for ours, theirs in zip(kept, recorded, strict=True):  # flips: drawn after fewer box tries
        apart = min(float((ours - theirs).abs().max()),
                    float((ours - theirs.flip(-1)).abs().max()) if flip else np.inf)
        assert apart <= level, (ratio, flip, apart)
    if ratio == (1.0, 1.0):  # the recorded frame's central 60x60 square, columns 30..89
        left, top, width, height = _boxes_seen(recorded).T
        np.testing.assert_allclose(width, 60, atol=0.5)
        np.testing.assert_allclose(height, 60, atol=0.5)
        np.testing.assert_allclose(top, 0, atol=0.5)
        if not flip:
            np.testing.assert_allclose(left, 30, atol=0.5)
