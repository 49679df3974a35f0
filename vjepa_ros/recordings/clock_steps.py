"""A clock that steps mid-recording: a topic's offset to the states' changing at one message.

:func:`~vjepa_ros.recordings.topic_clocks.check_clock` judges a topic's clock by the median of
its offsets to the states' (``topic_clocks.relative_offsets``): one device whose clock is
stepped forward late in the bag (chrony's ``makestep`` or an NTP client's first sync on a robot
or camera PC) leaves that median at 0, while every frame after the step is paired by stamp with
the state a second away (breaker60a #1). Here the offsets are searched for a step: the median
of the :data:`STEP_WINDOW` messages after a message differing from that of the ones before by
over :func:`step_threshold` (:data:`STEP_JITTER` times the offsets' own jitter, measured, from
:data:`STEP_LEAST_S` to :data:`STEP_S`; a median, so one late message is no step; a frame's
latency varies by tens of milliseconds, a clock step by the clock's whole error). The offset
is stamp minus receipt: a clock that steps moves a stream's stamps, a latency that changes (a
slow link, a queue, a camera stalled and catching up) its receipts, and both move the offset
alike. So a step is a clock's
only where one stream's own stamps jump by it at that moment (:func:`own_jump`: one interval of
its stamps off their usual pace and off the receive interval by the step): the topic's by the
step, or the states' the opposite way, which names the clock that stepped at any relative rate.
Where neither's stamps jump, the stamps are right and nothing is cut (review60b #1, #3); nor
where a step under 0.5 s leaves the jumped stream's stamps no further ahead than a backlog
dropped would (:func:`latency_drop`, breaker62d #2).

:func:`cut_at_step` keeps the longer part of the bag on either side of the step, by both topics'
stamps (each topic's stamps rise in receive order: a step back is refused before), no frame past
the states kept, and says in a note the topic, the moment, the size, the frames and states left
out, and what reads the whole bag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vjepa_ros.recordings.topic_clocks import (
    RECEIVE_HINT,
    in_receive_order,
    relative_offsets,
    stamp_rate,
)

STEP_S = 0.5  # [s] a topic's offset to the states' changing by more at one message: a step
STEP_LEAST_S = 0.1  # [s] ... by more than this where the offsets are steady (step_threshold)
STEP_JITTER = 8  # ... and by this many times the offsets' own jitter (step_threshold)
STEP_WINDOW = 9  # messages on each side whose median offsets are set against each other
STEP_MIN = 5  # the fewest messages on a side that can show a step (a few late ones: none)


@dataclass(frozen=True)
class ClockStep:
    """A step of one topic's clock against another's, found in the receive order."""

    index: int  # the topic's first message after the step (in receive order)
    size_s: float  # [s] the change of its offset to the states' (positive: it moved ahead)
    received_ns: int  # when the recorder received the first message after the step
    stepped: str  # the topic whose clock stepped (the topic's or the states')
    sure: bool = True  # False: a latency change of an uneven stream could make it too


def find_step(offsets, window: int = STEP_WINDOW) -> tuple[int, float] | None:
    """Return (the first message after the largest step, its size [s]) of ``offsets``, or None.

    ``offsets`` [N] s in receive order (``topic_clocks.relative_offsets``). A step: the median
    of up to ``window`` messages from a message on, less that of as many before it, beyond
    :func:`step_threshold`; at least :data:`STEP_MIN` messages on each side, and the medians of all
    messages before and after it as far apart (it lasts: a burst of late messages is none).
    """
    offsets = np.asarray(offsets, np.float64)
    count = len(offsets)
    if count < 2 * STEP_MIN:
        return None
    where, best = _largest_change(offsets, window)
    threshold = step_threshold(offsets)
    if abs(best) <= threshold:
        return None
    # the first message of the new level: the median windows blur it by a few messages
    level = np.median(offsets[where:where + window])
    start = max(0, where - window)
    near = np.abs(offsets[start:where + window] - level) < abs(best) / 2
    first = start + int(np.argmax(near)) if near.any() else where
    # a step lasts: the whole parts on either side differ too (a stalled camera's burst of
    # queued frames, late then on time again, is no step)
    if not abs(np.median(offsets[first:]) - np.median(offsets[:first])) > threshold:
        return None
    return first, best


def step_threshold(offsets) -> float:
    """Return [s] the least change of ``offsets``' level that :func:`find_step` calls a step.

    ``offsets`` [N >= 2] s in receive order. :data:`STEP_JITTER` times their jitter (the median
    of the changes from one message to the next, over 0.954: a normal noise's sigma; a step
    moves one change only, a latency that rises or drains each a little), at least
    :data:`STEP_LEAST_S` (chrony's ``makestep 0.1``; ntpd steps from 0.128 s) and at most
    :data:`STEP_S`: steady offsets (a camera and an arm on one machine, a wired link) show a
    0.3 s step, one that moves every later frame by more than a step at 4 Hz; offsets that
    jitter by tens of milliseconds (a camera over Wi-Fi) keep the 0.5 s rule.
    """
    changes = np.abs(np.diff(np.asarray(offsets, np.float64)))
    jitter = float(np.median(changes)) / 0.954 if len(changes) else 0.0
    return min(STEP_S, max(STEP_LEAST_S, STEP_JITTER * jitter))


def _largest_change(offsets: np.ndarray, window: int) -> tuple[int, float]:
    """Return (the first message i, STEP_MIN..N-STEP_MIN, of the largest change, the change [s]).

    The change at i: the median of ``offsets[i:i + window]`` less that of
    ``offsets[max(0, i - window):i]`` (shorter sides at either end); ``offsets`` [N >= 2 *
    STEP_MIN] s. Full windows are read from one sliding median, the few short ones at the ends
    one by one; ties: the first (``np.argmax``).
    """
    count = len(offsets)
    change = np.empty(count - 2 * STEP_MIN + 1)  # change[i - STEP_MIN]: at message i
    # both sides full (window <= i <= count - window): read from one sliding median
    low, high = max(window, STEP_MIN), min(count - window, count - STEP_MIN)
    if count >= 2 * window and low <= high:
        full = _sliding_median(offsets, window)  # full[j]: the median of offsets[j:j + window]
        change[low - STEP_MIN:high - STEP_MIN + 1] = full[low:high + 1] - full[low - window:
                                                                               high - window + 1]
    else:
        low, high = count, count - 1  # none full
    for i in (*range(STEP_MIN, min(low, count - STEP_MIN + 1)),
              *range(max(high + 1, STEP_MIN), count - STEP_MIN + 1)):  # a short side at an end
        change[i - STEP_MIN] = (np.median(offsets[i:i + window])
                                - np.median(offsets[max(0, i - window):i]))
    k = int(np.argmax(np.abs(change)))
    return k + STEP_MIN, float(change[k])


def _sliding_median(values: np.ndarray, window: int) -> np.ndarray:
    """Return [N - window + 1]: the median of each ``values[j:j + window]``, as ``np.median``.

    One partition of every window at its middle (two middles for an even ``window``, their
    mean): the values ``np.median`` gives, in a tenth of its time at 600k values.
    """
    half = window // 2
    kth = [half] if window % 2 else [half - 1, half]
    part = np.partition(np.lib.stride_tricks.sliding_window_view(values, window), kth, axis=1)
    return part[:, half] if window % 2 else (part[:, half - 1] + part[:, half]) / 2


def clock_step(topic: str, clock: tuple, state_topic: str, state_clock: tuple,
               offsets=None) -> ClockStep | None:
    """Return the largest clock step of ``topic`` against the states (None: none).

    ``clock``, ``state_clock``: (times, receive times) [N] / [M] int64 ns of each topic's
    messages (``TopicTimes.clock_of``); ``offsets`` [N] s: ``clock``'s
    ``topic_clocks.relative_offsets`` when the caller has them, ``clock`` then in receive order
    (``topic_clocks.in_receive_order``); None: worked out here. A step of the offsets
    (:func:`find_step`) is a clock step only where one stream's own stamps jump by it
    (:func:`own_jump`) near that moment: ``topic``'s by the step, or the states' the opposite
    way (``stepped`` names it). Where neither's do, the receive times moved, not a clock
    (frames that arrive later or sooner from then on: a link or a queue whose latency changed,
    a camera stalled and then caught up, stamps right): None, for pairing by stamp is right
    there. ``sure`` False: a stream
    whose stamps come unevenly (published on change) jumped by about the step, which a change
    of its latency can make too (its stamps' pace tells nothing): to be noted, not cut.
    """
    times, received = in_receive_order(*clock)
    state_times, state_received = in_receive_order(*state_clock)
    if offsets is None:
        offsets = relative_offsets(times, received, state_times, state_received)
    found = find_step(offsets)
    if found is None:
        return None
    index, size = found
    rate = stamp_rate(state_times, state_received)
    low = max(0, index - STEP_WINDOW)
    high = min(len(received) - 1, index + STEP_WINDOW)
    own = own_jump(times, received, size, rate, np.arange(low, high))
    pace = np.median(np.diff(state_received)) if len(state_received) > 1 else 0
    near = np.flatnonzero((state_received[1:] >= received[low] - 2 * pace)
                          & (state_received[1:] <= received[high] + 2 * pace))
    theirs = own_jump(state_times, state_received, -size, rate, near)
    # both (rare): the one whose jump matches the step better
    if theirs is not None and (own is None or theirs[1] < own[1]):
        if not latency_drop(offsets, index, size, own=False):
            return ClockStep(index, size, int(state_received[theirs[0] + 1]), state_topic,
                             theirs[2])
    elif own is not None and not latency_drop(offsets, index, size, own=True):
        return ClockStep(index, size, int(received[own[0] + 1]), topic, own[2])
    return None


def latency_drop(offsets, index: int, size: float, own: bool) -> bool:
    """Return whether a latency that fell, messages dropped, explains a step under 0.5 s.

    ``offsets`` [N] s: the topic's ``relative_offsets`` in receive order, ``index`` the first
    message after the step and ``size`` [s] its size (:func:`find_step`); ``own``: the topic's
    own stamps jumped (:func:`own_jump`), else the states'. A queue whose backlog is dropped (a
    USB camera's buffer going from 2 frames to 1, a driver skipping stale messages) jumps a
    stream's stamps forward while its receipts keep pace, as a clock stepped forward does; but
    its stamps move towards their receipts: before, they lagged the other stream's by at least
    the drop, and after, they are no further ahead of them than the other's own latency. A clock
    stepped forward from the other's time leaves them ahead by the step. So a forward step under
    :data:`STEP_S` whose stream is not then ahead of the other's by over half of it (the median
    of :data:`STEP_WINDOW` offsets) is a latency drop: True, read as it is, unsaid (as the 0.5 s
    rule read it). Its limit: a clock stepped forward to the other's time from behind looks the
    same; a backlog dropped on a PC whose clock runs ahead like a clock step. Steps of
    :data:`STEP_S` and over, and steps back: False.
    """
    sign = 1.0 if own else -1.0  # the jumped stream's offset against the other's: +, or -
    if not 0 < sign * size < STEP_S:
        return False
    after = float(np.median(np.asarray(offsets, np.float64)[index:index + STEP_WINDOW]))
    return sign * after <= sign * size / 2


def own_jump(times, received, size: float, rate: float, pairs) -> tuple[int, float, bool] | None:
    """Return (pair k, |miss| [s], sure) where a stream's own stamps jump by ``size``, or None.

    ``times``, ``received`` [N] int64 ns in receive order; ``pairs``: indices k of the
    consecutive messages (k, k + 1) to look at; ``rate``: the states' ``stamp_rate``. A clock
    that steps by ``size`` [s] moves the stamp interval of one pair by it, against the receive
    interval (``dt - rate * dr``) and against the stream's usual stamp interval alike; a
    latency change moves the receive interval instead (the stamps keep their pace). Each
    within half the step. The stamp pace is judged where the stream's stamp intervals near
    the pairs vary by under a quarter of the step (a camera, a joint state broadcaster); where
    they vary more (published on change) a jump against the receive interval is ``sure``
    False, except a step back longer than the usual interval, which stamps still rising rule
    out as a clock's (stamps that step back are refused before). Messages received out of their
    stamps' order near the pairs (two routes, a queue's backlog): their delivery moved, None.
    """
    pairs = np.asarray(pairs, np.int64)
    pairs = pairs[(pairs >= 0) & (pairs < len(times) - 1)]
    if not len(pairs):
        return None
    dt = np.diff(np.asarray(times, np.int64)).astype(np.float64)
    dr = np.diff(np.asarray(received, np.int64)).astype(np.float64)
    against_receipt = (dt - rate * dr) / 1e9 / rate  # [s]
    lo, hi = max(0, pairs[0] - 2 * STEP_WINDOW), min(len(dt), pairs[-1] + 2 * STEP_WINDOW + 1)
    if (dt[lo:hi] < 0).any():  # received out of stamp order there: delivery moved, not a clock
        return None
    usual = float(np.median(dt[lo:hi]))
    against_pace = (dt - usual) / 1e9 / rate  # [s]
    even = float(np.median(np.abs(against_pace[lo:hi]))) < abs(size) / 4
    miss = np.abs(against_receipt[pairs] - size)
    if even:
        miss = np.maximum(miss, np.abs(against_pace[pairs] - size))
    k = int(np.argmin(miss))
    if not miss[k] < abs(size) / 2:
        return None
    if not even and size < 0 and abs(size) > usual / 1e9 / rate:
        return None  # a step back longer than an interval, stamps rising: latency
    return int(pairs[k]), float(miss[k]), even


def stepped_words(step: ClockStep, topic: str, state_topic: str, origin_ns: int) -> str:
    """Return the words of a clock step: which clock, which way, how far, when, against whose.

    Ends "paired by stamp" for the caller's consequence; ``origin_ns``: the bag's start on the
    recorder's clock, for the moment said.
    """
    way = "forward" if (step.size_s > 0) == (step.stepped == topic) else "back"
    other = state_topic if step.stepped == topic else topic
    return (f"{step.stepped}'s clock stepped {way} by {abs(step.size_s):.2f} s "
            f"{(step.received_ns - origin_ns) / 1e9:.2f} s after the bag's start, against "
            f"{other}'s (header stamps set against when the recorder received each: an "
            "NTP/chrony clock step?): paired by stamp")


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
        states = state_times < state_cut
        frames = image_times < cut
        if states.any():  # no frame past the last state kept: it would have none
            frames &= image_times <= int(state_times[states].max())
    else:
        states = state_times >= state_cut
        frames = image_times >= cut
        if states.any():
            frames &= image_times >= int(state_times[states].min())
    part = "before" if keep_before else "after"
    left = "after" if keep_before else "before"
    note = (f"{stepped_words(step, topic, state_topic, origin_ns)}, each {what} {left} it would "
            f"get the state {abs(step.size_s):.2f} s away, so the {what}s and states {left} it "
            f"are left out ({int((~frames).sum())} {what}(s), {int((~states).sum())} state(s)), "
            f"the part {part} it read; to read the whole bag, {RECEIVE_HINT}; --start/--end then "
            "choose within it")
    return frames, states, note


@dataclass(frozen=True)
class StepRead:
    """What :func:`step_cut` keeps of a topic and the states, and the topic's offsets."""

    offsets: np.ndarray  # [N'] s: the kept messages' relative_offsets, for check_clock
    frames: np.ndarray | None = None  # [F] bool: the frames kept; None: every one
    states: np.ndarray | None = None  # [M] bool: the states kept; None: every one
    note: str = ""  # the cut's note, or doubt_note; '': no step


def step_cut(topic: str, clock: tuple, state_topic: str, state_clock: tuple, image_times,
             state_times, what: str = "frame") -> StepRead:
    """Return what is read of ``topic`` and the states across a clock step (:func:`clock_step`).

    ``clock``, ``state_clock``: (times, receive times) [N] / [M] int64 ns of every message of
    ``topic`` and ``state_topic``; ``image_times`` [F], ``state_times`` [M'] int64 ns: the
    recording's stamps. No step: everything kept, no note. A step not ``sure``: everything kept,
    :func:`doubt_note` said. Else :func:`cut_at_step`'s frames, states and note. The offsets:
    ``topic_clocks.relative_offsets`` of ``topic``'s messages (worked out once), of those stamped
    within the kept frames against the states within the kept states after a cut, for
    ``topic_clocks.check_clock`` to judge the part read alone.
    """
    times, received = in_receive_order(*clock)
    state_times_ns, state_received = in_receive_order(*state_clock)
    offsets = relative_offsets(times, received, state_times_ns, state_received)
    step = clock_step(topic, (times, received), state_topic, (state_times_ns, state_received),
                      offsets)
    if step is None:
        return StepRead(offsets)
    origin = min(int(np.min(received)), int(np.min(state_received)))
    if not step.sure:  # noted, nothing cut
        return StepRead(offsets, note=doubt_note(step, topic, state_topic, origin, what))
    frames, states, note = cut_at_step(step, topic, clock, state_topic, state_clock,
                                       image_times, state_times, origin, what)
    image_times, state_times = np.asarray(image_times), np.asarray(state_times)
    kept = relative_offsets(*_within(clock, image_times[frames]),
                            *_within(state_clock, state_times[states]))
    return StepRead(kept, frames, states, note)


def _within(clock: tuple, kept) -> tuple:
    """Return ``clock``'s (times, receive times) of the messages stamped within ``kept``'s span."""
    times, received = (np.asarray(a, np.int64) for a in clock)
    if not len(kept):
        return times[:0], received[:0]
    inside = (times >= int(np.min(kept))) & (times <= int(np.max(kept)))
    return times[inside], received[inside]


def doubt_note(step: ClockStep, topic: str, state_topic: str, origin_ns: int,
               what: str = "frame") -> str:
    """Return the note on a step not ``sure``: its offsets moved, stamps right or a clock's.

    ``origin_ns``: the bag's start on the recorder's clock, for the moment said.
    """
    return (f"{step.stepped}'s header stamps moved by {abs(step.size_s):.2f} s against "
            f"{state_topic if step.stepped == topic else topic}'s "
            f"{(step.received_ns - origin_ns) / 1e9:.2f} s after the bag's start (set against "
            f"when the recorder received each), its messages too uneven to tell a clock step "
            f"from {what}s that arrive later or sooner from then on: read by header stamps, "
            f"right for the latter; if its clock stepped there, {RECEIVE_HINT}, or give "
            "--start/--end on one side of it")


def _first_stamp_from(times, received, at: int) -> int:
    """Return the stamp of the first message received at or after ``at`` (past all: +inf)."""
    later = received >= at
    return int(times[later].min()) if later.any() else np.iinfo(np.int64).max
