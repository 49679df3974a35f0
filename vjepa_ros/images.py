"""Camera images as numpy arrays: decoding ROS image messages and image files without cv_bridge.

Everything here works on plain attributes (``height``, ``width``, ``encoding``, ``step``,
``data``), so it needs no ROS install; the nodes pass their ``sensor_msgs`` messages straight in.
Every malformed input raises :class:`ImageError` with a message that says what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from vjepa_ros.atomic_files import ReplaceError, write_bytes
from vjepa_ros.image_limits import MAX_SIDE_PX, goal_image_problem, image_size_problem

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


class ImageError(ValueError):
    """A camera image that cannot be used: unsupported encoding, bad size or corrupt data."""


class EncodingError(ImageError):
    """A stream the world model cannot use: depth, infrared, float, video or unknown encoding.

    ``encoding``: the message's ``encoding`` (or a ``CompressedImage``'s ``format``), as given.
    The bag reader turns it into its --image-topic advice (``recordings.recording.decode_frame``).
    """

    def __init__(self, message: str, encoding: str):
        super().__init__(message)
        self.encoding = encoding


def decode_image_message(msg) -> np.ndarray:
    """Decode a ``sensor_msgs/Image`` or ``CompressedImage``-like object into ``[H, W, 3]`` RGB.

    The one decoding place of the package (planner node, bag reader): a message with a
    ``format`` field is compressed (:func:`decode_compressed`), else raw
    (:func:`image_msg_to_rgb`).
    """
    if hasattr(msg, "format") and not hasattr(msg, "encoding"):
        return decode_compressed(str(msg.format), msg.data)
    return image_msg_to_rgb(msg)


def image_msg_to_rgb(msg) -> np.ndarray:
    """Decode a ``sensor_msgs/Image``-like object into a new ``[H, W, 3]`` uint8 RGB array.

    Accepts :data:`ENCODINGS`: rgb/bgr(a) 8 and 16 bit, mono8, OpenCV's 8UC1/3/4 and
    16UC3/4 (BGR order, as cv_bridge publishes them), YUV 4:2:2 (``yuv422`` = UYVY,
    ``yuv422_yuy2`` = YUYV) and ``nv21`` through BT.601 limited range (:func:`yuv_to_rgb`),
    Bayer mosaics (demosaiced by OpenCV). 16-bit values (``is_bigendian`` honoured) become 8 bit
    by a fixed scale (v / 257, so 65535 -> 255): the same for every frame, so a frame and a goal
    stay comparable. Alpha is dropped, mono is replicated into three channels, row padding
    (``step``) is skipped. Raises :class:`EncodingError` for a depth or infrared stream
    (:data:`NOT_COLOUR`: 16UC1, mono16), a float one or an unknown encoding, and
    :class:`ImageError` for malformed data; both name the encoding and the fix.
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
        pixels = _to_8bit(pixels.copy().view(">u2" if big else "<u2"))
    if order == "yuv":
        return _yuv422_to_rgb(pixels.reshape(height, width * 2), encoding, width)
    if order == "nv21":
        return _nv21_to_rgb(pixels, height, width)
    if order == "bayer":
        return _demosaic(pixels.reshape(height, width), encoding[6:10])
    pixels = pixels.reshape(height, width, channels)
    if channels == 1:
        return np.repeat(pixels, 3, axis=2)
    pixels = pixels[..., :3]
    if order == "bgr":
        pixels = pixels[..., ::-1]
    return np.ascontiguousarray(pixels)


def _refusal_hint(encoding: str) -> str:
    if encoding in NOT_COLOUR:
        return ("single-channel 16 bit is a depth or infrared stream, not colour: subscribe to "
                f"the colour stream (e.g. /camera/camera/color/image_raw) or {PUBLISH_HINT}")
    if encoding[:2] in ("32", "64") or encoding in ("16sc1", "8sc1"):
        return ("a depth or float image cannot feed the world model; subscribe to the colour "
                f"stream (e.g. /camera/camera/color/image_raw) or {PUBLISH_HINT}")
    return f"supported: {', '.join(ENCODINGS)}; or {PUBLISH_HINT}"


def _to_8bit(values: np.ndarray) -> np.ndarray:
    """16-bit -> 8-bit by the fixed scale 255/65535 (rounded): 0 -> 0, 65535 -> 255."""
    return ((values.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


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


def check_rgb(rgb) -> np.ndarray:
    """Return ``rgb`` as a ``[H, W, 3]`` uint8 array, or raise :class:`ImageError`."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ImageError(f"expected uint8 pixels, got {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError(f"expected an [H, W, 3] image, got shape {tuple(rgb.shape)}")
    return rgb


def decode_compressed(fmt: str, data: bytes) -> np.ndarray:
    """Decode a ``sensor_msgs/CompressedImage`` payload into ``[H, W, 3]`` uint8 RGB.

    ``fmt`` is image_transport's format string: ``"jpeg"``, ``"png"``, or ``"<encoding>;
    <codec> compressed <encoding fed to the codec>"`` (``"rgb8; jpeg compressed bgr8"``). The
    payload is decoded by OpenCV (JPEG, PNG, WebP, ...); 16-bit colour PNG is scaled to 8 bit
    (v / 257); a codec fed RGB instead of OpenCV's BGR (``compressed rgb8``) keeps its channel
    order. Depth (``compressedDepth``, a 16UC1/mono16 source, single-channel 16-bit pixels) and
    video codecs (theora, h264, ...) are refused with the fix (:class:`EncodingError`).
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
    if image.dtype == np.uint16:
        image = _to_8bit(image)
    elif image.dtype != np.uint8:
        raise EncodingError(f"compressed image ('{fmt}') decodes to {image.dtype} pixels: "
                            f"{PUBLISH_HINT}", fmt)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    image = image[..., :3]
    fed_rgb = text.rpartition("compressed")[2].strip() in ("rgb8", "rgba8", "rgb16", "rgba16")
    return np.ascontiguousarray(image if fed_rgb else image[..., ::-1])


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
    """Read a PNG/JPEG/... file into ``[H, W, 3]`` uint8 RGB, strictly: the one goal-image loader.

    The planner node's goal_image_path(s), ``eval --goal`` and the image publisher read files
    here. Pillow reads the size and pixel kind from the header first (size limits in
    :mod:`vjepa_ros.image_limits`; 32-bit float or integer pixels, a depth or HDR TIFF that
    OpenCV cannot decode, refused; so are single-channel 16-bit pixels, a depth or infrared image
    that OpenCV would decode as a nearly black grey one), then decodes the whole file with
    truncated loading off: a file cut short or corrupt is refused, never filled in grey. OpenCV
    then decodes the pixels (EXIF orientation applied; 16-bit colour, a 48-bit PNG, scaled to 8
    bits exactly as an rgb16 topic is: 255/65535, rounded; 8-bit grey and palette images to RGB,
    as the topic's mono8; a file OpenCV cannot decode, Pillow does: 8 bits a channel, EXIF
    orientation applied, e.g. a TIFF turned by 90 degrees, on which OpenCV 5.1 fails; one of more
    bits, or a turned TIFF whose turn Pillow loses, is refused: save it as a PNG) and the decoded
    image gets
    the checks of :func:`vjepa_ros.image_limits.goal_image_problem`, as a goal from the planner's
    topic. Raises :class:`ImageError` (one line naming the file and what to do) for an empty
    path, a missing file, a folder, a file that is not an image, a truncated or corrupt one, one
    of 32-bit or single-channel 16-bit pixels, one with transparent pixels (alpha below 255
    anywhere, in any format: the alpha would be dropped and the pixels show their hidden colour;
    an opaque RGBA file loads), and one too small, too large or too elongated.
    """
    import cv2

    if not str(path).strip():
        raise ImageError("the image path is empty: give an image file (PNG, JPEG, ...)")
    path = Path(path).expanduser()
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image file: give an image file (PNG, "
                         "JPEG, ...)")
    if not path.is_file():
        text = str(path)
        if text != text.strip():  # a pasted path's space: invisible at the end of the line
            raise ImageError(f"image file not found: {text!r} begins or ends in whitespace, "
                             f"which is part of a file name: did you mean {text.strip()!r}?")
        raise ImageError(f"image file not found: {path}")
    kind = _check_image_file(path)
    # 16-bit colour decoded as 16 bits, then scaled as a topic's rgb16 is (_to_8bit: 255/65535;
    # OpenCV's own 8-bit decoding shifts by 8 bits, 1 lower in a quarter of the values: breaker31)
    bgr = None if kind.rotated_tiff else cv2.imread(str(path), cv2.IMREAD_COLOR |
                                                     cv2.IMREAD_ANYDEPTH)
    if bgr is None:  # a format OpenCV cannot decode, that Pillow decoded whole just now
        rgb = _pillow_rgb(path, kind)
    else:
        if bgr.dtype == np.uint16:
            bgr = _to_8bit(bgr)
        elif bgr.dtype != np.uint8:  # 32-bit pixels are refused from the header; never planned on
            raise ImageError(f"{path} holds {bgr.dtype} pixels: give an 8- or 16-bit colour "
                             "image")
        rgb = np.ascontiguousarray(bgr[..., ::-1])
    problem = goal_image_problem(rgb)  # the checks a goal from any source gets, once decoded
    if problem:
        raise ImageError(f"{path} {problem}")
    return rgb


class FileKind(NamedTuple):
    """What Pillow read of an image file's header (:func:`_check_image_file`).

    ``format``: Pillow's name of it ("PNG", "TIFF", ...); ``deep``: more than 8 bits a channel;
    ``rotated_tiff``: a TIFF whose EXIF orientation turns it by 90 degrees (5..8), which OpenCV
    5.1's imread fails on (an internal assertion) where Pillow reads it (breaker42c).
    """

    format: str
    deep: bool
    rotated_tiff: bool


def _pillow_rgb(path: Path, kind: FileKind) -> np.ndarray:
    """Decode an image OpenCV cannot with Pillow: [H, W, 3] uint8 RGB, EXIF orientation applied.

    Refuses, naming what to do (save it as a PNG), a file of more than 8 bits a channel (Pillow
    would cut it to 8 bits otherwise than a topic's rgb16 is scaled), one Pillow cannot decode
    either, and a turned TIFF whose turn cannot be confirmed: Pillow turns a TIFF while loading
    it, and 13.0 loses the turn of a grey one; a square one shows no turn (its sides stay).
    """
    from PIL import Image, ImageOps

    what = f"{kind.format or 'this'} file"
    save = "save it again as a PNG, upright (as the camera saw it)"
    if kind.deep:
        raise ImageError(f"cannot read {path}: OpenCV cannot decode this {what} of more than "
                         f"8 bits a channel (a TIFF turned by its EXIF orientation?): {save}")
    try:
        with Image.open(path) as image:
            shown = image.size  # (width, height) as displayed, for a TIFF from its header
            if kind.rotated_tiff:
                image.load()  # the TIFF plugin turns it here
                if image.size != shown or shown[0] == shown[1]:
                    raise ImageError(f"cannot read {path}: OpenCV cannot decode a TIFF turned by "
                                     f"its EXIF orientation, and Pillow's turn of it cannot be "
                                     f"trusted: {save}")
                rgb = image.convert("RGB")
            else:
                rgb = ImageOps.exif_transpose(image).convert("RGB")
            return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"cannot read {path} as an image (corrupt, or a format OpenCV does not "
                         f"decode: {exc}): {save}") from None


def _check_image_file(path: Path) -> FileKind:
    """Refuse a file Pillow cannot identify, one outside the size limits, or one that is cut.

    Returns what the header says (:class:`FileKind`).
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
            image = Image.open(path)
    except Image.DecompressionBombError:
        raise ImageError(f"{path} claims more than {2 * (Image.MAX_IMAGE_PIXELS or 0)} pixels "
                         f"(a decompression bomb or a huge image): give at most {MAX_SIDE_PX} px "
                         "a side") from None
    except UnidentifiedImageError:
        raise ImageError(f"cannot read {path} as an image (not an image file, or a format "
                         "Pillow does not know): give a PNG or JPEG file") from None
    except PermissionError as exc:
        raise ImageError(f"cannot read {path}: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # cut inside its header
        raise ImageError(f"{path} is truncated or corrupt ({exc}): copy or save the image "
                         "again") from None
    with image:
        problem = _pixel_kind_problem(image) or image_size_problem(image.width, image.height)
        if problem:
            raise ImageError(f"{path} {problem}")
        tags = getattr(image, "tag_v2", None)  # TIFF only; BitsPerSample (258) per channel
        bits = max(tuple(tags.get(258, (0,)))) if tags is not None else 0
        raw_modes = [str(tile[3]) for tile in image.tile or []]  # before load() empties it
        deep = bits > 8 or any(";16" in mode for mode in raw_modes)  # 48-bit PNG: RGB;16B
        orientation = tags.get(0x0112, 1) if tags is not None else 1  # (TIFF) Orientation
        try:
            image.load()  # every pixel decoded: ImageFile.LOAD_TRUNCATED_IMAGES stays False
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(f"{path} is truncated or corrupt ({exc}): copy or save the image "
                             "again") from None
        problem = _transparency_problem(image)  # decoded: the alpha of every pixel is known
        if problem:
            raise ImageError(f"{path} {problem}")
        return FileKind(str(image.format or ""), deep,
                        image.format == "TIFF" and orientation in (5, 6, 7, 8))


def _pixel_kind_problem(image) -> str:
    """Refuse 32-bit float or integer and single-channel 16-bit pixels from the header.

    "" when fine. OpenCV cannot decode 32-bit ones (a TIFF of them made it print a warning line
    of its own before our refusal): a float or 32-bit image is a depth, HDR or measurement image,
    not a camera frame. Single-channel 16-bit (Pillow's modes ``I;16``, ``I;16B``, ``I;16S``, ...
    and ``I`` of 16 bits or fewer: a 16-bit grey PNG, an uint16 or int16 TIFF, a 16-bit PGM) is
    what depth cameras save (millimetres) and infrared ones: OpenCV decoded it as grey, nearly
    black for depth, as the topic path refuses 16UC1 and mono16. 16-bit colour (a 48-bit PNG,
    Pillow's ``RGB``) and 8-bit grey (``L``) pass.
    """
    tags = getattr(image, "tag_v2", None)  # TIFF only; BitsPerSample (258) per channel
    bits = max(tuple(tags.get(258, (0,)))) if tags is not None else 0
    if image.mode == "F" or (image.mode == "I" and bits > 16):
        kind = "floating-point" if image.mode == "F" else "integer"
        return (f"has 32-bit {kind} pixels (a depth, HDR or measurement image, not a camera "
                "frame): give an 8-bit colour image (PNG or JPEG) of the robot's camera")
    if image.mode.startswith("I"):  # "I;16*", or "I" of at most 16 bits (or not said)
        return (f"has {SINGLE_CHANNEL_16}, not colour: give the camera's colour image (an 8-bit "
                "RGB PNG or JPEG)")
    return ""


def _transparency_problem(image) -> str:
    """Refuse an image some of whose pixels are transparent (alpha below full); "" when none are.

    The loader decodes colour only (OpenCV's IMREAD_COLOR, Pillow's ``convert("RGB")``): alpha is
    dropped and a transparent pixel shows its hidden colour, black where an editor erased the
    background, a scene the robot can never reach. Every kind of alpha Pillow reads counts: an
    alpha channel (RGBA and grey+alpha PNG, 16-bit RGBA PNG and TIFF, WebP, TIFF), a palette's
    transparent entries and a transparent colour key (PNG tRNS, GIF). A fully opaque one (alpha
    255 everywhere, as screenshots are saved) passes. 16-bit alpha is judged by its upper 8 bits
    (Pillow's decoding): above 99.6 % opaque counts as opaque.
    """
    if not image.has_transparency_data:
        return ""
    alpha = np.asarray(image.convert("RGBA").getchannel("A"))
    seen_through = int(np.count_nonzero(alpha < 255))
    if not seen_through:
        return ""
    share = 100.0 * seen_through / alpha.size
    return (f"has transparent pixels (alpha below 255 in {share:.3g}% of them), which would load "
            "as their hidden colour (often black), not the scene: flatten it onto the scene's "
            "background or save it without alpha (an RGB PNG or JPEG)")


def save_image_file(path: str | Path, rgb: np.ndarray) -> Path:
    """Write ``[H, W, 3]`` uint8 RGB to an image file whose format follows the suffix.

    Written whole or not at all (``atomic_files``): a stop mid-write leaves the old file. Raises
    :class:`ImageError` for a suffix no encoder has or a folder that cannot be written.
    """
    import cv2

    path = Path(path).expanduser()
    try:
        done, encoded = cv2.imencode(path.suffix, np.ascontiguousarray(check_rgb(rgb)[..., ::-1]))
    except cv2.error:  # a suffix no encoder has
        done = False
    if not done:
        raise ImageError(f"cannot write image file {path}: no image format has the suffix "
                         f"{path.suffix!r}; give a .png or .jpg path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_bytes(path, encoded.tobytes())  # whole or not at all
    except FileExistsError:  # a file where the folder would be
        raise ImageError(f"cannot write image file {path}: {_file_on_the_way(path)} is a file, "
                         "not a folder; give another path or remove that file") from None
    except ReplaceError as exc:  # names path and what to do already
        raise ImageError(f"cannot write image file: {exc}") from None
    except OSError as exc:
        raise ImageError(f"cannot write image file {path}: {exc.strerror or exc}") from None


def _file_on_the_way(path: Path) -> Path:
    """Return the nearest parent of ``path`` that exists and is not a folder (else its parent)."""
    return next((part for part in path.parents if part.exists() and not part.is_dir()),
                path.parent)
