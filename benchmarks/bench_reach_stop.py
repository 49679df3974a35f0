"""Session 52's trailing-arm sweep, all of it: the worst speed and acceleration / limit per set.

Usage: ``python benchmarks/bench_reach_stop.py [--ticks N]``. The arm trails the set-point
by 5, 10, 20 or 30 ticks (10 ms), plans every 1, 5, 10 or 25 ticks, seeds 0-3: 64 combinations
per set of limits; translation (``trailing_arm.lagging_arm``) with a 6 mm reach at 0.5 m/s
and 5 m/s² ("small reach") or 5 cm at 1 m/s and 10 m/s² ("fast"), rotation
(``trailing_arm.turning_arm``) with the 0.35 rad reach ("0.35 rad") or 0.1 rad at 2.5 rad/s
and 25 rad/s² ("0.1 rad"): 256 in all, ``--ticks`` each (200). Prints each set's worst ratio
(speed, acceleration, angular speed, angular acceleration over its limit) and its combination;
exits 1 when one exceeds the limits (``FLOAT``: the 1 nm landing snap). About 45 s of CPU;
``test/test_reach_stop.py`` runs a subset of it (every lag, rate and seed in each set, and
session 52's two failing combinations). CPU only, ROS-free.
"""

from __future__ import annotations

import sys
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.trailing_arm import (  # noqa: E402
    DT,
    FAST,
    FAST_TURNS,
    SMALL_REACH,
    lagging_arm,
    rates,
    turning_arm,
)
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402

# The streamer lands on a target within 1e-9 m (float rounding: targets.step's snap) keeping
# its velocity: up to 1e-9/dt² = 1e-5 m/s² off the limit at 10 ms ticks (2e-6 of 5 m/s²).
FLOAT = 1 + 1e-5
SMALL_TURNS = SafetyLimits(max_angular_speed_rad_s=2.5, max_angular_accel_rad_s2=25.0,
                           max_rotation_step_rad=0.1)
# set name -> (limits, whether the plans turn)
SETS = {"small reach": (SMALL_REACH, False), "fast": (FAST, False),
        "0.35 rad": (FAST_TURNS, True), "0.1 rad": (SMALL_TURNS, True)}
LAGS, EVERY, SEEDS = (5, 10, 20, 30), (1, 5, 10, 25), (0, 1, 2, 3)
COMBINATIONS = list(product(SETS, LAGS, EVERY, SEEDS))  # (set, lag, every, seed)


def worst_ratios(points, limits: SafetyLimits) -> tuple[float, float, float, float]:
    """Return the worst speed, acceleration, angular speed and angular acceleration / limit.

    ``points``: set-points [N, 7] streamed every ``DT`` (10 ms).
    """
    speed, spin, accel, spin_accel = rates(points, np.arange(len(points)) * DT)
    return (speed.max() / limits.max_speed_m_s, accel.max() / limits.max_accel_m_s2,
            spin.max() / limits.max_angular_speed_rad_s,
            spin_accel.max() / limits.max_angular_accel_rad_s2)


def combination_worst(name: str, lag: int, every: int, seed: int,
                      ticks: int = 200) -> tuple[float, float, float, float]:
    """Return :func:`worst_ratios` of one combination's ``ticks`` set-points (see the module)."""
    limits, turns = SETS[name]
    if turns:
        return worst_ratios(turning_arm(seed, limits, lag, every, ticks=ticks), limits)
    return worst_ratios(lagging_arm(seed, limits, lag, every, ticks=ticks)[1], limits)


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=200, help="ticks per combination")
    args = parser.parse_args()
    if args.ticks < 2:
        parser.error(f"--ticks must be at least 2, got {args.ticks}")
    worst = {name: (0.0, None) for name in SETS}
    for combination in COMBINATIONS:
        ratio = max(combination_worst(*combination, ticks=args.ticks))
        worst[combination[0]] = max(worst[combination[0]], (ratio, combination[1:]),
                                    key=lambda kept: kept[0])
    print(f"worst ratio to the limits, {len(COMBINATIONS)} combinations x {args.ticks} ticks")
    for name, (ratio, (lag, every, seed)) in worst.items():
        print(f"{name:<12} {ratio:.6f}  (lag {lag}, every {every}, seed {seed})")
    beyond = [name for name, (ratio, _) in worst.items() if ratio > FLOAT]
    if beyond:
        print(f"beyond the limits: {', '.join(beyond)}")
    return 1 if beyond else 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
