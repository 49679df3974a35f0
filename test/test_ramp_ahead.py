"""The reach stop's look-ahead on floats (robot/ramp_ahead.py) answers as numpy's path: perf58.

``reach_stop.kept_in_reach`` asks whether the ramp's own ticks ahead keep within the reach ball;
numpy's ``ramp_stays_inside`` took 7-8 ms of CPU a stream tick at 1 kHz for a set-point creeping
toward a target on the ball's surface. ``ramp_ahead`` follows the same path on floats and leaves
the answers within ``CLOSE_SHARE`` of a bound to numpy. Compared here: each answer with numpy's on
random states around the ball, and whole streams (slow limits, an arm 200 ms behind, 100/500/
1000 Hz) bit for bit against the streamer with numpy's look-ahead alone. ROS-free, CPU.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.trailing_arm import SLOW, START, slow_trailing
from vjepa_ros.robot import ramp_ahead as ramp_ahead_module
from vjepa_ros.robot import reach_stop
from vjepa_ros.robot.ramp_ahead import CLOSE_SHARE, ramp_ahead
from vjepa_ros.robot.reach_stop import AHEAD_TICKS, ramp_stays_inside
from vjepa_ros.robot.targets import SetpointStreamer
from vjepa_ros.robot.velocity_ramp import ramp_velocity


def numpy_answer(offset, velocity, remaining, radius, accel, speed, dt, next_dt) -> bool:
    """Return numpy's ``ramp_stays_inside`` of the ramp at ``next_dt`` (kept_in_reach's)."""
    return ramp_stays_inside(offset, velocity, remaining, radius, accel, dt,
                             lambda v, left, face: ramp_velocity(v, left, speed, accel, next_dt,
                                                                 next_dt, None, face))


def unit(rng) -> np.ndarray:
    vector = rng.normal(size=3)
    return vector / np.linalg.norm(vector)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), rate_hz=st.sampled_from([100.0, 500.0, 1000.0]),
       jitter=st.sampled_from([1.0, 1.2, 0.8]), exact=st.booleans())
def test_each_answer_is_numpy_s(seed, rate_hz, jitter, exact):
    """Random states in a 5 cm reach: the float path gives numpy's answer (or leaves it).

    Input: a set-point 0-100 % of the radius out, moving up to 1.5x the top speed in any
    direction, a target on the surface or inside; the usual tick at 100/500/1000 Hz, this one
    as long or 20 % off. Should: ``ramp_ahead`` True/False exactly where numpy's path says so
    (None only where a length came within CLOSE_SHARE of the radius of its bound); with
    CLOSE_SHARE 0 (None only for a length exactly on its bound) still numpy's answer: the float
    path tracks numpy's, not only its fallback.
    """
    rng = np.random.default_rng(seed)
    radius, accel, top = SLOW.max_step_m, SLOW.max_accel_m_s2, SLOW.max_speed_m_s
    next_dt = 1.0 / rate_hz
    offset = unit(rng) * radius * rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.9, 1.0)])
    velocity = unit(rng) * rng.uniform(0.0, 1.5 * top) * rng.choice([1.0, 0.1])
    target = unit(rng) * radius * (1.0 if rng.random() < 0.6 else rng.uniform(0.0, 1.0))
    args = (offset, velocity, target - offset, radius, accel, top, next_dt * jitter, next_dt)
    expected = numpy_answer(*args)
    answer = ramp_ahead(*args, AHEAD_TICKS)
    assert answer is None or answer == expected
    if not exact:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ramp_ahead_module, "CLOSE_SHARE", 0.0)
            assert ramp_ahead(*args, AHEAD_TICKS) in (None, expected)  # None: on a bound


@pytest.mark.parametrize("rate_hz", [100.0, 500.0, 1000.0])
@pytest.mark.parametrize("seed", [1, 3, 8])  # (of 0-9, those whose look-ahead runs)
def test_a_retarget_across_the_reach_gets_numpy_s_answer_at_every_tick(seed, rate_hz):
    """A target on the 5 cm reach's surface, then another at an angle: each look-ahead numpy's.

    Input: from the anchor at rest toward a random point on the surface for 0.1-0.6 s, then
    toward another on it (or at 0.8 of the radius), 1.5 s on, at 100/500/1000 Hz (the set-point
    carries its velocity across the ball and creeps along the surface: look-aheads of hundreds
    of ticks). Should: every ``ramp_ahead`` call inside the streamer answers as numpy's path
    (None: numpy's decides anyway), with CLOSE_SHARE 0 too (None only exactly on a bound).
    """
    rng = np.random.default_rng(seed)
    asked = []

    def compared(*args):
        answer = ramp_ahead(*args)
        expected = numpy_answer(*args[:-1])
        assert answer is None or answer == expected
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ramp_ahead_module, "CLOSE_SHARE", 0.0)
            assert ramp_ahead(*args) in (None, expected)  # None: a length exactly on its bound
        asked.append(answer)
        return answer

    streamer = SetpointStreamer(SLOW)
    streamer.reset(START)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reach_stop, "ramp_ahead", compared)
        for second in (False, True):
            target = START.copy()
            target[:3] += unit(rng) * SLOW.max_step_m * (rng.choice([1.0, 0.8]) if second
                                                         else 1.0)
            streamer.set_target(target, anchor=START)
            seconds = 1.5 if second else rng.uniform(0.1, 0.6)
            for _ in range(round(seconds * rate_hz)):
                streamer.step(1.0 / rate_hz)
    assert len(asked) >= 10, len(asked)  # it ran (not a vacuous pass)


def test_a_length_on_its_bound_is_left_to_numpy():
    """A set-point at rest on the reach's surface: None from the floats, True from numpy.

    Also a look-ahead that runs out (400 ticks not enough to stop: False) and one that leaves.
    """
    radius, accel, top = SLOW.max_step_m, SLOW.max_accel_m_s2, SLOW.max_speed_m_s
    on_surface = np.array([radius, 0.0, 0.0])
    still = (on_surface, np.zeros(3), np.zeros(3), radius, accel, top, 1e-3, 1e-3)
    assert ramp_ahead(*still, AHEAD_TICKS) is None and numpy_answer(*still)
    # across the ball toward the far side at 0.3 m/s: the straight stop ends far outside,
    # a few ticks ahead cannot tell (False), and the path leaves in the end (False)
    across = (np.array([0.0, -0.02, 0.0]), np.array([0.0, 0.3, 0.0]),
              np.array([0.0, 0.07, 0.0]), radius, accel, top, 1e-3, 1e-3)
    for ticks in (3, AHEAD_TICKS):
        assert ramp_ahead(*across, ticks) is False
    assert numpy_answer(*across) is False
    slow = (np.array([0.0, -0.02, 0.0]), np.array([0.0, 0.01, 0.0]), np.array([0.0, 0.02, 0.0]),
            radius, accel, top, 1e-3, 1e-3)
    assert ramp_ahead(*slow, AHEAD_TICKS) is True and numpy_answer(*slow)
    assert CLOSE_SHARE * radius < 1e-9  # far below any length a lab sees


# (rate [Hz], seed, share of plans in a new direction): streams whose look-ahead runs (perf58)
STREAMS = [(rate, seed, share) for rate in (100.0, 500.0, 1000.0)
           for seed, share in ((3, 0.3), (0, 1.0), (1, 1.0))]


@pytest.mark.parametrize("rate_hz", [100.0, 500.0, 1000.0])
def test_streams_keep_numpy_s_bits(rate_hz, monkeypatch):
    """Slow limits, the arm 200 ms behind: every set-point and twist numpy's bits.

    Input: ``benchmarks.trailing_arm.slow_trailing`` (5 cm reach, 0.5 m/s, 0.3 m/s², a plan
    20 cm away every 0.5 s) at 100/500/1000 Hz, three plan sequences each. Should: the set-points
    [7] and twists [6] of the streamer with the float look-ahead equal, bit for bit, those
    with numpy's alone; the look-ahead ran (not a vacuous pass).
    """
    calls = []

    def counted(*args):
        answer = ramp_ahead(*args)
        calls.append(answer)
        return answer

    for rate, seed, share in (stream for stream in STREAMS if stream[0] == rate_hz):
        monkeypatch.setattr(reach_stop, "ramp_ahead", counted)
        points, twists, _ = slow_trailing(SetpointStreamer(SLOW), rate, 0.2, seed, 2.0,
                                          new_share=share)
        monkeypatch.setattr(reach_stop, "ramp_ahead", lambda *args: None)  # numpy's alone
        expected_points, expected_twists, _ = slow_trailing(SetpointStreamer(SLOW), rate, 0.2,
                                                            seed, 2.0, new_share=share)
        assert np.array_equal(points.view(np.uint64), expected_points.view(np.uint64))
        assert np.array_equal(twists.view(np.uint64), expected_twists.view(np.uint64))
    assert len(calls) >= 5, len(calls)
