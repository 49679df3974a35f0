"""Whether camera stamps that went back went back with the node's own system clock.

A clock step of the frames' stamps (``new_worlds.NewWorlds._time_went_back``) is a wall
clock stepped under the node (chrony/ntpd ``makestep``, PTP) only when the node's system clock
fell with it; a looping bag, a restarted simulator (``/clock`` from 0) or a source on another
clock steps the stamps alone. This module holds that rule's parts: the offset read at each
arrival (:func:`system_clock_offset`), the comparison (:func:`wall_clock_stepped`), the recent
falls kept for a camera's latency (:class:`SystemClockFalls`) and the thresholds of a scene that
continued across the step (``CLOCK_STEP_*``). It also holds the set-point stream's rule for a wall
clock stepped between two ticks (:func:`read_stream_clocks`, :func:`stream_clock_stepped`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# A clock that went back (frames' stamps more than safety.max_image_age_s back) is a wall clock
# stepped (chrony/ntpd makestep, PTP on a real arm) only when the node's own system clock went
# back by about as much between the two frames' arrivals: within CLOCK_STEP_MATCH_S or
# CLOCK_STEP_MATCH_SHARE of the stamps' step, whichever is more. A simulator restarted (/clock
# from 0), a bag looped or a source stamping on another clock steps the stamps only: a new world
# (breaker42g: whatever the arm and the picture; breaker42j: a picture rule called an arm moving
# at 15 Hz or a 3 % flicker a new world). A wall clock step is one too when the scene changed with
# it: the arm's first measured pose on the new clock this far or farther from its last one on
# the old clock (moved [m], turned [rad]), or the hand's closedness this much changed. The arm
# moves well under 1 cm between two states (0.1 m/s at 10 Hz states); the jump watch's teleport
# is 1 cm / 0.05 rad likewise.
CLOCK_STEP_MATCH_S = 0.2
CLOCK_STEP_MATCH_SHARE = 0.2
CLOCK_STEP_MOVED_M = 0.01
CLOCK_STEP_TURNED_RAD = 0.05
CLOCK_STEP_HAND = 0.1
# The node's system clock's falls (its offset from a monotonic clock dropping by more than
# CLOCK_FALL_MIN_S between two arrivals, frames or states) are kept this long [s] for a frames'
# step to match: a camera with a period of latency shows the fall at the arrival of a frame
# captured before the step and the stamps' step at the next frame's (breaker42m). A fall can be
# seen only at or before the arrival of the first frame stamped after the step.
CLOCK_FALL_KEEP_S = 5.0
CLOCK_FALL_MIN_S = 0.01
# [s] A stream tick whose length on the node clock differs from the steady stream clock's by more
# than this (plus what the reads leave unknown: stream_clock_stepped) is a wall clock stepped
# under the node (ntpd/chrony, a PTP servo's sub-ms steps): timed by the steady clock
# (breaker50d, breaker50h). Otherwise by the node clock, so the stamps' differences are the
# set-point's own motion (README: speeds read from the stamps <= max_speed_m_s). A step below it
# changes a 0.1 m/s set-point's pace by under 0.3 m/s² at 10 ms ticks; the two clocks run at the
# same rate but for NTP's slew (<= 0.5 ms/s: 5 µs a tick).
CLOCK_STEP_S = 0.0003
# [s] The node clock is read between two reads of the steady clock; these more than this apart
# (the thread preempted between them: a GIL switch to the planning thread is up to 5 ms, the
# interpreter's switch interval) are read again, up to CLOCK_READ_TRIES times (breaker50h: the
# two clocks read 1.5 ms apart timed a tick by the steady clock, 0.115 m/s from the stamps).
CLOCK_READ_SPREAD_S = 0.0002
CLOCK_READ_TRIES = 5


def system_clock_offset() -> float:
    """Return the node's system clock minus a monotonic clock [s] (cheap: two clock reads).

    Constant but for NTP's slewing (at most 0.5 ms/s); a wall clock stepped by chrony/ntpd/PTP
    steps it by the step.
    """
    return time.time() - time.monotonic()


def read_stream_clocks(clock: Callable[[], float],
                       steady: Callable[[], float]) -> tuple[float, tuple[float, float]]:
    """Read the node ``clock`` between two reads of the ``steady`` clock; all in seconds.

    Returns (node time, (steady time, spread)): the steady time is the mean of the two steady
    reads around the node's read, ``spread`` how far apart they were (the node's read lies
    between them, so the pair is known to ``spread/2``). Reads again while the two are more
    than ``CLOCK_READ_SPREAD_S`` apart, at most ``CLOCK_READ_TRIES`` times; the tightest read.
    """
    best: tuple[float, tuple[float, float]] | None = None
    for _ in range(CLOCK_READ_TRIES):
        before = steady()
        now = clock()
        after = steady()
        spread = abs(after - before)
        if best is None or spread < best[1][1]:
            best = (now, ((before + after) / 2, spread))
        if spread <= CLOCK_READ_SPREAD_S:
            break
    return best


def stream_clock_stepped(length: float, steady: float, spreads: float) -> bool:
    """Whether a stream tick of ``length`` [s] on the node clock is a wall clock stepped.

    ``steady``: the tick's length on the steady clock [s]; ``spreads``: the two reads' spreads
    at its ends summed [s] (:func:`read_stream_clocks`). Stepped: the lengths differ by more than
    ``CLOCK_STEP_S`` plus what the reads leave unknown (``spreads/2``).
    """
    return abs(length - steady) > CLOCK_STEP_S + spreads / 2


def wall_clock_stepped(back: float, system_back: float | None) -> bool:
    """Whether stamps that went back ``back`` [s] went back with the node's system clock.

    ``system_back``: how far the system clock went back between the two frames' arrivals, less
    the steady time between them [s] (None: unknown). About equal (``CLOCK_STEP_MATCH_*``): a
    wall clock stepped under the node.
    """
    return system_back is not None and abs(system_back - back) <= max(
        CLOCK_STEP_MATCH_S, CLOCK_STEP_MATCH_SHARE * back)


def age_across_fall(age: float, fall: float) -> float:
    """Return an input's age [s] on the clock it was stamped on, the system clock fallen since.

    ``age``: node clock - its stamp [s]; ``fall``: how far the node's system clock went back
    between the input's stamp and now [s] (:func:`stamped_offset` less the offset now:
    :func:`system_clock_offset`). One rule for every input stamped before a wall clock stepped
    back under the node (chrony/ntpd ``makestep``, PTP): its age is ``age + fall``, whether it
    arrived before the fall (breaker55l: a camera dead before a 1 s fall was "fresh" until 1.5 s
    old, the arm moving on it), across it (a frame in flight: breaker55l) or is "in the future"
    on the new clock (breaker55c). A fall of ``CLOCK_FALL_MIN_S`` or less (NTP's slewing) and a
    step forward change nothing: a fall only ever makes an input older.
    """
    return age + fall if fall > CLOCK_FALL_MIN_S else age


def stamped_offset(offset: float, age: float, falls: list[tuple[float, float]],
                   steady: float) -> float:
    """Return the system clock offset [s] an input arriving now was stamped under.

    ``offset``: :func:`system_clock_offset` at its arrival; ``age``: node clock - its stamp at
    its arrival [s]; ``falls``: the recent falls (fall [s], steady time seen [s]), oldest first
    (:meth:`SystemClockFalls.recent`, this arrival's included); ``steady``: the arrival's steady
    time [s]. A stamp in the future at its arrival by more than ``CLOCK_FALL_MIN_S`` was stamped
    before the newest falls that bring it to the past (a frame in flight across the step, stamped
    10 ms before it, arriving 30 ms after: 40 ms old), if that latency is at least the time since
    the oldest of them was seen (an input stamped before a fall arrives after it). A stamp in
    the future no fall explains keeps ``offset`` (a clock mismatch: refused as such).
    """
    if age >= -CLOCK_FALL_MIN_S:
        return offset
    added = 0.0
    for fall, seen in reversed(falls):
        added += fall
        if age + added >= -CLOCK_FALL_MIN_S:  # the falls back to this one explain the stamp
            return offset + added if age + added >= steady - seen - CLOCK_FALL_MIN_S else offset
    return offset


class SystemClockFalls:
    """The node's system clock's recent falls, seen at any arrival (frames and states).

    :meth:`observe` at each arrival with ``system_clock_offset()`` then: a fall of the offset
    since the previous arrival of more than ``CLOCK_FALL_MIN_S`` is kept for ``CLOCK_FALL_KEEP_S``
    (a wall clock stepped back by chrony/ntpd/PTP under the node). :meth:`match` takes the one a
    frames' step back went with, once. Thread-safe (states arrive without the session's lock).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._last: float | None = None  # the offset at the previous arrival [s]
        self._falls: deque[tuple[float, float]] = deque()  # (fall [s], steady time seen [s])
        self._seen: deque[tuple[float, float]] = deque()  # the same, none consumed (recent)

    def observe(self, offset: float, steady: float) -> None:
        """Note the offset [s] read at an arrival at steady time ``steady`` [s]."""
        with self._lock:
            if self._last is not None and self._last - offset > CLOCK_FALL_MIN_S:
                self._falls.append((self._last - offset, steady))
                self._seen.append(self._falls[-1])
            self._last = offset
            for kept in (self._falls, self._seen):
                while kept and steady - kept[0][1] > CLOCK_FALL_KEEP_S:
                    kept.popleft()

    def recent(self) -> list[tuple[float, float]]:
        """Return the falls seen in the last ``CLOCK_FALL_KEEP_S``, oldest first (a copy).

        (fall [s], steady time seen [s]) each, those :meth:`match` took included: an input's
        age counts every fall since its stamp (:func:`stamped_offset`).
        """
        with self._lock:
            return list(self._seen)

    def match(self, back: float, elapsed: float, steady: float) -> float | None:
        """Take the kept fall that stamps going back ``back`` [s] went with; None if none.

        ``elapsed``: the steady time between the two frames' arrivals [s] (the stamps went back
        by the fall less it). Returns that (the fall less ``elapsed``), the closest to ``back``
        within ``CLOCK_STEP_MATCH_*``; the fall is consumed.
        """
        with self._lock:
            while self._falls and steady - self._falls[0][1] > CLOCK_FALL_KEEP_S:
                self._falls.popleft()
            candidates = [(abs(fall - elapsed - back), i) for i, (fall, _) in
                          enumerate(self._falls) if wall_clock_stepped(back, fall - elapsed)]
            if not candidates:
                return None
            _, index = min(candidates)
            fall, _ = self._falls[index]
            del self._falls[index]
            return fall - elapsed
