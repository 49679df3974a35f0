"""Random resized crops (and horizontal flips) of pretraining clips, one box per clip.

Source: V-JEPA's video transform (``facebookresearch/jepa`` ``src/datasets/utils/video/
transforms.py`` via ``app/vjepa/transforms.py``; configs ``data_aug``: ``random_resize_scale``
[0.3, 1.0], ``random_resize_aspect_ratio`` [0.75, 1.35], horizontal flip on): the box is drawn as
torchvision's ``RandomResizedCrop`` draws it (area fraction uniform in ``scale``, aspect ratio
w/h log-uniform in ``ratio``, up to 10 tries, then the whole frame) and applied to every frame of
the clip, so a clip stays one continuous video; the crop is resized back bilinearly.
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F
from torch import Tensor

from vjepa_ros.train.pretrain_config import check_crop_ranges


@dataclasses.dataclass(frozen=True)
class ClipAugment:
    scale: tuple[float, float] = (0.3, 1.0)  # area fraction of the frame kept
    ratio: tuple[float, float] = (0.75, 1.35)  # width / height of the box
    flip: bool = True  # mirror half of the clips left-right

    def __post_init__(self):
        check_crop_ranges(self.scale, self.ratio)

    def __call__(self, clips: Tensor, generator: torch.Generator) -> Tensor:
        """Crop-resize (and maybe flip) each clip of [B, C, T, H, W]; same shape back."""
        out = torch.empty_like(clips)
        height, width = clips.shape[-2:]
        for index, clip in enumerate(clips):
            top, left, box_h, box_w = crop_box(height, width, self.scale, self.ratio, generator)
            frames = clip[:, :, top:top + box_h, left:left + box_w].transpose(0, 1)  # [T, C, h, w]
            if (box_h, box_w) != (height, width):
                frames = F.interpolate(frames, size=(height, width), mode="bilinear",
                                       align_corners=False)
            if self.flip and float(torch.rand((), generator=generator)) < 0.5:
                frames = frames.flip(-1)
            out[index] = frames.transpose(0, 1)
        return out


def crop_box(height: int, width: int, scale, ratio,
             generator: torch.Generator, tries: int = 10) -> tuple[int, int, int, int]:
    """(top, left, box height, box width) of one random resized crop (module doc)."""
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
    return 0, 0, height, width
