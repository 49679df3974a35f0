"""Time ``SetpointStreamer.step`` (the stream tick) of three versions side by side.

Usage: ``python benchmarks/bench_stream_tick.py [--rounds N] [--old REV] [--main REV]
[--cpu]``. Versions: ``--old`` (default 9e177490, before the faces' braking), ``--main``
(default the main branch) read with ``git show`` (``stream_versions.streamer_at``), and the
working tree's. Cases: mid-air (a 6 cm move inside the box), reach edge (a plan clipped onto the
reach's ball), floor (a move onto the box's floor), turn (0.3 rad about z, the set-point's
orientation new each tick); each from the anchor at rest, 150 ticks of 10 ms. Rounds
interleave the versions; prints each version's best (and median) µs per tick. CPU only.
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
    args = parser.parse_args()
    clock = time.thread_time if args.cpu else time.perf_counter
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
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


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
