"""Time the bag reader's clock-step search on a long, fast stream (``recordings/clock_steps``).

A gripper's finger joints reach 1 kHz (``franka_ros``' ``/franka_gripper/joint_states`` at
the arm's rate, a ros2_control hand); 10 minutes are 600 000 messages. This makes such a stream
and a states stream of the same rate on one clock, the stream's clock stepped ``--step-s``
forward ``--at`` of the way in (receive times true, jittered by 1 ms), and prints the CPU time
(``time.process_time``, best of ``--repeats``: other processes' load counts little) of
``find_step`` on its offsets and of the whole ``clock_step`` (offsets, search, own-stamp jump),
and what each found. ``find_step`` read its medians in a Python loop over every message until
mend61b (0.24 s of CPU on 600 000 offsets beside 0.04 s now, on the shared 2-core machine).

Run:  python benchmarks/bench_clock_steps.py [--hz 1000] [--minutes 10] [--step-s 1.0]
          [--at 0.7] [--repeats 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.cpu_time import cpu_runs  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402


def streams(hz: float, minutes: float, step_s: float, at: float, seed: int = 0):
    """Return ((times, receive times) of the stream, of the states) [N] int64 ns, and its step.

    The stream's header stamps step ``step_s`` forward at message ``at * N`` (that index is
    returned); both streams' receive times lag their true times by 0-1 ms.
    """
    rng = np.random.default_rng(seed)
    count = int(hz * minutes * 60)
    true = 1_700_000_000_000_000_000 + (np.arange(count) * (1e9 / hz)).astype(np.int64)
    first = int(at * count)
    stamps = true + np.where(np.arange(count) >= first, int(step_s * 1e9), 0)
    received = true + rng.integers(0, 1_000_000, count)
    state_received = true + rng.integers(0, 1_000_000, count)
    return (stamps, received), (true.copy(), state_received), first


def timed(call, repeats: int):
    """Return (the least CPU seconds of ``repeats`` calls, the last call's result)."""
    seconds, result = cpu_runs(call, repeats)
    return min(seconds), result


def run(hz: float, minutes: float, step_s: float, at: float, repeats: int) -> dict:
    """Time both calls; return {"find_step": (s, result), "clock_step": (s, result)}."""
    from vjepa_ros.recordings.clock_steps import clock_step, find_step
    from vjepa_ros.recordings.topic_clocks import relative_offsets

    clock, state_clock, _ = streams(hz, minutes, step_s, at)
    offsets = relative_offsets(*clock, *state_clock)
    return {"find_step": timed(lambda: find_step(offsets), repeats),
            "clock_step": timed(lambda: clock_step("/fingers", clock, "/joint_states",
                                                   state_clock), repeats)}


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hz", type=float, default=1000.0)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--step-s", type=float, default=1.0)
    parser.add_argument("--at", type=float, default=0.7, help="the step's place, 0-1")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not (args.hz > 0 and args.minutes > 0 and 0 < args.at < 1 and args.repeats >= 1):
        parser.error("--hz and --minutes must be > 0, --at within (0, 1), --repeats >= 1")
    count = int(args.hz * args.minutes * 60)
    print(f"{count:,} messages ({args.hz:g} Hz, {args.minutes:g} min), clock stepped "
          f"{args.step_s:g} s at message {int(args.at * count):,}")
    for name, (seconds, found) in run(args.hz, args.minutes, args.step_s, args.at,
                                      args.repeats).items():
        print(f"{name:>10}: {seconds:.3f} s CPU (best of {args.repeats}); found {found}")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
