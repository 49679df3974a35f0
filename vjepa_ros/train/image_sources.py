"""Pretraining's advice for image files given as ``--data``: how to make them an episode ``.npz``.

``vjepa-ros pretrain`` reads frames from episode ``.npz`` files and rosbag2 bags; a folder of
``.png`` / ``.jpg`` frames (a camera's dump, a video cut into images) is neither, and the package
has no command that reads one. :func:`image_advice` says which format to make of them.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.counts import counted

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
# the files of a folder looked at for images at most (a refusal's advice, not a search)
LOOKED_AT = 10_000
# the format to make, and one way (numpy and Pillow: both installed with the package)
NPZ_RECIPE = ("put the frames of each video, in time order, into an episode .npz: observations "
              "[T, H, W, 3] uint8 and timestamps [T] s, e.g. np.savez('video.npz', "
              "observations=np.stack([np.asarray(PIL.Image.open(f).convert('RGB')) for f in "
              "files]), timestamps=np.arange(len(files)) / fps) with files sorted in time "
              "order; one file per video, given as --data")


def _images_in(path: Path) -> int:
    """Count the image files at ``path`` (a file; a folder walked to :data:`LOOKED_AT` files)."""
    if path.is_file():
        return int(path.suffix.lower() in IMAGE_SUFFIXES)
    count = looked = 0
    for _, _, names in os.walk(path):
        for name in names:
            count += Path(name).suffix.lower() in IMAGE_SUFFIXES
            looked += 1
        if looked >= LOOKED_AT:
            break
    return count


def image_advice(paths) -> str:
    """Say which of ``paths`` hold image files and how to make them an episode (or "").

    ``paths``: the ``--data`` paths as given (``~`` expanded here); "" when none holds images.
    """
    found = []
    for given in paths:
        path = Path(given).expanduser()
        count = _images_in(path) if path.exists() else 0
        if count:
            found.append(f"{path} holds {counted(count, 'image file')}" if path.is_dir()
                         else f"{path} is an image file")
    if not found:
        return ""
    return (f"{'; '.join(found)}: pretrain reads no images, only episode .npz files and rosbag2 "
            f"bags; {NPZ_RECIPE}")
