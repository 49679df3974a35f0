"""Recorded steps faster than a Franka accelerates are jumps offline too (recordings/kicked_steps).

The live node's acceleration rule (``jump_watch.JumpWatch._kicked``, breaker41f) applied to a
recording: a wall-stamped simulator's ``~/reset`` 11.5 cm in 55 ms from rest passes the speed
rule and would be trained on as an action; real motion, fast or slowly sampled, never is.
"""

import numpy as np
import pytest

from vjepa_ros.recordings.kicked_steps import kicked_steps
from vjepa_ros.recordings.state_jumps import jump_steps
from vjepa_ros.recordings.stray_states import fast_steps, stray_states

START = np.array([0.4, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])


def stream(count, dt, velocity=(0.0, 0.0, 0.0), spin=0.0):
    """Return (times [ns], states [count, 7]): the arm moving at ``velocity`` m/s, yaw ``spin``."""
    t = np.arange(count) * dt
    states = np.tile(START, (count, 1))
    states[:, :3] += np.outer(t, velocity)
    states[:, 5] += spin * t
    return (t * 1e9).astype(np.int64), states


def test_a_slow_simulators_reset_from_rest_is_a_jump_and_its_steps_dropped():
    times, states = stream(40, 0.055)
    states[25:, :3] += [-0.07, 0.07, 0.055]  # ~/reset: 0.115 m in one 55 ms step
    assert list(kicked_steps(times, states)) == [24]
    assert list(jump_steps(times, states)) == [24]
    assert 24 in fast_steps(times, states)
    assert not stray_states(times, states).any(), "a reset that stays is no glitch"


@pytest.mark.parametrize(("dt", "velocity", "spin"), [
    (0.001, (1.5, 0.0, 0.0), 2.0),  # a Franka at its limits, 1 kHz
    (0.033, (0.5, 0.3, 0.0), 1.0),  # a 30 Hz pose topic of a fast teleop motion
    (0.2, (0.25, 0.0, 0.0), 0.5),   # a 5 Hz throttled stream
    (0.055, (0.0, 0.0, 0.0), 0.0),  # at rest
])
def test_real_motion_at_any_rate_is_never_kicked(dt, velocity, spin):
    times, states = stream(60, dt, velocity, spin)
    assert len(kicked_steps(times, states)) == 0
    assert len(jump_steps(times, states)) == 0


def test_an_arm_accelerating_at_a_frankas_limit_from_rest_is_never_kicked():
    # 12 m/s² from rest at a 30 Hz pose topic: 33 ms steps grow by 1.3 cm each
    dt, count = 1 / 30, 30
    t = np.arange(count) * dt
    states = np.tile(START, (count, 1))
    states[10:, 0] += 0.5 * 12.0 * (t[10:] - t[10]) ** 2
    times = (t * 1e9).astype(np.int64)
    assert len(kicked_steps(times, states)) == 0


def test_a_step_right_after_a_fast_one_is_not_judged_by_the_glitchs_velocity():
    times, states = stream(40, 0.055)
    states[20, :3] += [0.0, 0.0, 0.3]  # one glitch, speed-fast in and out
    fast = np.zeros(39, bool)
    fast[[19, 20]] = True
    assert 20 in kicked_steps(times, states), "the way back alone looks like a kick"
    assert 20 not in kicked_steps(times, states, fast), "after a fast step: not judged"
