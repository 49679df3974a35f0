"""Camera images as numpy arrays: decoding ROS image messages and image files without cv_bridge.

Everything here works on plain attributes (``height``, ``width``, ``encoding``, ``step``,
``data``), so it needs no ROS install; the nodes pass their ``sensor_msgs`` messages straight in.
Every malformed input raises :class:`ImageError` with a message that says what is wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# encoding -> (channels, channel order is BGR)
ENCODINGS = {
    "rgb8": (3, False),
    "bgr8": (3, True),
    "rgba8": (4, False),
    "bgra8": (4, True),
    "mono8": (1, False),
}


class ImageError(ValueError):
    """A camera image that cannot be used: unsupported encoding, bad size or corrupt data."""


def image_msg_to_rgb(msg) -> np.ndarray:
    """Decode a ``sensor_msgs/Image``-like object into a new ``[H, W, 3]`` uint8 RGB array."""
    encoding = str(msg.encoding).lower()
    if encoding not in ENCODINGS:
        raise ImageError(
            f"unsupported image encoding '{msg.encoding}' (supported: {', '.join(ENCODINGS)})"
        )
    channels, is_bgr = ENCODINGS[encoding]
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height <= 0 or width <= 0:
        raise ImageError(f"empty image: {width}x{height} pixels")
    row_bytes = width * channels
    if step < row_bytes:
        raise ImageError(
            f"image step {step} is smaller than width*channels = {row_bytes} for '{encoding}'"
        )
    data = np.frombuffer(bytes(msg.data), dtype=np.uint8)
    if data.size != step * height:
        raise ImageError(
            f"image data has {data.size} bytes, expected step*height = {step}*{height} = "
            f"{step * height}"
        )
    pixels = data.reshape(height, step)[:, :row_bytes].reshape(height, width, channels)
    if channels == 1:
        return np.repeat(pixels, 3, axis=2)
    pixels = pixels[..., :3]
    if is_bgr:
        pixels = pixels[..., ::-1]
    return np.ascontiguousarray(pixels)


def rgb_to_image_fields(rgb: np.ndarray, encoding: str = "rgb8") -> dict:
    """Return ``sensor_msgs/Image`` fields holding ``rgb`` ``[H, W, 3]`` as rgb8 or bgr8."""
    rgb = check_rgb(rgb)
    if encoding not in ("rgb8", "bgr8"):
        raise ImageError(f"can only publish rgb8 or bgr8, not '{encoding}'")
    pixels = rgb[..., ::-1] if encoding == "bgr8" else rgb
    height, width = pixels.shape[:2]
    return {
        "height": height,
        "width": width,
        "encoding": encoding,
        "is_bigendian": 0,
        "step": width * 3,
        "data": np.ascontiguousarray(pixels).tobytes(),
    }


def check_rgb(rgb) -> np.ndarray:
    """Return ``rgb`` as a ``[H, W, 3]`` uint8 array, or raise :class:`ImageError`."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ImageError(f"expected uint8 pixels, got {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError(f"expected an [H, W, 3] image, got shape {tuple(rgb.shape)}")
    return rgb


def decode_compressed(fmt: str, data: bytes) -> np.ndarray:
    """Decode a ``sensor_msgs/CompressedImage`` payload (JPEG or PNG) into ``[H, W, 3]`` RGB."""
    import cv2

    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    if buf.size == 0:
        raise ImageError(f"compressed image ('{fmt}') has no data")
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError(f"cannot decode compressed image with format '{fmt}' ({buf.size} bytes)")
    return np.ascontiguousarray(bgr[..., ::-1])


def encode_compressed(rgb: np.ndarray, fmt: str = "jpeg", jpeg_quality: int = 90
                      ) -> tuple[str, np.ndarray]:
    """Encode ``[H, W, 3]`` uint8 RGB as JPEG or PNG: (image_transport format string, bytes).

    The format string follows image_transport: "<encoding>; <codec> compressed <codec encoding>".
    """
    import cv2

    if fmt not in ("jpeg", "png"):
        raise ImageError(f"compressed image format must be 'jpeg' or 'png', not {fmt!r}")
    bgr = np.ascontiguousarray(check_rgb(rgb)[..., ::-1])
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if fmt == "jpeg" else []
    ok, buf = cv2.imencode(f".{'jpg' if fmt == 'jpeg' else 'png'}", bgr, params)
    if not ok:
        raise ImageError(f"cannot encode a {rgb.shape} frame as {fmt}")
    return f"rgb8; {fmt} compressed bgr8", buf.reshape(-1).astype(np.uint8)


def load_image_file(path: str | Path) -> np.ndarray:
    """Read a PNG/JPEG/... file into ``[H, W, 3]`` uint8 RGB."""
    import cv2

    path = Path(path).expanduser()
    if not path.is_file():
        raise ImageError(f"image file not found: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError(f"cannot read {path} as an image (corrupt or unsupported format)")
    return np.ascontiguousarray(bgr[..., ::-1])


def save_image_file(path: str | Path, rgb: np.ndarray) -> Path:
    """Write ``[H, W, 3]`` uint8 RGB to an image file whose format follows the suffix."""
    import cv2

    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(check_rgb(rgb)[..., ::-1])):
        raise ImageError(f"cannot write image file {path}")
    return path
