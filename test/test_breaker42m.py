"""breaker42m: the set-point streamer's third version, the system-clock rule, the cache key.

Attacked at main a22de80: ``vjepa_ros/robot/targets.py`` SetpointStreamer (c13a813, 2aca002,
9ffae4e: ``simulated_tick``'s SAME_TICK rule, ``_decided_with``, the land-or-pass rule of
``step``), ``vjepa_ros/robot/input_episodes.py`` + ``robot/mpc.py``'s system-clock rule
(55c7ef2: ``clock_offset`` read per frame arrival, ``wall_clock_stepped``) and
``vjepa_ros/train/feature_cache.py`` / ``train/reader_code.py``'s key (610471b, 033e3a5). Each
test asserts what SHOULD happen and fails now (strict xfail); its docstring says why a lab would
meet it. ROS-free, CPU, about a second each.
"""

import math

import numpy as np
import pytest
from test_robot_mpc import CEM, Clock, frame, tiny_world_model

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GRIPPER_CLOSED_ABOVE, GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()
START = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])


# ---- 1. the streamer under a jittered timer ---------------------------------------------------


def _approach_accelerations(ticks, distance=0.05):
    """Accelerations [m/s²] of a set-point sent ``distance`` along x from rest, ``ticks`` [s].

    From the set-points' differences (what the controller receives), as breaker42j measures.
    """
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(START)
    target = START.copy()
    target[0] += distance
    streamer.set_target(target)
    position, velocity, out = START[0], 0.0, []
    for dt in ticks:
        x = streamer.step(dt)[0]
        out.append(abs((x - position) / dt - velocity) / dt)
        position, velocity = x, (x - position) / dt
        if streamer.arrived():
            break
    assert streamer.arrived()
    return out


def test_steady_ticks_land_within_the_acceleration():  # the control for the xfail below
    assert max(_approach_accelerations([0.01] * 400)) <= LIMITS.max_accel_m_s2 * 1.02


@pytest.mark.xfail(strict=True, reason="a jittered stream tick lands the plain approach at up to "
                   "1.6-2.5x max_accel_m_s2: the last braking step is planned for steady ticks")
def test_a_jittered_stream_timer_lands_a_plain_approach_within_the_acceleration():
    """A 100 Hz stream whose ticks jitter by ±10 % lands a 5 cm approach within the limit.

    Every real timer jitters: an rclpy timer at 100 Hz on a lab PC sharing its cores with the
    camera driver and the planner fires 0.5-2 ms early or late, and ``stream_step`` passes the
    wall time since the previous tick. No tick here is late in the streamer's sense (each is
    within SAME_TICK of the one before: ``simulated_tick`` calls it the usual tick), the target is
    set at rest, 5 cm ahead, far outside any braking distance: the README's "exact discrete
    braking so it lands without a velocity jump". Steady ticks do (the control above); with the
    jitter the last step lands from up to ~0.01 m/s (seed 0: 0.82 m/s² against 0.5; over 30
    seeds 0.90, with ±20 %:
    1.23). Checked over 10 seeds, the worst is asserted.
    """
    worst = 0.0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        ticks = 0.01 * (1 + rng.uniform(-0.1, 0.1, 400))
        worst = max(worst, max(_approach_accelerations(list(ticks))))
    assert worst <= LIMITS.max_accel_m_s2 * 1.02, (
        f"{worst:.2f} m/s² against max_accel_m_s2 {LIMITS.max_accel_m_s2}")
