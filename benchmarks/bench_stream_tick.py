"""Time ``SetpointStreamer.step`` (the stream tick) of three versions side by side.

Usage: ``python benchmarks/bench_stream_tick.py [--rounds N] [--old REV] [--main REV]
[--cpu] [--trailing-rounds N]``. Versions: ``--old`` (default 9e177490, before the faces'
braking), ``--main`` (default the main branch) read with ``git show``
(``stream_versions.streamer_at``: the tick's robot modules of that commit), and the working
tree's. Cases: mid-air (a 6 cm move inside the box), reach edge (a plan clipped onto the
reach's ball), floor (a move onto the box's floor), turn (0.3 rad about z, the set-point's
orientation new each tick); each from the anchor at rest, 150 ticks of 10 ms. Rounds
interleave the versions; prints each version's best (and median) µs per tick. CPU only.
Then the trailing arm at 1 kHz (perf58; fix58f's case): ``benchmarks.trailing_arm.SLOW`` limits
(5 cm reach, 0.5 m/s, 0.3 m/s²), a plan 20 cm away every 0.5 s from an arm 200 ms behind,
3 s of 1 ms ticks on fixed plan sequences (``--trailing-rounds`` seeds of those whose reach
stop's look-ahead runs), each tick timed alone: the p50, p99 and largest tick per version.
``--cpu`` times the CPU time of this thread (``time.thread_time``) instead of the wall clock: on a
shared, loaded machine the wall clock counts other jobs' time slices (5-15x under a load of 14
on 2 cores) and orders the versions by chance.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.stream_versions import streamer_at  # noqa: E402
from benchmarks.trailing_arm import SLOW, slow_trailing  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits, filter_target  # noqa: E402
from vjepa_ros.robot.targets import SetpointStreamer  # noqa: E402

LIMITS = SafetyLimits()
HAND_DOWN = np.array([np.pi, 0.0, 0.0, 0.0])
START = np.r_[0.5, 0.0, 0.3, HAND_DOWN]
CASES = {  # target [7] from START (made safe by filter_target)
    "mid-air": np.r_[0.5, -0.06, 0.3, HAND_DOWN],
    "reach edge": np.r_[0.5, 0.3, 0.3, HAND_DOWN],
    "floor": np.r_[0.5, 0.0, LIMITS.workspace_min[2], HAND_DOWN],
    "turn": np.r_[0.5, 0.0, 0.3, np.pi, 0.0, 0.3, 0.0],
}
TICKS = 150
DT = 0.01
# (seed, share of plans in a new direction) of slow_trailing streams whose look-ahead runs
TRAILING = ((8, 1.0), (4, 1.0), (0, 1.0), (11, 0.3))
TRAILING_RATE_HZ, TRAILING_LAG_S, TRAILING_SECONDS = 1000.0, 0.2, 3.0


def tick_time(streamer_type, target, clock=time.perf_counter) -> float:
    """Return the mean seconds per tick of ``TICKS`` ticks toward ``target`` from START.

    ``clock``: what times them (seconds; ``time.perf_counter`` or ``time.thread_time``).
    """
    streamer = streamer_type(LIMITS)
    streamer.reset(START)
    streamer.set_target(filter_target(START, target, LIMITS).target, anchor=START)
    began = clock()
    for _ in range(TICKS):
        streamer.step(DT)
    return (clock() - began) / TICKS


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds (at least 1; default 30)")
    parser.add_argument("--old", default="9e177490")
    parser.add_argument("--main", default="main")
    parser.add_argument("--cpu", action="store_true",
                        help="time this thread's CPU time, not the wall clock (a loaded machine)")
    parser.add_argument("--trailing-rounds", type=int, default=2,
                        help=f"plan sequences of the trailing arm (0-{len(TRAILING)}; default 2)")
    args = parser.parse_args()
    clock = time.thread_time if args.cpu else time.perf_counter
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if not 0 <= args.trailing_rounds <= len(TRAILING):
        parser.error(f"--trailing-rounds must be 0-{len(TRAILING)}, got {args.trailing_rounds}")
    versions = {args.old: streamer_at(args.old), args.main: streamer_at(args.main),
                "this tree": SetpointStreamer}
    times = {(case, name): [] for case in CASES for name in versions}
    for _ in range(args.rounds):
        for case, target in CASES.items():
            for name, streamer_type in versions.items():
                times[case, name].append(tick_time(streamer_type, target, clock))
    print(f"µs per tick ({'CPU time' if args.cpu else 'wall clock'}), best (median) of "
          f"{args.rounds} rounds x {TICKS} ticks")
    print(f"{'case':<12}" + "".join(f"{name:>22}" for name in versions))
    for case in CASES:
        cells = [f"{min(times[case, n]) * 1e6:9.0f} "
                 f"({statistics.median(times[case, n]) * 1e6:5.0f})" for n in versions]
        print(f"{case:<12}" + "".join(f"{cell:>22}" for cell in cells))
    trailing(versions, clock, args.trailing_rounds)


def trailing(versions: dict, clock, rounds: int) -> None:
    """Print each version's p50/p99/largest tick [µs] of the slow trailing arm at 1 kHz."""
    times = {name: [] for name in versions}
    for seed, share in TRAILING[:rounds]:
        for name, streamer_type in versions.items():
            times[name] += slow_trailing(streamer_type(SLOW), TRAILING_RATE_HZ, TRAILING_LAG_S,
                                         seed, TRAILING_SECONDS, new_share=share,
                                         clock=clock)[2]
    print(f"trailing arm at {TRAILING_RATE_HZ:g} Hz (max_step_m {SLOW.max_step_m}, max_speed_m_s "
          f"{SLOW.max_speed_m_s}, max_accel_m_s2 {SLOW.max_accel_m_s2}, a plan every 0.5 s, arm "
          f"{TRAILING_LAG_S * 1e3:g} ms behind; {rounds} plan sequences x {TRAILING_SECONDS:g} s)"
          f": µs per tick p50 / p99 / max")
    for name, ticks in times.items():
        p50, p99 = np.percentile(ticks, [50, 99]) * 1e6
        print(f"{name:>22}: {p50:8.0f} {p99:8.0f} {max(ticks) * 1e6:8.0f}")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
