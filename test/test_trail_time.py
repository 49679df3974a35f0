"""The set-point's recent path is a time at every stream rate (robot/anchor_lag.py): fix58f.

breaker58f: the path that tells an arm trailing its set-point from a moved one was 128 ticks,
1.28 s at 100 Hz but 0.128 s at ``control.stream_rate_hz`` 1000, so an arm 200 ms behind (within
``safety.max_state_age_s``) had each anchor taken at once: 127 m/s² against 2, a 5 cm jump in
1 ms, and (turning) 1100 rad/s² against 25. Now ``anchor_lag.trail_seconds``: the state's age
limit plus ``TRACKING_LAG_S``, whatever the rate. ROS-free, CPU.
"""

import math
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from benchmarks.trailing_arm import rates
from vjepa_ros.robot.anchor_lag import TRACKING_LAG_S, Trail, trail_seconds, trails
from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

START = np.array([0.5, 0.0, 0.4, math.pi, 0.0, 0.0, 0.0])
# fast moves (each plan within 5 cm of the arm) and fast turns (each within 0.35 rad)
MOVES = SafetyLimits(max_step_m=0.05, max_speed_m_s=1.0, max_accel_m_s2=2.0)
TURNS = SafetyLimits(max_angular_speed_rad_s=2.5, max_angular_accel_rad_s2=25.0)
RATES_HZ = (100.0, 250.0, 500.0, 1000.0)
SLACK = 1.01  # the rates are second differences of float set-points


def lagging_stream(limits, rate_hz, lag_s, turning, seed, seconds=2.0, plan_period_s=0.1):
    """Stream random plans to an arm ``lag_s`` behind its set-point at ``rate_hz``.

    Every ``plan_period_s`` a plan from the arm (20 cm along a random direction, or a random
    turn of 0.3 rad per axis) goes through ``filter_target`` and ``set_target(anchor=arm)``;
    the arm is the set-point of ``lag_s`` ago. Returns (restarts, the rates of
    ``benchmarks.trailing_arm.rates``: speeds, angular speeds, accelerations, angular ones).
    """
    rng = np.random.default_rng(seed)
    dt = 1.0 / rate_hz
    streamer = SetpointStreamer(limits)
    streamer.reset(START)
    delay = round(lag_s * rate_hz) + 1
    behind = deque([START.copy()] * delay, maxlen=delay)  # the arm: behind[0]
    points, restarts = [START.copy()], 0
    every = round(plan_period_s * rate_hz)
    for tick in range(round(seconds * rate_hz)):
        if tick % every == 0:
            arm = behind[0]
            proposed = arm.copy()
            if turning:
                proposed[3:6] = (Rotation.from_rotvec(rng.normal(0, 0.3, 3))
                                 * Rotation.from_euler("xyz", arm[3:6])).as_euler("xyz")
            else:
                direction = rng.normal(size=3)
                proposed[:3] += 0.2 * direction / np.linalg.norm(direction)
            decision = filter_target(arm, proposed, limits)
            assert decision.accepted, decision.reason
            before = streamer.setpoint.copy()
            streamer.set_target(decision.target, anchor=arm, purpose="goal")
            restarts += not np.array_equal(before, streamer.setpoint)
        points.append(streamer.step(dt))
        behind.append(points[-1])
    return restarts, rates(points, np.arange(len(points)) * dt)


@settings(max_examples=16, deadline=None)
@given(rate_hz=st.sampled_from(RATES_HZ), lag_s=st.floats(0.0, SafetyLimits().max_state_age_s),
       turning=st.booleans(), seed=st.integers(0, 3))
def test_an_arm_lagging_up_to_the_state_age_limit_keeps_the_limits_at_every_rate(
        rate_hz, lag_s, turning, seed):
    """100/250/500/1000 Hz, the arm 0-250 ms behind: no restart, every tick within the limits.

    Before fix58f, at 1 kHz: 44 m/s² (200 ms) and a restart at 57 m/s (250 ms) against 2 and
    1; turning, 1100 rad/s² (200 ms) and 506 rad/s (250 ms) against 25 and 2.5.
    """
    limits = TURNS if turning else MOVES
    restarts, (speed, spin, accel, spin_accel) = lagging_stream(limits, rate_hz, lag_s,
                                                                turning, seed)
    assert restarts == 0
    assert speed.max() <= limits.max_speed_m_s * SLACK, speed.max()
    assert accel.max() <= limits.max_accel_m_s2 * SLACK, accel.max()
    assert spin.max() <= limits.max_angular_speed_rad_s * SLACK, spin.max()
    assert spin_accel.max() <= limits.max_angular_accel_rad_s2 * SLACK, spin_accel.max()
    assert (spin if turning else speed).max() > 0.1  # it moved: not a vacuous pass


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_the_trail_spans_the_same_time_at_every_rate(rate_hz):
    """3 s of ticks: the oldest set-point kept is trail_seconds old (to a tick), at every rate."""
    seconds = trail_seconds(SafetyLimits())
    assert seconds == pytest.approx(0.25 + TRACKING_LAG_S)
    trail = Trail()
    trail.append(np.zeros(7), 0.0, seconds)
    dt = 1.0 / rate_hz
    for tick in range(1, round(3.0 * rate_hz) + 1):
        trail.append(np.full(7, tick * dt), dt, seconds)  # each set-point: its time
    times = trail.points()[:, 0]
    assert times[-1] - times[0] == pytest.approx(seconds, abs=dt * 1.001)
    assert times[-1] - times[0] <= seconds + 1e-9
    assert len(trail) == pytest.approx(seconds * rate_hz + 1, abs=1)


def test_the_trail_follows_the_state_age_limit_and_forgets_older_poses():
    """At 1 kHz a set-point of 1.5 s ago is on the path with max_state_age_s 1 s, not with 0.25.

    The window is the admitted state age plus TRACKING_LAG_S: a lab that admits older states
    keeps the longer path; the default forgets a pose 1.5 s back (there it is a moved arm).
    """
    dt = 1e-3
    for age_s, on_path in ((1.0, True), (0.25, False)):
        limits = SafetyLimits(max_state_age_s=age_s, max_speed_m_s=0.1)
        trail = Trail()
        trail.append(START, 0.0, trail_seconds(limits))
        point = START.copy()
        for _ in range(2000):  # 2 s along x at 0.1 m/s
            point[0] += 0.1 * dt
            trail.append(point, dt, trail_seconds(limits))
        arm = START.copy()
        arm[0] += 0.1 * 0.5  # the set-point 1.5 s ago: 5 cm from the start, 15 cm behind
        assert trails(arm, trail.points(), limits, dt) is on_path, age_s
    # after a reset the trail starts again (SetpointStreamer.reset clears it)
    trail.clear()
    trail.append(point, 0.0, trail_seconds(limits))
    assert len(trail) == 1 and not trails(arm, trail.points(), limits, dt)

