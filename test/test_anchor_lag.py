"""A trailing arm's anchor (robot/anchor_lag.py, SetpointStreamer.set_target): fix52j.

The set-point brakes within the limits toward a reach measured from an arm that lags it, and
only a pose off its recent path (a push) restarts it. ROS-free, CPU.
"""

import numpy as np
from test_breaker52j import SLACK

from benchmarks.trailing_arm import DT, START, lagging_arm, rates
from vjepa_ros.robot.anchor_lag import settles, trails
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer, poses_apart

FAST = SafetyLimits(max_step_m=0.05, max_speed_m_s=1.0, max_accel_m_s2=10.0)


def test_a_set_point_moving_outward_in_a_trailing_arms_reach_brakes_within_the_limit():
    """The translation twin of breaker52j 1b: inside the new reach, too fast to brake in it.

    ``max_step_m`` 5 cm, 1 m/s, 10 m/s², the arm 80 ms behind, a plan every 10 ticks, seed
    2: before fix52j the reach clamp stopped the set-point in one tick (6.0x the acceleration
    limit, no restart); now within the limits, with no restart.
    """
    restarts, points = lagging_arm(2, FAST, lag_ticks=8, every=10, ticks=300)
    speed, _, accel, _ = rates(points, np.arange(len(points)) * DT)
    assert restarts == 0
    assert speed.max() <= FAST.max_speed_m_s * SLACK
    assert accel.max() <= FAST.max_accel_m_s2 * SLACK, accel.max()
    assert speed.max() > 0.5 * FAST.max_speed_m_s  # it moved: not a vacuous pass


def moving_streamer(ticks: int = 40) -> tuple[SetpointStreamer, list]:
    """Return a streamer 40 ticks into a 9 cm move along x (FAST limits) and its set-points."""
    streamer = SetpointStreamer(FAST)
    streamer.reset(START)
    target = START.copy()
    target[0] += 0.09
    streamer.set_target(target)
    points = [START.copy()] + [streamer.step(DT) for _ in range(ticks)]
    return streamer, points


def test_an_arm_pushed_off_the_path_still_restarts_the_set_point_there():
    """README's restart holds: a measured pose 6 cm off the path restarts the set-point at rest."""
    streamer, points = moving_streamer()
    pushed = points[-1].copy()
    pushed[1] += 0.06
    assert not trails(pushed, points, FAST, DT)
    streamer.set_target(pushed, anchor=pushed)
    np.testing.assert_allclose(streamer.setpoint[:3], pushed[:3])
    assert not streamer.velocity.any()


def test_a_trailing_anchor_waits_until_the_set_point_can_keep_within_its_reach():
    """An arm 30 ticks behind: the set-point keeps the reach of before and brakes into the new.

    The anchor is taken once the set-point can keep within it, the target then followed to
    the end; every set-point within the streamer's anchor's reach, within the limits.
    """
    streamer, points = moving_streamer(ticks=30)
    arm = points[0]  # the set-point 30 ticks ago
    assert poses_apart(streamer.setpoint, arm)[0] > FAST.max_step_m  # outside the new reach
    assert trails(arm, points, FAST, DT)
    target = arm.copy()
    target[0] -= 0.03
    before = streamer.setpoint.copy()
    streamer.set_target(target, anchor=arm)
    assert streamer.anchor is None  # the reach of before (none) still bounds it
    np.testing.assert_array_equal(streamer.setpoint, before)  # no restart
    for _ in range(200):
        points.append(streamer.step(DT))
        if streamer.anchor is not None:
            assert poses_apart(points[-1], streamer.anchor)[0] <= streamer.reach_m + 1e-9
    np.testing.assert_array_equal(streamer.anchor, arm)
    np.testing.assert_allclose(streamer.setpoint[:3], target[:3])
    speed, _, accel, _ = rates(points, np.arange(len(points)) * DT)
    assert speed.max() <= FAST.max_speed_m_s * SLACK
    assert accel.max() <= FAST.max_accel_m_s2 * SLACK


def test_trails_tells_a_lagging_arm_from_a_moved_one():
    """On the path (position and orientation) -> True; off it by 3 cm or turned 0.3 rad -> no."""
    _, points = moving_streamer()
    lagging = points[10]
    assert trails(lagging, points, FAST, DT)
    aside = lagging.copy()
    aside[2] += 0.03
    assert not trails(aside, points, FAST, DT)
    turned = lagging.copy()
    turned[5] += 0.3
    assert not trails(turned, points, FAST, DT)


def test_settles_needs_the_room_to_brake_within_the_reach():
    """Inside at rest -> True; outside -> False; too fast outward or across the ball -> False."""
    anchor = START.copy()
    inside = START.copy()
    inside[0] += 0.04
    args = (FAST, DT, DT)
    assert settles(inside, np.zeros(3), np.zeros(3), anchor, 0.05, *args)
    assert not settles(inside, np.array([1.0, 0, 0]), np.zeros(3), anchor, 0.05, *args)
    assert settles(inside, np.array([-0.3, 0, 0]), np.zeros(3), anchor, 0.05, *args)
    # 1 m/s across: its stop (8.7 cm at 5.8 m/s²) ends outside, though not moving outward
    assert not settles(inside, np.array([0, 1.0, 0]), np.zeros(3), anchor, 0.05, *args)
    outside = START.copy()
    outside[0] += 0.06
    assert not settles(outside, np.zeros(3), np.zeros(3), anchor, 0.05, *args)
