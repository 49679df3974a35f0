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
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vjepa_ros.input_paths import missing
from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_folders import (
    DATA_SUFFIXES,
    folders_holding_recordings,
    loose_bag_files,
    metadata_file_folder,
    refuse_special,
    walk_files,
)
from vjepa_ros.recordings.bag_reader import train_words
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.dropped_steps import dropped_words, state_gap_hint
from vjepa_ros.recordings.episode import actions_from_states
from vjepa_ros.recordings.rate_hint import slow_camera_hint
from vjepa_ros.recordings.recorded_files import unlisted_data_files
from vjepa_ros.recordings.resample import NO_FRAME, SHARED_FRAME, STATE_GAP, resample
from vjepa_ros.recordings.ros1_bags import skipped_fix
from vjepa_ros.recordings.split_parts import lone_part_note, refuse_split_parts
from vjepa_ros.recordings.state_jumps import TOPIC_SOURCES, check_state_jumps, jump_intervals
from vjepa_ros.recordings.stray_states import stray_note, stray_states
from vjepa_ros.robot.state_ranges import gripper_width_words
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.frame_sizes import size_change_note, size_changes
from vjepa_ros.train.npz_episode import (
    rate_note,
    read_episode_frames,
    read_training_episode,
)
from vjepa_ros.train.same_recording import read_once
from vjepa_ros.train.stale_frames import stale_note, stale_steps, stale_words


class EpisodeError(ValueError):
    """Training data that cannot be used: missing, empty, damaged, too short, NaN states."""


class ShortSourceError(EpisodeError):
    """A source with no run of ``frames_per_clip`` valid steps; among several it is left out.

    ``path``: the source; ``reason``: why, without the path; ``longest``: its longest run of
    valid steps [frames]; ``fix``: (path, longest) -> what to do (default :func:`shorter_fix`);
    ``damage``: the notes on what a damaged bag lost ("" when intact). The text is
    ``PATH: REASON; FIX``; for a damaged bag ``DAMAGE. What is intact: PATH: REASON; ADVICE``,
    the damage first (as ``recordings.bags.damage_first``) and advice about it
    (:func:`damaged_fix`), not shorter clips: the damage took the rest of the recording.
    """

    def __init__(self, path: Path, reason: str, longest: int, fix: ClipFix | None = None,
                 damage: str = ""):
        self.path, self.reason, self.longest, self.damage = path, reason, longest, damage
        if damage:
            super().__init__(f"{damage}. What is intact: {shown_path(path)}: {reason}; "
                             f"{damaged_fix(path)}")
        else:
            super().__init__(f"{shown_path(path)}: {reason}; "
                             f"{(fix or shorter_fix)(path, longest)}")

    def with_fix(self, fix: ClipFix | None) -> ShortSourceError:
        """Return this error with a command's own advice (``fix``; None: as it is)."""
        return self if fix is None else ShortSourceError(self.path, self.reason, self.longest,
                                                         fix, self.damage)


ClipFix = Callable[[Path, int], str]


def shorter_fix(path: Path, longest: int) -> str:
    """Say how to fix a too-short source: shorter clips (of at least 2 frames) or leave it out."""
    shorter = (f"use clips of at most {longest} frames (train: --frames-per-clip {longest}; "
               "pretrain: frames_per_clip in --config) or " if longest >= 2 else "")
    return f"{shorter}leave {shown_path(path)} out"


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
    actions: np.ndarray  # [T-1, 7] float32, a_k = s_{k+1} ⊖ s_k
    demonstration: int = 0

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
    that its other parts are unread (``split_parts.lone_part_note``).
    """
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


def load_segments(source: Source, data: DataConfig) -> tuple[list[Segment], list[str]]:
    """Return (segments of at least ``frames_per_clip`` frames, notes on what was left out).

    An ``.npz`` episode and a bag alike are put on the ``data.rate_hz`` grid by their times
    (``recordings.resample``: an episode by its ``timestamps``) and split at invalid steps.
    """
    if source.kind == "npz":
        return _npz_segments(source.path, data)
    return _bag_segments(source.path, data)


def _npz_segments(path: Path, data: DataConfig) -> tuple[list[Segment], list[str]]:
    notes: list[str] = []  # the metadata is not used here: a bad one is noted
    try:
        episode = _npz_episode(path, data, notes)  # timestamps in seconds
        width = gripper_width_words(episode.states[:, 6]) \
            if data.topics.state_source != "none" else ""  # pretraining reads no states
        notes += [named_once(path, width)] if width else []
        # [T] ns since its first frame (epoch seconds * 1e9 would near int64's limit)
        times = np.round((episode.timestamps - episode.timestamps[0]) * 1e9).astype(np.int64)
        # states that jumped away and straight back left out, as a bag's (state_jumps)
        stray = stray_states(times, episode.states)
        notes += [named_once(path, stray_note("its states", times, stray))] if stray.any() \
            else []
        state_times, states = times[~stray], episode.states[~stray]
        once = np.append(np.diff(state_times) > 0, True)  # a repeated stamp: its last state
        jumps = jump_intervals(state_times[once], states[once][:, :6])
        steps = resample(times, state_times[once], states[once], data.rate_hz,
                         max_state_gap_s=data.max_state_gap_s, jumps_ns=jumps,
                         period_ends=False)  # (frame to frame: eval's one-period ends unused)
    except ValueError as exc:
        raise EpisodeError(named_once(path, str(exc))) from exc
    rate = rate_note(path, episode.timestamps, data.rate_hz)
    notes += [rate] if rate else []
    if len(steps) < data.frames_per_clip and not steps.dropped:  # short, not damaged
        # "N frames" only when the steps are the file's frames one for one
        at = (" frames" if len(steps) == len(episode) and not rate
              else f" steps after resampling to {data.rate_hz:g} Hz ({len(episode)} frames)")
        raise ShortSourceError(
            path, f"{len(steps)}{at}, shorter than one clip of {data.frames_per_clip} frames",
            len(steps))
    timing = (times, times, "its states", "its observations", jumps,
              (state_times[once], states[once], _npz_sources(path)))
    return _step_segments(path, steps, lambda wanted: {int(i): episode.frames[int(i)]
                                                       for i in wanted},
                          data, notes, timing, path.stem)


def _npz_episode(path: Path, data: DataConfig, notes: list[str]):
    """Return the episode of ``path`` as ``data`` reads it (``recordings.episode.Episode``).

    Train's: its frames, states and timestamps (``read_training_episode``). Pretraining's
    (``state_source`` "none", as a bag read by its camera alone): the same when its states
    pass train's checks (they tell a frozen camera from a still arm: ``stale_frames``), else
    its frames and timestamps alone (``read_episode_frames``: no states, mm, a gripper
    0..255, NaN do not keep its frames out), with a note.
    """
    if data.topics.state_source != "none":
        return read_training_episode(path, notes, data.rate_hz)
    own: list[str] = []  # its notes, said when its states are read
    try:
        episode = read_training_episode(path, own, data.rate_hz)
        notes += own
        return episode
    except ValueError as exc:
        episode = read_episode_frames(path, notes, data.rate_hz)  # its own error if unusable
        notes.append(f"{shown_path(path)}: read by its frames alone ({_states_words(exc, path)}"
                     "; pretraining uses no robot state), so frames that did not change while "
                     "the arm moved are not found")
        return episode


def _states_words(exc: ValueError, path: Path) -> str:
    """Say what train's reading of ``path`` found wrong, without its advice (a pretraining note).

    Train's refusal ends with what to give (``: give an .npz with ... states [T, 7]``): advice
    for a file pretraining reads well without states, so it is cut off, as is the path.
    """
    problem = str(exc).removeprefix(f"{path}: ").removeprefix(f"episode {shown_path(path)} ")
    problem = problem.split(": give ", 1)[0]
    if problem.startswith("is missing arrays"):  # "is missing arrays ['states'] (has [...])"
        names = re.findall(r"'([^']*)'", problem.split(" (has ", 1)[0])
        return f"it has no {' or '.join(names)} array"
    return f"its states: {problem}"


def _npz_sources(path: Path) -> str:
    """Say what an episode's states taking turns between two places are and what to do."""
    return ("two sources' states taken in turn (two arms, or a simulator's and a driver's "
            "poses, written into one episode)? Save one source's states per episode, or leave "
            f"{shown_path(path)} out")


def _bag_segments(path: Path, data: DataConfig) -> tuple[list[Segment], list[str]]:
    try:
        recording = read_recording(path, data.topics, alone=False)  # parts: find_sources's
        steps = resample(recording.image_times, recording.state_times, recording.states,
                         data.rate_hz, max_state_gap_s=data.max_state_gap_s,
                         jumps_ns=recording.state_jumps_ns, period_ends=False)
    except (BagError, ValueError) as exc:
        raise EpisodeError(named_once(path, train_words(exc))) from exc
    if recording.gripper_source.startswith("none") and not data.topics.no_gripper:
        fix = recording.gripper_fix  # e.g. a --joint-prefix that misses the fingers
        raise EpisodeError(
            f"{shown_path(path)}: no gripper state: no finger joints (<prefix>finger_joint1/2) on "
            f"{', '.join(recording.gripper_searched) or 'any JointState topic (there is none)'}"
            + f"; {fix or 'name the topic with --gripper-topic'}"
            + ("" if "--no-gripper" in fix else
               ", or pass --no-gripper to train with closedness 0 throughout")
        )
    notes = list(recording.notes)  # what reading repaired or lost (damaged files, clocks)
    timing = (recording.image_times, recording.state_times, recording.state_topic,
              recording.image_topic, recording.state_jumps_ns,
              (recording.state_times, recording.states, TOPIC_SOURCES))
    return _step_segments(path, steps,  # frames of several sizes: split (frame_sizes)
                          lambda wanted: dict(recording.iter_frames(wanted, one_size=False)),
                          data, notes, timing, path.name, "; ".join(recording.damage))


def _step_segments(path: Path, steps, frames_of, data: DataConfig, notes: list[str],
                   timing: tuple, name: str, damage: str = "") -> tuple[list[Segment], list[str]]:
    """Return the segments of a source's ``steps`` (``resample.Steps``) and ``notes``.

    ``frames_of``: frame indices -> {index: frame [H, W, 3] uint8}; ``timing``: (image times,
    state times [ns], where the states and the frames come from: topics, the state jumps
    [J, 2] ns or None, (times [M] ns, states [M, 7] the jumps were found on, their likely
    cause and fix when they take turns: ``check_state_jumps``' ``sources``)) for the hints on
    dropped steps and the demonstrations; ``name``: the segments' (``NAME#k`` when there are
    several); ``damage``: a damaged bag's notes. Raises EpisodeError when over
    ``state_jumps.SOURCES_SHARE`` of the steps jump (two sources taking turns, which would be
    cut into many tiny demonstrations: breaker49j), for a bag as its reader did, for an ``.npz``
    naming the file.
    """
    image_times, state_times, state_topic, image_topic, jumps, jumped = timing
    try:  # its note on a few jumps: the bag reader's, or dropped_words' steps across them
        check_state_jumps(shown_path(path), state_topic, jumped[0], jumped[1], sources=jumped[2])
    except BagError as exc:
        raise EpisodeError(str(exc)) from None
    runs = _valid_runs(steps.valid)
    long_runs = [(a, b) for a, b in runs if b - a >= data.frames_per_clip]
    gap_hint = state_gap_hint(state_times, state_topic, data.max_state_gap_s,
                              steps.dropped.get(STATE_GAP, 0), setting=GAP_SETTING,
                              give=f"--set {GAP_SETTING}={{}}").removeprefix("; ")
    dropped = dropped_words(steps.dropped, len(steps), data.max_state_gap_s, GAP_SETTING)
    if dropped:
        notes.append(f"{shown_path(path.name)}: {dropped}"
                     + (f" ({gap_hint})" if gap_hint else ""))
    frames, stale = {}, 0
    if long_runs:
        wanted = np.concatenate([steps.frame_indices[a:b] for a, b in long_runs])
        try:
            frames = frames_of(wanted)
        except BagError as exc:
            raise EpisodeError(train_words(exc)) from exc
        # a camera whose resolution changed: split there, each part of one size a segment
        changes = size_changes(long_runs, frames, steps.frame_indices)
        said = size_change_note(path.name, image_topic, changes, frames, steps.frame_indices,
                                steps.frame_times)
        notes += [said] if said else []
        runs = _cut(runs, changes)
        long_runs = [(a, b) for a, b in runs if b - a >= data.frames_per_clip]
        # a frame that did not change while the arm moved: dropped as a missing frame is
        judged = np.concatenate([np.arange(a, b) for a, b in long_runs])
        repeated = np.zeros(len(steps), bool)
        shapes = np.array([frames[int(steps.frame_indices[k])].shape for k in judged])
        for shape in np.unique(shapes, axis=0):  # frames of one size compared (one: all)
            repeated |= stale_steps(frames, steps.frame_indices, steps.states,
                                    judged[(shapes == shape).all(axis=1)])
        stale = int(repeated.sum())
        if stale:
            notes.append(stale_note(shown_path(path.name), stale, len(steps)))
            runs = _cut(_valid_runs(steps.valid & ~repeated), changes)
            long_runs = [(a, b) for a, b in runs if b - a >= data.frames_per_clip]
    short = [b - a for a, b in runs if b - a < data.frames_per_clip]
    if short:
        notes.append(f"{shown_path(path.name)}: {len(short)} run(s) of valid steps shorter "
                     f"than a clip left out ({sum(short)} steps)")
    if not long_runs:
        longest = max((b - a for a, b in runs), default=0)
        camera_hint = slow_camera_hint(image_times, data.rate_hz, steps.dropped)
        said = "; ".join(filter(None, [dropped, stale_words(stale)])) or "none dropped"
        raise ShortSourceError(
            path, f"no {data.frames_per_clip} consecutive valid steps at {data.rate_hz:g} Hz "
            f"(longest run {longest} of {len(steps)} steps; {said})"
            f"{_drop_hints(steps.dropped, camera_hint, gap_hint)}", longest, damage=damage)
    segments = []  # frames of one size: split at a size change; an .npz holds one array
    demonstrations = demonstration_numbers(long_runs, steps.frame_times, jumps)
    for number, (a, b) in enumerate(long_runs):
        run_frames = np.stack([frames[int(i)] for i in steps.frame_indices[a:b]])
        states = steps.states[a:b].astype(np.float32)
        label = name if len(long_runs) == 1 else f"{name}#{number}"
        segments.append(Segment(label, run_frames, states, actions_from_states(states),
                                demonstrations[number]))
    return segments, notes


def demonstration_numbers(runs: list[tuple[int, int]], frame_times: np.ndarray,
                          jumps_ns) -> list[int]:
    """Return each run's demonstration number: 0, then one more after each run cut at a jump.

    ``runs``: [start, stop) step ranges in order; ``frame_times`` [K] int64 ns of the steps;
    ``jumps_ns`` [J, 2] (before, after) state times [ns] of the jumps (``jump_intervals``; None
    or empty: one demonstration). A run starts a new demonstration when a jump begins at or
    after the last step of the run before and before its own first step (the steps across it
    were dropped: ``resample``'s ``STATE_JUMP``).
    """
    befores = np.sort(np.asarray(jumps_ns, np.int64).reshape(-1, 2)[:, 0]) \
        if jumps_ns is not None else np.zeros(0, np.int64)
    numbers, current = [], 0
    for k, (a, _) in enumerate(runs):
        if k:
            last, first = int(frame_times[runs[k - 1][1] - 1]), int(frame_times[a])
            cut = np.searchsorted(befores, first, side="left") - np.searchsorted(
                befores, last, side="left")
            current += int(cut > 0)
        numbers.append(current)
    return numbers


GAP_SETTING = "data.max_state_gap_s"  # train's name for resample's max_state_gap_s


def _drop_hints(dropped: dict, camera_hint: str, gap_hint: str) -> str:
    """Return the hints on dropped steps, the cause of most drops first ('; ...' each)."""
    hints = [(dropped.get(NO_FRAME, 0) + dropped.get(SHARED_FRAME, 0),
              camera_hint.removeprefix("; ")),
             (dropped.get(STATE_GAP, 0), gap_hint)]
    return "".join(f"; {hint}" for _, hint in sorted(hints, key=lambda h: -h[0]) if hint)


def _cut(runs: list[tuple[int, int]], cuts: list[int]) -> list[tuple[int, int]]:
    """Return ``runs`` ([start, stop) step ranges) split at each step in ``cuts`` inside one."""
    out = []
    for a, b in runs:
        inside = [k for k in cuts if a < k < b]
        out += list(zip([a, *inside], [*inside, b], strict=True))
    return out


def _valid_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, stop) ranges of consecutive True entries."""
    padded = np.concatenate([[False], np.asarray(valid, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]
