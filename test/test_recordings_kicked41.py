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


def test_no_step_is_judged_within_0_1_s_of_a_fast_one_or_of_the_start():
    # after a jump the arm's speed is not known (breaker41g: a cached stream's repeats read
    # 0 m/s); a 6 cm step in 55 ms from rest is judged only with 0.1 s of the arm's own before it
    times, states = stream(40, 0.055)
    states[12:, 0] += 0.06
    assert list(kicked_steps(times, states)) == [11]
    fast = np.zeros(39, bool)
    fast[10] = True  # a fast step 55 ms before it
    assert len(kicked_steps(times, states, fast)) == 0
    early = stream(40, 0.055)[1]
    early[2:, 0] += 0.06  # 0.055 s after the first state
    assert len(kicked_steps(times, early)) == 0


def test_a_slow_simulators_small_resets_are_jumps_at_any_rate():
    # breaker41g's live cases offline: 6 and 9 cm at 0.3x (55 ms), 3 cm at 60 Hz, from rest
    # (the stream's first pose held at least accel_rule.FIRST_HOLD_S: a shorter first hold may
    # be a slower source's, 41j)
    for dt, leap in ((0.055, 0.06), (0.055, 0.09), (1 / 60, 0.03)):
        times, states = stream(60, dt)
        states[45:, 1] += leap
        assert list(jump_steps(times, states)) == [44], (dt, leap)


def test_a_pose_held_briefly_between_a_slower_sources_refreshes_is_not_judged():
    # a 100 Hz republisher of an 8 Hz pose, the arm at 0.25 m/s: 3 cm steps after 12 repeats
    t = np.arange(400) * 0.01
    states = np.tile(START, (400, 1))
    states[:, 0] += 0.25 * np.floor(t * 8) / 8
    times = (t * 1e9).astype(np.int64)
    assert len(kicked_steps(times, states)) == 0 and len(jump_steps(times, states)) == 0


def test_a_5_hz_stream_is_judged_by_its_last_step():
    # below 10 Hz the last 0.1 s holds no step: the last one is the arm's speed (as live)
    times, states = stream(30, 0.2, (0.25, 0.0, 0.0))
    assert len(kicked_steps(times, states)) == 0  # 5 cm steps at 0.25 m/s
    states[20:, 1] += 0.6  # a reset 60 cm sideways in 0.2 s: 3 m/s from 0.25
    assert list(kicked_steps(times, states)) == [19]


def _reset_then_step(held: bool):
    """Return a 100 Hz stream: 1 s moving, a 22 cm reset, 0.2 s at home, 3 cm in 10 ms.

    ``held``: the stream before the reset republishes a 20 Hz source (each pose 5 times) instead
    of changing at every state.
    """
    times, states = stream(124, 0.01)
    steps = np.arange(100) // 5 * 5 if held else np.arange(100)
    states[:100, 0] += 0.001 * (steps + 1)  # 0.1 m/s
    states[100:, :3] = [0.4, 0.2, 0.3]  # the reset (state 100), rest (100..122)
    states[123, 0] += 0.03  # 3 cm in 10 ms (step 122)
    return times, states


def test_a_step_soon_after_a_reset_is_judged_unless_the_stream_looked_like_a_slower_source():
    """fix42h: the grace after a jump is for a republished slower source only (the node's rule).

    A 100 Hz stream whose every state changed: 3 cm in 10 ms 0.2 s after its reset is a jump,
    in a recording as live; a stream that showed held poses before the reset keeps the grace (its
    first refresh after a reset is no kick: 41k).
    """
    from vjepa_ros.robot.jump_watch import JumpWatch

    for held, expected in ((False, [99, 122]), (True, [99])):
        times, states = _reset_then_step(held)
        fast = np.zeros(len(times) - 1, bool)
        fast[99] = True  # the reset: faster than an arm moves
        assert [int(i) for i in kicked_steps(times, states, fast)] == [122] * (not held)
        assert [int(i) for i in jump_steps(times, states)] == expected, held
        watch = JumpWatch()
        said = [i - 1 for i, (t, state) in enumerate(zip(times / 1e9, states, strict=True))
                if watch.problem(state, t, t)]
        assert said == expected, (held, said)
