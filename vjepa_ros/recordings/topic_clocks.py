"""Whether a bag's topics stamp on one clock: each one's header stamps against its receive times.

The recorder gives every message its receive time on one clock (the recording machine's); a
topic's header stamps are on its publisher's. Timed by header (``--stamps header``, the default),
the camera frames and the states are paired by stamp, so a camera on another machine whose clock
is seconds off the robot's (no NTP/PTP) pairs each frame with the state seconds away, though both
spans overlap (:func:`~vjepa_ros.recordings.bag_stamps.check_overlap` passes). Here each used
topic's stamps minus its receive times (its clock offset, plus its transport latency) are set
against the states' at the same receive times (:func:`relative_offsets`), in seconds of the
receive clock (stamp seconds divided by the states' stamp rate, :func:`stamp_rate`): a sim-time
bag (stamps on ``/clock``, receive times on the wall clock, both running at any rate: a frame's
300 ms of latency is 300 ms, not 1.2 s of sim time at 4x) and a bag whose receive times are its
stamps differ by nothing. :func:`check_clock` refuses a difference over :data:`REFUSE_S` (or the
``max_clock_offset_s`` a lab gives for a camera whose frames arrive late) and notes a smaller
clear one; a frame's real latency (30-300 ms for a 640x480 frame) passes silently. Stamps behind
their receipt are another clock or late arrival (a slow link, a queue, a recorder behind): the
reader cannot tell them apart, so both are named, with what to do for each.

A latched gripper message (transient local, published on change) is received when the recorder
subscribes (at the recording's start, or later when its publisher matched late), stamped when
the hand last changed, maybe minutes before: :func:`latched_messages` tells it from a gripper
on another clock (whose every message is off) before the clock check. A history (depth > 1)
arrives in one burst at the start, stamps ascending, all stamped before the recorder subscribed:
taken as a whole, its newest the hand's state at receipt however young (breaker42d); the later
messages are then judged by the clock check alone, as it judges any topic (a message published
0.5 s after its stamp, when a move finished, is late, not another clock).
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.recordings.bag_files import BagError

REFUSE_S = 1.0  # [s] a topic's clock this far off the states': refused (max_clock_offset_s)
# [s] ... this far (less than REFUSE_S) noted: stamped after it was received, as no latency is
NOTE_AHEAD_S = 0.25
NOTE_BEHIND_S = 0.4  # [s] ... stamped before it was received: more than a frame's latency
LATCH_START_S = 2.0  # [s] a lone latched message is received this soon after the states' first
LATCH_BURST_S = 0.5  # [s] a latched history arrives at once: within this of its first message
RATE_WINDOW_S = 1.0  # [s] the states' stamp rate is measured over receive spans this long
RATE_SAME = 0.02  # a stamp rate within 2 % of 1: the receive clock's own (jitter), taken as 1
RECEIVE_HINT = ("time every message by when the recorder received it: --stamps receive "
                "(data.topics.stamps: receive)")
LIMIT_OPTION = "--max-clock-offset"
LIMIT_SETTING = "data.topics.max_clock_offset_s"


def receive_order(received) -> np.ndarray | None:
    """Return the stable order [N] int64 that sorts ``received`` [N] ns, or None: in order.

    A bag's reader hands each topic's messages on in receive (log-time) order, except a
    salvaged MCAP's topic beyond the sort windows (``mcap_order``: "in file order"): times
    already in order are told by one pass, not sorted again.
    """
    received = np.asarray(received, np.int64)
    if len(received) < 2 or bool((received[1:] >= received[:-1]).all()):
        return None
    return np.argsort(received, kind="stable")


def in_receive_order(times, received) -> tuple[np.ndarray, np.ndarray]:
    """Return (times, receive times) [N] int64 ns by receive time (:func:`receive_order`)."""
    times, received = np.asarray(times, np.int64), np.asarray(received, np.int64)
    order = receive_order(received)
    return (times, received) if order is None else (times[order], received[order])


def stamp_rate(state_times, state_received) -> float:
    """Return the states' d stamp / d receive time: 1 on one clock, a sim's real-time factor.

    ``state_times``, ``state_received`` [M] int64 ns. The median of the slopes over receive
    spans of :data:`RATE_WINDOW_S` (one span: the whole, when shorter), so a late or bunched
    message moves it little; a rate within :data:`RATE_SAME` of 1, unmeasurable or not
    positive: 1.
    """
    times, received = in_receive_order(state_times, state_received)
    if len(times) < 3:
        return 1.0
    base_t, base_r = times[0], received[0]
    t = (times - base_t).astype(np.float64)
    r = (received - base_r).astype(np.float64)
    ends = np.searchsorted(r, r + RATE_WINDOW_S * 1e9)
    starts = np.flatnonzero(ends < len(r))
    if len(starts):
        slopes = (t[ends[starts]] - t[starts]) / (r[ends[starts]] - r[starts])
        rate = float(np.median(slopes))
    else:
        rate = float(t[-1] / r[-1]) if r[-1] > 0 else 1.0
    if not math.isfinite(rate) or rate <= 0 or abs(rate - 1.0) < RATE_SAME:
        return 1.0
    return rate


def _state_offset_at(received, state_times, state_received) -> np.ndarray:
    """Return [N] float64 ns: the states' (stamp - receive time) at ``received`` (ends held)."""
    received = np.asarray(received, np.int64)
    state_times, state_received = in_receive_order(state_times, state_received)
    base = state_received[0]  # a float64 of epoch ns loses 256 ns: fine, but keep small
    state_offset = (state_times - state_received).astype(np.float64)
    return np.interp((received - base).astype(np.float64),
                     (state_received - base).astype(np.float64), state_offset)


def states_clock_at(received, state_times, state_received) -> np.ndarray:
    """Return [N] int64 ns: the states' clock (their stamps) at the receive times ``received``."""
    received = np.asarray(received, np.int64)
    return received + np.round(_state_offset_at(received, state_times,
                                                state_received)).astype(np.int64)


def received_at_once(state_times, state_received) -> bool:
    """Whether the states were received within :data:`LATCH_BURST_S` while their stamps run on.

    ``state_times``, ``state_received`` [M] int64 ns: header stamps and receive times. A bag
    merged by a converter gives every message one receive time, its header stamps distinct:
    receipt then dates neither a subscription nor a clock.
    """
    state_times = np.asarray(state_times, np.int64)
    state_received = np.asarray(state_received, np.int64)
    return bool(len(state_received)) and \
        int(np.ptp(state_received)) <= LATCH_BURST_S * 1e9 < int(np.ptp(state_times))


def relative_offsets(times, received, state_times, state_received) -> np.ndarray:
    """Return [N] s: each message's (time - receive time), less the states' at its receive time.

    ``times``, ``received`` [N] int64 ns: a topic's times (its header stamps, or its receive
    times when it is timed by them) and receive times; ``state_times``, ``state_received`` [M]:
    the state topic's. The states' offset is interpolated over their receive times (held past
    their ends), so a clock that runs at another rate (sim time) is compared at one moment; the
    difference, in the stamps' seconds, is divided by the states' :func:`stamp_rate`: seconds of
    the receive clock, where latency lives (a 4x sim's 300 ms frame latency is 1.2 s of stamps).
    All 0 when the states' receive times time nothing (:func:`received_at_once`: a merged bag):
    no offset is measured, no message taken for latched (a gripper timed by its header stamps as
    the camera and the states are) and no clock said to be off.
    """
    times, received = np.asarray(times, np.int64), np.asarray(received, np.int64)
    if not len(times) or not len(state_times):
        return np.zeros(0)
    if received_at_once(state_times, state_received):
        return np.zeros(len(times))
    at = _state_offset_at(received, state_times, state_received)
    rate = stamp_rate(state_times, state_received)
    return ((times - received).astype(np.float64) - at) / 1e9 / rate


def check_clock(path, topic: str, offsets: np.ndarray, state_topic: str, notes: list[str],
                what: str = "frame", limit_s: float = REFUSE_S) -> None:
    """Refuse (over :data:`REFUSE_S`, behind: over ``limit_s``) or note a topic off the states'.

    ``offsets`` [N] s: :func:`relative_offsets` of its messages; their median is the topic's
    offset (positive: stamped later than the states would be at its receive time). Noted:
    stamped over :data:`NOTE_AHEAD_S` ahead (no latency makes that) or :data:`NOTE_BEHIND_S`
    behind. Stamps behind are another clock or messages that arrived late (stamps right):
    both are named, ``--stamps receive`` for the one, ``limit_s`` (``--max-clock-offset``,
    ``data.topics.max_clock_offset_s``, at least :data:`REFUSE_S`) for the other, which keeps
    the header stamps of a topic up to ``limit_s`` behind. ``what``: one of its messages in
    words ("frame", "finger message"). Raises BagError naming the bag, the topic, the offset and
    what to give.
    """
    if not len(offsets):
        return
    offset = float(np.median(offsets))
    if -NOTE_BEHIND_S <= offset <= NOTE_AHEAD_S:
        return
    limit_s = max(float(limit_s), REFUSE_S)
    behind = offset < 0
    way = "behind" if behind else "ahead of"
    said = (f"{topic}'s header stamps lie {abs(offset):.2f} s {way} the states' clock "
            f"({state_topic}), set against when the recorder received each (median over "
            f"{len(offsets)} messages)")
    pairs = f"paired by stamp, each {what} gets the state {abs(offset):.2f} s away"
    if behind and abs(offset) <= limit_s and abs(offset) > REFUSE_S:
        notes.append(f"{said}: header stamps kept, as {LIMIT_OPTION} {limit_s:g} "
                     f"({LIMIT_SETTING}) allows ({what}s that arrived late); if its clock is "
                     f"off the robot's instead, {pairs}: {RECEIVE_HINT}")
        return
    give = max(math.ceil(abs(offset) * 10) / 10 + 0.1, REFUSE_S)
    late = (f"or {what}s that arrived late (a slow link, a queue, a recorder behind: stamps "
            f"right, the same offset), for which --stamps receive is wrong (each {what} would "
            f"get the state received with it, {abs(offset):.2f} s later): keep their header "
            f"stamps with {LIMIT_OPTION} {give:g} ({LIMIT_SETTING})")
    if abs(offset) > (limit_s if behind else REFUSE_S):
        clock = (f"a device on another machine whose clock is not synchronised (NTP/PTP) "
                 f"({pairs}: {RECEIVE_HINT}, or synchronise the clocks and record again)")
        raise BagError(f"{path}: {said}: {clock}" + (f", {late}" if behind else ""))
    notes.append(f"{said}: its clock may be off the robot's ({pairs}; if the clocks are not "
                 f"synchronised, {RECEIVE_HINT})"
                 + (f"; or {what}s that arrived late (a slow link, a queue, a recorder "
                    "behind), whose header stamps are right as read: then --stamps receive is "
                    "wrong" if behind else ""))


def latched_messages(times, received, offsets, state_received,
                     limit_s: float = REFUSE_S) -> np.ndarray:
    """Return [N] bool: the topic's messages that are latched states, not another clock's.

    ``times``, ``received`` [N] int64 ns in receive order, ``offsets`` [N] s
    (:func:`relative_offsets`), ``state_received`` [M] int64 ns: the state topic's receive
    times; ``limit_s``: :func:`check_clock`'s (how far behind a topic's stamps may be kept).
    Candidates: the history as a whole, the leading burst of messages received within
    :data:`LATCH_BURST_S` of the first (a transient-local history arrives at once), stamps
    ascending, each stamped before the first was received (published before the recorder
    subscribed), the first stamped over :data:`NOTE_BEHIND_S` before its receipt (set against
    the states': never after, as a clock ahead would be); its newest may be young (the hand
    changed just before the recording: breaker42d). They are latched when the topic's later
    messages lie on a clock :func:`check_clock` accepts (their median refused only beyond
    :data:`REFUSE_S` ahead or ``limit_s`` behind: a message published when a move finished,
    0.5 s after its stamp, is late, not another clock: 42d) and the history's oldest lies
    :data:`NOTE_BEHIND_S` further behind than they do (not the one offset of a clock's run);
    with no later message, when received by :data:`LATCH_START_S` after the states' first (when
    the recorder subscribed) and either one message alone (the hand's state as received,
    latched or not) or a history whose stamps differ (each stamped when the hand changed), not
    the one offset of a clock's run. Judged before :func:`check_clock`, which gets the other
    messages.
    """
    received = np.asarray(received, np.int64)
    times = np.asarray(times, np.int64)
    offsets = np.asarray(offsets, np.float64)
    none = np.zeros(len(received), dtype=bool)
    if not len(received) or not len(state_received) or not offsets[0] < -NOTE_BEHIND_S:
        return none
    since = (received - received[0]) / 1e9  # [s] after the first message's receipt
    burst = (since <= LATCH_BURST_S) & (offsets + since < 0.0) & \
        np.r_[True, np.diff(times) >= 0]  # stamped before the first's receipt, ascending
    leading = int(np.argmin(burst)) if not burst.all() else len(burst)
    latched = none.copy()
    latched[:leading] = True
    rest = offsets[leading:]
    if len(rest):
        later = float(np.median(rest))
        accepted = -max(float(limit_s), REFUSE_S) <= later <= REFUSE_S  # as check_clock
        apart = float(np.min(offsets[:leading])) < later - NOTE_BEHIND_S
        return latched if accepted and apart else none
    if received[-1] > int(np.min(state_received)) + int(LATCH_START_S * 1e9):
        return none
    if leading == 1 or float(np.ptp(offsets)) > NOTE_BEHIND_S:
        return latched
    return none
