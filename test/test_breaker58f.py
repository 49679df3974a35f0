"""breaker58f: the limits between a plan and the arm, sixth round on the command layer.

Attacked at base58 (18063dfa): ``robot/safety.py``, ``robot/targets.py``, ``robot/anchor_lag.py``,
``robot/stream_session.py``, ``robot/command_session.py``. ROS-free, CPU.

Defect (strict xfail), ranked by harm:
1. The set-point's recent path that tells an arm lagging its set-point from a moved one
   (``anchor_lag.trails``) is kept for ``TRAIL_TICKS`` = 128 ticks: 1.28 s at 100 Hz, but 0.128 s
   at ``control.stream_rate_hz`` 1000 (0.256 s at 500). An arm trailing its set-point by 200 ms
   (the lag anchor_lag's own docstring names: tracking lag plus the state's latency, within
   ``safety.max_state_age_s`` 0.25) is then "not on the path": each new plan's anchor is taken
   at once, the set-point inside the new reach but moving outward faster than it can brake
   meets the reach's face and the clamp stops it in one tick: 127 m/s² against
   ``safety.max_accel_m_s2`` 2 (the same plans at 100 and 500 Hz: 2.0); at a 250 ms lag the
   set-point, outside the new reach, restarts at the arm: a 5 cm jump in 1 ms. Should: within
   the acceleration limit at every stream rate (the window a time, not a tick count).
"""

import math
from collections import deque

import numpy as np
import pytest

from vjepa_ros.robot.safety import SafetyLimits, filter_target
from vjepa_ros.robot.targets import SetpointStreamer

# fast, short steps: each plan's target within 5 cm of the arm, the set-point up to 1 m/s
FAST = SafetyLimits(max_step_m=0.05, max_speed_m_s=1.0, max_accel_m_s2=2.0)
START = np.array([0.5, 0.0, 0.4, math.pi, 0.0, 0.0, 0.0])
PLAN_PERIOD_S = 0.1  # a plan every camera frame (continuous control at 10 Hz)


def _directions(count: int) -> list[np.ndarray]:
    """Return unit directions [3] of ``count`` plans: each the last one's, or (30 %) a new one."""
    rng = np.random.default_rng(0)
    direction = rng.normal(size=3)
    directions = []
    for _ in range(count):
        if rng.random() < 0.3:
            direction = rng.normal(size=3)
        rng.normal()  # (the draw of a turn the original sequence made)
        directions.append(direction / np.linalg.norm(direction))
    return directions


def _largest_accel(rate_hz: float, lag_s: float, plans: int) -> tuple[float, float]:
    """Stream plans 20 cm along ``_directions`` to an arm ``lag_s`` behind; worst tick.

    Returns the largest |acceleration| [m/s²] and the largest speed [m/s] of the set-points.

    The arm is where the set-point was ``lag_s`` ago (a compliant controller's tracking lag plus
    the state's latency); each plan goes through ``filter_target`` from that arm and is its
    anchor. The acceleration is the set-points' second difference over the tick.
    """
    dt = 1.0 / rate_hz
    streamer = SetpointStreamer(FAST)
    streamer.reset(START)
    delay = int(round(lag_s * rate_hz)) + 1
    seen = deque([START.copy()] * delay, maxlen=delay)  # the arm: seen[0]
    points = [streamer.setpoint.copy()]
    every = int(round(PLAN_PERIOD_S * rate_hz))
    for k, direction in enumerate(np.repeat(_directions(plans), every, axis=0)):
        if k % every == 0:
            arm = seen[0]
            proposed = arm.copy()
            proposed[:3] += 0.2 * direction
            decision = filter_target(arm, proposed, FAST)
            assert decision.accepted, decision.reason
            streamer.set_target(decision.target, anchor=arm, purpose="goal")
        points.append(streamer.step(dt))
        seen.append(points[-1].copy())
    xyz = np.array(points)[:, :3]
    return (float(np.linalg.norm(np.diff(xyz, n=2, axis=0), axis=1).max() / dt ** 2),
            float(np.linalg.norm(np.diff(xyz, axis=0), axis=1).max() / dt))


@pytest.mark.parametrize("lag_s, plans", [(0.2, 25), (0.25, 33)])
def test_an_arm_trailing_by_the_admitted_lag_at_1khz_keeps_the_set_point_within_its_limits(
        lag_s, plans):
    """At 1 kHz an arm 200 or 250 ms behind its set-point: limits on every tick.

    Input: ``FAST`` limits (max_step_m 0.05, max_speed_m_s 1, max_accel_m_s2 2: the jerk rule
    accepts 2 at 1 kHz for either arm), a plan every 100 ms 20 cm along a direction that
    turns now and then, anchored at the arm ``lag_s`` behind (within max_state_age_s 0.25).
    What happens: 127 m/s² at 200 ms (the reach clamp stops the set-point), a 5 cm jump in
    one tick at 250 ms (restarted at the arm). Should: within max_accel and max_speed.
    """
    accel, speed = _largest_accel(1000.0, lag_s, plans)
    assert accel <= FAST.max_accel_m_s2 * 1.01 and speed <= FAST.max_speed_m_s * 1.01, (
        f"{accel:.1f} m/s² (limit 2), {speed:.2f} m/s (limit 1)")


@pytest.mark.parametrize("rate_hz", [100.0, 500.0])
def test_an_arm_trailing_by_the_admitted_lag_at_lower_rates_keeps_the_limits(rate_hz):
    # the neighbours that hold: the same plans and lags where 128 ticks last >= 0.256 s
    for lag_s, plans in ((0.2, 25), (0.25, 33)):
        accel, speed = _largest_accel(rate_hz, lag_s, plans)
        assert accel <= FAST.max_accel_m_s2 * 1.01 and speed <= FAST.max_speed_m_s * 1.01
