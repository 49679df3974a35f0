"""One recording in two storages (a bag and its ``ros2 bag convert`` copy): the same steps.

``same_recording`` knows a recording by its data files, and a byte-identical copy by a digest;
the same recording converted to another storage format (mcap beside sqlite3), or re-recorded
from one replay, has other bytes but, once read, the same steps: the same states, actions and
encoded frames (user30: ``train --data rec-mcap --val rec-db3`` validated on the training data,
and ``--data`` holding both split them between train and val). :func:`same_steps` finds such
sources among the shards built from them: equal states, actions and segment lengths (hashed),
then equal encoded frames (compared only for those). Torch; no ROS.
"""

from __future__ import annotations

import hashlib

import torch


def _steps_key(shard: dict) -> str:
    """Return a digest of a shard's segment lengths, states and actions (what its steps are)."""
    digest = hashlib.sha1()
    for name in ("lengths", "states", "actions"):
        digest.update(torch.as_tensor(shard[name]).contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()


def same_steps(sources: list, shards: dict) -> list[tuple]:
    """Return ``(first, other)`` pairs of ``sources`` whose shards hold the same steps.

    ``sources``: in the order of preference (the first of equal ones is ``first``); those
    without a shard (left out) are passed over; ``shards``: source -> shard
    (``feature_cache.encode_source``: ``lengths``, ``states``, ``actions``, ``reps``). Each
    ``other`` is paired once, with the first source it equals.
    """
    firsts: dict[str, list] = {}
    pairs = []
    for source in sources:
        shard = shards.get(source)
        if shard is None:
            continue
        candidates = firsts.setdefault(_steps_key(shard), [])
        same = next((first for first in candidates
                     if torch.equal(torch.as_tensor(shards[first]["reps"]),
                                    torch.as_tensor(shard["reps"]))), None)
        if same is None:
            candidates.append(source)
        else:
            pairs.append((same, source))
    return pairs
