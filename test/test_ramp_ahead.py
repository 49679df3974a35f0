"""The reach stop's look-ahead on floats (robot/ramp_ahead.py) answers as numpy's path: perf58.

``reach_stop.kept_in_reach`` asks whether the ramp's own ticks ahead keep within the reach ball;
numpy's ``ramp_stays_inside`` took 7-8 ms of CPU a stream tick at 1 kHz for a set-point creeping
toward a target on the ball's surface. ``ramp_ahead`` follows the same path on floats and leaves
the answers within ``CLOSE_SHARE`` of a bound to numpy. Compared here: each answer with numpy's on
seeded random states around the ball and states whose stop ends at its surface (dense enough to
tell a stop 1 % off), and whole streams (slow limits, an arm 200 ms behind, 100/500/
1000 Hz) bit for bit against the streamer with numpy's look-ahead alone. ROS-free, CPU.
"""

import numpy as np
import pytest

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


RATES, JITTERS = (100.0, 500.0, 1000.0), (1.0, 1.2, 0.8)  # usual tick [Hz]; this one's share
ANSWERED = 0.9  # share of the float path's answers that must be True/False (None: numpy's)


def random_states(count: int, seed: int) -> list[tuple]:
    """``ramp_ahead``'s arguments (less ``ticks``) for random states in the 5 cm reach.

    A set-point 0-100 % of the radius out, moving up to 1.5x the top speed in any direction, a
    target on the surface or inside; the usual tick at 100/500/1000 Hz, this one as long or
    20 % off (cycled).
    """
    rng = np.random.default_rng(seed)
    radius, accel, top = SLOW.max_step_m, SLOW.max_accel_m_s2, SLOW.max_speed_m_s
    states = []
    for index in range(count):
        next_dt = 1.0 / RATES[index % 3]
        offset = unit(rng) * radius * rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.9, 1.0)])
        velocity = unit(rng) * rng.uniform(0.0, 1.5 * top) * rng.choice([1.0, 0.1])
        target = unit(rng) * radius * (1.0 if rng.random() < 0.6 else rng.uniform(0.0, 1.0))
        states.append((offset, velocity, target - offset, radius, accel, top,
                       next_dt * JITTERS[index // 3 % 3], next_dt))
    return states


def boundary_states(count: int, seed: int) -> list[tuple]:
    """States whose first straight stop ends within 2 % of its length of the reach's surface.

    After this tick the set-point lies 0-95 % of the radius out, moving in any direction at
    the speed whose stop (``reach_stop.stop_length``) ends on the surface, that length times
    0.98-1.02: where a stop 1 % longer or shorter flips the answer.
    """
    rng = np.random.default_rng(seed)
    radius, accel, top = SLOW.max_step_m, SLOW.max_accel_m_s2, SLOW.max_speed_m_s
    states = []
    for index in range(count):
        next_dt = 1.0 / RATES[index % 3]
        dt = next_dt * JITTERS[index // 3 % 3]
        after = unit(rng) * radius * rng.uniform(0.0, 0.95)  # the set-point after this tick
        heading = unit(rng)
        along = float(after @ heading)  # the stop's length to the surface: |after + L·u| = r
        length = (-along + np.sqrt(along ** 2 - float(after @ after) + radius ** 2)) * \
            rng.uniform(0.98, 1.02)
        velocity = heading * np.sqrt(2.0 * accel * length)
        target = unit(rng) * radius * rng.uniform(0.0, 1.0)
        offset = after - velocity * dt
        states.append((offset, velocity, target - offset, radius, accel, top, dt, next_dt))
    return states


def disagreements(states, close_share: float | None = None) -> tuple[int, int]:
    """Return (answers other than numpy's, answers True/False) of ``ramp_ahead`` on ``states``.

    ``close_share``: CLOSE_SHARE for the float path (None: as set).
    """
    wrong = answered = 0
    with pytest.MonkeyPatch.context() as patch:
        if close_share is not None:
            patch.setattr(ramp_ahead_module, "CLOSE_SHARE", close_share)
        for args in states:
            answer = ramp_ahead(*args, AHEAD_TICKS)
            if answer is not None:
                answered += 1
                wrong += answer != numpy_answer(*args)
    return wrong, answered


STATES = random_states(1200, 58) + boundary_states(600, 57)


@pytest.mark.parametrize("close_share", [None, 0.0])
def test_each_answer_is_numpy_s(close_share):
    """Random states in a 5 cm reach, and states whose stop ends at its surface: numpy's answers.

    Input: :func:`random_states` and :func:`boundary_states` (seeded). Should: ``ramp_ahead``
    True/False exactly where numpy's path says so, None only where a length came within
    CLOSE_SHARE of the radius of its bound (and at least ``ANSWERED`` of them True/False: a
    float path that always left it to numpy would pass nothing on); with CLOSE_SHARE 0 (None
    only for a length exactly on its bound) still numpy's answer: the float path tracks
    numpy's, not only its fallback.
    """
    wrong, answered = disagreements(STATES, close_share)
    assert wrong == 0
    assert answered >= ANSWERED * len(STATES), answered


@pytest.mark.parametrize("scale", [1.01, 0.99])
def test_the_states_tell_a_stop_one_percent_off(scale, monkeypatch):
    """Tell a numpy ``stops_inside`` 1 % off from the float path on the same states.

    Input: numpy's ``stops_inside`` with a stop 1 % longer (or shorter). Should: it disagrees
    with ``ramp_ahead`` on some of :data:`STATES` (the comparison above has teeth).
    """

    def stops_inside(offset, velocity, dt, radius, max_accel):
        speed = reach_stop.norm3(velocity)
        reach = dt + scale * reach_stop.stop_length(speed, max_accel) / speed if speed else 0.0
        return reach_stop.norm3(np.asarray(offset, np.float64) + velocity * reach) <= radius

    monkeypatch.setattr(reach_stop, "stops_inside", stops_inside)
    wrong, _answered = disagreements(STATES)
    assert wrong >= 10, wrong


# seed -> the share of the float path's answers that are True/False at least (measured: seed 1
# all, seed 8 20-29 %; seed 3 creeps along the surface: each length on its bound, numpy's all)
RETARGET_ANSWERED = {1: ANSWERED, 3: 0.0, 8: 0.15}


@pytest.mark.parametrize("rate_hz", [100.0, 500.0, 1000.0])
@pytest.mark.parametrize("seed", sorted(RETARGET_ANSWERED))  # (of 0-9: look-ahead runs)
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
    answered = sum(answer is not None for answer in asked)  # it ran (not a vacuous pass),
    assert len(asked) >= 10 and answered >= RETARGET_ANSWERED[seed] * len(asked), (
        answered, len(asked))


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
    answered = sum(answer is not None for answer in calls)  # the float path answered
    assert len(calls) >= 5 and answered >= ANSWERED * len(calls), (answered, len(calls))
