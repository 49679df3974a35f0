"""Raw ``sensor_msgs/Image`` encodings: the tables, decoding into RGB and the fields to publish.

:func:`image_msg_to_rgb` decodes every encoding of :data:`ENCODINGS` into ``[H, W, 3]`` uint8
RGB (packed 8/16 bit, YUV 4:2:2, NV21, Bayer); :func:`rgb_to_image_fields` is the way back
(rgb8/bgr8). The tables and the 16-to-8-bit scale serve the compressed decoder
(``image_compression``) and the file loader (``image_files``) too. Re-exported by
:mod:`vjepa_ros.images`.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.image_errors import EncodingError, ImageError, check_rgb
from vjepa_ros.image_limits import transparency_problem

# Packed encodings: name (lower case) -> (channels, bytes per channel, order of the first three).
# 8UCn / 16UCn carry no channel order of their own: cv_bridge publishes OpenCV's BGR(A) as them.
PACKED = {
    "rgb8": (3, 1, "rgb"), "bgr8": (3, 1, "bgr"), "rgba8": (4, 1, "rgb"), "bgra8": (4, 1, "bgr"),
    "mono8": (1, 1, "mono"), "8uc1": (1, 1, "mono"), "8uc3": (3, 1, "bgr"),
    "8uc4": (4, 1, "bgr"), "rgb16": (3, 2, "rgb"), "bgr16": (3, 2, "bgr"),
    "rgba16": (4, 2, "rgb"), "bgra16": (4, 2, "bgr"), "16uc3": (3, 2, "bgr"),
    "16uc4": (4, 2, "bgr"),
}
# Single-channel 16 bit: what depth cameras publish (RealSense depth: 16UC1, millimetres) and
# infrared (Y16: mono16). Decoded as grey they gave an almost black frame without a word.
NOT_COLOUR = ("16uc1", "mono16")
# How a frame or file of single-channel 16-bit pixels is refused, wherever it comes from.
SINGLE_CHANNEL_16 = "single-channel 16-bit pixels, a depth or infrared image"
# YUV 4:2:2, 2 bytes a pixel (sensor_msgs image_encodings: "yuv422" is UYVY, "yuv422_yuy2" is
# YUYV, the RealSense/UVC colour format): byte offsets of Y0, U, Y1, V in each 4-byte pair.
YUV422 = {"yuv422": (1, 0, 3, 2), "uyvy": (1, 0, 3, 2), "yuv422_yuy2": (0, 1, 2, 3),
          "yuyv": (0, 1, 2, 3)}
# Bayer mosaics -> OpenCV demosaicing code (cv_bridge's mapping: OpenCV names the pattern by the
# second row's first two pixels).
BAYER = {"rggb": "COLOR_BayerBG2RGB", "bggr": "COLOR_BayerRG2RGB", "gbrg": "COLOR_BayerGR2RGB",
         "grbg": "COLOR_BayerGB2RGB"}
ENCODINGS = (*PACKED, *YUV422, "nv21", *(f"bayer_{p}{d}" for p in BAYER for d in (8, 16)))
PUBLISH_HINT = ("publish rgb8 or bgr8 (the RealSense driver's default colour format; cv_bridge: "
                "cv2_to_imgmsg(image, encoding='bgr8'))")
# BT.601 luma weights (ITU-R BT.601-7): Y' = KR R' + (1 - KR - KB) G' + KB B'.
KR, KB = 0.299, 0.114


def image_msg_to_rgb(msg, *, goal: bool = False) -> np.ndarray:
    """Decode a ``sensor_msgs/Image``-like object into a new ``[H, W, 3]`` uint8 RGB array.

    Accepts :data:`ENCODINGS`: rgb/bgr(a) 8 and 16 bit, mono8, OpenCV's 8UC1/3/4 and
    16UC3/4 (BGR order, as cv_bridge publishes them), YUV 4:2:2 (``yuv422`` = UYVY,
    ``yuv422_yuy2`` = YUYV) and ``nv21`` through BT.601 limited range (:func:`yuv_to_rgb`),
    Bayer mosaics (demosaiced by OpenCV). 16-bit values (``is_bigendian`` honoured) become 8 bit
    by a fixed scale (v / 257, so 65535 -> 255): the same for every frame, so a frame and a goal
    stay comparable. Alpha is dropped: by default whatever it holds (a camera frame: what the
    camera delivered); ``goal=True`` (a goal image, ``~/goal_image``) first applies the goal
    images' rule (:func:`vjepa_ros.image_limits.transparency_problem`, as for a goal file): an
    image with transparent pixels is refused. Mono is replicated into three channels, row
    padding (``step``) is skipped. Raises :class:`EncodingError` for a depth or infrared stream
    (:data:`NOT_COLOUR`: 16UC1, mono16), a float one or an unknown encoding, and
    :class:`ImageError` for malformed data and (``goal=True``) transparent pixels; both name the
    encoding and the fix.
    """
    encoding = str(msg.encoding).lower()
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height <= 0 or width <= 0:
        raise ImageError(f"empty image: {width}x{height} pixels")
    if encoding in PACKED:
        channels, size, order = PACKED[encoding]
    elif encoding in YUV422:
        channels, size, order = 2, 1, "yuv"
    elif encoding == "nv21":
        channels, size, order = 1, 1, "nv21"
    elif encoding[:6] == "bayer_" and encoding[6:10] in BAYER and encoding[10:] in ("8", "16"):
        channels, size, order = 1, int(encoding[10:]) // 8, "bayer"
    else:
        raise EncodingError(f"unsupported image encoding '{msg.encoding}': "
                            f"{_refusal_hint(encoding)}", str(msg.encoding))
    row_bytes = width * channels * size
    if step < row_bytes:
        raise ImageError(
            f"image step {step} is smaller than width*channels*bytes = {row_bytes} for "
            f"'{encoding}'"
        )
    rows = height * 3 // 2 if order == "nv21" else height
    data = np.frombuffer(bytes(msg.data), dtype=np.uint8)
    if data.size != step * rows:
        raise ImageError(
            f"image data has {data.size} bytes, expected step*height = {step}*{rows} = "
            f"{step * rows} for '{encoding}'"
        )
    pixels = data.reshape(rows, step)[:, :row_bytes]
    if size == 2:
        big = bool(getattr(msg, "is_bigendian", 0))
        pixels = _to_8bit(pixels.view(">u2" if big else "<u2"))  # (it copies, block by block)
    if order == "yuv":
        return _yuv422_to_rgb(pixels.reshape(height, width * 2), encoding, width)
    if order == "nv21":
        return _nv21_to_rgb(pixels, height, width)
    if order == "bayer":
        return _demosaic(pixels.reshape(height, width), encoding[6:10])
    pixels = pixels.reshape(height, width, channels)
    problem = transparency_problem(pixels[..., 3]) if channels == 4 and goal else ""
    if problem:
        raise ImageError(f"'{encoding}' image {problem}")
    return np.ascontiguousarray(channels_to_rgb(pixels, order))


def channels_to_rgb(pixels: np.ndarray, order: str = "rgb") -> np.ndarray:
    """Return pixels ``[..., C]`` as ``[..., 3]`` uint8 RGB, as a topic's packed encoding is read.

    The one rule for pixels of 1, 3 or 4 channels, whether a ``sensor_msgs/Image`` carried them
    (:func:`image_msg_to_rgb`) or an episode file (``episode_file.check_episode_frames``):
    ``pixels`` uint8, or uint16 in either byte order (an .npz saved ``>u2``) scaled to 8 bit by
    the fixed v / 257 (:func:`_to_8bit`); one channel (grey, mono8) repeated into three; a
    fourth (alpha) dropped, whatever it holds;
    ``order`` ``"bgr"``: the first three reversed. Any leading axes ([H, W, C], [T, H, W, C]).
    uint8 RGB comes back as it is (no copy); otherwise a view or a new array. Raises
    ValueError for another channel count or dtype (the callers check them first).
    """
    channels = pixels.shape[-1]
    bits = pixel_bits(pixels.dtype)
    if channels not in (1, 3, 4) or bits is None:
        raise ValueError(f"pixels must be uint8 or uint16 [..., 1, 3 or 4 channels], got "
                         f"{pixels.dtype} {list(pixels.shape)}")
    if bits == 16:
        pixels = _to_8bit(pixels)
    if channels == 1:
        return np.repeat(pixels, 3, axis=-1)
    pixels = pixels[..., :3]
    return pixels[..., ::-1] if order == "bgr" else pixels


def pixel_bits(dtype) -> int | None:
    """Return 8 or 16 for unsigned 1- or 2-byte pixels in either byte order, else None.

    ``np.dtype(">u2") != np.uint16``: a big-endian 16-bit array (saved on a big-endian machine,
    or by ``astype(">u2")``) is 16-bit colour all the same, read through :func:`_to_8bit`.
    """
    dtype = np.dtype(dtype)
    return dtype.itemsize * 8 if dtype.kind == "u" and dtype.itemsize in (1, 2) else None


def _refusal_hint(encoding: str) -> str:
    if encoding in NOT_COLOUR:
        return ("single-channel 16 bit is a depth or infrared stream, not colour: subscribe to "
                f"the colour stream (e.g. /camera/camera/color/image_raw) or {PUBLISH_HINT}")
    if encoding[:2] in ("32", "64") or encoding in ("16sc1", "8sc1"):
        return ("a depth or float image cannot feed the world model; subscribe to the colour "
                f"stream (e.g. /camera/camera/color/image_raw) or {PUBLISH_HINT}")
    return f"supported: {', '.join(ENCODINGS)}; or {PUBLISH_HINT}"


def _to_8bit(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """16-bit -> 8-bit by the fixed scale 255/65535 (rounded): 0 -> 0, 65535 -> 255.

    ``values``: uint16 of at least one dimension, any byte order; returns uint8 of its shape
    (``out`` when given, written in place: a flipped view of the result, say). Exactly
    ``(v * 255 + 32767) // 65535``, computed in 16 bits on ~1 M values at a time (65535 is
    255 * 257: ``v // 257``, plus 1 where the remainder is 129 or more), so an 8000x8000 16-bit
    colour goal needs its 8-bit result and a few MB more, not 32-bit copies of it.
    """
    out = np.empty(values.shape, np.uint8) if out is None else out
    rows = max(1, (1 << 20) // max(1, values[:1].size))
    for start in range(0, len(values), rows):
        block = values[start:start + rows].astype(np.uint16)  # native byte order, a copy
        high = block // 257
        block -= high * 257  # the remainder, 0..256
        high += block >= 129
        out[start:start + rows] = high
    return out


def yuv_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """BT.601 limited-range ("studio swing") Y'CbCr -> RGB, uint8 arrays of one shape -> [..., 3].

    Limited range (Y' 16..235, Cb/Cr 16..240 around 128) is what YUV 4:2:2 from UVC cameras and
    the RealSense colour sensor carries (video signals; full range is JPEG's, whose decoder does
    its own conversion). Coefficients follow from KR = 0.299, KB = 0.114 (ITU-R BT.601-7):
    R = 255/219 (Y' - 16) + 255/224 * 2 (1 - KR) (Cr - 128), B likewise with KB and Cb, G from
    Y' = KR R + KG G + KB B. Values are rounded and clipped to 0..255.
    """
    kg = 1.0 - KR - KB
    luma = (y.astype(np.float32) - 16.0) * (255.0 / 219.0)
    cb = (u.astype(np.float32) - 128.0) * (255.0 / 224.0)
    cr = (v.astype(np.float32) - 128.0) * (255.0 / 224.0)
    red = luma + 2.0 * (1.0 - KR) * cr
    blue = luma + 2.0 * (1.0 - KB) * cb
    green = luma - (2.0 * KB * (1.0 - KB) * cb + 2.0 * KR * (1.0 - KR) * cr) / kg
    rgb = np.stack([red, green, blue], axis=-1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _yuv422_to_rgb(pixels: np.ndarray, encoding: str, width: int) -> np.ndarray:
    if width % 2:
        raise ImageError(f"'{encoding}' needs an even width (two pixels share U and V), got "
                         f"{width}")
    y0, u, y1, v = YUV422[encoding]
    pairs = pixels.reshape(pixels.shape[0], width // 2, 4)
    luma = np.stack([pairs[..., y0], pairs[..., y1]], axis=-1).reshape(pixels.shape[0], width)
    return yuv_to_rgb(luma, np.repeat(pairs[..., u], 2, axis=1), np.repeat(pairs[..., v], 2,
                                                                             axis=1))


def _nv21_to_rgb(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    if height % 2 or width % 2:
        raise ImageError(f"'nv21' needs an even width and height, got {width}x{height}")
    luma = pixels[:height]
    vu = pixels[height:].reshape(height // 2, width // 2, 2)  # V, U interleaved at half size
    v = np.repeat(np.repeat(vu[..., 0], 2, axis=0), 2, axis=1)
    u = np.repeat(np.repeat(vu[..., 1], 2, axis=0), 2, axis=1)
    return yuv_to_rgb(luma, u, v)


def _demosaic(mosaic: np.ndarray, pattern: str) -> np.ndarray:
    import cv2

    if min(mosaic.shape) < 2:
        raise ImageError(f"a Bayer image needs at least 2x2 pixels, got {mosaic.shape}")
    return cv2.cvtColor(np.ascontiguousarray(mosaic), getattr(cv2, BAYER[pattern]))


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
