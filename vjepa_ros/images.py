"""Camera images as numpy arrays: decoding ROS image messages and image files without cv_bridge.

Everything here works on plain attributes (``height``, ``width``, ``encoding``, ``step``,
``data``), so it needs no ROS install; the nodes pass their ``sensor_msgs`` messages straight in.
Every malformed input raises :class:`ImageError` with a message that says what is wrong.

The parts live in files of their own: the errors and :func:`check_rgb` in ``image_errors``, raw
encodings in ``image_encodings``, compressed payloads in ``image_compression``, image files in
``image_files`` (the paths that name them in ``image_paths``); every name keeps its home here
(``from vjepa_ros.images import ImageError``).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.image_compression import decode_compressed, encode_compressed
from vjepa_ros.image_encodings import (
    BAYER,
    ENCODINGS,
    KB,
    KR,
    NOT_COLOUR,
    PACKED,
    PUBLISH_HINT,
    SINGLE_CHANNEL_16,
    YUV422,
    image_msg_to_rgb,
    rgb_to_image_fields,
    yuv_to_rgb,
)
from vjepa_ros.image_errors import EncodingError, ImageError, check_rgb
from vjepa_ros.image_files import FileKind, image_file_path, load_image_file, save_image_file

__all__ = ["BAYER", "ENCODINGS", "KB", "KR", "NOT_COLOUR", "PACKED", "PUBLISH_HINT",
           "SINGLE_CHANNEL_16", "YUV422", "EncodingError", "FileKind", "ImageError", "check_rgb",
           "decode_compressed", "decode_image_message", "encode_compressed", "image_file_path",
           "image_msg_to_rgb", "load_image_file", "rgb_to_image_fields", "save_image_file",
           "yuv_to_rgb"]


def decode_image_message(msg, *, goal: bool = False) -> np.ndarray:
    """Decode a ``sensor_msgs/Image`` or ``CompressedImage``-like object into ``[H, W, 3]`` RGB.

    The one decoding place of the package for camera frames and goal images on a topic
    (planner node, bag reader): a message with a ``format`` field is compressed
    (:func:`decode_compressed`), else raw (:func:`image_msg_to_rgb`). A frame's alpha is dropped
    whatever it holds (what the camera delivered); ``goal=True`` (a goal image) refuses
    transparent pixels first, as for a goal file (:class:`ImageError`).
    """
    if hasattr(msg, "format") and not hasattr(msg, "encoding"):
        return decode_compressed(str(msg.format), msg.data, goal=goal)
    return image_msg_to_rgb(msg, goal=goal)
