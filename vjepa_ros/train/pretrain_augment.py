"""Random resized crops (and horizontal flips) of pretraining clips, one box per clip.

Source: V-JEPA 2's video transform (``facebookresearch/vjepa2`` ``app/vjepa_2_1/transforms.py``
``VideoTransform`` with ``src/datasets/utils/video/transforms.py`` ``random_resized_crop``;
configs ``data_aug``: ``random_resize_scale`` [0.3, 1.0], ``random_resize_aspect_ratio`` [0.75,
1.35], horizontal flip on). Its order: the box is cut from the decoded frame (an area fraction of
the frame's own pixels, uniform in ``scale``; an aspect ratio w/h of its own pixels, log-uniform
in ``ratio``; up to 10 tries, then the central crop with its aspect ratio clamped into
``ratio``), then resized bilinearly (align_corners False) to the square the encoder sees, then
flipped, then normalized. The box is applied to every frame of the clip, so a clip stays one
continuous video. (Before session 54 the box was cut from the frame already resized to the
square: a wider frame's boxes were wider than ``ratio`` in its own pixels, and a small box had
less detail.)
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import Tensor

from vjepa_ros.models.preprocess import central_crop_box, preprocess_frames
from vjepa_ros.train.pretrain_config import check_crop_ranges


@dataclasses.dataclass(frozen=True)
class ClipAugment:
    scale: tuple[float, float] = (0.3, 1.0)  # area fraction of the frame kept
    ratio: tuple[float, float] = (0.75, 1.35)  # width / height of the box
    flip: bool = True  # mirror half of the clips left-right

    def __post_init__(self):
        check_crop_ranges(self.scale, self.ratio)

    def __call__(self, frames: Tensor, img_size: int, generator: torch.Generator,
                 device=None) -> Tensor:
        """Crop, resize, maybe flip and normalize clips of decoded frames (module doc).

        ``frames``: uint8 [B, T, H, W, 3] RGB (the frames as recorded, any size), or a list
        of B clips [T, H, W, 3] of several sizes (two cameras), each cropped from its own.
        Returns normalized pixels [B, 3, T, img_size, img_size] float32 on ``device``
        (default: where the frames are), as ``models.preprocess.preprocess_frames``
        normalizes them.
        """
        clips = []
        for clip in frames:
            height, width = clip.shape[1:3]
            top, left, box_h, box_w = crop_box(height, width, self.scale, self.ratio, generator)
            # the box as it is (its own aspect ratio: no second crop), resized to the square
            pixels = preprocess_frames(clip[:, top:top + box_h, left:left + box_w], img_size,
                                       aspect_ratio_range=(box_w / box_h, box_w / box_h),
                                       device=device)  # [T, 3, S, S]
            if self.flip and float(torch.rand((), generator=generator)) < 0.5:
                pixels = pixels.flip(-1)
            clips.append(pixels.transpose(0, 1))
        return torch.stack(clips)


def crop_box(height: int, width: int, scale, ratio,
             generator: torch.Generator, tries: int = 10) -> tuple[int, int, int, int]:
    """(top, left, box height, box width) [px] of one random resized crop of a frame.

    ``height`` x ``width``: the decoded frame's size [px]; ``scale``: the box's area fraction
    range; ``ratio``: its width / height range. No box fits in ``tries``: the central crop
    with the frame's aspect ratio clamped into ``ratio`` (the whole frame when it lies within).
    """
    area = height * width
    log_low, log_high = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(tries):
        u, v, a, b = torch.rand(4, generator=generator).tolist()
        target = area * (scale[0] + (scale[1] - scale[0]) * u)
        aspect = math.exp(log_low + (log_high - log_low) * v)
        box_w = round(math.sqrt(target * aspect))
        box_h = round(math.sqrt(target / aspect))
        if 0 < box_w <= width and 0 < box_h <= height:
            return (int(a * (height - box_h + 1)), int(b * (width - box_w + 1)), box_h, box_w)
    return central_crop_box(height, width, ratio)
