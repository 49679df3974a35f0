"""Whether a bag's topics stamp on one clock: each one's header stamps against its receive times.

The recorder gives every message its receive time on one clock (the recording machine's); a
topic's header stamps are on its publisher's. Timed by header (``--stamps header``, the default),
the camera frames and the states are paired by stamp, so a camera on another machine whose clock
is seconds off the robot's (no NTP/PTP) pairs each frame with the state seconds away, though both
spans overlap (:func:`~vjepa_ros.recordings.bag_stamps.check_overlap` passes). Here each used
topic's stamps minus its receive times (its clock offset, plus its transport latency) are set
against the states' at the same receive times (:func:`relative_offsets`): a sim-time bag (stamps
on ``/clock``, receive times on the wall clock, both running at any rate) and a bag whose receive
times are its stamps differ by nothing. :func:`check_clock` refuses a difference over
:data:`REFUSE_S` and notes a smaller clear one; a frame's real latency (30-300 ms for a
640x480 frame) passes silently.

A latched gripper message (transient local, published on change) is received when the recorder
subscribes, at the recording's start, stamped when the hand last changed, maybe minutes before:
:func:`latched_messages` tells it from a gripper on another clock (whose every message is off).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.recordings.bag_files import BagError

REFUSE_S = 1.0  # [s] a topic's clock this far off the states': refused
# [s] ... this far (less than REFUSE_S) noted: stamped after it was received, as no latency is
NOTE_AHEAD_S = 0.25
NOTE_BEHIND_S = 0.4  # [s] ... stamped before it was received: more than a frame's latency
LATCH_START_S = 2.0  # [s] a latched message is received this soon after the states' first
RECEIVE_HINT = ("time every message by when the recorder received it: --stamps receive "
                "(data.topics.stamps: receive)")


def relative_offsets(times, received, state_times, state_received) -> np.ndarray:
    """Return [N] s: each message's (time - receive time), less the states' at its receive time.

    ``times``, ``received`` [N] int64 ns: a topic's times (its header stamps, or its receive
    times when it is timed by them) and receive times; ``state_times``, ``state_received`` [M]:
    the state topic's. The states' offset is interpolated over their receive times (held past
    their ends), so a clock that runs at another rate (sim time) is compared at one moment.
    """
    times, received = np.asarray(times, np.int64), np.asarray(received, np.int64)
    state_times = np.asarray(state_times, np.int64)
    state_received = np.asarray(state_received, np.int64)
    if not len(times) or not len(state_times):
        return np.zeros(0)
    order = np.argsort(state_received, kind="stable")
    base = state_received[order][0]  # a float64 of epoch ns loses 256 ns: fine, but keep small
    state_offset = (state_times - state_received)[order].astype(np.float64)
    at = np.interp((received - base).astype(np.float64),
                   (state_received[order] - base).astype(np.float64), state_offset)
    return ((times - received).astype(np.float64) - at) / 1e9


def check_clock(path, topic: str, offsets: np.ndarray, state_topic: str, notes: list[str],
                what: str = "frame") -> None:
    """Refuse (over :data:`REFUSE_S`) or note a topic whose clock is off the states'.

    ``offsets`` [N] s: :func:`relative_offsets` of its messages; their median is the topic's
    offset (positive: stamped later than the states would be at its receive time). Noted:
    stamped over :data:`NOTE_AHEAD_S` ahead (no latency makes that) or :data:`NOTE_BEHIND_S`
    behind. ``what``: one of its messages in words ("frame", "finger message"). Raises
    BagError naming the bag, the topic, the offset and ``--stamps receive``.
    """
    if not len(offsets):
        return
    offset = float(np.median(offsets))
    if -NOTE_BEHIND_S <= offset <= NOTE_AHEAD_S:
        return
    way = "ahead of" if offset > 0 else "behind"
    said = (f"{topic}'s header stamps lie {abs(offset):.2f} s {way} the states' clock "
            f"({state_topic}), set against when the recorder received each (median over "
            f"{len(offsets)} messages)")
    if abs(offset) > REFUSE_S:
        raise BagError(
            f"{path}: {said}: a device on another machine whose clock is not synchronised "
            f"(NTP/PTP)? Paired by stamp, each {what} would get the state {abs(offset):.2f} s "
            f"away from it; {RECEIVE_HINT}, or synchronise the clocks and record again")
    notes.append(f"{said}: its clock may be off the robot's (paired by stamp, each {what} gets "
                 f"the state {abs(offset):.2f} s away); if the clocks are not synchronised, "
                 f"{RECEIVE_HINT}")


def latched_messages(times, received, offsets, state_received) -> np.ndarray:
    """Return [N] bool: the topic's messages that are latched states, not another clock's.

    ``times``, ``received`` [N] int64 ns in receive order, ``offsets`` [N] s
    (:func:`relative_offsets`), ``state_received`` [M] int64 ns: the state topic's receive
    times. Latched: the leading messages stamped over :data:`REFUSE_S` before their receipt
    (set against the states': never after, as a clock ahead would be), received by
    :data:`LATCH_START_S` after the states' first message (when the recorder subscribed). The
    later messages of a gripper on another clock are off too (:func:`check_clock` refuses
    them); a gripper with a single message, so received, is the hand's state at the start
    either way.
    """
    received = np.asarray(received, np.int64)
    offsets = np.asarray(offsets, np.float64)
    if not len(received) or not len(state_received):
        return np.zeros(len(received), dtype=bool)
    start = int(np.min(state_received)) + int(LATCH_START_S * 1e9)
    early = (offsets < -REFUSE_S) & (received <= start)
    leading = int(np.argmin(early)) if not early.all() else len(early)
    latched = np.zeros(len(received), dtype=bool)
    latched[:leading] = True
    return latched
