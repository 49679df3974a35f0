"""The simulator node's tick grid: which ticks are due on the wall clock, and their stamps.

The node steps its simulation on a steady timer at ``tick_seconds / real_time_factor``; a timer
call can come late (the executor rendered a frame, the machine stalled), so each call runs the
ticks due by then. :class:`TickGrid` holds that rule without ROS: the clocks are plain
callables (the node passes ``time.monotonic`` and its node clock in ns), the simulation's time a
number, a tick a callable; ``sim_node.SimNode`` is the rclpy glue around it.

Tick k after the anchor (``wall_start`` [s, monotonic], ``sim_start`` [s, simulated]) stands for
the grid time t_k = ``wall_start`` + k x ``period`` (``period`` = ``tick_seconds`` /
``real_time_factor`` [s]), the end of the simulated interval it steps. A call runs the ticks
with t_k <= now, at most :data:`MAX_TICKS_PER_CALLBACK`, and stamps each with its t_k on the
node clock (t_k + the node clock's offset from monotonic): consecutive ticks are stamped
exactly a period apart whenever the call comes, never in the future, so the speeds a planner
reads from the stamps are the arm's (breaker51e, breaker51j, live51).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import ContextManager

from vjepa_ros.robot.clock_steps import CLOCK_READ_SPREAD_S, read_stream_clocks

MAX_TICKS_PER_CALLBACK = 6  # when behind real time, catch up at most this much per timer call
# [s] a reading of the node clock between two monotonic reads within clock_steps'
# CLOCK_READ_SPREAD_S (no preemption between them) may move the offset the grid's stamps use,
# and does when they differ by more than this (the system clock stepped or slewed): see
# TickGrid.clock_offset_ns
CLOCK_STEP_S = 1e-3


class TickGrid:
    """The grid of wall-clock times a real-time simulation's ticks stand for (module doc).

    ``tick_seconds`` [s]: the simulated time one tick steps; ``real_time_factor``: simulated
    seconds per wall-clock second (> 0; a flat-out simulation has no grid); ``monotonic``: a
    monotonic clock [s, float]; ``node_clock_ns``: the clock the stamps are on [ns, int] (the
    node's ROS clock). ``max_ticks``: the most ticks one :meth:`advance` runs. ValueError for
    a ``tick_seconds`` or ``real_time_factor`` not finite and > 0, or ``max_ticks`` < 1.
    The grid is anchored at ``monotonic()`` now and simulated time 0.
    """

    def __init__(self, tick_seconds: float, real_time_factor: float,
                 monotonic: Callable[[], float], node_clock_ns: Callable[[], int],
                 max_ticks: int = MAX_TICKS_PER_CALLBACK):
        for name, value in (("tick_seconds", tick_seconds),
                            ("real_time_factor", real_time_factor)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"TickGrid: {name} must be finite and > 0, got {value}")
        if max_ticks < 1:
            raise ValueError(f"TickGrid: max_ticks must be at least 1, got {max_ticks}")
        self.tick_seconds = tick_seconds
        self.period = tick_seconds / real_time_factor  # [s] wall-clock time between ticks
        self.max_ticks = max_ticks
        self.monotonic, self.node_clock_ns = monotonic, node_clock_ns
        self.wall_start, self.sim_start = monotonic(), 0.0
        self._offset_ns: int | None = None  # node clock - monotonic [ns] (clock_offset_ns)

    def anchor(self, sim_s: float = 0.0, wall_s: float | None = None) -> None:
        """Restart the grid: simulated time ``sim_s`` [s] stands for wall time ``wall_s``.

        Tick 1 after it stands for ``wall_s`` + ``period``, tick k for ``wall_s`` + k x
        ``period``. ``wall_s`` [s, monotonic]: the anchor's wall time (None: ``monotonic()``
        now); a scene reset anchors at its simulated time 0 and now.
        """
        self.wall_start = self.monotonic() if wall_s is None else wall_s
        self.sim_start = sim_s

    def next_time(self, sim_s: float) -> float:
        """Return the monotonic time [s] the next tick stands for, the simulation at ``sim_s``.

        ``sim_s`` [s]: the simulated time now; the ticks done since the anchor are
        (``sim_s`` - ``sim_start``) / ``tick_seconds``, rounded.
        """
        done = round((sim_s - self.sim_start) / self.tick_seconds)
        return self.wall_start + (done + 1) * self.period

    def clock_offset_ns(self) -> int:
        """Return the node clock minus the monotonic clock [ns] the grid's stamps use.

        Each call reads monotonic, node clock, monotonic (``clock_steps.read_stream_clocks``, as
        the planner's stream does: the tightest of a few tries); the offset moves only on a
        reading whose monotonic reads lie within ``CLOCK_READ_SPREAD_S`` and that differs from it
        by more than :data:`CLOCK_STEP_S` (a clock step, back or forward), so a thread preempted
        between two reads (a loaded machine, another thread holding the GIL) never shifts one
        call's ticks against the next call's: live, such a shift stamped consecutive ticks
        10-23 ms apart instead of 16.7 (live51). The first reading is taken whatever its spread.
        """
        wall_ns, (steady, spread) = read_stream_clocks(self.node_clock_ns, self.monotonic)
        offset_ns = wall_ns - round(steady * 1e9)
        if self._offset_ns is None or (spread <= CLOCK_READ_SPREAD_S and abs(
                offset_ns - self._offset_ns) > CLOCK_STEP_S * 1e9):
            self._offset_ns = offset_ns
        return self._offset_ns

    def advance(self, sim_time: Callable[[], float], tick: Callable[[int], object],
                lock: ContextManager | None = None) -> int:
        """Run the ticks due by now, at most ``max_ticks``; return how many ran.

        ``sim_time()``: the simulated time now [s] (read again after each tick); ``tick(stamp)``:
        steps one tick and publishes it stamped ``stamp`` [ns, the node clock's]: its grid time
        plus :meth:`clock_offset_ns` (read once per call, before ``monotonic()`` now).
        ``lock``: held around each due check and its tick (a scene reset between two ticks
        re-anchors the grid). With more than ``max_ticks`` due (a stall, a machine slower than
        real time) the rest of the debt is dropped: the grid is re-anchored so the call's last
        tick stands for now and the next one for a period after now (stamps stay a period
        apart, a longer gap only where the time was dropped).
        """
        lock = contextlib.nullcontext() if lock is None else lock
        offset_ns = self.clock_offset_ns()
        now = self.monotonic()
        with lock:
            sim_s = sim_time()
            if self.next_time(sim_s) + self.max_ticks * self.period <= now:
                self.anchor(sim_s, now - self.max_ticks * self.period)
        for ran in range(self.max_ticks):
            with lock:
                grid_time = self.next_time(sim_time())
                if grid_time > now:
                    return ran
                tick(round(grid_time * 1e9) + offset_ns)
        return self.max_ticks
