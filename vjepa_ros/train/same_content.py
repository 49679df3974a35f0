"""One recording in two storages (a bag and its ``ros2 bag convert`` copy): the same steps.

``same_recording`` knows a recording by its data files, and a byte-identical copy by a digest;
the same recording converted to another storage format (mcap beside sqlite3), or re-recorded
from one replay, has other bytes but, once read, the same steps: the same states, actions and
encoded frames (user30: ``train --data rec-mcap --val rec-db3`` validated on the training data,
and ``--data`` holding both split them between train and val). :func:`same_steps` finds such
sources among the shards built from them: equal states, actions and segment lengths (hashed),
then equal encoded frames (compared only for those, within :data:`FRAMES_RTOL`: a GPU's
encoder is not bit-reproducible, so the same frames encoded in two calls, or on two ranks, may
differ in the last bits). Torch; no ROS.
"""

from __future__ import annotations

import hashlib

import torch

#: Largest mean absolute difference between two sources' encoded frames, frame by frame and
#: relative to the first source's frame's mean absolute value, for them to be the same frames.
#: A GPU's nondeterministic kernels and bf16/float16 feature storage change elements by an ulp
#: or two (0.4-0.8 % each in bf16, less on average, even if every element moved); frames of
#: another scene, or of the same scene a few frames later, differ by tens of per cent
#: (``test/test_train_same_content.py``).
FRAMES_RTOL = 1e-2

_CHUNK = 64  # frames compared at a time (float32 copies of memory-mapped features stay small)


def same_frames(first, other, rtol: float = FRAMES_RTOL) -> bool:
    """Return whether two sources' encoded frames are the same up to encoder nondeterminism.

    ``first``, ``other``: tensors ``[frames, tokens, dim]`` of any float dtype (the shards'
    ``reps``; memory-mapped ones are read ``_CHUNK`` frames at a time). Equal shapes and, frame
    by frame, ``mean|first - other| <= rtol * mean|first|`` (:data:`FRAMES_RTOL`; per frame, so
    one other frame among hundreds is not averaged away: breaker31b); an empty pair is the same.
    """
    first, other = torch.as_tensor(first), torch.as_tensor(other)
    if first.shape != other.shape:
        return False
    if torch.equal(first, other):
        return True
    if first.dim() < 2:  # no frames to compare one by one: one frame
        first, other = first.reshape(1, -1), other.reshape(1, -1)
    for start in range(0, first.shape[0], _CHUNK):
        a = first[start:start + _CHUNK].float().flatten(1)
        b = other[start:start + _CHUNK].float().flatten(1)
        if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
            return False  # a NaN never equals: not the same frames
        if bool(((a - b).abs().mean(1) > rtol * a.abs().mean(1)).any()):
            return False
    return True


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
                     if same_frames(shards[first]["reps"], shard["reps"])), None)
        if same is None:
            candidates.append(source)
        else:
            pairs.append((same, source))
    return pairs


def agreed_same_steps(sources: list, shards: dict, topology) -> list[tuple]:
    """Return :func:`same_steps` as rank 0 found it, on every rank (one decision for all).

    Only rank 0 compares (reading every source's steps and, for equal steps, its encoded
    frames, memory-mapped: work the other ranks need not repeat); with a tolerance on the
    frames two ranks could decide differently at its edge (frames encoded on each rank's own
    GPU, without a feature cache), and ranks training on different data would hang or diverge.
    ``topology``: ``distributed.Topology``; collective when distributed (every rank calls it at
    the same point). Returns ``(first, other)`` pairs of ``sources``.
    """
    from vjepa_ros.train.distributed import broadcast_object

    found = None
    if topology.is_main:
        index = {id(source): i for i, source in enumerate(sources)}
        found = [(index[id(first)], index[id(other)])
                 for first, other in same_steps(sources, shards)]
    return [(sources[i], sources[j]) for i, j in broadcast_object(found, topology)]
