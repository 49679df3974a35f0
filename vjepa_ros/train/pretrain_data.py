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
    EpisodeError,
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
                       log=print, topics: BagTopics | None = None, resize_to: int | None = None,
                       sizes: list | None = None, on_source=None) -> list[np.ndarray]:
    """Frames [T, H, W, 3] uint8 of every segment (>= ``frames_per_clip`` frames) under ``paths``.

    ``paths``: episode ``.npz`` files, bags, or directories holding them. Both are read by their
    frames alone (``topics``: a bag's ``image`` and ``stamps``; ``state_source`` "none": no
    robot state is read, an ``.npz``'s ``states`` neither): the frames are resampled to
    ``rate_hz`` by their own stamps. Sources of several frame sizes are read alike (each
    segment keeps its own). The same recording in two storage formats (an ``.npz`` and its
    bag copy, an mcap and its sqlite3 copy) is read once, with a note (``pretrain_copies``,
    train's rule). ``resize_to``: a segment whose frames hold more pixels than
    ``resize_to`` x ``resize_to`` is kept cropped and resized to it
    (``models.preprocess.resize_frames``, what the encoder sees without the random crop), one
    source at a time; ``sizes``, if given, receives each returned segment's recorded
    (H, W, source path).
    ``on_source(held_bytes, read, total)``, if given, is called after each source is read
    (its frames kept; ``read`` of ``total`` sources): it may raise to stop before memory runs
    out. Raises ``train.episodes.EpisodeError`` (a ValueError naming the file) for
    missing/damaged data or when no segment is long enough; a path of image files (no episode,
    no bag) is told how to make them an episode ``.npz`` (``image_sources``). Among several
    sources, one without a clip-long run is left out with a note (as ``vjepa-ros train``
    does); the error comes when none is left.
    """
    from vjepa_ros.models.preprocess import resize_frames
    from vjepa_ros.train.pretrain_copies import copies_read_once, source_shard

    camera = dataclasses.replace(topics or BagTopics(), state_source="none", no_gripper=True)
    data = DataConfig(frames_per_clip=frames_per_clip, rate_hz=rate_hz, topics=camera)
    kept: dict = {}  # source -> [(frames as kept, recorded (H, W))]
    shards: dict = {}  # source -> what the copies are judged by (pretrain_copies)
    short, grouped = [], []
    skipped: list[str] = []  # broken symlinks in the data folders
    try:
        sources = find_sources(paths, skipped)
    except EpisodeError as exc:  # a folder of images: how to make them an episode
        from vjepa_ros.train.image_sources import image_advice

        advice = image_advice(paths)
        if not advice:
            raise
        raise EpisodeError(f"{exc}; {advice}") from None
    for note in skipped:
        if log:
            log(f"note: {note}")
    unused = unused_bag_note(sources, data, ignore=CAMERA_ONLY, keys=False)
    if unused and log:
        log(f"note: {unused}")
    held = 0
    for number, source in enumerate(sources, 1):
        try:
            found, notes = load_segments(source, data)
        except ShortSourceError as exc:
            leave_out_short(sources, source, exc, short, pretrain_clip_fix)
            found, notes = [], []  # said below, advised for every source left out
        if found:
            shards[source] = source_shard(found)
            kept[source] = [(resize_frames(segment.frames, resize_to) if resize_to and
                             segment.frames[0].shape[0] * segment.frames[0].shape[1] >
                             resize_to * resize_to else segment.frames,
                             segment.frames.shape[1:3]) for segment in found]
            del found  # the frames as recorded: freed before the next source is read
            held += sum(frames.nbytes for frames, _ in kept[source])
        grouped += [note for note in notes if is_grouped(note)]  # said once for all, below
        for note in notes:
            if log and not is_grouped(note):
                log(f"note: {note}")
        if on_source:
            on_source(held, number, len(sources))
    left_out = left_out_notes(short, pretrain_clip_fix)
    for note in left_out + grouped_stale_notes(grouped_rate_notes(grouped)):
        if log:
            log(f"note: {note}")
    copies, notes = copies_read_once(sources, shards)
    for note in notes:
        if log:
            log(f"note: {note}")
    segments = [pair for source in sources if source in kept and source not in copies
                for pair in kept[source]]
    if not segments:
        raise no_usable_source(sources, left_out, "source")
    if sizes is not None:
        sizes += [(*size, str(source.path)) for source in sources if source in kept
                  and source not in copies for _, size in kept[source]]
    return [frames for frames, _ in segments]


def is_grouped(note: str) -> bool:
    """Whether ``note`` is said once for all sources: a rate note or a stale-steps note."""
    return is_rate_note(note) or is_stale_note(note)


def frame_size_text(origins: dict[tuple, list[str]], most: int = 3) -> str:
    """Say which sources have which frame size: ``WxH in a.npz, b.npz; W2xH2 in c.npz``.

    Width x height, as every other line of the package says a frame's size (``64x48 px``: a
    camera's 640x480 convention). ``origins``: frame shape (H, W, C) -> the sources with frames
    of that shape; at most ``most``
    sources named per size, the rest counted; the size held by the fewest sources first (the odd
    one out is what a user looks for).
    """
    parts = []
    for shape, names in sorted(origins.items(), key=lambda item: (len(item[1]), item[0])):
        shown = ", ".join(names[:most]) + (f" and {len(names) - most} more"
                                           if len(names) > most else "")
        parts.append(f"{shape[1]}x{shape[0]} in {shown}")
    return "; ".join(parts)


def pretrain_clip_fix(path, longest: int) -> str:
    """Pretrain's advice for a source shorter than one clip (``episodes.ClipFix``).

    Only what pretrain accepts: ``frames_per_clip`` a multiple of the tubelet 2.
    """
    even = longest // 2 * 2
    return f"set frames_per_clip: {even} in --config" if even >= 2 else ""


class ClipSampler:
    """Draws batches of clips [B, 3, T, S, S] (normalized, as ``preprocess_frames``) at random.

    ``segments``: frames [T_i, H_i, W_i, 3] uint8, held as they are (``torch.from_numpy``
    shares their memory: no copy); their sizes may differ (two cameras), each clip is cut from
    one segment and cropped and resized on its own. ``augment(frames, img_size, generator,
    device)`` (``pretrain_augment.ClipAugment``), if given, crops and resizes every clip's
    decoded frames (a [B, T, H, W, 3] tensor, or a list of [T, H, W, 3] clips of several
    sizes) instead of the central crop (as V-JEPA 2's video transform: cut from the frame, then
    resized). ``device`` (default: the CPU): where the drawn frames are preprocessed and the
    clips returned; the draws (``generator``) stay on the CPU, so a seed picks the same clips
    everywhere.
    """

    def __init__(self, segments: list[np.ndarray], frames_per_clip: int, img_size: int,
                 still_fraction: float, generator: torch.Generator, augment=None, device=None):
        if not segments or min(len(s) for s in segments) < frames_per_clip:
            raise ValueError(f"need segments of at least {frames_per_clip} frames")
        if not 0 <= still_fraction <= 1:
            raise ValueError(f"still_fraction must lie in [0, 1], got {still_fraction}")
        self.segments = [torch.from_numpy(np.ascontiguousarray(s)) for s in segments]
        self.frames_per_clip, self.img_size = frames_per_clip, img_size
        self.still_fraction, self.generator, self.augment = still_fraction, generator, augment
        self.device = device
        # Every clip start, uniformly: segment index and first frame.
        self.starts = torch.tensor([(i, t) for i, s in enumerate(segments)
                                    for t in range(len(s) - frames_per_clip + 1)])

    @property
    def num_frames(self) -> int:
        return sum(len(segment) for segment in self.segments)

    @property
    def frame_bytes(self) -> int:
        """The bytes of the frames held (each once)."""
        return sum(segment.numel() for segment in self.segments)

    def sample(self, batch_size: int) -> Tensor:
        """Return clips [batch_size, 3, frames_per_clip, img_size, img_size] float32."""
        picks = self.starts[torch.randint(0, len(self.starts), (batch_size,),
                                          generator=self.generator)]
        still = torch.rand(batch_size, generator=self.generator) < self.still_fraction
        offsets = torch.arange(self.frames_per_clip)
        index = picks[:, 1:] + torch.where(still[:, None], 0, offsets)  # [B, T] in its segment
        clips = [self.segments[int(s)][frames] for s, frames in zip(picks[:, 0], index,
                                                                    strict=True)]
        one_size = len({clip.shape for clip in clips}) == 1
        if self.augment:  # a random box of each clip's frames, resized
            return self.augment(torch.stack(clips) if one_size else clips, self.img_size,
                                self.generator, self.device)
        if not one_size:  # [T, 3, S, S] each, stacked
            return torch.stack([preprocess_frames(clip, self.img_size, device=self.device)
                                for clip in clips]).transpose(1, 2)
        frames = torch.stack(clips)  # [B, T, H, W, 3] uint8
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


def spread_frames(segments: list[np.ndarray], count: int):
    """``count`` frames spread evenly over all segments (the monitor set), copied out of them.

    Returns [count, H, W, 3] uint8 when the picked frames share a size, else a list of
    [H, W, 3] frames (``preprocess_frames`` takes both). The segments are not concatenated:
    only the picked frames are copied.
    """
    lengths = np.array([len(s) for s in segments])
    total = int(lengths.sum())
    if total < 2:
        raise ValueError("need at least 2 frames to monitor collapse")
    index = np.linspace(0, total - 1, min(count, total)).round().astype(int)
    which = np.searchsorted(np.cumsum(lengths), index, side="right")  # the segment of each
    first = np.cumsum(lengths) - lengths
    frames = [np.array(segments[k][i - first[k]]) for k, i in zip(which, index, strict=True)]
    return np.stack(frames) if len({f.shape for f in frames}) == 1 else frames
