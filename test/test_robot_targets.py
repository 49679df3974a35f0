"""Targets from actions and the streamed set-point: bounded speed and acceleration, no jumps."""

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.pose import state_difference
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer, target_from_action

LIMITS = SafetyLimits()
LOWER, UPPER = LIMITS.box


def test_target_from_action_is_state_plus_action():
    state = np.array([0.5, 0.1, 0.3, math.pi, 0.1, -0.2, 0.3])
    action = np.array([0.02, -0.01, 0.03, 0.0, 0.0, 0.2, 0.5])
    target = target_from_action(state, action)
    np.testing.assert_allclose(target[:3], state[:3] + action[:3])
    expected = Rotation.from_euler("xyz", [0, 0, 0.2]) * Rotation.from_euler("xyz", state[3:6])
    assert (Rotation.from_euler("xyz", target[3:6]) * expected.inv()).magnitude() < 1e-12
    assert target[6] == 0.8
    back = state_difference(torch.from_numpy(state), torch.from_numpy(target)).numpy()
    np.testing.assert_allclose(back, action, atol=1e-12)


def angle_between(a, b) -> float:
    return (Rotation.from_euler("xyz", b) * Rotation.from_euler("xyz", a).inv()).magnitude()


@st.composite
def poses(draw):
    xyz = [draw(st.floats(lo, hi)) for lo, hi in zip(LOWER, UPPER, strict=True)]
    angles = [draw(st.floats(-3.0, 3.0)) for _ in range(3)]
    return np.array(xyz + angles + [draw(st.floats(0, 1))])


@settings(max_examples=25, deadline=None)
@given(start=poses(), target=poses(), dt=st.sampled_from([0.01, 0.04]))
def test_setpoint_reaches_the_target_without_exceeding_speed_or_acceleration(start, target, dt):
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    streamer.set_target(target)
    previous, velocity = start.copy(), np.zeros(3)
    previous_spin = np.zeros(3)
    max_ticks = int(40 / dt)
    for _ in range(max_ticks):
        setpoint = streamer.step(dt)
        assert np.isfinite(setpoint).all()
        assert np.all(setpoint[:3] >= LOWER) and np.all(setpoint[:3] <= UPPER)
        new_velocity = (setpoint[:3] - previous[:3]) / dt
        assert np.linalg.norm(new_velocity) <= LIMITS.max_speed_m_s * (1 + 1e-6)
        assert np.linalg.norm(new_velocity - velocity) <= LIMITS.max_accel_m_s2 * dt * 1.02 + 1e-9
        spin = (Rotation.from_euler("xyz", setpoint[3:6])
                * Rotation.from_euler("xyz", previous[3:6]).inv()).as_rotvec() / dt
        assert np.linalg.norm(spin) <= LIMITS.max_angular_speed_rad_s * (1 + 1e-6)
        assert np.linalg.norm(spin - previous_spin) <= \
            LIMITS.max_angular_accel_rad_s2 * dt * 1.02 + 1e-6
        previous, velocity, previous_spin = setpoint, new_velocity, spin
        if streamer.arrived():
            break
    assert streamer.arrived(), "the set-point never arrived"
    np.testing.assert_allclose(setpoint[:3], target[:3], atol=1e-9)
    assert angle_between(setpoint[3:6], target[3:6]) < 1e-6
    assert setpoint[6] == target[6]


def test_hold_stops_in_place_and_a_new_target_starts_from_rest():
    start = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(start)
    streamer.set_target(start + [0.1, 0, 0, 0, 0, 0, 0])
    for _ in range(50):
        moving = streamer.step(0.01)
    assert moving[0] > start[0]
    streamer.hold()
    assert streamer.arrived()
    np.testing.assert_array_equal(streamer.step(0.01), moving)
    streamer.set_target(start)
    back = streamer.step(0.01)
    assert abs(back[0] - moving[0]) <= LIMITS.max_accel_m_s2 * 0.01 * 0.01 + 1e-12


def test_retargeting_mid_motion_keeps_the_set_point_in_the_box():
    streamer = SetpointStreamer(LIMITS)
    corner = np.array([*(UPPER - 0.01), 0, 0, 0, 0])
    streamer.reset(corner - [0.2, 0, 0, 0, 0, 0, 0])
    streamer.set_target(corner)
    for _ in range(150):
        streamer.step(0.01)
    streamer.set_target(corner - [0, 0.3, 0, 0, 0, 0, 0])  # turn while moving fast toward the wall
    for _ in range(400):
        setpoint = streamer.step(0.01)
        assert np.all(setpoint[:3] <= UPPER) and np.all(setpoint[:3] >= LOWER)
