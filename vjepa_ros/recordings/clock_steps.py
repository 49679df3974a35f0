"""A clock that steps mid-recording: a topic's offset to the states' changing at one message.

:func:`~vjepa_ros.recordings.topic_clocks.check_clock` judges a topic's clock by the median of
its offsets to the states' (``topic_clocks.relative_offsets``): one device whose clock is
stepped forward late in the bag (chrony's ``makestep`` or an NTP client's first sync on a robot
or camera PC) leaves that median at 0, while every frame after the step is paired by stamp with
the state a second away (breaker60a #1). Here the offsets are searched for a step: the median
of the :data:`STEP_WINDOW` messages after a message differing from that of the ones before by
over :data:`STEP_S` (a median, so one late message is no step; a frame's latency varies by tens
of milliseconds, a clock step by the clock's whole error). Which clock stepped is told by the
states' own stamps: a state clock that stepped shows the step between two consecutive states
(stamp interval less the receive interval), at the same moment.

:func:`cut_at_step` keeps the longer part of the bag on either side of the step, by both topics'
stamps (each topic's stamps rise in receive order: a step back is refused before), and says in
a note the topic, the moment and the size, and what reads the whole bag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.topic_clocks import RECEIVE_HINT, relative_offsets, stamp_rate

STEP_S = 0.5  # [s] a topic's offset to the states' changing by more at one message: a step
STEP_WINDOW = 9  # messages on each side whose median offsets are set against each other
STEP_MIN = 5  # the fewest messages on a side that can show a step (a few late ones: none)


@dataclass(frozen=True)
class ClockStep:
    """A step of one topic's clock against another's, found in the receive order."""

    index: int  # the topic's first message after the step (in receive order)
    size_s: float  # [s] the change of its offset to the states' (positive: it moved ahead)
    received_ns: int  # when the recorder received the first message after the step
    stepped: str  # the topic whose clock stepped (the topic's or the states')


def find_step(offsets, window: int = STEP_WINDOW) -> tuple[int, float] | None:
    """Return (the first message after the largest step, its size [s]) of ``offsets``, or None.

    ``offsets`` [N] s in receive order (``topic_clocks.relative_offsets``). A step: the median
    of up to ``window`` messages from a message on, less that of as many before it, beyond
    :data:`STEP_S`; at least :data:`STEP_MIN` messages on each side, and the medians of all
    messages before and after it as far apart (it lasts: a burst of late messages is none).
    """
    offsets = np.asarray(offsets, np.float64)
    count = len(offsets)
    if count < 2 * STEP_MIN:
        return None
    full = np.median(np.lib.stride_tricks.sliding_window_view(offsets, window), axis=1) \
        if count >= 2 * window else np.zeros(0)  # full[j]: the median of offsets[j:j + window]
    best, where = 0.0, -1
    for i in range(STEP_MIN, count - STEP_MIN + 1):
        if window <= i <= count - window and len(full):
            before, after = full[i - window], full[i]
        else:  # a short side at either end
            before = np.median(offsets[max(0, i - window):i])
            after = np.median(offsets[i:i + window])
        if abs(after - before) > abs(best):
            best, where = float(after - before), i
    if abs(best) <= STEP_S:
        return None
    # the first message of the new level: the median windows blur it by a few messages
    level = np.median(offsets[where:where + window])
    start = max(0, where - window)
    near = np.abs(offsets[start:where + window] - level) < abs(best) / 2
    first = start + int(np.argmax(near)) if near.any() else where
    # a step lasts: the whole parts on either side differ too (a stalled camera's burst of
    # queued frames, late then on time again, is no step)
    if not abs(np.median(offsets[first:]) - np.median(offsets[:first])) > STEP_S:
        return None
    return first, best


def clock_step(topic: str, clock: tuple, state_topic: str, state_clock: tuple) \
        -> ClockStep | None:
    """Return the largest clock step of ``topic`` against the states (None: none).

    ``clock``, ``state_clock``: (times, receive times) [N] / [M] int64 ns of each topic's
    messages (``TopicTimes.clock_of``). ``stepped`` names the states' topic when their own
    stamps jump by about the step (the opposite way) between the two messages of ``topic``
    around it, else ``topic``.
    """
    times, received = (np.asarray(a, np.int64) for a in clock)
    order = np.argsort(received, kind="stable")
    times, received = times[order], received[order]
    found = find_step(relative_offsets(times, received, *state_clock))
    if found is None:
        return None
    index, size = found
    state_times, state_received = (np.asarray(a, np.int64) for a in state_clock)
    state_order = np.argsort(state_received, kind="stable")
    state_times, state_received = state_times[state_order], state_received[state_order]
    rate = stamp_rate(state_times, state_received)
    jumps = (np.diff(state_times) - rate * np.diff(state_received)) / 1e9 / rate  # [s]
    low = received[index - 1] if index else received[0]
    inside = np.flatnonzero((state_received[1:] > low) & (state_received[1:] <= received[index]))
    if len(inside):
        k = int(inside[np.argmax(np.abs(jumps[inside]))])
        if abs(jumps[k] + size) < abs(size) / 2:  # the states jumped the other way: theirs
            return ClockStep(index, size, int(state_received[k + 1]), state_topic)
    return ClockStep(index, size, int(received[index]), topic)


def cut_at_step(step: ClockStep, topic: str, clock: tuple, state_topic: str,
                state_clock: tuple, image_times, state_times, origin_ns: int,
                what: str = "frame") -> tuple[np.ndarray, np.ndarray, str]:
    """Return (frames kept [F] bool, states kept [M] bool, the note) of a cut at ``step``.

    ``image_times`` [F], ``state_times`` [M] int64 ns: the recording's (stamps); ``clock``,
    ``state_clock``: (times, receive times) of every message of ``topic`` and ``state_topic``.
    The part on the side of the step with more of ``topic``'s messages is kept (ties: the
    first), cut at each topic's stamp of its first message received at or after the step;
    ``origin_ns``: the bag's start on the recorder's clock, for the moment said.
    """
    times, received = (np.asarray(a, np.int64) for a in clock)
    state_stamps, state_received = (np.asarray(a, np.int64) for a in state_clock)
    at = step.received_ns
    cut = _first_stamp_from(times, received, at)
    state_cut = _first_stamp_from(state_stamps, state_received, at)
    before = int((received < at).sum())
    keep_before = before >= len(received) - before
    image_times, state_times = np.asarray(image_times), np.asarray(state_times)
    if keep_before:
        frames, states = image_times < cut, state_times < state_cut
    else:
        frames, states = image_times >= cut, state_times >= state_cut
    moment = (at - origin_ns) / 1e9
    way = "forward" if (step.size_s > 0) == (step.stepped == topic) else "back"
    other = state_topic if step.stepped == topic else topic
    part = "before" if keep_before else "after"
    left = "after" if keep_before else "before"
    note = (f"{step.stepped}'s clock stepped {way} by {abs(step.size_s):.2f} s {moment:.2f} s "
            f"after the bag's start, against {other}'s (header stamps set against when the "
            f"recorder received each: an NTP/chrony clock step?): paired by stamp, each {what} "
            f"{left} it would get the state {abs(step.size_s):.2f} s away, so the {what}s and "
            f"states {left} it are left out ({int((~frames).sum())} {what}(s)), the part "
            f"{part} it read; to read the whole bag, {RECEIVE_HINT}; --start/--end then choose "
            "within it")
    return frames, states, note


def step_cut(topic: str, clock: tuple, state_topic: str, state_clock: tuple, image_times,
             state_times, what: str = "frame"):
    """Return None (no step), or (:func:`cut_at_step`'s result, both clocks' kept messages).

    The clocks: (times, receive times) of ``topic``'s and ``state_topic``'s messages within the
    kept stamps, for ``topic_clocks.check_clock`` to judge the part read alone.
    """
    step = clock_step(topic, clock, state_topic, state_clock)
    if step is None:
        return None
    origin = min(int(np.min(clock[1])), int(np.min(state_clock[1])))
    cut = cut_at_step(step, topic, clock, state_topic, state_clock, image_times, state_times,
                      origin, what)
    frames, states = cut[0], cut[1]
    image_times, state_times = np.asarray(image_times), np.asarray(state_times)
    return cut, _within(clock, image_times[frames]), _within(state_clock, state_times[states])


def _within(clock: tuple, kept) -> tuple:
    """Return ``clock``'s (times, receive times) of the messages stamped within ``kept``'s span."""
    times, received = (np.asarray(a, np.int64) for a in clock)
    if not len(kept):
        return times[:0], received[:0]
    inside = (times >= int(np.min(kept))) & (times <= int(np.max(kept)))
    return times[inside], received[inside]


def refuse_own_step(path, topic: str, clock: tuple, state_topic: str, state_clock: tuple,
                    fix: str, what: str = "finger message") -> None:
    """Refuse ``topic`` (a gripper's) when its own clock steps mid-bag against the states'.

    ``clock``, ``state_clock``: (times, receive times) [N] / [M] int64 ns of its messages and
    the states'. A step of the states' own clock is left to the camera's cut (``bags``); the
    gripper's closedness is read onto the states, so no part of it can be left out alone.
    Raises BagError naming the bag, the topic, the moment, the size, ``--stamps receive`` and
    ``fix`` (``--no-gripper``).
    """
    step = clock_step(topic, clock, state_topic, state_clock)
    if step is None or step.stepped != topic:
        return
    origin = min(int(np.min(clock[1])), int(np.min(state_clock[1])))
    way = "forward" if step.size_s > 0 else "back"
    raise BagError(
        f"{path}: {topic}'s clock stepped {way} by {abs(step.size_s):.2f} s "
        f"{(step.received_ns - origin) / 1e9:.2f} s after the bag's start, against "
        f"{state_topic}'s (header stamps set against when the recorder received each: an "
        f"NTP/chrony clock step?): paired by stamp, each {what} after it would give the hand's "
        f"state {abs(step.size_s):.2f} s off; {RECEIVE_HINT}, or {fix}")


def _first_stamp_from(times, received, at: int) -> int:
    """Return the stamp of the first message received at or after ``at`` (past all: +inf)."""
    later = received >= at
    return int(times[later].min()) if later.any() else np.iinfo(np.int64).max
