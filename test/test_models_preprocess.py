"""Frame preprocessing on the real Franka frames, against an independent numpy reference.

The reference below re-derives the DROID transform from its definition (aspect-clamped central
crop, bilinear resize with align_corners=False and no antialiasing, ImageNet normalization).
Checked once by hand against the official functions themselves (``_get_param_spatial_crop``,
``random_resized_crop`` of ``src/datasets/utils/video/transforms.py`` and
``_tensor_normalize_inplace`` of ``app/vjepa_droid/transforms.py``, facebookresearch/vjepa2
c2963a4, with the DROID setting scale 1.777 / ratio (0.75, 1.35) and the notebook setting
scale 1 / ratio (1, 1)): identical output (max abs error 0.0) for the real 256x256 frames and
random 180x320, 480x640, 640x360, 720x1280 and 301x397 frames.
"""

import numpy as np
import pytest
import torch

from vjepa_ros.models import (
    WorldModel,
    build_encoder,
    central_crop_box,
    frames_to_clip,
    layer_norm_reps,
    preprocess_frames,
)

MEAN = np.array([0.485, 0.456, 0.406]) * 255.0
STD = np.array([0.229, 0.224, 0.225]) * 255.0


def bilinear_reference(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Bilinear resize of [H, W, C] with half-pixel centers (align_corners=False), no antialias."""
    def axis(out_size, in_size):
        src = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
        src = np.clip(src, 0, None)
        low = np.minimum(np.floor(src).astype(int), in_size - 1)
        high = np.minimum(low + 1, in_size - 1)
        return low, high, src - low

    y0, y1, wy = axis(out_h, image.shape[0])
    x0, x1, wx = axis(out_w, image.shape[1])
    image = image.astype(np.float64)
    top = image[y0][:, x0] * (1 - wx)[None, :, None] + image[y0][:, x1] * wx[None, :, None]
    bottom = image[y1][:, x0] * (1 - wx)[None, :, None] + image[y1][:, x1] * wx[None, :, None]
    return top * (1 - wy)[:, None, None] + bottom * wy[:, None, None]


def reference(frame: np.ndarray, size=256, low=0.75, high=1.35) -> np.ndarray:
    height, width = frame.shape[:2]
    ratio = width / height
    crop_h, crop_w = height, width
    if ratio > high:
        crop_w = int(round(height * high))
    elif ratio < low:
        crop_h = int(round(width / low))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = frame[top:top + crop_h, left:left + crop_w]
    return ((bilinear_reference(crop, size, size) - MEAN) / STD).transpose(2, 0, 1)


def test_real_frames_at_model_size_are_only_normalized(franka_example):
    frames = franka_example["frames"]  # [2, 256, 256, 3] uint8 RGB
    pixels = preprocess_frames(frames)
    assert pixels.shape == (2, 3, 256, 256) and pixels.dtype == torch.float32
    expected = (frames.astype(np.float32) - MEAN.astype(np.float32)) / STD.astype(np.float32)
    np.testing.assert_allclose(pixels.permute(0, 2, 3, 1).numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("shape", ["wide", "tall", "inside", "small"])
def test_crop_and_resize_match_reference_on_real_content(franka_example, shape):
    frame = franka_example["frames"][0]
    if shape == "wide":  # 256 x 512, w/h 2 > 1.35: full height, central 346 columns
        frame = np.concatenate([frame, franka_example["frames"][1]], axis=1)
    elif shape == "tall":  # 512 x 256, w/h 0.5 < 0.75: full width, central 341 rows
        frame = np.concatenate([frame, franka_example["frames"][1]], axis=0)
    elif shape == "inside":  # 256 x 300, w/h 1.17: kept whole, squeezed
        frame = np.ascontiguousarray(np.concatenate([frame, frame[:, :44]], axis=1))
    else:  # 100 x 120 crop: upsampled
        frame = np.ascontiguousarray(frame[50:150, 30:150])
    ours = preprocess_frames(frame)[0].numpy()
    np.testing.assert_allclose(ours, reference(frame), atol=2e-4)


def test_crop_boxes():
    assert central_crop_box(180, 320) == (0, 38, 180, 243)  # DROID 320x180: 243 = round(1.35*180)
    assert central_crop_box(640, 360) == (80, 0, 480, 360)  # 480 = round(360 / 0.75)
    assert central_crop_box(480, 640) == (0, 0, 480, 640)  # 4:3 is inside [0.75, 1.35]
    assert central_crop_box(480, 640, (1.0, 1.0)) == (0, 80, 480, 480)  # notebook: square


def test_bgr_single_frames_lists_and_tensors(franka_example):
    frames = franka_example["frames"]
    rgb = preprocess_frames(frames)
    torch.testing.assert_close(preprocess_frames(frames[..., ::-1], bgr=True), rgb)
    torch.testing.assert_close(preprocess_frames(frames[0]), rgb[:1])
    torch.testing.assert_close(preprocess_frames(torch.from_numpy(frames)), rgb)
    mixed = preprocess_frames([frames[0], np.ascontiguousarray(frames[1][:200])])
    assert mixed.shape == (2, 3, 256, 256)
    torch.testing.assert_close(mixed[0], rgb[0])


def test_bad_frames_are_rejected(franka_example):
    frames = franka_example["frames"]
    with pytest.raises(ValueError, match="uint8"):
        preprocess_frames(frames.astype(np.float32))
    with pytest.raises(ValueError, match="HWC"):
        preprocess_frames(frames[..., :2])
    with pytest.raises(ValueError, match="HWC"):
        preprocess_frames(np.transpose(frames, (0, 3, 1, 2)))
    with pytest.raises(TypeError, match="numpy array or a torch tensor"):
        preprocess_frames("frame.png")
    with pytest.raises(ValueError, match="empty"):
        preprocess_frames([])


@torch.no_grad()
def test_world_model_encodes_each_frame_as_one_tubelet(franka_example):
    torch.manual_seed(0)
    encoder = build_encoder(embed_dim=48, depth=1, num_heads=2)
    wm = WorldModel(encoder, device="cpu")
    frames = franka_example["frames"]
    reps = wm.encode(frames)
    assert reps.shape == (2, 256, 48) and wm.tokens_per_frame == 256
    # Each token is layer-normed without affine: zero mean, unit variance over features.
    torch.testing.assert_close(reps.mean(-1), torch.zeros(2, 256), atol=1e-5, rtol=0)
    torch.testing.assert_close(reps.var(-1, unbiased=False), torch.ones(2, 256), atol=1e-3,
                               rtol=0)
    clip = torch.stack([preprocess_frames(frames)] * 2, dim=2)  # [B, 3, 2, H, W]: frame twice
    torch.testing.assert_close(reps, layer_norm_reps(encoder(clip)))
    torch.testing.assert_close(frames_to_clip(preprocess_frames(frames)), clip)
    # Frames are encoded independently: the batch does not mix them.
    torch.testing.assert_close(wm.encode(frames[1]), reps[1:])
    torch.testing.assert_close(wm.encode(frames[..., ::-1].copy(), bgr=True), reps)
