"""Whether a camera gave the same picture twice: one mechanics, a :class:`RepeatRule` per use.

Three places judge a repeated picture (a hung driver re-publishing its last image, a slow camera
behind a faster republisher, a camera that does not see the arm): the camera check skips a
motion whose frame did not change (``eval.camera_check_unchanged.CHECK``), the captures refuse a
frame that repeats an earlier capture's image (``robot.capture_pictures.CAPTURE``), training
drops a step whose frame did not change under the arm's motion (``train.stale_frames.TRAINING``).
A wrong "same" costs each something else (a skipped motion, a refused capture, a dropped step),
so each has its own numbers, chosen by its own measurement beside it; the mechanics are these:

- **The sample**: every k-th pixel along each side, ``k = ceil(max(H, W) / sample_side)`` (at
  most ``sample_side`` pixels a side), copied [h, w, C] in the frame's dtype.
- **A changed pixel**: some channel differs by more than ``grey_levels`` grey levels.
- **The same picture**: two frames of one shape and dtype whose changed pixels are fewer than
  ``floor`` of the pixels: of the sample's, or with ``whole_frame`` of the full frame's (the
  sample is then an exact shortcut: its changed pixels are the frame's, so when they alone reach
  the floor the frames differ), and, where the rule has them, no broad change (:class:`Broad`:
  the difference averaged over a box, a soft picture's motion) and no change of the sample's mean
  level by more than ``mean_levels`` in some channel (light or exposure: a repeat keeps it).
No overlay rule: frames that differ only in one small box (a time stamp or frame counter drawn
into a frozen image) are different pictures. mend55a's box (at most 0.5 % of the image) took a
real 1-4 cm motion seen far, through a wide lens, at a low resolution or with the arm partly in
view for such an overlay (breaker55k); fix55k took it off every use, and dropping a real step,
skipping a real check motion or refusing a real capture is worse than missing a frozen camera
that draws a counter (the known gap: test_picture_overlays' strict xfails).

ROS-free, below ``eval/`` and ``train/`` (``train`` imports no ``eval``: test_core_is_ros_free).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Broad:
    """A soft picture's motion: the difference averaged over ``box`` x ``box`` px squares.

    Two frames differ broadly when that average exceeds ``levels`` grey levels in some channel in
    at least ``share`` of the pixels (a copy's dither, noise or re-encoding averages out).
    """

    box: int
    levels: float
    share: float


@dataclasses.dataclass(frozen=True)
class RepeatRule:
    """One use's numbers for "the same picture" (module docstring).

    ``sample_side`` [px]: the sample's pixels a side at most (>= 1); ``grey_levels``: a pixel
    changed by more than this in some channel (of 255); ``floor``: the same picture below this
    share [0, 1] of changed pixels; ``whole_frame``: the share is the full frame's (the sample a
    shortcut), else the sample's; ``broad``: also differ on a broad change (needs
    ``whole_frame``); ``mean_levels``: also differ when the samples' means differ by more;
    """

    sample_side: int
    grey_levels: int
    floor: float
    whole_frame: bool = False
    broad: Broad | None = None
    mean_levels: float | None = None

    def __post_init__(self):
        if self.sample_side < 1 or not 0 < self.floor <= 1:
            raise ValueError(f"RepeatRule: sample_side {self.sample_side} must be >= 1 and floor "
                             f"{self.floor} in (0, 1]")
        if self.broad is not None and not self.whole_frame:
            raise ValueError("RepeatRule: a broad rule judges the full frames: whole_frame=True")


@dataclasses.dataclass(frozen=True, eq=False)
class Picture:
    """What a :class:`RepeatRule` compares of one frame [H, W(, C)].

    ``shape``, ``dtype``: the frame's; ``sample`` [h, w, C]: a copy (uint8: 18 kB of a 640x480
    frame at 64 a side); ``frame``: the frame itself, not copied (only for a ``whole_frame``
    rule: do not write to it while the picture is used); ``mean`` [C] float64: the sample's mean
    per channel (only for a ``mean_levels`` rule).
    """

    shape: tuple
    dtype: np.dtype
    sample: np.ndarray
    frame: np.ndarray | None = None
    mean: np.ndarray | None = None


def picture(frame, rule: RepeatRule) -> Picture:
    """Return the :class:`Picture` of ``frame`` [H, W(, C)] that ``rule`` compares.

    Raises ValueError for a frame of fewer than 2 dimensions (no picture).
    """
    if isinstance(frame, Picture):
        if (rule.whole_frame and frame.frame is None) or \
                (rule.mean_levels is not None and frame.mean is None):
            raise ValueError("a picture made for another rule: make it with this rule")
        return frame
    frame = np.asarray(frame)
    if frame.ndim < 2:
        raise ValueError(f"a picture is a frame [H, W(, C)], not an array of shape {frame.shape}")
    step = _step(frame.shape, rule)
    sample = np.array(frame[::step, ::step], copy=True)
    sample = sample.reshape(*sample.shape[:2], -1)
    whole = np.ascontiguousarray(frame) if rule.whole_frame else None
    mean = (sample.reshape(-1, sample.shape[-1]).mean(0) if rule.mean_levels is not None
            else None)
    return Picture(tuple(frame.shape), frame.dtype, sample, whole, mean)


def changed_mask(a: np.ndarray, b: np.ndarray, grey_levels: int) -> np.ndarray:
    """Return the mask [..., H, W] bool of pixels changed by more than ``grey_levels``.

    ``a``, ``b``: arrays [..., H, W, C] of one dtype (or broadcasting); a pixel changed when some
    channel differs by more. uint8 without widening, the channels or-ed one by one (``any(-1)``
    over 3 channels is ~10x slower: a capture compares up to 16 full 640x480 pictures).
    """
    if a.dtype == np.uint8 and b.dtype == np.uint8:
        changed = (np.maximum(a, b) - np.minimum(a, b)) > grey_levels
    else:
        changed = np.abs(a.astype(np.float64) - b.astype(np.float64)) > grey_levels
    folded = changed[..., 0].copy()
    for channel in range(1, changed.shape[-1]):
        folded |= changed[..., channel]
    return folded


def _pixels(a: Picture, rule: RepeatRule) -> int:
    """Return the pixels the rule's share is of: the full frame's or the sample's."""
    return math.prod(a.shape[:2]) if rule.whole_frame else math.prod(a.sample.shape[:2])


def changed_share(a, b, rule: RepeatRule) -> float:
    """Return the share [0, 1] of pixels changed by more than ``rule.grey_levels`` (1: not alike).

    ``a``, ``b``: frames or pictures (:func:`picture`); of the full frames with
    ``rule.whole_frame``, else of the samples; frames of other shapes or dtypes: 1.0.
    """
    a, b = picture(a, rule), picture(b, rule)
    if a.shape != b.shape or a.dtype != b.dtype:
        return 1.0
    pixels = _pixels(a, rule)
    if not pixels:
        return 0.0
    first, second = (a.frame, b.frame) if rule.whole_frame else (a.sample, b.sample)
    first = first.reshape(*first.shape[:2], -1)
    second = second.reshape(*second.shape[:2], -1)
    return float(np.count_nonzero(changed_mask(first, second, rule.grey_levels)) / pixels)


def same_picture(a, b, rule: RepeatRule) -> bool:
    """Return True when frames (or pictures (:func:`picture`)) ``a``, ``b`` are the same picture.

    The same picture: one shape and dtype, fewer than ``rule.floor`` of the pixels changed, and
    neither a broad change nor a mean-level change where ``rule`` has them (module docstring).
    """
    return same_as(picture(a, rule), [picture(b, rule)], rule) == 0


def same_as(mine: Picture, earlier: list[Picture], rule: RepeatRule) -> int | None:
    """Return the index of the first of ``earlier`` that is the same picture as ``mine``, or None.

    Vectorised over the samples (a camera check of a 1200-step bag compares each frame with
    hundreds); only the pictures the samples leave in doubt are compared in full, in order.
    """
    kin = [i for i, other in enumerate(earlier)
           if other.shape == mine.shape and other.dtype == mine.dtype]
    if not kin:
        return None
    pixels = _pixels(mine, rule)
    limit = rule.floor * pixels
    stack = np.stack([earlier[i].sample for i in kin])
    masks = changed_mask(stack, mine.sample[None], rule.grey_levels)
    alike = masks.reshape(len(kin), -1).sum(1) < limit
    if rule.mean_levels is not None:
        means = np.stack([earlier[i].mean for i in kin])
        alike &= ~np.any(np.abs(means - mine.mean) > rule.mean_levels, axis=1)
    for row in np.flatnonzero(alike):
        if not rule.whole_frame or _same_in_full(earlier[kin[row]], mine, rule, limit, pixels):
            return kin[row]
    return None


def _step(shape: tuple, rule: RepeatRule) -> int:
    """Return k: the sample takes every k-th pixel of a frame of ``shape`` along each side."""
    return max(1, math.ceil(max(shape[:2]) / rule.sample_side))


def _same_in_full(a: Picture, b: Picture, rule: RepeatRule, limit: float, pixels: int) -> bool:
    """Return the full frames' part of a ``whole_frame`` rule: sharply, then broadly."""
    first = a.frame.reshape(*a.frame.shape[:2], -1)
    second = b.frame.reshape(*b.frame.shape[:2], -1)
    if np.count_nonzero(changed_mask(first, second, rule.grey_levels)) >= limit:
        return False
    return rule.broad is None or _broad_change(a.frame, b.frame, rule.broad) < \
        rule.broad.share * pixels


def _broad_change(a: np.ndarray, b: np.ndarray, broad: Broad) -> int:
    """Return how many pixels' mean difference over ``broad.box`` px changed by > its levels."""
    import cv2  # held: the camera check and the captures judge no broad change

    difference = a.astype(np.float32) - b.astype(np.float32)
    mean = cv2.blur(difference, (broad.box, broad.box), borderType=cv2.BORDER_REFLECT)
    changed = np.abs(mean) > broad.levels
    return int(np.count_nonzero(changed.any(-1) if changed.ndim == 3 else changed))
