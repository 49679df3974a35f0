"""A camera whose resolution changed mid-recording: its steps split there, one segment per size.

A driver restarted with another profile (640x480, then 1280x720) gives frames of two sizes in
one bag. Training encodes each segment by itself, so each part of one size is read: the runs of
valid steps are split where their frame's size changes (as at a dropped frame), with a note.
Eval refuses such a bag (its ``--start`` / ``--end`` choose a part of one size).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.path_text import shown_path


def size_changes(runs: list[tuple[int, int]], frames: dict[int, np.ndarray],
                 frame_indices: np.ndarray) -> list[int]:
    """Return the steps [k] of ``runs`` whose frame's size differs from the step before's.

    ``runs``: [start, stop) step ranges (a run's first step is never one); ``frames``: frame
    index -> [H, W, 3] frame, every step's of the runs; ``frame_indices`` [K]: each step's.
    """
    return [k for a, b in runs for k in range(a + 1, b)
            if frames[int(frame_indices[k])].shape != frames[int(frame_indices[k - 1])].shape]


def size_change_note(name: str, topic: str, changes: list[int], frames: dict[int, np.ndarray],
                     frame_indices: np.ndarray, frame_times: np.ndarray) -> str:
    """Say where the frames on ``topic`` changed size and that the steps were split there.

    ``changes``: the steps [k] whose frame's size differs from the step before's
    (:func:`size_changes`); ``frame_times`` [K] ns of the steps (from the first).
    "" when there are none.
    """
    if not changes:
        return ""

    def size(k: int) -> str:
        height, width = frames[int(frame_indices[k])].shape[:2]
        return f"{width}x{height}"

    start = int(frame_times[0])
    said = [f"{size(k - 1)} -> {size(k)} px at step {k} "
            f"({(int(frame_times[k]) - start) / 1e9:.2f} s)" for k in changes[:3]]
    more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
    return (f"{shown_path(name)}: frames on {topic} change size: {'; '.join(said)}{more} (the "
            "camera's resolution changed mid-recording?): its steps split there, each part of "
            "one size trained on as a segment of its own")
