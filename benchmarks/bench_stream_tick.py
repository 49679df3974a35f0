"""Time ``SetpointStreamer.step`` (the stream tick) of three versions side by side.

Usage: ``python benchmarks/bench_stream_tick.py [--rounds N] [--old REV]
[--main REV]``. Versions: ``--old`` (default 9e177490, before the faces' braking), ``--main``
(default the main branch) read with ``git show`` (``stream_versions.streamer_at``), and the
working tree's. Cases: mid-air (a 6 cm move inside the box), reach edge (a plan clipped onto the
reach's ball), floor (a move onto the box's floor), turn (0.3 rad about z, the set-point's
orientation new each tick); each from the anchor at rest, 150 ticks of 10 ms. Rounds
interleave the versions; prints each version's best (and median) µs per tick. CPU only.
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


def tick_time(streamer_type, target) -> float:
    """Return the mean seconds per tick of ``TICKS`` ticks toward ``target`` from START."""
    streamer = streamer_type(LIMITS)
    streamer.reset(START)
    streamer.set_target(filter_target(START, target, LIMITS).target, anchor=START)
    began = time.perf_counter()
    for _ in range(TICKS):
        streamer.step(DT)
    return (time.perf_counter() - began) / TICKS


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds (at least 1; default 30)")
    parser.add_argument("--old", default="9e177490")
    parser.add_argument("--main", default="main")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    versions = {args.old: streamer_at(args.old), args.main: streamer_at(args.main),
                "this tree": SetpointStreamer}
    times = {(case, name): [] for case in CASES for name in versions}
    for _ in range(args.rounds):
        for case, target in CASES.items():
            for name, streamer_type in versions.items():
                times[case, name].append(tick_time(streamer_type, target))
    print(f"µs per tick, best (median) of {args.rounds} rounds x {TICKS} ticks")
    print(f"{'case':<12}" + "".join(f"{name:>22}" for name in versions))
    for case in CASES:
        cells = [f"{min(times[case, n]) * 1e6:9.0f} "
                 f"({statistics.median(times[case, n]) * 1e6:5.0f})" for n in versions]
        print(f"{case:<12}" + "".join(f"{cell:>22}" for cell in cells))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
