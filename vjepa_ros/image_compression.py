"""``sensor_msgs/CompressedImage`` payloads: decoding into RGB and encoding as JPEG or PNG.

Decoded and encoded by OpenCV; image_transport's format strings name the encoding. Re-exported by
:mod:`vjepa_ros.images`.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.image_encodings import (
    NOT_COLOUR,
    PUBLISH_HINT,
    SINGLE_CHANNEL_16,
    _to_8bit,
    channels_to_rgb,
)
from vjepa_ros.image_errors import EncodingError, ImageError, check_rgb
from vjepa_ros.image_limits import transparency_problem


def decode_compressed(fmt: str, data: bytes, *, goal: bool = False) -> np.ndarray:
    """Decode a ``sensor_msgs/CompressedImage`` payload into ``[H, W, 3]`` uint8 RGB.

    ``fmt`` is image_transport's format string: ``"jpeg"``, ``"png"``, or ``"<encoding>;
    <codec> compressed <encoding fed to the codec>"`` (``"rgb8; jpeg compressed bgr8"``). The
    payload is decoded by OpenCV (JPEG, PNG, WebP, ...); 16-bit colour PNG is scaled to 8 bit
    (v / 257); a codec fed RGB instead of OpenCV's BGR (``compressed rgb8``) keeps its channel
    order. Depth (``compressedDepth``, a 16UC1/mono16 source, single-channel 16-bit pixels) and
    video codecs (theora, h264, ...) are refused with the fix (:class:`EncodingError`). Alpha
    is dropped whatever it holds, unless ``goal`` (a goal image): then an image with
    transparent pixels is refused (:func:`vjepa_ros.image_limits.transparency_problem`, as for
    a goal file or a raw 4-channel goal; :class:`ImageError`).
    """
    import cv2

    text = str(fmt).lower()
    if "compresseddepth" in text or text.partition(";")[0].strip() in NOT_COLOUR:
        raise EncodingError(f"compressed image format '{fmt}' is a compressed depth or infrared "
                            "image: subscribe to the colour stream's /compressed topic (format "
                            "'rgb8; jpeg compressed bgr8') instead", fmt)
    if any(codec in text for codec in ("theora", "h264", "h265", "hevc", "av1", "ffmpeg", "vp8",
                                       "vp9")):
        raise EncodingError(f"compressed image format '{fmt}' is a video stream: record the raw "
                            "topic or its /compressed (jpeg/png) transport instead", fmt)
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    if buf.size == 0:
        raise ImageError(f"compressed image ('{fmt}') has no data")
    image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageError(f"cannot decode compressed image with format '{fmt}' ({buf.size} bytes)")
    if image.dtype == np.uint16 and image.ndim == 2:
        raise EncodingError(f"compressed image ('{fmt}') decodes to {SINGLE_CHANNEL_16}: "
                            "subscribe to the colour stream's /compressed topic instead", fmt)
    if image.dtype not in (np.uint8, np.uint16):
        raise EncodingError(f"compressed image ('{fmt}') decodes to {image.dtype} pixels: "
                            f"{PUBLISH_HINT}", fmt)
    fed_rgb = text.rpartition("compressed")[2].strip() in ("rgb8", "rgba8", "rgb16", "rgba16")
    if goal and image.ndim == 3 and image.shape[-1] == 4:
        alpha = image[..., 3] if image.dtype == np.uint8 else _to_8bit(image[..., 3])
        problem = transparency_problem(alpha)
        if problem:
            raise ImageError(f"compressed image ('{fmt}') {problem}")
    # grey, BGR(A) or (fed RGB) RGB(A), 8 or 16 bit: a topic's raw pixels' one rule
    return np.ascontiguousarray(channels_to_rgb(image[..., None] if image.ndim == 2 else image,
                                                "rgb" if fed_rgb else "bgr"))


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
