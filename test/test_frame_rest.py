"""fix52k: ``frame_rest``'s rule per part of the state, its words, and the planner's refusal.

mend53a: with no state after the frame, the look-back follows the state stream's rate.
"""

import math

import numpy as np
import pytest
from test_robot_goals import START, make_session, observe
from test_robot_mpc import tiny_world_model

from vjepa_ros.robot.frame_rest import (
    RATE_INTERVALS,
    REST_BEFORE_FRAME_S,
    REST_BEFORE_INTERVALS,
    REST_BEFORE_MAX_S,
    REST_TOLERANCE_CLOSEDNESS,
    REST_TOLERANCE_RAD,
    FrameMotion,
    frame_motion,
    look_back,
    moved_refusal,
)
from vjepa_ros.robot.inputs import InputBuffer

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_each_part_is_judged_by_its_own_tolerance_and_named():
    """Just within each tolerance: at rest; just beyond one: not, naming that part only."""
    within = FrameMotion(0.0019, 0.99 * REST_TOLERANCE_RAD, 0.99 * REST_TOLERANCE_CLOSEDNESS)
    assert within.at_rest and within.words() == ""
    turned = FrameMotion(0.0019, 1.01 * REST_TOLERANCE_RAD, 0.0)
    assert not turned.at_rest and turned.words() == "turned 1.0 degrees"
    closed = FrameMotion(0.0, 0.0, 1.01 * REST_TOLERANCE_CLOSEDNESS)
    assert not closed.at_rest and closed.words().startswith("changed its gripper's closedness")
    every = FrameMotion(0.05, math.radians(30), 0.5)
    assert every.words() == ("moved 5.0 cm and turned 30.0 degrees and changed its gripper's "
                             "closedness by 0.50")
    line = moved_refusal("~/capture_goal", every)
    assert line.startswith("~/capture_goal refused: the arm moved 5.0 cm and turned 30.0")
    assert "within 2 mm, 1 degree, gripper closedness 0.025" in line
    assert line.endswith("hold the arm still until a newer frame comes, then call "
                         "~/capture_goal again")
    planner = moved_refusal("~/capture_goal", every, planner_moving=True)
    assert "hold the arm still" not in planner and "~/clear_goals" in planner


def test_a_placeholder_closedness_and_a_wrapped_roll_are_no_motion(model):
    """A closedness changed with no finger joints measured, a roll of pi written as -pi: rest."""
    session, clock, _ = make_session(model)
    start = START.copy()
    start[3] = math.pi
    observe(session, clock, seed=1, state=start)
    later = start.copy()
    later[3], later[6] = -math.pi, 1.0
    clock.now += 0.01
    session.observe_state(later, clock.now, gripper_measured=False)
    motion = frame_motion(session.inputs, session.inputs.frame.stamp)
    assert motion.after and motion.at_rest, motion
    assert session.capture_goal().startswith("new goal: ")


def test_no_state_after_the_frame_judges_the_states_just_before_it(model):
    """None after the frame: the 0.05 s before it decide; a turn there names it, 'no state'."""
    session, clock, _ = make_session(model)
    start = clock.now
    for i in range(6):
        state = START.copy()
        state[5] = np.radians(2.0) * i
        clock.now = start + i * 0.01  # received as stamped (states ahead are a clock: fix59i)
        session.observe_state(state, clock.now)
    clock.now = start + 0.05
    session.observe_image(np.zeros((48, 64, 3), np.uint8), clock.now)
    motion = frame_motion(session.inputs, clock.now)
    assert not motion.after and motion.turned_rad == pytest.approx(np.radians(8.0))
    with pytest.raises(RuntimeError, match=r"turned 8\.0 degrees in the 0\.05 s before the "
                                           "newest camera frame, and no robot state has come"):
        session.add_subgoal()


RATES = (10, 20, 100, 1000)  # [Hz] state streams: a slow driver's, 20 Hz, the sim's, a Franka's
FRAME = 1.0  # [s] the frame's stamp


def stream(rate: float, position, until: float = FRAME) -> InputBuffer:
    """Return an InputBuffer of states at ``rate`` [Hz] up to ``until``, x from ``position(t)``.

    The stamps are 0.3 of an interval off the frame's (no state on the frame itself).
    """
    inputs = InputBuffer(history=5000)
    stamp = 0.3 / rate
    while stamp <= until:
        state = START.copy()
        state[0] += position(stamp)
        inputs.observe_state(state, stamp)
        stamp += 1.0 / rate
    return inputs


def braking_to(stop: float, speed: float = 0.1, accel: float = 0.5):
    """Return x(t) [m] of an arm at ``speed`` [m/s] braking at ``accel`` to rest at ``stop``."""
    def position(t):
        left = max(stop - t, 0.0)  # [s] of braking left
        return -0.5 * accel * left * left if left < speed / accel else \
            -speed * speed / (2 * accel) - speed * (left - speed / accel)
    return position


@pytest.mark.parametrize("rate", RATES)
def test_a_moving_arm_with_no_state_after_the_frame_is_refused_at_any_rate(rate):
    """10 cm/s up to the frame, no state after it: refused on a 10 Hz to 1 kHz stream.

    Before: the look-back was 0.05 s; a 20 Hz stream had one state in it (no motion seen),
    a 10 Hz one none: both taken for an arm at rest.
    """
    inputs = stream(rate, lambda t: 0.1 * t)
    motion = frame_motion(inputs, FRAME)
    assert not motion.after and not motion.at_rest, motion
    assert motion.before_s == pytest.approx(max(0.05, 2.0 / rate))
    line = moved_refusal("~/capture_goal", motion)
    assert f"in the {max(0.05, 2.0 / rate):g} s before the newest camera frame" in line


@pytest.mark.parametrize("rate", RATES)
def test_a_resting_arm_with_no_state_after_the_frame_is_accepted_at_any_rate(rate):
    """Still for a second before the frame: at rest on every stream."""
    assert frame_motion(stream(rate, lambda t: 0.0), FRAME).at_rest


@pytest.mark.parametrize("rate", RATES)
def test_an_arm_that_just_stopped_is_judged_on_two_of_its_states(rate):
    """Braked at 0.5 m/s² from 10 cm/s to rest 0.03 s before the frame (a camera check's last).

    100 Hz and 1 kHz: the 0.05 s before the frame show it still: accepted (session 52: a
    0.3 s look-back refused these). 20 Hz: the state 85 ms before, 0.8 mm from rest: accepted.
    10 Hz: the state 170 ms before was still braking (4.9 mm): refused until a state after
    the frame shows the arm there, then accepted.
    """
    inputs = stream(rate, braking_to(FRAME - 0.03))
    motion = frame_motion(inputs, FRAME)
    assert motion.at_rest == (rate > 10), motion
    state = START.copy()
    inputs.observe_state(state, FRAME + 0.3 / rate)  # the first state after the frame: still
    assert frame_motion(inputs, FRAME).at_rest


def test_the_look_back_follows_the_stream_s_usual_interval_within_its_bounds():
    """Two intervals of the median one (a pause does not stretch it), 0.05 s to 0.25 s."""
    assert look_back([], FRAME) == REST_BEFORE_FRAME_S
    assert look_back([0.9], FRAME) == REST_BEFORE_FRAME_S
    assert look_back(np.arange(0.0, 1.0, 0.05), FRAME) == pytest.approx(0.1)
    assert look_back(np.arange(0.0, 1.0, 0.001), FRAME) == REST_BEFORE_FRAME_S
    assert look_back(np.arange(0.0, 1.0, 0.5), FRAME) == REST_BEFORE_MAX_S  # 2 Hz
    paused = list(np.arange(0.0, 0.5, 0.01)) + [0.95]  # a 0.45 s pause: still 100 Hz
    assert look_back(paused, FRAME) == REST_BEFORE_FRAME_S
    assert look_back(list(np.arange(0.0, 1.0, 0.05)) + [1.5, 1.6], FRAME) == pytest.approx(0.1)


def scanned_look_back(stamps, frame_stamp: float, max_s: float = REST_BEFORE_MAX_S) -> float:
    """Return the look-back by a scan of every stamp (the rule before the bisection)."""
    before = np.asarray([stamp for stamp in stamps if stamp <= frame_stamp][-RATE_INTERVALS - 1:])
    if len(before) < 2:
        return REST_BEFORE_FRAME_S
    interval = float(np.median(np.diff(before)))
    return min(max(REST_BEFORE_FRAME_S, REST_BEFORE_INTERVALS * interval), max_s)


@pytest.mark.parametrize("seed", range(12))
def test_the_bisected_look_back_is_the_scan_s_on_random_histories(seed):
    """``look_back`` on the buffer's stamps (``stamps_until``) equals the scan of them all.

    Random streams (10-1000 Hz, jittered, repeated stamps, pauses) with late deliveries kept in
    place (``late``: a relay 0-0.3 s behind, some older than the history: not kept) and clock
    steps back (a new history), a history of 40-400 states: the kept stamps stay sorted, and
    at frames anywhere (before the first state, on a stamp, between, after the newest) both
    rules give the same look-back.
    """
    rng = np.random.default_rng(seed)
    inputs = InputBuffer(history=int(rng.integers(40, 400)))
    stamp, period = 10.0, 1.0 / float(rng.choice([10, 20, 100, 1000]))
    late_states = 0
    for _ in range(int(rng.integers(200, 1500))):
        draw = rng.random()
        if draw < 0.15 and inputs.states:
            late_states += 1
            inputs.observe_state(START, stamp - rng.uniform(0, 0.3), late=True)
            continue
        if draw < 0.17:
            stamp -= rng.uniform(0.5, 2.0)  # a clock stepped back: a new history
        elif draw < 0.2:
            stamp += rng.uniform(0.1, 1.0)  # a pause
        elif draw < 0.9:
            stamp += period * rng.uniform(0.8, 1.2)  # else a repeated stamp
        inputs.observe_state(START, stamp)
    kept = [state.stamp for state in inputs.states]
    assert kept == sorted(kept) and late_states > 0
    frames = [kept[0] - 1.0, stamp + 1.0, *rng.choice(kept, 20),
              *rng.uniform(kept[0] - 0.1, kept[-1] + 0.1, 20)]
    for frame_stamp in frames:
        expected = scanned_look_back(kept, frame_stamp)
        assert look_back(kept, frame_stamp) == expected
        last = inputs.stamps_until(frame_stamp, RATE_INTERVALS + 1)
        assert look_back(last, frame_stamp) == expected
        assert look_back(last, frame_stamp, 0.6) == \
            scanned_look_back(kept, frame_stamp, 0.6)
