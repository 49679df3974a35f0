"""Session 52's trailing arm: set-points streamed to an arm that lags them, and their rates.

Random plans (:func:`lagging_arm`: translation; :func:`turning_arm`: rotation) go through
``safety.filter_target`` anchored at an arm a number of ticks behind the set-point, as
``MPCSession`` anchors them at the measured pose (breaker52j, fix52j ``robot/anchor_lag.py``);
:func:`rates` measures a stream's speeds and accelerations. The sets of limits the sweep runs:
:data:`SMALL_REACH`, :data:`FAST`, :data:`FAST_TURNS`. Shared by
``benchmarks/bench_reach_stop.py`` (the whole sweep) and its tests (``test_breaker52j``,
``test_reach_stop``, ``test_anchor_lag``). ROS-free, CPU.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

DT = 0.01  # the default stream period [s]
START = np.array([0.5, 0.0, 0.4, math.pi, 0.0, 0.0, 0.0])  # hand down, mid-box


def rot(angles) -> Rotation:
    """Return the rotation of extrinsic xyz Euler ``angles`` [rad] (scipy's ``"xyz"``)."""
    return Rotation.from_euler("xyz", angles)


def rates(setpoints, stamps):
    """Return (speeds [N], angular speeds [N], accelerations [N-1], angular [N-1]) of a stream."""
    points, stamps = np.asarray(setpoints), np.asarray(stamps, dtype=np.float64)
    gaps = np.diff(stamps)
    velocity = np.diff(points[:, :3], axis=0) / gaps[:, None]
    spin = np.array([(rot(b[3:6]) * rot(a[3:6]).inv()).as_rotvec()
                     for a, b in zip(points[:-1], points[1:], strict=True)]) / gaps[:, None]
    accel = np.linalg.norm(np.diff(velocity, axis=0), axis=1) / gaps[1:]
    spin_accel = np.linalg.norm(np.diff(spin, axis=0), axis=1) / gaps[1:]
    return (np.linalg.norm(velocity, axis=1), np.linalg.norm(spin, axis=1), accel, spin_accel)


def lagging_arm(seed: int, limits: SafetyLimits, lag_ticks: int, every: int, ticks: int = 400):
    """Stream random plans from an arm ``lag_ticks`` behind the set-point; (restarts, points).

    Every ``every`` ticks a plan 5 cm (normal, per axis) from the measured arm goes through
    ``filter_target`` and ``set_target(anchor=arm)``; ticks of 10 ms.
    """
    rng = np.random.default_rng(seed)
    streamer = SetpointStreamer(limits)
    streamer.reset(START)
    points, restarts = [START.copy()], 0
    for tick in range(ticks):
        arm = points[max(0, len(points) - 1 - lag_ticks)]
        if tick % every == 0:
            proposed = arm.copy()
            proposed[:3] += rng.normal(0, 0.05, 3)
            before = streamer.setpoint.copy()
            streamer.set_target(filter_target(arm, proposed, limits).target, anchor=arm)
            restarts += not np.array_equal(before, streamer.setpoint)
        points.append(streamer.step(DT))
    return restarts, np.array(points)


SMALL_REACH = SafetyLimits(max_step_m=0.006, workspace_tolerance_m=0.002, max_speed_m_s=0.5,
                           max_accel_m_s2=5.0)


FAST_TURNS = SafetyLimits(max_angular_speed_rad_s=2.5, max_angular_accel_rad_s2=25.0)


def turning_arm(seed: int, limits: SafetyLimits, lag_ticks: int, every: int, ticks: int = 400):
    """Stream random turns (0.3 rad normal per axis) from an arm ``lag_ticks`` behind; points.

    As :func:`lagging_arm`, rotation only: the plans' position is the arm's.
    """
    rng = np.random.default_rng(seed)
    streamer = SetpointStreamer(limits)
    streamer.reset(START)
    points = [START.copy()]
    for tick in range(ticks):
        arm = points[max(0, len(points) - 1 - lag_ticks)]
        if tick % every == 0:
            proposed = arm.copy()
            proposed[3:6] = (Rotation.from_rotvec(rng.normal(0, 0.3, 3))
                             * rot(arm[3:6])).as_euler("xyz")
            streamer.set_target(filter_target(arm, proposed, limits).target, anchor=arm)
        points.append(streamer.step(DT))
    return np.array(points)


FAST = SafetyLimits(max_speed_m_s=1.0, max_accel_m_s2=10.0, max_step_m=0.05)


# perf58's slow arm: a 5 cm reach, 0.5 m/s and 0.3 m/s² (fix58f's look-ahead case: the
# set-point creeps toward a target on the reach's surface, the look-ahead 350-400 ticks long)
SLOW = SafetyLimits(max_step_m=0.05, max_speed_m_s=0.5, max_accel_m_s2=0.3)


def slow_trailing(streamer, rate_hz: float, lag_s: float, seed: int, seconds: float = 3.0,
                  plan_period_s: float = 0.5, new_share: float = 0.3, clock=None):
    """Stream plans 20 cm along a kept direction to an arm ``lag_s`` behind, at ``rate_hz``.

    ``streamer``: a fresh ``SetpointStreamer`` (any version) of :data:`SLOW` limits. Every
    ``plan_period_s`` a plan from the arm (the direction of before, or a random one for
    ``new_share`` of the plans) goes through ``filter_target`` and ``set_target(anchor=arm)``;
    the arm is the set-point of ``lag_s`` ago. ``clock``: None, or what times each ``step`` [s]
    (``time.thread_time``). Returns (set-points [N, 7], velocities [N, 6] (``twist``), each
    step's time [s] (empty without a clock)).
    """
    rng = np.random.default_rng(seed)
    dt = 1.0 / rate_hz
    streamer.reset(START)
    delay = round(lag_s * rate_hz) + 1
    behind = [START.copy()] * delay  # the arm: behind[-delay]
    points, twists, times = [], [], []
    every = round(plan_period_s * rate_hz)
    direction = rng.normal(size=3)
    for tick in range(round(seconds * rate_hz)):
        if tick % every == 0:
            if rng.random() < new_share:
                direction = rng.normal(size=3)
            arm = behind[-delay]
            proposed = arm.copy()
            proposed[:3] += 0.2 * direction / np.linalg.norm(direction)
            streamer.set_target(filter_target(arm, proposed, streamer.limits).target,
                                anchor=arm, purpose="goal")
        began = None if clock is None else clock()
        points.append(streamer.step(dt))
        if clock is not None:
            times.append(clock() - began)
        twists.append(streamer.twist())
        behind.append(points[-1])
    return np.array(points), np.array(twists), times
