"""Frozen-encoder features: every frame encoded once, kept in one bank clips are gathered from.

The encoder never trains, so each frame is encoded once with :meth:`WorldModel.encode` semantics
(DROID preprocessing, the frame repeated into one tubelet, layer norm without affine) and the
representations are kept in memory (the on-disk cache of many episodes, shared by runs and ranks,
is ``feature_cache``). A training step then costs only the predictor: :meth:`FeatureBank.gather`
takes a batch of clips with one ``index_select``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from vjepa_ros.models import CheckpointError, VisionEncoder, WorldModel, load_models
from vjepa_ros.models.checkpoint import read_checkpoint_file
from vjepa_ros.train.episodes import Segment

FEATURE_DTYPES = {"float16": torch.float16, "float32": torch.float32}


def resolve_encoder_key(path, encoder_key: str = "auto") -> str:
    """Return the encoder entry to load.

    ``auto``: ``target_encoder`` when the file holds one (the official AC training encodes with
    the pretraining file's target encoder), else ``encoder``.
    """
    if encoder_key != "auto":
        return encoder_key
    path = Path(path).expanduser()
    if path.is_dir():
        return "encoder"  # a Hugging Face snapshot: one encoder
    raw = read_checkpoint_file(path)
    return "target_encoder" if isinstance(raw, dict) and "target_encoder" in raw else "encoder"


def load_encoder(path, encoder_key: str = "auto",
                 hyper_parameters: dict | None = None) -> tuple[VisionEncoder, str]:
    """Load the frozen encoder of a checkpoint on CPU: (encoder, the entry it came from).

    ``hyper_parameters``: official encoder hyper-parameter names for a file that matches no
    preset (``load_models``' ``encoder``); unsupported values raise ``CheckpointError``.
    """
    key = resolve_encoder_key(path, encoder_key)
    encoder, _ = load_models(Path(path).expanduser(), encoder=hyper_parameters or None,
                             encoder_key=key)
    return encoder, key


def encoder_copy(encoder: VisionEncoder, device, dtype) -> VisionEncoder:
    """Copy the encoder to device/dtype, leaving the given one untouched (no grads)."""
    with torch.device("meta"):
        copy = VisionEncoder(encoder.config)
    state = {k: v.detach().to(device=device, dtype=dtype) for k, v in encoder.state_dict().items()}
    copy.load_state_dict(state, strict=True, assign=True)
    return copy.requires_grad_(False).eval()


def encoder_fingerprint(encoder: VisionEncoder, settings: dict) -> str:
    """Hex digest of the architecture, every weight tensor's bytes and the encoding settings.

    Each tensor of the state dict is hashed (BLAKE2b) with its name, dtype and shape and all its
    bytes (contiguous, on the CPU), so an encoder whose weights differ anywhere, also by a
    reordering that keeps every tensor's sum (q and k thirds of a fused qkv swapped), gets
    another fingerprint. Once per train start: about 1 s per GB of weights.
    """
    digest = hashlib.blake2b(json.dumps({"encoder": encoder.config.to_dict(), **settings},
                                        sort_keys=True, default=str).encode(), digest_size=20)
    with torch.no_grad():
        for name, tensor in sorted(encoder.state_dict().items()):
            values = tensor.detach().to("cpu").contiguous().reshape(-1)
            digest.update(f"{name}\0{values.dtype}\0{list(tensor.shape)}\0".encode())
            digest.update(values.view(torch.uint8).numpy())  # every byte, any dtype
    return digest.hexdigest()


class FrameEncoder:
    """Encode uint8 frames [T, H, W, 3] into representations [T, N, D] on the CPU.

    ``fingerprint`` identifies what it computes (encoder architecture and weights, compute dtype,
    device type, preprocessing, feature dtype): the feature cache's key.
    """

    def __init__(self, encoder: VisionEncoder, device, dtype, aspect_ratio_range,
                 batch: int = 16, feature_dtype: str = "float16"):
        self.model = WorldModel(encoder_copy(encoder, device, dtype), None, device=device,
                                dtype=dtype, aspect_ratio_range=aspect_ratio_range)
        self.batch = int(batch)
        self.feature_dtype = FEATURE_DTYPES[feature_dtype]
        self.fingerprint = encoder_fingerprint(encoder, {
            "dtype": str(self.model.dtype), "device": self.model.device.type,
            "aspect_ratio_range": list(aspect_ratio_range), "features": feature_dtype,
        })
        self.frames_encoded = 0
        self.seconds = 0.0

    @property
    def tokens_per_frame(self) -> int:
        return self.model.tokens_per_frame

    def __call__(self, frames: np.ndarray) -> Tensor:
        """Representations [T, N, D] (layer-normed, feature dtype, CPU) of frames [T,H,W,3]."""
        start = time.perf_counter()
        chunks = []
        for first in range(0, len(frames), self.batch):
            encoded = self.model.encode(frames[first:first + self.batch])
            chunks.append(encoded.to(device="cpu", dtype=self.feature_dtype))
        reps = torch.cat(chunks)
        self.seconds += time.perf_counter() - start
        self.frames_encoded += len(frames)
        return reps


@dataclasses.dataclass
class FeatureBank:
    """All frames of a set of segments: representations, states and actions, frame-indexed.

    ``actions[f]`` is the action from frame f to f+1 (zero on each segment's last frame, never
    used); segment e occupies frames ``starts[e] .. starts[e] + lengths[e] - 1`` and belongs to
    recording ``recordings[e]`` (a source: its segments are its runs of valid steps, split by
    dropped steps; consecutive, numbered 0, 1, ... in order) and to trajectory
    ``trajectories[e]`` (one demonstration: the part of a recording between two simulator
    resets or re-homings, ``Segment.demonstration``; numbered like ``recordings``, never
    spanning two recordings). Without ``recordings`` they are told from the names
    (:func:`recordings_from_names`); without ``trajectories``, one per recording.
    """

    reps: Tensor  # [F, N, D] feature dtype
    states: Tensor  # [F, 7] float32
    actions: Tensor  # [F, 7] float32
    starts: Tensor  # [E] int64
    lengths: Tensor  # [E] int64
    names: list[str]
    recordings: Tensor | None = None  # [E] int64
    trajectories: Tensor | None = None  # [E] int64

    def __post_init__(self):
        if self.recordings is None:
            self.recordings = recordings_from_names(self.names)
        self.recordings = _numbering(self.recordings, len(self.names), "recordings",
                                     "recording")
        if self.trajectories is None:
            self.trajectories = self.recordings
        self.trajectories = _numbering(self.trajectories, len(self.names), "trajectories",
                                       "trajectory")
        new_recording = torch.diff(self.recordings, prepend=torch.tensor([-1])) == 1
        new_trajectory = torch.diff(self.trajectories, prepend=torch.tensor([-1])) == 1
        if bool((new_recording & ~new_trajectory).any()):
            raise ValueError("a feature bank's trajectory spans two recordings: each recording's "
                             "first segment must start a trajectory")

    @classmethod
    def build(cls, segments, encode: FrameEncoder) -> FeatureBank:
        """Encode segments (an iterable of :class:`Segment`, consumed one at a time).

        Recordings told from the names; a trajectory per recording and demonstration.
        """
        reps, states, actions, lengths, names, demonstrations = [], [], [], [], [], []
        for segment in segments:
            segment: Segment
            reps.append(encode(segment.frames))
            states.append(torch.from_numpy(np.asarray(segment.states, np.float32)))
            padded = np.concatenate([segment.actions, np.zeros((1, 7), np.float32)])
            actions.append(torch.from_numpy(padded.astype(np.float32)))
            lengths.append(len(segment))
            names.append(segment.name)
            demonstrations.append(segment.demonstration)
        if not names:
            raise ValueError("no segments to build a feature bank from")
        recordings = recordings_from_names(names)
        trajectories = trajectory_numbers(recordings, torch.tensor(demonstrations))
        return cls._joined(reps, states, actions, lengths, names, recordings, trajectories)

    @classmethod
    def concat(cls, banks: list[FeatureBank]) -> FeatureBank:
        """One bank holding the segments of ``banks`` in order."""
        if not banks:
            raise ValueError("no feature banks to join")
        recordings, trajectories, first, first_trajectory = [], [], 0, 0
        for bank in banks:  # each bank's recordings (trajectories) after the ones before
            recordings.append(bank.recordings + first)
            trajectories.append(bank.trajectories + first_trajectory)
            first += bank.num_recordings
            first_trajectory += bank.num_trajectories
        return cls._joined([b.reps for b in banks], [b.states for b in banks],
                           [b.actions for b in banks],
                           [n for b in banks for n in b.lengths.tolist()],
                           [n for b in banks for n in b.names], torch.cat(recordings),
                           torch.cat(trajectories))

    @classmethod
    def _joined(cls, reps, states, actions, lengths, names, recordings=None,
                trajectories=None) -> FeatureBank:
        lengths = torch.tensor(lengths, dtype=torch.int64)
        starts = torch.cumsum(lengths, 0) - lengths
        return cls(torch.cat(reps), torch.cat(states), torch.cat(actions), starts, lengths,
                   list(names), recordings, trajectories)

    @property
    def num_frames(self) -> int:
        return int(self.reps.shape[0])

    @property
    def tokens_per_frame(self) -> int:
        return int(self.reps.shape[1])

    @property
    def embed_dim(self) -> int:
        return int(self.reps.shape[2])

    @property
    def num_recordings(self) -> int:
        return int(self.recordings[-1]) + 1 if len(self.recordings) else 0

    @property
    def num_trajectories(self) -> int:
        return int(self.trajectories[-1]) + 1 if len(self.trajectories) else 0

    def by_recording(self) -> FeatureBank:
        """Return this bank with one trajectory per recording (the sampler before fix49h)."""
        return dataclasses.replace(self, trajectories=self.recordings)

    def num_clips(self, frames_per_clip: int) -> int:
        """Distinct clip windows (start positions) over all segments."""
        return int((self.lengths - frames_per_clip + 1).clamp(min=0).sum())

    def to(self, device) -> FeatureBank:
        return dataclasses.replace(self, reps=self.reps.to(device),
                                   states=self.states.to(device),
                                   actions=self.actions.to(device))

    def sample(self, batch: int, frames_per_clip: int, generator: torch.Generator) -> Tensor:
        """Return the first frames [B] int64 of ``batch`` random clips.

        A trajectory drawn uniformly (among those holding a clip), then a clip window uniformly
        among all of its segments' windows. The rule is the official loader's (``vjepa2``
        ``app/vjepa_droid/droid.py``: one dataset item per DROID trajectory, one demonstration,
        shuffled by a ``DistributedSampler``, then a random start frame in its video;
        ``../shared/docs/vjepa2-ac-facts.md`` says nothing of sampling). A trajectory here is
        one demonstration: a recording cut at a simulator reset or a re-homed arm gives one
        trajectory per part (a session bag of 5 demonstrations weighs 5, as 5 episodes would),
        while one split by dropped steps (a stalling camera, a state gap) weighs as much as an
        intact one, not once per segment. One trajectory per recording draws exactly the clips
        of the per-recording rule (the generator consumed alike). ValueError when no segment
        holds a clip.
        """
        windows = (self.lengths - frames_per_clip + 1).clamp(min=0)  # per segment
        per_trajectory = torch.zeros(self.num_trajectories, dtype=torch.int64).index_add_(
            0, self.trajectories, windows)
        usable = torch.nonzero(per_trajectory > 0).flatten()
        if not len(usable):
            raise ValueError(f"no segment of the feature bank holds a clip of {frames_per_clip} "
                             "frames")
        chosen = usable[torch.randint(len(usable), (batch,), generator=generator)]
        count = per_trajectory[chosen]
        offsets = (torch.rand(batch, generator=generator, dtype=torch.float64) * count)
        offsets = offsets.floor().long().clamp(max=count - 1)
        # the window's index among all windows, then the segment that holds it
        window = (torch.cumsum(per_trajectory, 0) - per_trajectory)[chosen] + offsets
        ends = torch.cumsum(windows, 0)
        segment = torch.searchsorted(ends, window, right=True)
        return self.starts[segment] + window - (ends[segment] - windows[segment])

    def fixed_clips(self, frames_per_clip: int, max_clips: int) -> Tensor:
        """Return the first frames [K] int64 of the fixed (validation) clips.

        In each segment, windows every ``frames_per_clip - 1`` frames from its first (sharing
        their end frames) and, where the last of those ends before the segment does, one more
        window ending at the segment's last frame: every transition of every segment is in at
        least one clip (the last ones, a demonstration's grasp or place, too; a few at a
        segment's end in two). Deterministic. More than ``max_clips``: evenly thinned to
        ``max_clips`` (then some transitions are in none). A recording weighs by its
        transitions, not its segments: one split by dropped steps gets no more clips per frame
        than an intact one.
        """
        stride = frames_per_clip - 1
        firsts = []
        for start, length in zip(self.starts.tolist(), self.lengths.tolist(), strict=True):
            last = length - frames_per_clip  # the last window's first frame
            if last < 0:
                continue
            own = torch.arange(0, last + 1, stride)
            if tail_window(length, frames_per_clip):  # transitions after the last window's end
                own = torch.cat([own, torch.tensor([last])])
            firsts.append(start + own)
        firsts = torch.cat(firsts) if firsts else torch.zeros(0, dtype=torch.int64)
        if len(firsts) > max_clips:
            firsts = firsts[torch.linspace(0, len(firsts) - 1, max_clips).round().long()]
        return firsts

    def gather(self, first_frames: Tensor, frames_per_clip: int, device=None):
        """Return the clips starting at these frames, on ``device``.

        reps [B, T*N, D] float32, actions [B, T-1, 7], states [B, T, 7] (T = frames_per_clip).
        """
        index = first_frames.to(self.reps.device)[:, None] + torch.arange(
            frames_per_clip, device=self.reps.device)  # [B, T]
        flat = index.reshape(-1)
        reps = self.reps.index_select(0, flat)  # [B*T, N, D]
        batch = len(first_frames)
        reps = reps.to(device=device, dtype=torch.float32, non_blocking=True)
        reps = reps.view(batch, frames_per_clip * self.tokens_per_frame, self.embed_dim)
        states = self.states.index_select(0, flat).view(batch, frames_per_clip, 7)
        actions = self.actions.index_select(0, flat).view(batch, frames_per_clip, 7)[:, :-1]
        return reps, actions.to(device), states.to(device)


def tail_window(length: int, frames_per_clip: int) -> bool:
    """Return whether a segment of ``length`` frames gets one more fixed clip at its end.

    :meth:`FeatureBank.fixed_clips` lays windows of ``frames_per_clip`` frames every
    ``frames_per_clip - 1`` frames from a segment's first; when the last of them ends before the
    segment does (the *segment tail*), one more window ends at its last frame. False for a
    segment shorter than one clip (no window at all).
    """
    last = length - frames_per_clip  # the last window's first frame
    return last >= 0 and last % (frames_per_clip - 1) != 0


def _numbering(values, segments: int, field: str, what: str) -> Tensor:
    """Return ``values`` as [E] int64, checked to number ``segments`` 0, 1, ... in order."""
    values = torch.as_tensor(values, dtype=torch.int64)
    steps = torch.diff(values, prepend=torch.tensor([-1]))
    if len(values) != segments or not bool(((steps == 0) | (steps == 1)).all()):
        raise ValueError(f"a feature bank's {field} {values.tolist()[:10]} must number its "
                         f"{segments} segments 0, 1, ... in order (consecutive segments of one "
                         f"{what})")
    return values


def trajectory_numbers(recordings: Tensor, demonstrations: Tensor) -> Tensor:
    """Return each segment's trajectory number [E] int64: 0, 1, ... in segment order.

    ``recordings`` [E] and ``demonstrations`` [E] (int64: a segment's recording, and its
    demonstration within that recording, ``Segment.demonstration``): a new trajectory begins
    wherever either changes from one segment to the next (the sampler draws trajectories
    uniformly: ``FeatureBank.sample``). The one numbering of a bank built from segments and of
    one mapped from the feature cache's shards.
    """
    if len(recordings) == 0:
        return torch.zeros(0, dtype=torch.int64)
    parts = torch.stack([recordings.long(), demonstrations.long()], 1)
    changed = (torch.diff(parts, dim=0) != 0).any(1).long()
    return torch.cat([torch.zeros(1, dtype=torch.int64), changed.cumsum(0)])


def recordings_from_names(names: list[str]) -> Tensor:
    """Return the recording index [E] of segments named as ``episodes`` names them.

    A source's segments are ``NAME#0``, ``NAME#1``, ... in order (``NAME`` alone when it has
    one): ``NAME#k`` (k > 0) right after ``NAME#k-1`` continues its recording; any other name
    starts the next one.
    """
    recordings, previous, current = [], None, -1
    for name in names:
        match = re.fullmatch(r"(.*)#(\d+)", name)
        part = (match[1], int(match[2])) if match else None
        if not (part and part[1] > 0 and previous == (part[0], part[1] - 1)):
            current += 1
        recordings.append(current)
        previous = part
    return torch.tensor(recordings, dtype=torch.int64)


def check_encoder_fits(encoder: VisionEncoder, predictor) -> None:
    """Raise CheckpointError when the predictor was not made for this encoder's tokens."""
    try:
        WorldModel.check_pair(encoder, predictor)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from exc
