"""Frozen-encoder features of many episodes: one shard per source, cached on disk, shared by ranks.

Layout of a cache directory (``data.feature_cache_dir``, default ``<out>/features``): one folder
per key, so that runs with other settings (another encoder, rate, checkout) sharing the directory
keep each other's features instead of deleting them, also while they run at the same time::

    key-<digest>/key.json                  what the features were computed with (see cache_key)
    key-<digest>/shards/<name>-<digest>.pt one episode source (.npz file or bag): reps [F, N, D]
                                           in the feature dtype, states, actions, segment lengths
                                           and names, notes
    key-<digest>/banks/<digest>.bin, .pt   the reps of a run's training (validation) sources, raw
                                           and concatenated, memory-mapped by every rank
                                           (see mapped_bank)

The *key* holds the encoder fingerprint (architecture and a digest of every weight tensor), the
compute dtype and device type, the preprocessing (aspect-ratio clamp, feature dtype), a digest
of the code the features depend on: the code that reads recordings and preprocesses frames, and
the encoder's own code that turns the pixels into features (the ViT, its RoPE, the tubelet
repeat and layer norm of ``WorldModel.encode``, ``FrameEncoder``): :data:`READER_CODE` and
every module it imports (``reader_code``), so a fixed reader or encoder re-encodes; and every
data setting that changes which frames are kept (rate, state gap, topics, frames_per_clip, ...).
A key without a folder yet is encoded into a new one, with one line naming what differs from the
newest other key's settings and how much the other folders hold (delete a ``key-*`` folder to
reclaim it); a directory of the older flat layout (``key.json`` and ``shards/`` at its top) is
moved into its key's folder and reused. A shard's file name digests the key and the source's
*identity* (resolved path, total bytes, latest mtime), so a changed or new bag is encoded again
and nothing else is: re-running skips decoding and encoding of every unchanged source.

Building is resumable (every shard is written atomically once its source is encoded; an
interrupted build keeps what it finished) and shared by ranks: under torchrun every rank encodes
every world_size-th missing source, then all wait on a barrier; rank 0 joins the shards of the
run's sources into one raw file that every rank maps, so the ranks of a machine share one copy
of the features in the page cache instead of holding one each. Ranks on other machines must see
the same directory (a shared filesystem), as they must see ``--out``. A bank file is kept for
the next run over the same sources (checked against the size and CRC-32 written with it, and
written again from the shards when it fails); delete ``banks/`` to reclaim the space. A full
disk while the cache is written stops the run naming the cache folder (``disk_full``).
The key folders (names, sizes, the line for a new key, the flat layout) are in
``cache_folders.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import torch
from torch import Tensor

from vjepa_ros.atomic_files import replacing, write_text
from vjepa_ros.disk_full import writing
from vjepa_ros.recordings.bag_files import walk_files
from vjepa_ros.train.cache_folders import (  # noqa: F401 (re-exported)
    CODE_WORDS,
    KEY_CHARS,
    KEY_FILE,
    _changed,
    adopt_flat_layout,
    folder_bytes,
    key_digest,
    new_key_line,
)
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.distributed import Topology, barrier, broadcast_object
from vjepa_ros.train.episodes import (
    ClipFix,
    ShortSourceError,
    Source,
    leave_out_short,
    load_segments,
)
from vjepa_ros.train.features import FeatureBank, FrameEncoder, trajectory_numbers
from vjepa_ros.train.left_out import left_out_notes
from vjepa_ros.train.reader_code import code_files
from vjepa_ros.train.same_content import source_blocks

FORMAT = "vjepa_ros.features/1"
# DataConfig fields that do not change a source's features (which sources, how they are used).
NOT_IN_KEY = ("train", "val", "val_fraction", "val_clips", "encode_batch", "feature_cache",
              "feature_cache_dir")


# The code the features depend on (globs under the package), with every module it imports
# (``reader_code``): the code that turns recordings into frames, states and actions, and frames
# into encoder pixels (fixing a reader, the frame decoder or the kinematics changes the
# features of the same data), and the code that encodes the pixels: ``WorldModel.encode``
# (models/world_model.py: the tubelet repeat and layer norm, and through its imports the ViT of
# encoder.py, transformer.py, rope.py, the layer norm of predictor.py) and ``FrameEncoder`` /
# ``FeatureBank.build`` (train/features.py: batches, feature dtype, padded actions).
# Kept complete by test_fix42k: every package module whose code runs while a source is read
# and encoded (traced) must be among these files.
READER_CODE = ("recordings/*.py", "train/episodes.py", "train/segments.py", "train/npz_episode.py",
               "planning/pose.py", "models/preprocess.py", "models/world_model.py",
               "train/features.py", "train/same_content.py",  # source_blocks: shards' blocks
               "train/frame_sizes.py")  # a segment split where the frame size changes
PACKAGE = Path(__file__).resolve().parents[1]  # vjepa_ros/


def reader_code_files() -> list[Path]:
    """Return :data:`READER_CODE`'s files under :data:`PACKAGE` and every module they import.

    The readers' and the encoder's code alike (the name is older than the encoder's part).
    """
    return code_files(PACKAGE, READER_CODE)


def reader_code_digest() -> str:
    """Return the hex digest of :func:`reader_code_files` (their names and bytes).

    Everything the cached features depend on besides the weights and settings: the code that
    reads recordings, preprocesses frames and encodes them. The list is kept complete by a
    test (test_fix42k) that traces reading and encoding a source and requires every package
    module whose code ran to be in :func:`reader_code_files`.
    """
    digest = hashlib.sha1()
    for file in reader_code_files():
        digest.update(f"{file.relative_to(PACKAGE).as_posix()}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_key(encode: FrameEncoder, data: DataConfig) -> dict:
    """Return the key of features computed by ``encode`` from sources read with ``data``.

    ``code``: :func:`reader_code_digest`, so a cache written by other reader or encoder code is
    rebuilt.
    """
    settings = {name: value for name, value in dataclasses.asdict(data).items()
                if name not in NOT_IN_KEY}
    return {"format": FORMAT, "encoder": encode.fingerprint, "code": reader_code_digest(),
            "data": settings}


def source_identity(source: Source) -> dict:
    """Return the resolved path, total bytes and latest mtime [ns] of a source's file(s)."""
    path = source.path.expanduser().resolve()
    files = walk_files(path) if path.is_dir() else [path]
    stats = [p.stat() for p in files]
    return {"path": str(path), "bytes": sum(s.st_size for s in stats),
            "mtime_ns": max((s.st_mtime_ns for s in stats), default=0)}


def encode_source(source: Source, data: DataConfig, encode: FrameEncoder) -> dict:
    """Read one source and encode its segments: a shard (bank fields, notes, frame_sizes).

    ``frame_sizes``: [S, 2] [height, width] px, every size of its frames, in order (a camera
    whose resolution changed mid-recording: ``train.frame_sizes``; older shards hold one
    ``frame_size`` instead, or neither: ``data_banks.shard_sizes``);
    ``blocks``: float16 [F, 3, H // 16, W // 16] block means of its frames, for telling a lossy
    copy from another recording (``same_content.block_means``); ``at_tcp``: its states are of
    ``data.topics.tcp_xyz`` / ``tcp_rpy`` (``Segment.at_tcp``; older shards: absent, taken as
    True); ``from_widths``: some closedness of it was computed from finger widths
    (``Segment.from_widths``; older shards: absent, taken as True).
    """
    segments, notes = load_segments(source, data)
    sizes = list(dict.fromkeys(tuple(s.frames.shape[1:3]) for s in segments))  # [H, W] px
    bank = FeatureBank.build(segments, encode)
    blocks = source_blocks(segments)
    return {"reps": bank.reps, "states": bank.states, "actions": bank.actions,
            "lengths": bank.lengths, "names": bank.names, "notes": notes,
            "frame_sizes": torch.tensor(sizes) if sizes else None,
            "demonstrations": bank.trajectories, "blocks": blocks,
            "at_tcp": all(segment.at_tcp for segment in segments),
            "from_widths": any(segment.from_widths for segment in segments)}


def shard_demonstrations(shard: dict) -> Tensor:
    """Return a shard's segments' demonstration numbers [E] int64 (one for an older shard)."""
    found = shard.get("demonstrations")
    return torch.zeros(len(shard["lengths"]), dtype=torch.int64) if found is None else found


def shard_bank(shard: dict) -> FeatureBank:
    """Return the bank of one shard: one source, one recording (all its segments).

    Its trajectories: the shard's demonstrations (``Segment.demonstration``).
    """
    lengths = shard["lengths"]
    recordings = torch.zeros(len(lengths), dtype=torch.int64)
    return FeatureBank(shard["reps"], shard["states"], shard["actions"],
                       torch.cumsum(lengths, 0) - lengths, lengths, list(shard["names"]),
                       recordings, trajectory_numbers(recordings, shard_demonstrations(shard)))


class FeatureCache:
    """A cache directory (``root``) and the folder of one key in it (``dir``; module docstring)."""

    def __init__(self, directory: str | Path, key: dict):
        self.root = Path(directory).expanduser()
        self.key = key
        self.key_digest = key_digest(key)
        self.dir = self.root / f"key-{self.key_digest[:KEY_CHARS]}"

    def prepare(self, topology: Topology, log=print) -> None:
        """Rank 0: adopt a flat-layout cache, make this key's folder and key.json; all: wait."""
        if topology.is_main:
            adopt_flat_layout(self.root, log)
            key_file = self.dir / KEY_FILE
            if not key_file.is_file():
                others = [p for p in self.root.glob("key-*") if p.is_dir() and p != self.dir]
                if others:
                    log(new_key_line(self.root, self.key, others))
                self.dir.mkdir(parents=True, exist_ok=True)
                with self.writing(key_file):
                    write_text(key_file, json.dumps(self.key, indent=1, sort_keys=True,
                                                    default=str))
        barrier(topology)

    def shard_path(self, source: Source) -> Path:
        identity = json.dumps(source_identity(source), sort_keys=True)
        digest = hashlib.sha1((self.key_digest + identity).encode()).hexdigest()[:20]
        name = re.sub(r"[^A-Za-z0-9._-]", "_", source.name)[:60]
        return self.dir / "shards" / f"{name}-{digest}.pt"

    def load(self, source: Source) -> dict | None:
        """Return the shard of ``source``, or None when it is missing, unreadable or damaged.

        Damaged: cut short (a full disk), or bytes that fail the zip's CRC-32 (a bit flipped on
        the disk: torch.load would read other features without a word; review31); such a shard
        is encoded again.
        """
        from vjepa_ros.models.checkpoint_file import check_file_checksums

        path = self.shard_path(source)
        if not path.is_file():
            return None
        try:
            shard = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            check_file_checksums(path)
        except Exception:  # damaged (e.g. a full disk, a flipped bit): encoded again
            return None
        return shard if shard.get("key") == self.key_digest else None

    def save(self, source: Source, shard: dict) -> Path:
        """Write a shard atomically (a build interrupted meanwhile leaves no partial shard)."""
        path = self.shard_path(source)
        with self.writing(path):
            return save_atomic({**shard, "key": self.key_digest,
                                 "source": source_identity(source)}, path)

    def writing(self, path: Path):
        """Return the context of writing ``path`` into the cache (``disk_full.writing``)."""
        return writing(path, lambda remedy: f"{remedy} (the feature cache {self.root}: its "
                       "key-* folders of other settings can go), or give --feature-cache DIR "
                       "on another disk")

    def disk_bytes(self, sources) -> int:
        return sum(self.shard_path(s).stat().st_size for s in sources
                   if self.shard_path(s).is_file())


def build_shards(sources: list[Source], data: DataConfig, encode: FrameEncoder,
                 cache: FeatureCache | None, topology: Topology, progress: bool = True,
                 log=print, fix: ClipFix | None = None) -> tuple[dict[Source, dict], dict]:
    """Return ({source: shard}, counts) for every source, encoding what the cache lacks.

    Without a cache every rank encodes every source itself and the shards are in memory. With
    one, the missing sources are split over the ranks (rank r encodes sources r, r + world_size,
    ...) and written; after a barrier every rank opens all shards memory-mapped (read lazily).
    counts: ``encoded`` / ``from_disk`` frames, ``seconds`` of encoding (this rank),
    ``disk_bytes`` of the sources' shards, ``left_out``: notes on the sources without a clip-long
    run, which get no shard when there are several (every rank finds them itself: they are short);
    a single such source raises ``episodes.ShortSourceError``. ``fix``: the command's advice
    for a short source (``episodes.ClipFix``).
    """
    from tqdm import tqdm

    if cache is not None:
        cache.prepare(topology, log)
        missing = broadcast_object(
            [i for i, s in enumerate(sources) if not cache.shard_path(s).is_file()], topology)
        mine = [sources[i] for i in missing[topology.rank::topology.world_size]]
    else:
        missing = list(range(len(sources)))
        mine = list(sources)
    shards: dict[Source, dict] = {}
    short: list[ShortSourceError] = []  # the sources left out (their notes: left_out_notes)

    def encoded(source: Source) -> dict | None:
        try:
            return encode_source(source, data, encode)
        except ShortSourceError as exc:
            leave_out_short(sources, source, exc, short, fix)
            return None

    bar = tqdm(mine, unit="episode", dynamic_ncols=True, desc="features",
               disable=not (progress and topology.is_main and mine))
    for source in bar:
        shard = encoded(source)
        if shard is None:
            continue
        bar.set_postfix({"frames": encode.frames_encoded}, refresh=False)
        if cache is not None:
            cache.save(source, shard)  # and dropped: read back memory-mapped below
        else:
            shards[source] = shard
    bar.close()
    counts = {"encoded": 0, "from_disk": 0, "seconds": encode.seconds, "disk_bytes": None,
              "left_out": left_out_notes(short, fix)}
    if cache is None:
        counts["encoded"] = encode.frames_encoded
        return shards, counts
    barrier(topology)  # every rank's shards written
    fresh = {sources[i] for i in missing}
    short.clear()  # this rank's own notes on every source, below
    for source in sources:
        shard = cache.load(source)
        if shard is None:  # short, damaged since, or written by a rank that failed: encode it
            shard = encoded(source)
            if shard is None:
                continue
            cache.save(source, shard)
            shard = cache.load(source)
            fresh.add(source)
        shards[source] = shard
        counts["encoded" if source in fresh else "from_disk"] += int(shard["lengths"].sum())
    counts["seconds"] = encode.seconds
    counts["disk_bytes"] = cache.disk_bytes(sources)
    counts["left_out"] = left_out_notes(short, fix)
    return shards, counts


def save_atomic(payload: dict, path: Path) -> Path:
    """Write ``payload`` with torch.save to a partial file, then rename: no reader sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial, open(partial, "wb") as file:
        torch.save(payload, file)  # a Python file: a short write's errno (ENOSPC, EFBIG) is kept
    return path
