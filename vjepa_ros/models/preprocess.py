"""Camera frames -> normalized pixels and encoder clips, as the V-JEPA 2-AC training pipeline does.

DROID training (``app/vjepa_droid/transforms.py``, ``random_resize_scale = 1.777`` so the random
crop never fits and the deterministic fallback is always taken): a central crop whose aspect ratio
w/h is clamped into [0.75, 1.35] (a wider frame keeps its full height and width round(1.35 h); a
frame inside the range is kept whole), a bilinear resize (align_corners False, no antialias) of the
float pixels to the model's size, then ImageNet normalization with mean and std scaled by 255.

The official planning notebook builds the same transform with the aspect range (1, 1) instead:
a central *square* crop (identical for square frames). Pass ``aspect_ratio_range=(1.0, 1.0)``
for that.
"""

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .crop_range import DROID_ASPECT_RATIO_RANGE

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def crop_note(given, recorded, source: str) -> str:
    """Say that a chosen crop range is not the one the model was trained with ("" when it is).

    ``given``: the (min, max) w/h crop asked for (None: none, the file's own applies);
    ``recorded``: the file's record (``trained_aspect_ratio_range``; None: unknown); ``source``:
    the model file as the message names it.
    """
    if given is None or recorded is None or tuple(given) == tuple(recorded):
        return ""
    return (f"model.aspect_ratio_min/max {given[0]:g}..{given[1]:g} differ from the crop "
            f"{source} was trained with ({recorded[0]:g}..{recorded[1]:g}): its predictions "
            "assume that crop; leave both parameters at their defaults to use it")


def central_crop_box(height: int, width: int, aspect_ratio_range=DROID_ASPECT_RATIO_RANGE):
    """(top, left, crop_height, crop_width) of the aspect-clamped central crop."""
    low, high = min(aspect_ratio_range), max(aspect_ratio_range)
    if low <= 0:
        raise ValueError(f"aspect_ratio_range must be positive, got {aspect_ratio_range}")
    ratio = float(width) / float(height)
    if ratio < low:  # too tall: full width, height cut
        crop_w, crop_h = width, int(round(width / low))
    elif ratio > high:  # too wide: full height, width cut
        crop_h, crop_w = height, int(round(height * high))
    else:
        crop_h, crop_w = height, width
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


def _as_uint8_batch(frames, device) -> Tensor:
    """[B, H, W, 3] uint8 tensor on device from an array/tensor [H, W, 3] or [B, H, W, 3]."""
    tensor = torch.from_numpy(np.ascontiguousarray(frames)) if isinstance(frames, np.ndarray) \
        else frames
    if not isinstance(tensor, Tensor):
        raise TypeError(f"frames must be a numpy array or a torch tensor, got {type(frames)}")
    if tensor.dtype != torch.uint8:
        raise ValueError(f"frames must be uint8 (0..255), got {tensor.dtype}")
    if tensor.ndim == 3:
        tensor = tensor[None]
    if tensor.ndim != 4 or tensor.shape[-1] != 3:
        raise ValueError(f"frames must be [H, W, 3] or [B, H, W, 3] (HWC), got "
                         f"{tuple(tensor.shape)}")
    if tensor.shape[0] == 0 or tensor.shape[1] == 0 or tensor.shape[2] == 0:
        raise ValueError(f"empty frames {tuple(tensor.shape)}")
    return tensor.to(device)


def preprocess_frames(
    frames,
    img_size: int | tuple[int, int] = 256,
    bgr: bool = False,
    aspect_ratio_range=DROID_ASPECT_RATIO_RANGE,
    device=None,
) -> Tensor:
    """Turn uint8 HWC frames of any size into normalized pixels [B, 3, H, W] float32.

    ``frames``: an array/tensor [H, W, 3] or [B, H, W, 3], or a sequence of [H, W, 3] frames (their
    sizes may differ). ``bgr=True`` for OpenCV-ordered channels. ``device``: where to compute
    (default: where the frames are).
    """
    if isinstance(frames, Sequence) and not isinstance(frames, (str, bytes)):
        if not frames:
            raise ValueError("frames is an empty sequence")
        return torch.cat([preprocess_frames(frame, img_size, bgr, aspect_ratio_range, device)
                          for frame in frames])
    batch = _as_uint8_batch(frames, device)
    if bgr:
        batch = batch.flip(-1)
    pixels = _cropped_resized(batch, img_size, aspect_ratio_range)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32, device=pixels.device) * 255.0
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32, device=pixels.device) * 255.0
    return (pixels - mean[:, None, None]) / std[:, None, None]


def _cropped_resized(batch: Tensor, img_size, aspect_ratio_range) -> Tensor:
    """Float pixels [B, 3, H', W'] 0..255 of uint8 frames [B, H, W, 3]: crop, then resize."""
    out_h, out_w = (img_size, img_size) if isinstance(img_size, int) else img_size
    pixels = batch.permute(0, 3, 1, 2).to(torch.float32)  # [B, 3, H, W], 0..255
    top, left, crop_h, crop_w = central_crop_box(pixels.shape[2], pixels.shape[3],
                                                 aspect_ratio_range)
    pixels = pixels[:, :, top:top + crop_h, left:left + crop_w]
    return F.interpolate(pixels, size=(out_h, out_w), mode="bilinear", align_corners=False)


def resize_frames(frames: np.ndarray, img_size: int,
                  aspect_ratio_range=DROID_ASPECT_RATIO_RANGE) -> np.ndarray:
    """Return uint8 frames [T, H, W, 3] cropped and resized to [T, img_size, img_size, 3].

    :func:`preprocess_frames`' crop and resize (the aspect-clamped central crop, bilinear,
    align_corners False), rounded to whole grey levels (within 0.5 of its float pixels), so
    that ``preprocess_frames`` of the result (an identity resize) equals that of ``frames`` to
    0.5 / 255 / std: how ``vjepa-ros pretrain`` keeps frames at the size the encoder sees.
    Works through ~2**25 pixel values at a time (float32 copies of 1280x720 frames stay
    ~128 MB). Raises ValueError as :func:`preprocess_frames` for frames that are not uint8 HWC.
    """
    frames = np.asarray(frames)
    out = np.empty((len(frames), img_size, img_size, 3), np.uint8)
    chunk = max(1, 2**25 // max(1, frames[:1].size))
    for start in range(0, len(frames), chunk):
        batch = _as_uint8_batch(frames[start:start + chunk], "cpu")
        pixels = _cropped_resized(batch, img_size, aspect_ratio_range)
        out[start:start + chunk] = pixels.round().clamp(0, 255).to(torch.uint8).permute(
            0, 2, 3, 1).numpy()
    return out


def frames_to_clip(pixels: Tensor, tubelet_size: int = 2) -> Tensor:
    """Repeat each frame [B, 3, H, W] into one tubelet: clip [B, 3, tubelet_size, H, W]."""
    if pixels.ndim != 4:
        raise ValueError(f"pixels must be [B, 3, H, W], got {tuple(pixels.shape)}")
    return pixels[:, :, None].expand(-1, -1, tubelet_size, -1, -1)
