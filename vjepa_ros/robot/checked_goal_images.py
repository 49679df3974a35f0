"""The goal images a goal parameter's check decoded, kept until its files become the goal.

The planner node checks a goal file parameter (``goal_image_path`` or ``goal_image_paths``)
when it is set, decoding every file (``robot/goal_files.check_goal_files``), and makes the files
the goal once the goal lists agree (``goals_from_files``): the goal takes the images decoded by
the check instead of decoding each file again (an 8000x8000 goal: seconds and hundreds of MB
twice). Each planner node owns one :class:`CheckedGoalImages` (``PlannerNode.__init__``), so two
nodes in one process (tests, a composed container) neither share nor clear each other's images.
ROS-free.
"""

from __future__ import annotations

import os

import numpy as np

from vjepa_ros.images import image_file_path


def file_key(path: str) -> tuple | None:
    """Return what identifies the content of goal file ``path`` now, or None (not a file).

    (device, inode, size, mtime ns, ctime ns) of the file the path resolves to (``~``,
    ``file:`` URIs, ``package://`` URLs as :func:`vjepa_ros.images.image_file_path` reads them):
    two names of one file give one key; a file rewritten, copied over, renamed over or
    re-linked since gets another.
    """
    try:
        stat = os.stat(image_file_path(path))
    except (OSError, ValueError):  # missing, a loop, a URI of another host: not remembered
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


class CheckedGoalImages:
    """The images the last check of a goal file parameter with files decoded, by file key.

    Bounded: at most the images of one check (``[H, W, 3]`` uint8 RGB each, one per distinct
    file), released when a check with files starts (:meth:`check_starts`), when the parameter
    that filled them is emptied (:meth:`check_starts` with no files) and when the goal is made
    from them or refused (:meth:`release`, by ``goals_from_files`` either way). Not locked: each
    step is one dict operation and a key names a file's content, so a lookup racing a check
    gets that file's own image or None.
    """

    def __init__(self) -> None:
        self._images: dict[tuple, np.ndarray] = {}
        self._filled_by = ""  # the goal file parameter whose check filled _images

    def __len__(self) -> int:
        """Return how many decoded images are kept (one per distinct file)."""
        return len(self._images)

    @property
    def filled_by(self) -> str:
        """The goal file parameter whose check filled the images ('' when none are kept)."""
        return self._filled_by

    def check_starts(self, name: str, has_files: bool) -> None:
        """Release the images as a check of parameter ``name`` starts, unless it keeps them.

        A check with files replaces them (released before decoding: never two checks' images);
        ``name`` emptied releases what it filled; the other parameter emptied keeps them (its
        empty list is no goal of its own, and these may still become the goal).
        """
        if has_files or self._filled_by == name:
            self.release()

    def keep(self, name: str, images: dict[tuple, np.ndarray]) -> None:
        """Keep ``images`` (:func:`file_key` → ``[H, W, 3]`` uint8 RGB) from ``name``'s check."""
        self._images.update(images)
        self._filled_by = name

    def release(self) -> None:
        """Drop the kept images (the goal holds them now, or none needs them)."""
        self._images.clear()
        self._filled_by = ""

    def image(self, path: str) -> np.ndarray | None:
        """Return goal file ``path`` as kept (``[H, W, 3]`` uint8 RGB), or None (not kept).

        None too for a file changed since its check (another :func:`file_key`): read it again.
        """
        key = file_key(path)
        return None if key is None else self._images.get(key)
