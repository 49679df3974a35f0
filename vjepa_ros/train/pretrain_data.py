"""Video clips for encoder pretraining, from simulator episodes (``.npz``) and rosbag2 bags.

Sources are found and read exactly as ``vjepa-ros train`` reads them (``train.episodes``: bags are
resampled to ``rate_hz`` and split at gaps); only the frames are used. A clip is
``frames_per_clip`` consecutive frames of one segment, the unit V-JEPA learns from (its tubelets
of 2 frames become one temporal token each). A ``still_fraction`` of the clips repeat one frame
instead — how V-JEPA 2 feeds images (an image repeated into a clip) and how the AC model encodes
every frame at planning time (one frame repeated into a tubelet).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import Tensor

from vjepa_ros.models.preprocess import preprocess_frames
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.train.bag_only import unused_bag_note
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import (
    ShortSourceError,
    find_sources,
    leave_out_short,
    load_segments,
    no_usable_source,
)
from vjepa_ros.train.left_out import left_out_notes
from vjepa_ros.train.npz_episode import grouped_rate_notes, is_rate_note
from vjepa_ros.train.stale_frames import grouped_stale_notes, is_stale_note

# pretrain sets these two itself (the camera alone): not a user's bag settings
CAMERA_ONLY = ("data.topics.state_source", "data.topics.no_gripper")


def load_clip_segments(paths, frames_per_clip: int, rate_hz: float = 4.0,
                       log=print, topics: BagTopics | None = None) -> list[np.ndarray]:
    """Frames [T, H, W, 3] uint8 of every segment (>= ``frames_per_clip`` frames) under ``paths``.

    ``paths``: episode ``.npz`` files, bags, or directories holding them. Bags are read by their
    camera alone (``topics``: its ``image`` and ``stamps``; ``state_source`` "none"): no robot
    state is needed, the frames are resampled to ``rate_hz`` by their own stamps. Raises
    ``train.episodes.EpisodeError`` (a ValueError naming the file) for missing/damaged data or
    when no segment is long enough, and ValueError when the frames differ in size. Among
    several sources, one without a clip-long run is left out with a note (as ``vjepa-ros train``
    does); the error comes when none is left.
    """
    camera = dataclasses.replace(topics or BagTopics(), state_source="none", no_gripper=True)
    data = DataConfig(frames_per_clip=frames_per_clip, rate_hz=rate_hz, topics=camera)
    segments, short, grouped = [], [], []
    origins: dict[tuple, list[str]] = {}  # frame shape -> the sources that have it
    skipped: list[str] = []  # broken symlinks in the data folders
    sources = find_sources(paths, skipped)
    for note in skipped:
        if log:
            log(f"note: {note}")
    unused = unused_bag_note(sources, data, ignore=CAMERA_ONLY, keys=False)
    if unused and log:
        log(f"note: {unused}")
    for source in sources:
        try:
            found, notes = load_segments(source, data)
        except ShortSourceError as exc:
            leave_out_short(sources, source, exc, short, pretrain_clip_fix)
            found, notes = [], []  # said below, advised for every source left out
        segments += [segment.frames for segment in found]
        for shape in {segment.frames.shape[1:] for segment in found}:
            origins.setdefault(shape, []).append(str(source.path))
        grouped += [note for note in notes if is_grouped(note)]  # said once for all, below
        for note in notes:
            if log and not is_grouped(note):
                log(f"note: {note}")
    left_out = left_out_notes(short, pretrain_clip_fix)
    for note in left_out + grouped_stale_notes(grouped_rate_notes(grouped)):
        if log:
            log(f"note: {note}")
    if not segments:
        raise no_usable_source(sources, left_out, "source")
    if len(origins) != 1:
        raise ValueError(f"the sources' frames differ in size: {frame_size_text(origins)}; "
                         "pretrain on sources of one size (record them at one size, or give "
                         "only the sources of one size)")
    return segments


def is_grouped(note: str) -> bool:
    """Whether ``note`` is said once for all sources: a rate note or a stale-steps note."""
    return is_rate_note(note) or is_stale_note(note)


def frame_size_text(origins: dict[tuple, list[str]], most: int = 3) -> str:
    """Say which sources have which frame size: ``HxW in a.npz, b.npz; H2xW2 in c.npz``.

    ``origins``: frame shape (H, W, C) -> the sources with frames of that shape; at most ``most``
    sources named per size, the rest counted; the size held by the fewest sources first (the odd
    one out is what a user looks for).
    """
    parts = []
    for shape, names in sorted(origins.items(), key=lambda item: (len(item[1]), item[0])):
        shown = ", ".join(names[:most]) + (f" and {len(names) - most} more"
                                           if len(names) > most else "")
        parts.append(f"{shape[0]}x{shape[1]} in {shown}")
    return "; ".join(parts)


def pretrain_clip_fix(path, longest: int) -> str:
    """Pretrain's advice for a source shorter than one clip (``episodes.ClipFix``).

    Only what pretrain accepts: ``frames_per_clip`` a multiple of the tubelet 2.
    """
    even = longest // 2 * 2
    shorter = f"set frames_per_clip: {even} in --config or " if even >= 2 else ""
    return f"{shorter}leave {path} out"


class ClipSampler:
    """Draws batches of clips [B, 3, T, S, S] (normalized, as ``preprocess_frames``) at random.

    ``augment(frames, img_size, generator, device)`` (``pretrain_augment.ClipAugment``), if
    given, crops and resizes every clip's decoded frames [B, T, H, W, 3] instead of the central
    crop (as V-JEPA 2's video transform: cut from the frame, then resized). ``device``
    (default: the CPU): where the drawn frames are preprocessed and the clips returned; the
    draws (``generator``) stay on the CPU, so a seed picks the same clips everywhere.
    """

    def __init__(self, segments: list[np.ndarray], frames_per_clip: int, img_size: int,
                 still_fraction: float, generator: torch.Generator, augment=None, device=None):
        if not segments or min(len(s) for s in segments) < frames_per_clip:
            raise ValueError(f"need segments of at least {frames_per_clip} frames")
        if not 0 <= still_fraction <= 1:
            raise ValueError(f"still_fraction must lie in [0, 1], got {still_fraction}")
        # All frames in one tensor [F, H, W, 3]: a batch is one gather, not one per clip.
        self.frames = torch.from_numpy(np.concatenate(segments))
        lengths = torch.tensor([len(s) for s in segments])
        self.first = torch.cumsum(lengths, 0) - lengths  # index of each segment's first frame
        self.frames_per_clip, self.img_size = frames_per_clip, img_size
        self.still_fraction, self.generator, self.augment = still_fraction, generator, augment
        self.device = device
        # Every clip start, uniformly: segment index and first frame.
        self.starts = torch.tensor([(i, t) for i, s in enumerate(segments)
                                    for t in range(len(s) - frames_per_clip + 1)])

    @property
    def num_frames(self) -> int:
        return len(self.frames)

    def sample(self, batch_size: int) -> Tensor:
        """Return clips [batch_size, 3, frames_per_clip, img_size, img_size] float32."""
        picks = self.starts[torch.randint(0, len(self.starts), (batch_size,),
                                          generator=self.generator)]
        still = torch.rand(batch_size, generator=self.generator) < self.still_fraction
        offsets = torch.arange(self.frames_per_clip)
        first = self.first[picks[:, 0]] + picks[:, 1]  # [B]
        index = first[:, None] + torch.where(still[:, None], 0, offsets)  # [B, T]
        frames = self.frames[index]  # [B, T, H, W, 3] uint8
        if self.augment:  # a random box of each clip's frames, resized
            return self.augment(frames, self.img_size, self.generator, self.device)
        pixels = preprocess_frames(frames.flatten(0, 1), self.img_size,
                                   device=self.device)  # [B*T, 3, S, S]
        return pixels.unflatten(0, (batch_size, self.frames_per_clip)).transpose(1, 2)


def clip_sampler(segments: list[np.ndarray], config, device=None) -> ClipSampler:
    """Return pretraining's :class:`ClipSampler` over ``segments`` for ``PretrainConfig`` config.

    Its generator, seeded ``config.batch_seed`` (``data_seed``, else ``seed``), draws the clips,
    the still clips, the crops and (in ``pretrain_encoder``) the masks; the initialization has
    torch's global generator, seeded ``seed`` (``pretrain.seeded_encoder``). ``device``: where
    the clips are preprocessed (:class:`ClipSampler`). Raises ValueError for segments shorter
    than a clip.
    """
    generator = torch.Generator().manual_seed(config.batch_seed)
    return ClipSampler(segments, config.frames_per_clip, config.img_size, config.still_fraction,
                       generator, config.augment(), device)


def spread_frames(segments: list[np.ndarray], count: int) -> np.ndarray:
    """``count`` frames [count, H, W, 3] spread evenly over all segments (the monitor set)."""
    frames = np.concatenate(segments)
    if len(frames) < 2:
        raise ValueError("need at least 2 frames to monitor collapse")
    index = np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int)
    return frames[index]
