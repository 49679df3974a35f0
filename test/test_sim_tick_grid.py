"""sim.tick_grid.TickGrid without ROS: due ticks, their stamps, debt drops and clock steps.

The simulator node's grid (``sim_node.SimNode._advance`` is its glue) with fake clocks: a
monotonic clock the test sets and a node clock [ns] that reads it plus an offset the test steps.
A tick advances a fake simulated time by ``tick_seconds`` and records its stamp. The node-level
tests (test_breaker51e, test_breaker51j, test_live51) run the same rule through ``SimNode``.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.robot.clock_steps import CLOCK_READ_SPREAD_S
from vjepa_ros.sim.tick_grid import CLOCK_STEP_S, MAX_TICKS_PER_CALLBACK, TickGrid

TICK = 1 / 60  # [s] the simulator's default control tick
EPOCH_NS = 5_000 * 10**9  # the fake node clock reads the fake monotonic + this at first


class _World:
    """Fake clocks and simulation: ``now`` [s] monotonic, node clock = now + ``offset_ns``."""

    def __init__(self, real_time_factor: float = 1.0):
        self.now, self.offset_ns, self.sim_s = 1000.0, EPOCH_NS, 0.0
        self.waits: list[float] = []  # seconds passing before each node-clock read (preemption)
        self.stamps: list[int] = []  # [ns] each tick's stamp
        self.ticked_at: list[float] = []  # monotonic time [s] each tick ran
        self.grid = TickGrid(TICK, real_time_factor, self.monotonic, self.node_clock_ns)

    def monotonic(self) -> float:
        return self.now

    def node_clock_ns(self) -> int:
        self.now += self.waits.pop(0) if self.waits else 0.0
        return round(self.now * 1e9) + self.offset_ns

    def tick(self, stamp_ns: int) -> None:
        self.sim_s += TICK
        self.stamps.append(stamp_ns)
        self.ticked_at.append(self.now)

    def call(self, at: float) -> int:
        """Call the grid as the node's timer would at monotonic ``at`` [s]; ticks run."""
        self.now = at
        return self.grid.advance(lambda: self.sim_s, self.tick)

    def run_timer(self, calls: int, lateness: dict | None = None, first: int = 1) -> None:
        """Timer calls ``first..first+calls-1`` on the grid's period (+ ``lateness`` periods)."""
        start, period = self.grid.wall_start, self.grid.period
        for k in range(first, first + calls):
            when = start + k * period + 50e-6 + (lateness or {}).get(k, 0.0) * period
            if when > self.now:  # rcl skips a period missed while a late call ran
                self.call(when)

    def seconds(self) -> np.ndarray:
        """Every stamp so far as monotonic seconds (the stamp less the first offset)."""
        return (np.array(self.stamps) - EPOCH_NS) / 1e9


def _on_grid(stamps_ns: list[int], period: float) -> np.ndarray:
    """Return each stamp's distance from a whole number of periods after the first [ns]."""
    since = (np.array(stamps_ns) - stamps_ns[0]) / (period * 1e9)
    return np.abs(since - np.round(since)) * period * 1e9


def test_a_new_grid_is_anchored_now_and_its_first_tick_is_due_a_period_later():
    world = _World(real_time_factor=2.0)
    grid = world.grid
    assert (grid.wall_start, grid.sim_start, grid.period) == (1000.0, 0.0, TICK / 2)
    assert grid.next_time(0.0) == pytest.approx(1000.0 + TICK / 2)
    assert grid.next_time(3 * TICK) == pytest.approx(1000.0 + 4 * TICK / 2)
    assert world.call(1000.0 + TICK / 2 - 1e-6) == 0  # not yet due
    assert world.call(1000.0 + TICK / 2) == 1
    assert world.stamps == [round((1000.0 + TICK / 2) * 1e9) + EPOCH_NS]
    grid.anchor(7.0, 2000.0)
    assert (grid.wall_start, grid.sim_start) == (2000.0, 7.0)
    world.now = 3000.0
    grid.anchor()  # a scene reset: simulated time 0, now
    assert (grid.wall_start, grid.sim_start) == (3000.0, 0.0)


def test_each_due_tick_runs_once_stamped_with_its_grid_time():
    """On-time calls run one tick each, stamped t_k (not the call's time), a period apart."""
    world = _World()
    world.run_timer(20)
    assert len(world.stamps) == 20
    expected = [round((1000.0 + k * TICK) * 1e9) + EPOCH_NS for k in range(1, 21)]
    assert world.stamps == expected
    assert np.all(world.seconds() <= np.array(world.ticked_at) + 1e-9)  # never in the future


def test_a_late_call_catches_up_at_most_max_ticks_on_the_grid():
    """Calls 1.1, 3.5 and exactly MAX_TICKS_PER_CALLBACK ticks late: every tick on its t_k."""
    world = _World()
    world.run_timer(40, lateness={5: 1.1, 12: 3.5, 25: MAX_TICKS_PER_CALLBACK - 1})
    assert len(world.stamps) == 40
    gaps = np.diff(world.stamps)
    assert np.abs(gaps - TICK * 1e9).max() <= 1, gaps
    assert world.now >= world.seconds()[-1]


def test_debt_past_max_ticks_is_dropped_and_stamps_stay_on_a_period_grid():
    """A call 60 ticks late runs MAX_TICKS_PER_CALLBACK, drops the rest: one longer gap."""
    world = _World()
    world.run_timer(10)
    late = world.grid.wall_start + 11 * TICK + 60 * TICK
    assert world.call(late) == MAX_TICKS_PER_CALLBACK
    assert world.seconds()[-1] == pytest.approx(late, abs=1e-9)  # its last tick stands for now
    assert world.call(late + 0.5 * TICK) == 0  # the next tick is a period after now
    for k in range(1, 20):
        world.call(late + k * TICK + 20e-6)
    stamps = world.seconds()
    gaps = np.diff(stamps) / TICK
    assert len(stamps) == 10 + MAX_TICKS_PER_CALLBACK + 19
    assert np.all(gaps > 0)
    long = np.flatnonzero(np.abs(gaps - 1) > 1e-6)
    assert long.tolist() == [9], gaps.round(3)  # the dropped time: once, before the catch-up
    assert gaps[9] == pytest.approx(60 - MAX_TICKS_PER_CALLBACK + 2, abs=1e-6)  # 11 -> 66


def test_a_slower_than_real_time_machine_keeps_stamps_rising_and_within_the_cap():
    """Each tick costs 1.5 periods, calls back to back: stamps rise, lag < MAX+2 periods."""
    world = _World()
    tick = world.tick

    def slow(stamp_ns: int) -> None:
        world.now += 1.5 * TICK
        tick(stamp_ns)

    world.tick = slow
    world.now += TICK
    lags = []
    for _ in range(40):
        world.call(world.now + 1e-4)
        lags.append(world.now - world.seconds()[-1])
    assert np.all(np.diff(world.stamps) > 0)
    assert 0 <= min(lags) and max(lags) < (MAX_TICKS_PER_CALLBACK + 2) * TICK * 1.5


def test_simulated_time_jumping_forward_or_reset_with_an_anchor_keeps_stamps_rising():
    """Sim time 10 ticks ahead: no tick for 10 periods, then on the grid; reset + anchor too."""
    world = _World()
    world.run_timer(5)
    world.sim_s += 10 * TICK  # a goal capture stepped the simulation (or the time jumped)
    ran = [world.call(world.grid.wall_start + k * TICK + 50e-6) for k in range(6, 30)]
    assert ran[:10] == [0] * 10 and all(r == 1 for r in ran[10:])
    world.now += 0.004
    world.sim_s = 0.0  # ~/reset: simulated time back to 0, the grid anchored now
    world.grid.anchor()
    for k in range(1, 10):
        world.call(world.grid.wall_start + k * TICK + 50e-6)
    stamps = np.array(world.stamps)
    assert np.all(np.diff(stamps) > 0)
    assert _on_grid(world.stamps[-9:], TICK).max() <= 1


def test_the_node_clock_stepped_forward_or_back_moves_the_stamps_with_it():
    """A 50 ms step of the node clock (NTP) either way: later stamps follow it exactly.

    Stepped back by more than a period, the next stamp is earlier than the last one: the
    stamps are on the node clock, as a real driver's are (a planner sees the clock step).
    """
    for step_s in (0.05, -0.05):
        world = _World()
        world.run_timer(10)
        before = world.stamps[-1]
        world.offset_ns += round(step_s * 1e9)
        world.run_timer(10, first=11)
        after = np.array(world.stamps[10:]) - world.offset_ns
        expected = [round((1000.0 + k * TICK) * 1e9) for k in range(11, 21)]
        assert np.abs(after - expected).max() <= 1  # on the grid, on the stepped clock
        assert world.stamps[10] - before == pytest.approx((TICK + step_s) * 1e9, abs=2)
        assert np.all(np.diff(world.stamps[10:]) > 0)


def test_small_offset_changes_and_preempted_reads_do_not_move_the_stamps():
    """A slew under CLOCK_STEP_S and reads preempted 0.5-8 ms keep every tick a period apart."""
    world = _World()
    world.run_timer(5)
    world.offset_ns += round(0.9 * CLOCK_STEP_S * 1e9)  # slewed: below a step
    world.waits = [0.0] * 5 + [8e-3] * 5 + [5e-4] * 5 + [3e-3] * 5  # every try preempted
    assert min(w for w in world.waits if w) > CLOCK_READ_SPREAD_S
    world.run_timer(25, first=6)
    gaps = np.diff(world.stamps)
    assert len(world.stamps) == 30
    assert np.abs(gaps - TICK * 1e9).max() <= 1, gaps


def test_a_preempted_first_read_is_taken_and_a_clean_step_later_corrects_it():
    """The first offset read is kept whatever its spread; a clean read > CLOCK_STEP_S moves it."""
    world = _World()
    world.waits = [2e-3] * 5  # every one of the first call's tries preempted by 2 ms
    first = world.grid.clock_offset_ns()
    assert abs(first - EPOCH_NS) <= 1.1e6  # the tightest read: within its spread/2
    world.offset_ns += round(3 * CLOCK_STEP_S * 1e9)  # 2 ms from the first read: a step
    assert world.grid.clock_offset_ns() == EPOCH_NS + round(3 * CLOCK_STEP_S * 1e9)


def test_each_due_check_and_its_tick_run_under_the_lock():
    """``lock`` is held around every tick (a reset between two ticks re-anchors the grid)."""

    class _Lock:
        held, entered = False, 0

        def __enter__(self):
            self.held, self.entered = True, self.entered + 1

        def __exit__(self, *exc):
            self.held = False

    world, lock, inside = _World(), _Lock(), []
    world.now = 1000.0 + 3 * TICK
    ran = world.grid.advance(lambda: world.sim_s,
                             lambda stamp: inside.append(lock.held) or world.tick(stamp), lock)
    assert ran == 3 and inside == [True] * 3 and not lock.held
    assert lock.entered == 5  # the debt check, 3 ticks, the check that found none due


@pytest.mark.parametrize("tick, factor, most", [
    (0.0, 1.0, 6), (TICK, 0.0, 6), (float("nan"), 1.0, 6), (TICK, float("inf"), 6), (TICK, 1.0, 0),
])
def test_a_grid_without_a_period_is_refused(tick, factor, most):
    with pytest.raises(ValueError, match="TickGrid: (tick_seconds|real_time_factor|max_ticks)"):
        TickGrid(tick, factor, lambda: 0.0, lambda: 0, max_ticks=most)
