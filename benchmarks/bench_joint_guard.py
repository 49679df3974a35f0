"""Time the joint-limit guard (``JointLimitGuard.check``), which runs once per command.

Usage: ``python benchmarks/bench_joint_guard.py [--rounds N]``. Cases from the home posture:
a free step (5 cm and 0.3 rad, nothing near a limit: the whole step followed), the wrist near
its limit (joint 7 at 2.6 rad, yaw 0.3 rad into it: shortened), and ``filter_target`` alone for
scale. Prints the best and median ms per call over the rounds. CPU only, numpy and scipy.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.robot.joint_guard import JointLimitGuard  # noqa: E402
from vjepa_ros.robot.kinematics import FrankaKinematics  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits, filter_target  # noqa: E402

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
CALLS = 50  # per round


def _case(arm, guard, limits, joints, delta):
    state = arm.state(joints, 0.0)
    target = state.copy()
    target[:6] += delta
    decision = filter_target(state, target, limits)
    return (lambda: guard.check(joints, state, decision),
            lambda: filter_target(state, target, limits))


def main(argv=None) -> None:
    parser = ArgumentParser(prog="bench_joint_guard.py", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of 50 calls (20)")
    args = parser.parse_args(argv)
    arm, limits = FrankaKinematics(), SafetyLimits()
    guard = JointLimitGuard(arm, limits.joint_limit_margin_rad)
    wrist = HOME.copy()
    wrist[6] = 2.6
    free, filtered = _case(arm, guard, limits, HOME, [0.05, 0, 0, 0, 0, 0.3])
    near, _ = _case(arm, guard, limits, wrist, [0, 0, 0, 0, 0, -0.3])
    cases = {"guard, free step": free, "guard, wrist near limit": near,
             "filter_target alone": filtered}
    times = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, call in cases.items():
            start = time.perf_counter()
            for _ in range(CALLS):
                call()
            times[name].append((time.perf_counter() - start) / CALLS * 1e3)
    print(f"rounds {args.rounds} x {CALLS} calls, SUBSTEPS 8, margin "
          f"{limits.joint_limit_margin_rad} rad")
    for name, values in times.items():
        print(f"{name:26s} best {min(values):.3f} ms, median {statistics.median(values):.3f} ms")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
