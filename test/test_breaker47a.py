"""breaker47a: attack the lone-state rule of the jump watch (989c2e15, robot/jump_course.py).

The rule: a state that is no jump but leaves the arm's course (the pose before it carried on at
``JumpWatch._velocity()``, stopping anywhere, give or take 1 cm + 25 ms of the motion) within
``LONE_SPAN_S`` is lone; a jump at the very next state back onto that course adds nothing to the
hold (no new world). Two lone states in a row share the first one's course
(``JumpWatch._left_course``).

Defects (each passes at the parent 989c2e15^, checked with a copy of its package; fixed: a lone
state's course is always from the state before it, never kept across lone states):
1. The lone chain keeps a stale course for up to 1 s while the arm moves on by itself. At a
   10 Hz state source every step of an arm that starts from rest (2 m/s² to 0.3 m/s) is beyond
   the 1 cm slack, and the velocity measured right at the start (a few mm over 0.1 s) makes the
   second step lone; every later step is compared with that same early course (the pose 5 mm
   from home at ~0.05 m/s) and stays lone. A ``~/reset`` back to home (the pose everything after
   a reset starts from) 0.5 s later, 12-16 cm back, lands on that course: taken for a lone
   state's way back, no new world (the parent: "settled 0.158 m ..."). Not the README's
   limit (that one is "at the very state after an arm pushed or started off it during a gap";
   here there is no gap and the reset comes many states later).
2. The same chain after a corner: a 10 Hz arm at 0.2-0.3 m/s turns 90° (each step off the line
   it was on), moves on 0.5 s, then a reset to the home pose it was heading toward, 10 cm ahead
   on its old line: on the stale course, missed (14-18 cm reset).
3. The orientation likewise: a 10 Hz wrist turn from rest (6 rad/s² to 1 rad/s), then a reset
   that only turns the hand back (0.3-0.5 rad): missed.
4. End to end (``MPCSession``, test_breaker43h's rig in sub-goal 2 of 2; states at 10 Hz): the
   arm rests 0.5 s, starts, a reset home after 0.6 s: the parent says "settled 0.188 m from
   where it was before it jumped" (a new world, the goal sequence starts again at sub-goal 1);
   989c2e15 says "moved meanwhile" and the sequence carries on in sub-goal 2.

Pins (what held up; the chain ones rewritten for the fix): at 100 Hz the chain ends at the
first own step under the slack, so a
reset home 10-500 ms after an arm started during a gap is a new world; a 10 Hz arm cruising at
constant speed is never lone (a reset behind it lands); a reset off the stale course (15 cm
aside) mid-chain still lands; turning through yaw ±pi (quaternion wrap) neither breaks a
rotation glitch's way back after a gap nor hides a hand reset after a paused turning arm; an
out-of-order state between a lone glitch and its way back does not make a new world.
Noted, not a defect test: a 10 Hz stream that starts with the arm cruising (1 cm+ a step) is a
chain for its first second too (the second state's course has no velocity yet), so only a reset
onto that one early pose would be missed (implausible; pinned in the cruising test; since the
fix only its third state is lone).

Timing (report only, not asserted): ``JumpWatch.problem`` per state, best of 5 runs of 4000
states, a moving/turning arm (sines) with arrivals, this shared 2-core machine, quieter run:
10 Hz 48.9 us (parent 37.5: +30 %, the course is checked at most states of an accelerating
10 Hz arm), 1 kHz 12.1 us (parent 12.1); a busier run read 74.7/56.0 and 16.2/18.1.
"""

import numpy as np
import pytest
from session_rig import DT
from test_robot_jump_lone import START, _session_in_sub_goal_2, at
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.jump_watch import JumpWatch

HZ10 = 0.1  # [s] a 10 Hz state source
REST = 30  # states at rest before the motion


def _ramp(t: float, accel: float, top: float) -> float:
    """Distance [m] (or angle [rad]) after ``t`` s from rest at ``accel`` up to speed ``top``."""
    rise = top / accel
    return 0.5 * accel * t * t if t <= rise else 0.5 * accel * rise ** 2 + top * (t - rise)


def _resting(watch, pose, dt=HZ10, count=REST):
    for i in range(count):
        assert watch.problem(pose, i * dt) == ""
    return (count - 1) * dt


def _reset(watch, pose, stamp, dt=HZ10, count=30):
    """Send ``pose`` ``count`` times after ``stamp``: the first a jump, none after; landed."""
    problems = [watch.problem(pose, stamp + dt * (i + 1)) for i in range(count)]
    assert problems[0].startswith(("jumps", "turns")) and not any(problems[1:]), problems[:2]
    return watch.landed()


def _started_from_home(watch, states, dt=HZ10):
    """Rest the arm at START, then step it ``states`` times +y (2 m/s² to 0.3 m/s).

    Return the last stamp [s] and the distance moved [m].
    """
    stamp = _resting(watch, at(START[:3]), dt)
    y = 0.0
    for k in range(1, states + 1):
        y = _ramp(k * dt, 2.0, 0.3)
        stamp = (REST - 1 + k) * dt  # exact multiples: no rounding of the velocity baseline
        assert watch.problem(at(START[:3] + [0.0, y, 0.0]), stamp) == ""
    return stamp, y


# ------------------------------------------------------------------------------ defects ---
@pytest.mark.parametrize("states", [5, 6, 8])
def test_a_reset_home_after_a_10_hz_arm_started_from_rest_is_a_new_world(states):
    """10 Hz states, the arm at rest, then moving off; ``~/reset`` to home 0.5-0.8 s later.

    Input: 30 states at rest at home (START), then ``states`` states accelerating +y at 2 m/s²
    to 0.3 m/s (0.098-0.188 m), then home again (a simulator's ``~/reset``) and 30 states there.
    What happened: the reset is refused ("jumps 0.158 m in 100 ms, away from the arm's
    motion"), but ``landed()`` is None: no new world. Every step from the second on was lone
    (``_lone`` kept the course from the first moving state, 5 mm from home at 0.05 m/s) and home
    is within 1 cm of that course. What should happen: a new world of the reset's size (the
    parent 989c2e15^: Landing(moved_m=0.158)).
    """
    watch = JumpWatch()
    stamp, y = _started_from_home(watch, states)
    landing = _reset(watch, at(START[:3]), stamp)
    assert landing is not None and landing.moved_m == pytest.approx(y)


@pytest.mark.parametrize("speed", [0.2, 0.3])
def test_a_reset_to_home_ahead_after_a_10_hz_arm_turned_a_corner_is_a_new_world(speed):
    """A 10 Hz arm heading +y toward home turns to +x, moves on 0.5 s, reset to that home.

    Input: 30 states along +y at ``speed`` m/s ending at C, then 5 states along +x at the same
    speed (the planner changed its mind), then home = C + 10 cm along +y (ahead on the old
    line) and 30 states there. What happened: the reset (0.14-0.18 m) is refused but
    ``landed()`` is None: the corner's first state was lone and the following four kept its
    course (C along +y for up to 0.5 s), on which home lies. What should happen: a new world
    (the parent: Landing(moved_m=0.141 / 0.180)).
    """
    watch, corner = JumpWatch(), START[:3].copy()
    for i in range(REST):
        assert watch.problem(at(corner + [0.0, speed * HZ10 * (i - REST + 1), 0.0]),
                             i * HZ10) == ""
    for k in range(1, 6):
        assert watch.problem(at(corner + [speed * HZ10 * k, 0.0, 0.0]),
                             (REST - 1 + k) * HZ10) == ""
    landing = _reset(watch, at(corner + [0.0, 0.1, 0.0]), (REST + 4) * HZ10)
    assert landing is not None and landing.moved_m == pytest.approx(
        float(np.hypot(5 * speed * HZ10, 0.1)))


@pytest.mark.parametrize("states", [4, 6])
def test_a_hand_reset_after_a_10_hz_wrist_turn_from_rest_is_a_new_world(states):
    """A 10 Hz wrist at rest turns about z (6 rad/s² to 1 rad/s); a reset turns it back.

    Input: 30 states at rest (yaw 0), ``states`` states turning, then the start orientation again
    (a reset that only turns the hand, 0.32-0.52 rad) and 30 states there. What happened:
    "turns 0.32 rad in 100 ms" refused, ``landed()`` None. What should happen: a new world of
    the turn (the parent: Landing(turned_rad=0.317 / 0.517)).
    """
    watch = JumpWatch()
    _resting(watch, at(START[:3], [np.pi, 0.0, 0.0]))
    yaw = 0.0
    for k in range(1, states + 1):
        yaw = _ramp(k * HZ10, 6.0, 1.0)
        assert watch.problem(at(START[:3], [np.pi, 0.0, yaw]), (REST - 1 + k) * HZ10) == ""
    landing = _reset(watch, at(START[:3], [np.pi, 0.0, 0.0]), (REST - 1 + states) * HZ10)
    assert landing is not None and landing.turned_rad == pytest.approx(yaw, abs=1e-6)


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _ten_hz(rig, pose):
    """0.1 s of the session: one state, a frame and a plan (the stream ticks each ``DT``)."""
    session = rig.session
    for k in range(10):
        rig.clock.now += DT
        session.stream_step()
        if k == 0:
            session.observe_state(pose, rig.clock.now)
        if k == 5:
            session.observe_image(frame(900 + int(round(rig.clock.now * 10)) % 1000),
                                  rig.clock.now)
            session.plan_step()


def test_session_a_reset_home_after_a_10_hz_arm_started_is_a_new_world(model):
    """The session in sub-goal 2/2 on 10 Hz states: rest, start, reset home after 0.7 s.

    Input: test_breaker43h's rig after 2 s (sub-goal 2 of 2), then states at 10 Hz: 0.5 s at
    rest at the current pose, 7 states accelerating +y (2 m/s² to 0.3 m/s, 0.188 m), then the
    rest pose again (``~/reset``) for 3 s, a frame and a plan each 0.1 s. What happened: the
    reset is held on ("jumps 0.188 m in 100 ms"), then "the arm is 0.160 m from the set-point
    after the hold on its inputs (moved meanwhile)": no new world, sub-goal 2 carries on. What
    should happen (the parent): "settled 0.188 m from where it was before it jumped": a new
    world, the goal sequence starts again at sub-goal 1.
    """
    from session_rig import _said
    rig = _session_in_sub_goal_2(model)
    home = rig.session.latest_state().value.copy()
    for _ in range(5):
        _ten_hz(rig, home)
    for k in range(1, 8):
        moving = home.copy()
        moving[1] += _ramp(k * HZ10, 2.0, 0.3)
        _ten_hz(rig, moving)
    for _ in range(30):
        _ten_hz(rig, home)
    assert _said(rig, "jumps 0.188 m"), rig.logs[-3:]
    assert _said(rig, "settled 0.188 m"), [m for _, m in rig.logs[-4:]]


# --------------------------------------------------------------------------------- pins ---
@pytest.mark.parametrize("after", [3, 20, 50])
def test_a_reset_home_after_a_100_hz_arm_started_during_a_gap_is_a_new_world(after):
    # the first state after a 0.3 s gap is lone (the arm started meanwhile: 6 cm, v was 0);
    # its own next steps (2 mm at 100 Hz) end the chain, so a reset home later still lands
    # (after 1 more state, within jump_course.LONE_RUN, a limit since session 48:
    # test_robot_jump_held.test_limit_a_reset_to_the_pose_before_a_gap_right_after_...)
    watch, dt = JumpWatch(), 0.01
    stamp = _resting(watch, at(START[:3]), dt, 50) + 0.3
    y = 0.06
    assert watch.problem(at(START[:3] + [0.0, y, 0.0]), stamp) == ""
    assert watch._lone is not None
    for _ in range(after):
        stamp, y = stamp + dt, y + 0.002
        assert watch.problem(at(START[:3] + [0.0, y, 0.0]), stamp) == ""
    landing = _reset(watch, at(START[:3]), stamp, dt, 100)
    assert landing is not None and landing.moved_m == pytest.approx(y)


def test_a_reset_behind_a_10_hz_arm_cruising_is_a_new_world():
    # constant speed: the course is the arm's line, no state is lone but the stream's third
    # (the second's course has no velocity yet; the first is no course: not the arm's own)
    watch = JumpWatch()
    for i in range(40):
        assert watch.problem(at(START[:3] + [0.0, 0.03 * i, 0.0]), i * HZ10) == ""
        assert (watch._lone is None) == (i != 2), i
    landing = _reset(watch, at(START[:3] + [0.0, 0.03 * 34, 0.0]), 39 * HZ10)
    assert landing is not None and landing.moved_m == pytest.approx(0.15)


def test_a_reset_aside_mid_chain_of_a_10_hz_start_is_a_new_world():
    # a reset 15 cm aside of a 10 Hz arm speeding up (its steps may be lone) lands
    watch = JumpWatch()
    stamp, y = _started_from_home(watch, 6)
    landing = _reset(watch, at(START[:3] + [0.15, 0.0, 0.0]), stamp)
    assert landing is not None and landing.moved_m == pytest.approx(np.hypot(0.15, y))


def _turning_through_the_wrap(watch):
    """Turn about z at 0.5 rad/s through yaw = pi (RPY wraps to -pi); return stamp, yaw."""
    yaw = 0.0
    for k in range(50):
        yaw = np.pi - 0.12 + 0.005 * k
        wrapped = (yaw + np.pi) % (2 * np.pi) - np.pi
        assert watch.problem(at(START[:3], [np.pi, 0.0, wrapped]), 0.01 * k) == ""
    return 0.49, yaw


def test_a_rotation_glitch_after_a_gap_through_the_yaw_wrap_comes_back():
    watch = JumpWatch()
    stamp, yaw = _turning_through_the_wrap(watch)
    stamp += 0.3
    assert watch.problem(at(START[:3], [np.pi, 0.0, yaw - 2 * np.pi + 0.6]), stamp) == ""
    problems = [watch.problem(at(START[:3], [np.pi, 0.0, yaw - 2 * np.pi]), stamp + 0.01 * k)
                for k in range(1, 101)]
    assert problems[0].startswith("turns") and not any(problems[1:])
    assert watch.landed() is None


def test_a_hand_reset_after_a_paused_arm_turning_through_the_yaw_wrap_is_a_new_world():
    watch = JumpWatch()
    stamp, yaw = _turning_through_the_wrap(watch)
    stamp += 0.3
    assert watch.problem(at(START[:3], [np.pi, 0.0, yaw - 2 * np.pi + 0.001]), stamp) == ""
    landing = _reset(watch, at(START[:3], [np.pi, 0.0, yaw - 2 * np.pi - 0.2]), stamp, 0.01, 100)
    assert landing is not None and landing.turned_rad == pytest.approx(0.2, abs=0.01)


def test_an_out_of_order_state_between_a_lone_glitch_and_its_way_back_is_no_new_world():
    watch = JumpWatch()
    for k in range(50):
        assert watch.problem(at(START[:3] + [0.0, 0.001 * k, 0.0]), 0.01 * k) == ""
    before, stamp = START[:3] + [0.0, 0.049, 0.0], 0.49 + 0.3
    assert watch.problem(at(before + [0.05, 0.0, 0.0]), stamp) == ""
    watch.problem(at(before), 0.45)  # a late copy of an older state: changes nothing
    problems = [watch.problem(at(before), stamp + 0.01 * k) for k in range(1, 101)]
    assert problems[0].startswith("jumps") and not any(problems[1:])
    assert watch.landed() is None
