"""A source's steps cut into training segments: an ``.npz`` episode's or a bag's.

Both are put on the ``data.rate_hz`` grid by their times (``recordings.resample``: an episode
by its ``timestamps``); :func:`step_segments` splits the steps at invalid ones (a missing frame,
a state gap or jump, a camera size change, a frame that did not change while the arm moved),
numbers the demonstrations (a new one after a state jump) and notes what it left out, and
frames near-black all through (``channel_notes.recorded_frames_note``). Entry:
``episodes.load_segments``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from vjepa_ros.channel_notes import recorded_frames_note
from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_reader import train_words
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.dropped_steps import dropped_words, state_gap_hint
from vjepa_ros.recordings.rate_hint import slow_camera_hint
from vjepa_ros.recordings.resample import NO_FRAME, SHARED_FRAME, STATE_GAP, resample
from vjepa_ros.recordings.state_jumps import TOPIC_SOURCES, check_state_jumps, jump_intervals
from vjepa_ros.recordings.stray_states import stray_note, stray_states
from vjepa_ros.recordings.undecodable_frames import lost_note, steps_needing
from vjepa_ros.robot.state_ranges import gripper_width_words
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError, Segment, ShortSourceError
from vjepa_ros.train.frame_sizes import size_change_note, size_changes
from vjepa_ros.train.npz_episode import (
    rate_note,
    read_episode_frames,
    read_training_episode,
)
from vjepa_ros.train.stale_frames import stale_note, stale_steps, stale_words


def npz_segments(path: Path, data: DataConfig) -> tuple[list[Segment], list[str]]:
    """Return an ``.npz`` episode's segments and notes (``episodes.load_segments``).

    Raises EpisodeError (a file train cannot use, named), ShortSourceError (shorter than a clip).
    """
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
    return step_segments(path, steps, lambda wanted: {int(i): episode.frames[int(i)]
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
    # where its joint_positions are read, and the hand's opening its fingers are read by
    tcp = (data.topics.tcp_xyz, data.topics.tcp_rpy, data.topics.gripper_max_width)
    if data.topics.state_source != "none":
        return read_training_episode(path, notes, data.rate_hz, tcp)
    own: list[str] = []  # its notes, said when its states are read
    try:
        episode = read_training_episode(path, own, data.rate_hz, tcp)
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


def bag_segments(path: Path, data: DataConfig, *,
                 copies=None) -> tuple[list[Segment], list[str]]:
    """Return a bag's segments and notes (``episodes.load_segments``; ``copies`` as there).

    Raises EpisodeError (a bag train cannot use, or no gripper state, named), ShortSourceError.
    """
    try:
        recording = read_recording(path, data.topics, alone=False,  # parts: find_sources's
                                   copies=copies)
        steps = resample(recording.image_times, recording.state_times, recording.states,
                         data.rate_hz, max_state_gap_s=data.max_state_gap_s,
                         jumps_ns=recording.state_jumps_ns, period_ends=False,
                         unknown_ns=recording.gripper_unknown_ns)  # a gripper's silences
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
    lost: dict = {}  # frames that do not decode: read as missing (undecodable_frames)
    segments, notes = step_segments(  # frames of several sizes: split (frame_sizes)
        path, steps, lambda wanted: dict(recording.iter_frames(wanted, one_size=False,
                                                               lost=lost)), data,
        notes, timing, path.name, "; ".join(recording.damage), lost)
    for segment in segments:  # a pose topic's own point: no tcp_xyz to record (model_records)
        segment.at_tcp = recording.at_tcp or data.topics.state_source == "none"
        segment.from_widths = recording.gripper_source in recording.topic_types
    return segments, notes


def step_segments(path: Path, steps, frames_of, data: DataConfig, notes: list[str],
                   timing: tuple, name: str, damage: str = "", lost: dict | None = None
                   ) -> tuple[list[Segment], list[str]]:
    """Return the segments of a source's ``steps`` (``resample.Steps``) and ``notes``.

    ``frames_of``: frame indices -> {index: frame [H, W, 3] uint8}; ``timing``: (image times,
    state times [ns], where the states and the frames come from: topics, the state jumps
    [J, 2] ns or None, (times [M] ns, states [M, 7] the jumps were found on, their likely
    cause and fix when they take turns: ``check_state_jumps``' ``sources``)) for the hints on
    dropped steps and the demonstrations; ``name``: the segments' (``NAME#k`` when there are
    several); ``damage``: a damaged bag's notes; ``lost``: the dict ``frames_of`` puts the
    frames that do not decode in (``Recording.iter_frames``): their steps are dropped, noted
    (``undecodable_frames.lost_note``). Raises EpisodeError when over
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
    frames, stale, dark, valid, lost_said = {}, 0, "", steps.valid.copy(), ""
    if long_runs:
        wanted = np.concatenate([steps.frame_indices[a:b] for a, b in long_runs])
        try:
            frames = frames_of(wanted)
        except BagError as exc:
            raise EpisodeError(train_words(exc)) from exc
        if lost:  # frames that did not decode: their steps dropped as a missing frame's
            gone = steps_needing(steps.frame_indices, lost) & valid
            lost_said = f"{int(gone.sum())} whose camera frame did not decode"
            notes.append(lost_note(shown_path(path.name), image_topic, lost, int(gone.sum()),
                                   len(steps)))
            valid &= ~gone
            runs = _valid_runs(valid)
            long_runs = [(a, b) for a, b in runs if b - a >= data.frames_per_clip]
    if long_runs:
        # near-black all through (12-bit data in 16-bit words?): noted, never rescaled; before
        # the stale rule, whose grey levels such frames lack (their motion reads as repeats)
        dark = recorded_frames_note(frames.values(), shown_path(path))
        notes += [dark] if dark else []
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
            runs = _cut(_valid_runs(valid & ~repeated), changes)
            long_runs = [(a, b) for a, b in runs if b - a >= data.frames_per_clip]
    short = [b - a for a, b in runs if b - a < data.frames_per_clip]
    if short:
        notes.append(f"{shown_path(path.name)}: {len(short)} run(s) of valid steps shorter "
                     f"than a clip left out ({sum(short)} steps)")
    if not long_runs:
        longest = max((b - a for a, b in runs), default=0)
        camera_hint = slow_camera_hint(image_times, data.rate_hz, steps.dropped)
        said = "; ".join(filter(None, [dropped, lost_said, stale_words(stale)])) or "none dropped"
        raise ShortSourceError(
            path, f"no {data.frames_per_clip} consecutive valid steps at {data.rate_hz:g} Hz "
            f"(longest run {longest} of {len(steps)} steps; {said})"
            f"{_drop_hints(steps.dropped, camera_hint, gap_hint)}"
            + (f"; its frames {dark.removeprefix(f'the frames of {shown_path(path)} ')}"
               if dark else ""),
            longest, damage=damage)
    segments = []  # frames of one size: split at a size change; an .npz holds one array
    demonstrations = demonstration_numbers(long_runs, steps.frame_times, jumps)
    for number, (a, b) in enumerate(long_runs):
        run_frames = np.stack([frames[int(i)] for i in steps.frame_indices[a:b]])
        states = steps.states[a:b].astype(np.float32)
        label = name if len(long_runs) == 1 else f"{name}#{number}"
        segments.append(Segment(label, run_frames, states, None,  # actions: when first read
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
