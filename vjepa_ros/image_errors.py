"""The errors of the image decoders and loaders, and the check of a decoded RGB array.

:class:`ImageError` (a ValueError) is what every malformed image raises, from a topic or a file;
:class:`EncodingError` names a stream the world model cannot use. Re-exported by
:mod:`vjepa_ros.images`.
"""

from __future__ import annotations

import numpy as np


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


def check_rgb(rgb) -> np.ndarray:
    """Return ``rgb`` as a ``[H, W, 3]`` uint8 array, or raise :class:`ImageError`."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ImageError(f"expected uint8 pixels, got {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError(f"expected an [H, W, 3] image, got shape {tuple(rgb.shape)}")
    return rgb
