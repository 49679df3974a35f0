"""One recording in two storages (a bag and its converted or re-encoded copy): the same steps.

``same_recording`` knows a recording by its data files, and a byte-identical copy by a digest;
the same recording converted to another storage format (mcap beside sqlite3), written again
with lossy images (``bag-from-npz --image-format jpeg`` of an ``.npz`` episode, PNG frames,
an episode whose frames were JPEG-compressed again) or re-recorded from one replay, has other
bytes but, once read, the same steps: the same states and actions, and frames that encode
alike up to the image codec's loss (user30: ``train --data rec-mcap --val rec-db3`` validated
on the training data; breaker49h: an episode and its JPEG bag copy split between train and
val). :func:`same_steps` finds such sources among the shards built from them: bit-for-bit equal
states, actions and segment lengths (hashed: a copy carries the recorded numbers as they
were), then encoded frames within :data:`FRAMES_RTOL` (compared only for those). Two takes of
one scene on a real arm always have other states (no arm repeats its poses to the last bit),
so they are never merged; a simulator replaying the same commands gives equal states, and its
takes are merged only when their frames too are within 10 % (a small object moved: keep such
takes in separate ``--data`` runs, or vary the replay). Torch; no ROS.
"""

from __future__ import annotations

import hashlib

import torch

#: Largest mean absolute difference between two sources' encoded frames, frame by frame and
#: relative to the first source's frame's mean absolute value, for them to be the same frames
#: (their states and actions being equal). Measured (fix49h; the demo encoder and a random
#: tiny one, CPU float32): JPEG at quality 95 / 90 / 85 / 75 / 50 moves a frame's features by at
#: most 2.8 / 4.1 / 4.0 / 4.7 / 6.3 % on 32x32 synthetic frames (the package's tests'), 1.4-2.7 %
#: on 64-128 px ones, 2.0 / 2.4 / 3.0 / 4.0 / 5.6 % on the 256x256 lab frames
#: (``franka_example_traj.npz``); a GPU's nondeterminism and bf16/float16 storage well under 1 %.
#: Frames of another take or scene differ by 40-55 %. 10 %: twice quality 75's worst.
FRAMES_RTOL = 1e-1

_CHUNK = 64  # frames compared at a time (float32 copies of memory-mapped features stay small)


def same_frames(first, other, rtol: float = FRAMES_RTOL) -> bool:
    """Return whether two sources' encoded frames are the same up to lossy images and the GPU.

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
