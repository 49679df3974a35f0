"""The set-point's straight stop kept within the curved reach (robot/reach_stop.py): mend53a.

Session 52's sweep of a trailing arm (:func:`benchmarks.trailing_arm.lagging_arm`: two sets of
limits a lab may set, the arm 5-30 ticks behind, plans every 1-25 ticks, 4 seeds: 128
combinations) left 2 where the set-point's acceleration exceeded the limit at the reach ball's
curved surface while a new anchor waited (1.22x and 2.02x: the face braking brakes against the
tangent plane, the surface curves toward a set-point moving across it). The whole sweep, and
the rotation's (``trailing_arm.turning_arm``, 128 more), is ``benchmarks/bench_reach_stop.py``
(about 45 s of CPU: it prints each set's worst ratio to the limits and fails beyond them); here
every lag, plan rate and seed of each set once, and the two combinations that failed. ROS-free,
CPU.
"""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from benchmarks.trailing_arm import DT, START, rot
from conftest import load_benchmark
from vjepa_ros.robot.reach_stop import kept_stoppable, stops_inside, turn_stops_inside
from vjepa_ros.robot.targets import SetpointStreamer

SWEEP = load_benchmark("bench_reach_stop", "test")
FLOAT, SMALL_TURNS, worst_ratios = SWEEP.FLOAT, SWEEP.SMALL_TURNS, SWEEP.worst_ratios
# Per set, lag i of the sweep with plan rate i and seed (i + 1) mod 4 (each once; a Latin
# diagonal of the sweep's 64), and session 52's two failures: (fast, 20, every 10, seed 1)
# 2.02x the acceleration limit, (small reach, 20, every 5, seed 1) 1.22x before mend53a.
COMBINATIONS = [(name, lag, every, (i + 1) % len(SWEEP.SEEDS)) for name in SWEEP.SETS
                for i, (lag, every) in enumerate(zip(SWEEP.LAGS, SWEEP.EVERY, strict=True))]
COMBINATIONS += [("fast", 20, 10, 1), ("small reach", 20, 5, 1)]


@pytest.mark.parametrize("name, lag, every, seed", COMBINATIONS)
def test_a_trailing_arm_s_plans_keep_every_step_within_the_limits(name, lag, every, seed):
    """Session 52's sweep (a subset: the whole in the benchmark): every step within the limits.

    Input: ``max_step_m`` 6 mm at 0.5 m/s and 5 m/s² (small reach) or 5 cm at 1 m/s and 10
    m/s² (fast), random plans; or random turns with a 0.35 rad or a 0.1 rad reach; the arm
    ``lag`` ticks behind, plans every ``every`` ticks, 200 ticks of 10 ms. Before: the reach
    clamp stopped a set-point that met the curved surface.
    """
    worst = SWEEP.combination_worst(name, lag, every, seed)
    assert max(worst) <= FLOAT, worst


def test_a_turn_across_the_rotation_reach_brakes_within_the_limit():
    """A set-point turning across the 0.1 rad reach toward a target on its edge: no clamp.

    Input: the set-point 0.05-0.095 rad from its anchor about x, turning at 0.5-2 rad/s about
    y, the target 0.0999 rad away at 17-86 degrees, every start a straight stop can keep
    inside. Before: the rotation reach clamp stopped it, 2.3x the angular acceleration limit.
    """
    worst, cases = 0.0, 0
    for angle in np.linspace(0.05, 0.095, 10):
        for spin in (0.5, 1.0, 1.5, 2.0):
            for heading in np.linspace(0.3, 1.5, 5):
                offset = Rotation.from_rotvec([angle, 0, 0])
                if not turn_stops_inside(offset, np.array([0, spin, 0]), 0.0, 0.1, 25.0):
                    continue
                streamer = SetpointStreamer(SMALL_TURNS)
                streamer.reset(START)
                target = START.copy()
                target[3:6] = (Rotation.from_rotvec(
                    0.0999 * np.array([math.cos(heading), math.sin(heading), 0]))
                    * rot(START[3:6])).as_euler("xyz")
                streamer.set_target(target, anchor=START)
                streamer.setpoint[3:6] = (offset * rot(START[3:6])).as_euler("xyz")
                streamer.angular_velocity = np.array([0.0, spin, 0.0])
                before = START.copy()
                before[3:6] = (Rotation.from_rotvec([0, -spin * DT, 0]) * offset
                               * rot(START[3:6])).as_euler("xyz")
                points = [before, streamer.setpoint.copy()]
                points += [streamer.step(DT) for _ in range(60)]
                worst = max(worst, worst_ratios(points, SMALL_TURNS)[3])
                cases += 1
    assert cases > 50
    assert worst <= FLOAT, worst


def test_kept_stoppable_moves_toward_the_straight_brake_just_enough():
    """A velocity whose stop leaves the ball -> on the segment to the brake, its stop inside."""
    offset, before, dt, accel = np.array([0.098, 0.0, 0.0]), np.array([0.0, 0.6, 0.0]), DT, 20.0

    def inside(velocity):
        return stops_inside(offset, velocity, dt, 0.1, accel)

    assert inside(before * (1 - accel * dt / 0.6))  # the straight brake keeps it
    candidate = before + np.array([0.19, 0.0, 0.0])  # outward: its stop leaves the ball
    assert not inside(candidate)
    kept = kept_stoppable(before, candidate, accel, dt, inside)
    assert inside(kept)
    assert np.linalg.norm(kept - before) <= accel * dt * (1 + 1e-12)
    assert kept[0] > 0.0  # not the whole brake: as much of the change as keeps it
    np.testing.assert_array_equal(kept_stoppable(before, before, accel, dt, inside), before)


def test_stops_inside_counts_the_tick_and_the_stop():
    """At 0.09 m of a 0.1 m ball, 0.5 m/s outward at 5 m/s²: 5 mm tick + 2.5 cm stop: out."""
    offset = np.array([0.09, 0.0, 0.0])
    assert not stops_inside(offset, np.array([0.5, 0.0, 0.0]), DT, 0.1, 5.0)
    assert stops_inside(offset, np.array([0.05, 0.0, 0.0]), DT, 0.1, 5.0)  # 0.5 + 0.25 mm
    assert stops_inside(offset, np.array([-0.5, 0.0, 0.0]), DT, 0.1, 5.0)  # inward
    assert stops_inside(offset, np.zeros(3), DT, 0.1, 5.0)
