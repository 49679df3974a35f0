"""One recording in two storage formats among pretraining's sources: read once, as train does.

An ``.npz`` episode beside its ``bag-from-npz`` copy, an mcap beside its ``ros2 bag convert``
sqlite3 copy, a JPEG copy: other bytes, the same steps. ``vjepa-ros train`` reads such a pair
once ("skipped ...: the same steps as ..., read once", ``data_banks``); pretraining applies the
same rule (``same_content.same_steps``): equal steps (segment lengths: a bag is read by its
camera alone, an ``.npz`` with its states only when they are usable, so states are not
compared) and frames within ``same_content.BLOCKS_ATOL`` grey levels in every
16 px block (a lossy or resized copy), judged on the frames as recorded. The encoder being
trained gives no features to compare, so the pixels alone decide. Torch; no ROS.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.path_text import shown_path
from vjepa_ros.train.same_content import (
    copy_words,
    same_steps,
    source_blocks,
    storage_format,
)


def source_shard(segments) -> dict:
    """Return what :func:`same_steps` compares of a source: its steps and 16 px block means.

    ``segments``: its ``episodes.Segment`` list as read (frames as recorded). Small: the
    blocks are 1/128 of the frames' bytes (float16 per 16x16 px).
    """
    nothing = np.zeros((0, 7), np.float32)  # an .npz's states are read when usable, a bag's
    return {"lengths": np.array([len(s) for s in segments]),  # never: not compared
            "states": nothing, "actions": nothing,
            "blocks": blocks.numpy() if (blocks := source_blocks(segments)) is not None
            else np.zeros((0, 3, 1, 1), np.float16)}


def copies_read_once(sources: list, shards: dict) -> tuple[list, list[str]]:
    """Return (the sources that are another's copy, a note on each) among ``sources``.

    ``sources``: in the order read (sorted by path, as train's); ``shards``: source ->
    :func:`source_shard` (a source left out has none). The first of equal sources is read;
    each other one is skipped with train's words.
    """
    skipped, notes = [], []
    for first, other in same_steps(sources, shards):
        skipped.append(other)
        alike = copy_words(shards[first], shards[other],
                           (storage_format(first), storage_format(other)))
        notes.append(f"skipped {shown_path(other.path)}: the same steps as "
                     f"{shown_path(first.path)} ({alike}), read once")
    return skipped, notes
