"""A run's training (validation) features as one raw file that every rank memory-maps.

Split from ``feature_cache`` (the cache directory, its keys and per-source shards): the bank of a
run's sources, joined from their shards into ``banks/<digest>.bin`` and checked (size, CRC-32)
before it is used again.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import torch

from vjepa_ros.atomic_files import replacing
from vjepa_ros.train.distributed import Topology, barrier
from vjepa_ros.train.episodes import Source
from vjepa_ros.train.feature_cache import FeatureCache, save_atomic, shard_demonstrations
from vjepa_ros.train.features import FeatureBank, trajectory_numbers


def mapped_bank(cache: FeatureCache, sources: list[Source], shards: dict[Source, dict],
                topology: Topology, log=print) -> FeatureBank:
    """Return one bank of these sources whose representations are a memory-mapped file.

    Rank 0 writes ``banks/<digest>.bin`` (the shards' reps one after another, raw) and a small
    ``.pt`` beside it (states, actions, segments, the ``.bin``'s size and CRC-32) unless they
    exist and check out; every rank then maps the file read-only with ``torch.from_file``:
    pages are read when a clip touches them and are shared through the page cache by all ranks
    on a machine, so N ranks hold the features once. A bank that fails its check (cut short,
    bytes changed, its ``.pt`` unreadable, or written before banks held a CRC-32) is written
    again from the shards (checked themselves), with a line to ``log`` saying why.
    """
    names = "\n".join(cache.shard_path(s).name for s in sources)
    digest = hashlib.sha1(names.encode()).hexdigest()[:20]
    raw = cache.dir / "banks" / f"{digest}.bin"
    meta_path = raw.with_suffix(".pt")
    if topology.is_main:
        problem = bank_problem(raw, meta_path)
        if problem:
            log(f"features    {problem}: writing it again from the shards")
        if problem != "":  # absent (None) or failing its check
            with cache.writing(raw):
                _write_bank(raw, meta_path, sources, shards)
    barrier(topology)
    meta = torch.load(meta_path, map_location="cpu", weights_only=True)
    shape = meta["shape"]
    reps = torch.from_file(str(raw), shared=False, size=shape[0] * shape[1] * shape[2],
                           dtype=BANK_DTYPES[meta["dtype"]]).view(*shape)
    lengths = meta["lengths"]
    segments = torch.tensor([len(shards[s]["names"]) for s in sources])  # one recording each
    recordings = torch.repeat_interleave(torch.arange(len(sources)), segments)
    trajectories = trajectory_numbers(
        recordings, torch.cat([shard_demonstrations(shards[s]) for s in sources]))
    return FeatureBank(reps, meta["states"], meta["actions"], torch.cumsum(lengths, 0) - lengths,
                       lengths, list(meta["names"]), recordings, trajectories)


BANK_DTYPES = {str(d): d for d in (torch.float16, torch.float32)}
CHUNK = 16 * 2**20  # bytes read at a time to check a bank


def bank_problem(raw: Path, meta_path: Path) -> str | None:
    """Say what is wrong with a bank (``.bin`` + ``.pt``): "" when sound, None when absent."""
    if not (raw.is_file() and meta_path.is_file()):
        return None
    try:
        meta = torch.load(meta_path, map_location="cpu", weights_only=True)
        shape, dtype = meta["shape"], BANK_DTYPES[meta["dtype"]]
    except Exception:  # damaged, cut short, another layout: written again
        return f"bank {meta_path} cannot be read"
    if "crc32" not in meta:
        return f"bank {raw} was written before banks held a checksum"
    size = raw.stat().st_size
    expected = shape[0] * shape[1] * shape[2] * dtype.itemsize
    if size != expected:
        return f"bank {raw} is cut short or grown ({size} of {expected} bytes)"
    crc = 0
    with open(raw, "rb") as file:
        while chunk := file.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    if crc != meta["crc32"]:
        return f"bank {raw} is damaged (its CRC-32 differs from the one written with it)"
    return ""


def _write_bank(raw: Path, meta_path: Path, sources: list[Source],
                shards: dict[Source, dict]) -> None:
    """Write a bank's raw reps and its ``.pt`` (raw last: both are there once it is)."""
    raw.parent.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)  # a damaged one: never beside a new .bin
    crc = 0
    with replacing(raw) as partial:
        with open(partial, "wb") as file:
            for source in sources:  # one shard in memory at a time
                data = shards[source]["reps"].contiguous().numpy().tobytes()
                crc = zlib.crc32(data, crc)
                file.write(data)
        first = shards[sources[0]]["reps"]
        frames = sum(int(shards[s]["reps"].shape[0]) for s in sources)
        meta = {"shape": [frames, *first.shape[1:]], "dtype": str(first.dtype), "crc32": crc,
                **{name: torch.cat([shards[s][name] for s in sources])
                   for name in ("states", "actions", "lengths")},
                "names": [n for s in sources for n in shards[s]["names"]]}
        save_atomic(meta, meta_path)
