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
were), then encoded frames within :data:`FRAMES_RTOL` (a cheap first filter), then the frames'
pixels: every 16x16 px block's mean within :data:`BLOCKS_ATOL` grey levels (:func:`block_means`,
a resized copy compared at the smaller size). Features cannot tell a lossy copy from a re-render
of the same simulator seed (breaker49j: shadows off moves them 2.1 %, a JPEG copy up to 4.7 %);
the pixels can: a re-render changes some blocks by more than a codec does (see
:data:`BLOCKS_ATOL`). Two takes of one scene on a real arm always have other states (no arm
repeats its poses to the last bit), so they are never merged; a simulator's takes of one seed
at another camera pose, light or shadows are kept apart by their pixels. Torch; no ROS.
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

#: Largest difference [grey levels, 0..255] of any 16x16 px block's mean, of any frame and
#: colour channel, for two sources with equal steps to be one recording (fix49j). Measured on
#: the collector's seed-0 frames at 128x128 (8 frames) and the 256x256 lab frames: a JPEG copy
#: at quality 95 / 85 / 75 / 50 moves a block by at most 1.4 / 2.1 / 3.0 / 3.8 (lab: 1.1 / 2.0
#: / 2.4 / 2.6; 32x32 blob frames: 1.0 / 1.5 / 1.6 / 2.8), an area-resized copy (64 px) 0.1
#: (with JPEG 75: 1.9); a re-render of the same seed by 6.4 (shadows off), 7.3 (eye 1 cm
#: away), 9.3 (2 cm), 40 (light from the other side). Between: the seed rendered at 256 px
#: beside 128 px, 4.3 (4.7 as a JPEG copy): merged, at the edge. 5: 1.7 x quality 75's worst,
#: 0.78 x shadows off.
BLOCKS_ATOL = 5.0
BLOCK_PX = 16  # [px] block side, at the smaller of two frame sizes

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


def block_means(frames) -> torch.Tensor:
    """Return float16 [T, 3, H // 16, W // 16] (at least 1 x 1): 16x16 px block means.

    ``frames``: [T, H, W, 3] uint8 RGB (a segment's); values in grey levels 0..255. Stored in
    each shard (``blocks``); :func:`blocks_apart` compares two sources' at the smaller grid.
    """
    import torch.nn.functional as F

    pixels = torch.as_tensor(frames).permute(0, 3, 1, 2).float()
    height, width = pixels.shape[2:]
    size = (max(height // BLOCK_PX, 1), max(width // BLOCK_PX, 1))
    return F.interpolate(pixels, size=size, mode="area").half()


def source_blocks(segments) -> torch.Tensor | None:
    """Return :func:`block_means` of all a source's segments' frames, [F, 3, h, w] float16.

    ``segments``: its ``episodes.Segment`` list (None when empty). A source whose camera changed
    resolution (segments of several sizes: ``train.frame_sizes``) has every segment's blocks
    area-pooled to the smallest grid among them, as :func:`blocks_apart` compares sizes.
    """
    import torch.nn.functional as F

    blocks = [block_means(segment.frames) for segment in segments]
    if not blocks:
        return None
    size = (min(b.shape[2] for b in blocks), min(b.shape[3] for b in blocks))
    return torch.cat([b if tuple(b.shape[2:]) == size else
                      F.interpolate(b.float(), size=size, mode="area").half() for b in blocks])


def blocks_apart(first, other) -> float:
    """Return the largest difference [grey levels] of two sources' frames' 16 px block means.

    ``first``, ``other``: :func:`block_means` of all their frames, [F, 3, h, w] each (any grid:
    a resized copy's larger grid is area-pooled to the smaller one first). ``inf`` when the
    frame counts, channels or aspect ratios (over 2 % apart) differ or one is None (a shard
    without ``blocks``: only hand-made ones in tests lack them).
    """
    import torch.nn.functional as F

    if first is None or other is None:
        return float("inf")
    first, other = torch.as_tensor(first), torch.as_tensor(other)
    if first.shape[:2] != other.shape[:2] or not len(first):
        return float("inf") if first.shape[:2] != other.shape[:2] else 0.0
    (h1, w1), (h2, w2) = first.shape[2:], other.shape[2:]
    if abs(h1 * w2 - h2 * w1) > 0.02 * h1 * w2:
        return float("inf")
    size = (min(h1, h2), min(w1, w2))  # the larger frames' blocks pooled to the smaller's
    worst = 0.0
    for start in range(0, first.shape[0], _CHUNK):
        a = F.interpolate(first[start:start + _CHUNK].float(), size=size, mode="area")
        b = F.interpolate(other[start:start + _CHUNK].float(), size=size, mode="area")
        worst = max(worst, float((a - b).abs().amax()))
    return worst


def copy_words(first: dict, other: dict, stored: tuple[str, str] = ("", "")) -> str:
    """Say why two shards paired by :func:`same_steps` are one recording, with the measure.

    E.g. "equal states and actions, frames within 1.9 grey levels in every 16 px block (the
    rule: within 5): one recording stored twice, a lossy copy"; "equal frames" only when they
    are bit for bit, then what the two are by ``stored``, their :func:`storage_format`: "one
    recording in two storage formats" where they differ (an ``.npz`` and its bag, mcap and its
    sqlite3 conversion), "one recording stored twice, both mcap" where they agree (a copied
    bag), "one recording stored twice" where one is not known. Pretraining's shards (no
    ``reps``) never compare states and actions (``pretrain_copies``): their words name the
    frames alone.
    """
    features = "reps" in first and "reps" in other  # pretraining's have none: pixels alone
    apart = blocks_apart(first.get("blocks"), other.get("blocks"))
    if (not features or torch.equal(torch.as_tensor(first["reps"]),
                                    torch.as_tensor(other["reps"]))) and \
            apart in (0.0, float("inf")):
        equal = "equal frames, states and actions" if features else "equal frames"
        if all(stored) and stored[0] != stored[1]:
            return f"{equal}: one recording in two storage formats"
        both = f", both {stored[0]}" if all(stored) else ""
        return f"{equal}: one recording stored twice{both}"
    measure = "" if apart == float("inf") else f"{apart:.1f} grey levels, "
    also = f" (and features within {FRAMES_RTOL:.0%})" if features else ""
    steps = "equal states and actions, " if features else ""
    return (f"{steps}frames alike: within {measure}the rule's "
            f"{BLOCKS_ATOL:g} grey levels in every {BLOCK_PX} px block{also}: a lossy or "
            "resized copy of one recording")


def storage_format(source) -> str:
    """Return how a train source (``episodes.Source``) is stored: ``npz``, ``mcap``, ``sqlite3``.

    A bag folder: its data files' storage (``data_file_parts.STORAGE_OF_SUFFIX``; ``.zstd``
    packed ones alike); "" where that is not one storage (none found, mixed, unreadable).
    """
    from pathlib import Path

    from vjepa_ros.recordings.bag_folders import data_files
    from vjepa_ros.recordings.data_file_parts import STORAGE_OF_SUFFIX

    if source.kind == "npz":
        return "npz"
    path = Path(source.path)
    try:
        files = data_files(path) if path.is_dir() else [path]
    except (OSError, ValueError):  # a folder that cannot be listed: said by its reader
        return ""
    kinds = {STORAGE_OF_SUFFIX.get(Path(f.name.removesuffix(".zstd")).suffix) for f in files}
    (kind,) = kinds if len(kinds) == 1 else {None}
    return kind or ""


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
    (``feature_cache.encode_source``: ``lengths``, ``states``, ``actions``, ``reps``,
    ``blocks``; a shard without ``blocks`` is judged by its features alone, one without
    ``reps``, pretraining's, by its pixels alone). Each ``other`` is paired once, with the
    first source it equals.
    """
    firsts: dict[str, list] = {}
    pairs = []
    for source in sources:
        shard = shards.get(source)
        if shard is None:
            continue
        candidates = firsts.setdefault(_steps_key(shard), [])
        same = next((first for first in candidates
                     if _same_features(shards[first], shard)
                     and _same_pixels(shards[first], shard)), None)
        if same is None:
            candidates.append(source)
        else:
            pairs.append((same, source))
    return pairs


def _same_features(first: dict, other: dict) -> bool:
    """Return whether two shards' encoded frames are alike (:func:`same_frames`).

    Shards without ``reps`` (pretraining's: no encoder to encode with yet) pass: their
    pixels decide (:func:`_same_pixels`), as they do after the features in any case.
    """
    if "reps" not in first or "reps" not in other:
        return "reps" not in first and "reps" not in other
    return same_frames(first["reps"], other["reps"])


def _same_pixels(first: dict, other: dict) -> bool:
    """Return whether two shards' frames are within :data:`BLOCKS_ATOL` (no blocks: True)."""
    if first.get("blocks") is None and other.get("blocks") is None:
        return True  # hand-made shards (tests): the features decide
    return blocks_apart(first.get("blocks"), other.get("blocks")) <= BLOCKS_ATOL


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
