"""Training episodes from simulator ``.npz`` files and rosbag2 bags: found, read, cut in segments.

A *source* is one file or bag; it yields one or more *segments*: runs of consecutive frames at the
model's step rate with their end-effector states and actions a_k = s_{k+1} ⊖ s_k
(``planning.pose.state_difference``). Both kinds are resampled to ``rate_hz`` exactly as
``vjepa-ros eval`` does (``recordings.resample.resample``; an ``.npz`` episode by its
``timestamps``, a bag as ``recordings.bags.read_recording`` reads it; the actions recomputed
from the states) and split at invalid steps (a missing frame or a gap in the states); runs
shorter than a clip are left out and reported. The validation split of whole sources is
``episode_split``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vjepa_ros.input_paths import missing
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_folders import (
    DATA_SUFFIXES,
    folders_holding_recordings,
    loose_bag_files,
    metadata_file_folder,
    refuse_special,
    walk_files,
)
from vjepa_ros.recordings.lazy_actions import LazyActions
from vjepa_ros.recordings.recorded_files import unlisted_data_files
from vjepa_ros.recordings.ros1_bags import skipped_fix
from vjepa_ros.recordings.split_parts import lone_part_note, refuse_split_parts
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.same_recording import read_once
from vjepa_ros.user_paths import expand_path


class EpisodeError(ValueError):
    """Training data that cannot be used: missing, empty, damaged, too short, NaN states."""


class ShortSourceError(EpisodeError):
    """A source with no run of ``frames_per_clip`` valid steps; among several it is left out.

    ``path``: the source; ``reason``: why, without the path; ``longest``: its longest run of
    valid steps [frames]; ``fix``: (path, longest) -> the clips that keep it (a
    :data:`ClipFix`, default :func:`shorter_fix`); ``damage``: the notes on what a damaged bag
    lost ("" when intact); ``advice``: (path, longest) -> the whole advice instead of ``FIX or
    leave PATH out`` (a note on a source already left out: ``left_out.left_out_notes``; ""
    says none). The text is ``PATH: REASON; FIX or leave PATH out`` (``leave PATH out`` alone
    when no clip length the command takes keeps it); for a damaged bag ``DAMAGE. What is
    intact: PATH: REASON; ADVICE``, the damage first (as ``recordings.bag_refusals.
    damage_first``) and advice about it (:func:`damaged_fix`), not shorter clips: the damage
    took the rest of the recording.
    """

    def __init__(self, path: Path, reason: str, longest: int, fix: ClipFix | None = None,
                 damage: str = "", advice: ClipFix | None = None):
        self.path, self.reason, self.longest, self.damage = path, reason, longest, damage
        self.fix = fix
        if damage:
            super().__init__(f"{damage}. What is intact: {shown_path(path)}: {reason}; "
                             f"{damaged_fix(path)}")
            return
        if advice is None:
            keep = (fix or shorter_fix)(path, longest)
            said = f"{keep} or {leave_text(path)}" if keep else leave_text(path)
        else:
            said = advice(path, longest)
        super().__init__(f"{shown_path(path)}: {reason}" + (f"; {said}" if said else ""))

    def with_fix(self, fix: ClipFix | None) -> ShortSourceError:
        """Return this error with a command's own clips that keep it (``fix``; None: as is)."""
        return self if fix is None else ShortSourceError(self.path, self.reason, self.longest,
                                                         fix, self.damage)

    def with_advice(self, advice: ClipFix) -> ShortSourceError:
        """Return this error with ``advice`` (path, longest) -> its whole advice ("": none)."""
        return ShortSourceError(self.path, self.reason, self.longest, self.fix, self.damage,
                                advice)


# (path, longest run [frames]) -> the clips a command takes that keep the source ("" when none
# does): ShortSourceError says it "KEEP or leave PATH out", a left-out note "KEEP to keep it"
ClipFix = Callable[[Path, int], str]


def leave_text(path: Path) -> str:
    """``leave PATH out``: the advice after a :data:`ClipFix`'s (:class:`ShortSourceError`)."""
    return f"leave {shown_path(path)} out"


def shorter_fix(path: Path, longest: int) -> str:
    """Say which clips keep a too-short source (of at least 2 frames; "" when none)."""
    return (f"use clips of at most {longest} frames (train: --frames-per-clip {longest}; "
            "pretrain: frames_per_clip in --config)" if longest >= 2 else "")


def damaged_fix(path: Path) -> str:
    """Say what to do with a damaged bag whose intact part is shorter than one clip."""
    return ("the damage left too little of it for one clip: train on an intact copy of the "
            f"recording if there is one, or leave {shown_path(path)} out")


def leave_out_short(sources: list[Source], source: Source, exc: ShortSourceError,
                    left: list[ShortSourceError], fix: ClipFix | None = None) -> None:
    """Keep a too-short ``source``'s error in ``left`` when there are several; re-raise when alone.

    ``fix``: the command's advice (:class:`ShortSourceError`). The notes on those left come
    once every source is read (``left_out.left_out_notes``: one advice for them all).
    """
    if len(sources) < 2:
        raise exc.with_fix(fix)
    left.append(exc)


def no_usable_source(sources: list[Source], notes: list[str], what: str) -> EpisodeError:
    """Return the error when every one of several sources was left out as too short."""
    own = [note for note in notes if any(f" {shown_path(s.path)}:" in note for s in sources)]
    return EpisodeError(f"no usable {what} among {len(sources)} sources, all shorter than one "
                        f"clip: {'; '.join(own)}")


@dataclasses.dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "npz" | "bag"

    @property
    def name(self) -> str:
        return self.path.name


@dataclasses.dataclass
class Segment:
    """Consecutive steps of one source: frames [T, H, W, 3] uint8, states [T, 7], actions.

    ``demonstration``: which demonstration of its source it belongs to (0, 1, ... in order): a
    new one after a state jump (a simulator reset, a re-homed arm: ``state_jumps``) between it
    and the segment before; segments split by other dropped steps (a missing frame, a state
    gap) stay in one demonstration. Training draws clips per demonstration
    (``FeatureBank.sample``).
    """

    name: str
    frames: np.ndarray  # [T, H, W, 3] uint8 RGB
    states: np.ndarray  # [T, 7] float32
    # [T-1, 7] float32, a_k = s_{k+1} ⊖ s_k; None: computed from the states when first read
    # (recordings.lazy_actions: torch then, never while a recording is only looked at, inspect)
    actions: np.ndarray | None = LazyActions()
    demonstration: int = 0
    # its states are of data.topics.tcp_xyz / tcp_rpy (a joint-state bag's FK, poses that
    # agree with it: Recording.at_tcp; an .npz's as saved); False: a pose-only bag's own point
    at_tcp: bool = True
    # its closedness was computed from finger widths at data.topics.gripper_max_width (a bag's
    # finger joints); False: an .npz's as saved, or a bag's gripper not read (closedness 0)
    from_widths: bool = False

    def __len__(self) -> int:
        return len(self.frames)


def find_sources(paths, notes: list[str] | None = None) -> list[Source]:
    """Return the episode sources under these paths, sorted, each once.

    A path is an ``.npz`` episode, a bag (a directory with ``metadata.yaml`` or rosbag2 data
    files, or one ``.mcap`` / ``.db3`` / ``.zstd`` data file), or a directory searched
    recursively for both. A folder without ``metadata.yaml`` is one bag when its data files are
    all it records (a killed recorder's); beside other recordings (bag folders, ``.npz``
    episodes), or named after different recordings, each of its data files is a bag by itself
    (``bag_files.loose_bag_files``); bag folders, ``.npz`` episodes and data files its
    ``metadata.yaml`` does not list inside a bag folder are read too, with a note. A recording
    reached by several paths (overlapping paths, a folder and its own file, links, a compressed
    copy beside it) is one source, each path left out a note (``train.same_recording``). A
    broken symlink (or a link loop) inside a directory is skipped with a note appended to
    ``notes`` (``skipped bags/b2: it is a broken symlink (to ...)``); a directory with nothing
    else is refused naming it. Raises EpisodeError (one line naming the path) for a path that
    is missing or holds no episode, for a folder in it that cannot be listed (permission
    denied), for a FIFO, socket or device named as data (``bag_files.refuse_special``: reading
    it would hang), and for loose parts of one split recording
    (``split_parts.refuse_split_parts``: the move into a folder of their own). A data file
    given by itself that is one part of a split recording is read, with a note in ``notes``
    that its other parts are unread (``split_parts.lone_part_note``). ``~`` and ``$NAME`` in a
    path are expanded (``user_paths.expand_path``; a variable that is not set: EpisodeError
    naming it).
    """
    # ~ and $NAME, as a shell would: a path from a config or a script's argument list is no
    # shell word (missing() expands them; the files opened must be the same)
    paths = [expand_path(path, EpisodeError) for path in paths]
    try:
        sources = _find_sources(paths, notes)
        # loose parts of one split recording would each be a recording: refused with the move
        refuse_split_parts([s.path for s in sources if s.kind == "bag" and s.path.is_file()])
    except BagError as exc:
        raise EpisodeError(str(exc)) from exc
    if notes is not None:  # a part given by itself: its other parts beside it are unread
        given = {Path(path).expanduser() for path in paths}
        notes += filter(None, (lone_part_note(s.path) for s in sources
                               if s.kind == "bag" and s.path in given and s.path.is_file()))
    return sources


def _find_sources(paths, notes: list[str] | None) -> list[Source]:
    found: list[Source] = []
    skipped: list[str] = []
    for given in paths:
        path, note = metadata_file_folder(given)  # a bag's metadata.yaml: its folder, noted
        skipped += [note] if note else []
        why = missing(path)
        if why:
            raise EpisodeError(f"{shown_path(path)} {why}")
        refuse_special(path)
        if path.is_file():
            found.append(_file_source(path))
            continue
        said = len(skipped)
        files = walk_files(path, skipped)  # symlinked bag folders too
        broken = {p: missing(p) for p in files if p.is_symlink() and missing(p)}
        files = [p for p in files if p not in broken]
        own = _folder_sources(files, skipped)
        gone = [f"skipped {shown_path(link)}: it {why}" for link, why in broken.items()]
        if not own:  # what this path holds, whether or not another path holds it too
            also = f" ({'; '.join([*skipped[said:], *gone])})" if gone or skipped[said:] else ""
            raise EpisodeError(f"{shown_path(path)}: no episodes (.npz files) or rosbag2 bags "
                               f"in it{also}")
        found += own
        skipped += gone
    sources = read_once(found, skipped)
    if notes is not None:
        notes += dict.fromkeys(skipped)  # a folder given twice: its notes once
    return sources


def _file_source(path: Path) -> Source:
    if fix := skipped_fix(path):  # EP0.NPZ: the move; a ROS 1 x.bag: the conversion
        raise EpisodeError(f"{shown_path(path)}: {fix}")
    if path.suffix == ".npz":
        return Source(path, "npz")
    if path.name.endswith(DATA_SUFFIXES):
        return Source(path, "bag")
    raise EpisodeError(f"{shown_path(path)}: not an episode (.npz) or a bag "
                       f"({', '.join(DATA_SUFFIXES)})")


def _folder_sources(files: list[Path], notes: list[str]) -> list[Source]:
    """Return the sources among a folder's files (:func:`walk_files`, broken links left out).

    A bag folder (``metadata.yaml``) is one source; bag folders, ``.npz`` episodes and data
    files its metadata.yaml does not list inside it are recordings of their own (never read
    with the bag): read, with a note.
    """
    bag_dirs = sorted({p.parent for p in files
                       if p.name == "metadata.yaml" or p.name.endswith(DATA_SUFFIXES)})
    found = []
    holding = folders_holding_recordings(files)  # once for all the folders: linear
    for folder in bag_dirs:
        loose = loose_bag_files(folder, holding)  # a data folder's loose data files
        found += [Source(bag, "bag") for bag in loose or [folder]]
        # a data file its metadata.yaml does not list: never read with the bag, one of its own
        found += [Source(file, "bag") for file in unlisted_data_files(folder)]
    found += [Source(npz, "npz") for npz in files if npz.suffix == ".npz"]
    bags = {p.parent for p in files if p.name == "metadata.yaml"}
    inside: dict[Path, list[Path]] = {}
    for source in found:
        for folder in source.path.parents:
            if folder in bags:
                inside.setdefault(folder, []).append(source.path)
    for folder, paths in sorted(inside.items()):
        names = ", ".join(shown_path(p.relative_to(folder)) for p in paths[:3])
        more = f" (and {len(paths) - 3} more)" if len(paths) > 3 else ""
        notes.append(f"read {names}{more} in bag folder {shown_path(folder)} as recordings of "
                     "their own: its metadata.yaml does not list them (rosbag2 writes none "
                     "there); move "
                     "them out of it to keep the bag on its own")
    return found


def load_segments(source: Source, data: DataConfig, *,
                  copies=None) -> tuple[list[Segment], list[str]]:
    """Return (segments of at least ``frames_per_clip`` frames, notes on what was left out).

    An ``.npz`` episode and a bag alike are put on the ``data.rate_hz`` grid by their times
    (``recordings.resample``: an episode by its ``timestamps``) and split at invalid steps
    (``segments``). Frames near-black throughout (12-bit values in 16-bit words read through
    v / 257, or a scene that dark) get the live node's note, naming the source
    (``segments.step_segments``); they are used as read, never rescaled. ``copies``: a
    bag's ``temp_copies.TempCopies`` from an earlier reading of it (``vjepa-ros inspect``'s eval
    part), so that a ``.db3`` with a pending log is merged once (None: the reading's own).
    """
    from vjepa_ros.train.segments import bag_segments, npz_segments  # they raise this module's

    if source.kind == "npz":
        return npz_segments(source.path, data)
    return bag_segments(source.path, data, copies=copies)
