"""Breaker46v: attack fix46u's "lone state after a states gap" rule (commit 60ec96e7).

Attacked at 60ec96e7: ``robot/jump_watch.py`` (``_lone``, ``_faster``, the median of
``_spans``) and ``robot/jump_excursions.py`` (``_Excursion.lands_back`` with ``stops``). CPU:
``JumpWatch`` directly, and ``test_breaker46s``'s session rig (states gap, glitch, real states).

Defects (all fixed by fix46w: a state after a gap is lone when its change off the arm's
extrapolated line would be refused at the usual pace, by the speed or the acceleration
rule; a lone state right after one keeps the pose before the first gap):
1. The lone rule asks only the speed limit (``_faster``) at the usual pace, not the
   acceleration rule (``_kicked``) that refuses the way back. A glitch 2 to 3 cm off after a
   0.3 s gap at 100 Hz passes (under 4 cm: no lone state); the arm's next state is a "kick"
   ("jumps 0.030 m in 10 ms, away from the arm's motion") and is never undone: ``landed``
   3 cm, a new world, the goal sequence restarts at sub-goal 1 (breaker46s's defect 2 for a
   glitch under 4 cm; the session end to end too).
2. A 10 Hz pose source: the usual-pace limit is 31 cm, so a 20 cm glitch after a 0.3 s gap is
   no lone state; its way back (a kick over 100 ms) lands 20 cm: a new world.
3. Two lone states in a row (a gap, a glitch 5 cm off, another gap, a glitch 5 cm the other
   way, then the arm): the second lone state's "pose before the gap" is the first glitch; the
   arm's state measured from it lands 5 cm: a new world.
4. Regression: a REAL lone state (an arm at 0.3 m/s goes on through a 0.3 s gap, 9.3 cm,
   exactly where its own velocity carries it) then a simulator's ``~/reset`` back to the pose
   before the gap: ``stops`` lets "the arm went on for none of the gap" explain the reset, so
   the 9.3 cm teleport adds nothing; no new world (before 60ec96e7: ``Landing(0.093)``). The
   lone state was the arm's extrapolated motion: no glitch to undo.

Held up (pinned): the 5 cm glitch (4 and 5 cm) after a gap; a rotation-only glitch after a gap
(0.3 and 1.0 rad) comes back with no new world; a lone glitch then the arm's states on a clock
stepped back 0.5 s (``NEW_WORLD_S`` not reached), and with arrivals 0.5 s or 2 s (another
clock, adopted after ``ADOPT_S``): no new world, the lone state dropped; a lone
glitch then a NaN state then the arm (session: the NaN is not shown to the watch, the glitch's
way back still lands back); a stream whose median span is 1 ms (each 10 Hz state published
three times 1 ms apart: every change is "lone") still lands a 15 cm ``~/reset`` at 15 cm;
the history is bounded (16 spans, no lone state kept past the next state).

Measured, not asserted (report): ``JumpWatch.problem`` per state, 10000 states at 100 Hz,
best of 5, this machine: 60ec96e7 ~28 us, its parent ~15 us; ``np.median`` of the 16-span
deque costs ~13-15 us of it (``statistics.median``: ~0.3 us). fix46w (``statistics.median``,
the line test only after a gap), another machine: parent 39.7 us, 60ec96e7 55.9, fix46w 41.7.
"""

import numpy as np
import pytest

from vjepa_ros.robot.jump_watch import JumpWatch

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
DT = 0.01  # [s] the stream's interval (100 Hz)
GAP_S = 0.3  # [s] the states stop this long


def at(xyz, rotation=None) -> np.ndarray:
    pose = START.copy()
    pose[:3] = xyz
    if rotation is not None:
        pose[3:6] = rotation
    return pose


def _stream(dt=DT, speed=(0.0, 0.1, 0.0), count=50):
    """Stream ``count`` states ``dt`` apart, arm at ``speed`` [m/s]; return watch, stamp, pose."""
    watch, stamp, xyz, velocity = JumpWatch(), 0.0, START[:3].copy(), np.array(speed)
    for _ in range(count):
        assert watch.problem(at(xyz), stamp) == ""
        stamp, xyz = stamp + dt, xyz + velocity * dt
    return watch, stamp - dt, xyz - velocity * dt


def _then(watch, stamp, poses, dt=DT) -> list[str]:
    return [watch.problem(pose, stamp + dt * (k + 1)) for k, pose in enumerate(poses)]


# ------------------------------------------------------------------------------- defects ---
@pytest.mark.parametrize("glitch_m", [0.02, 0.03])
def test_a_small_glitch_after_a_gap_whose_way_back_is_a_kick_is_no_new_world(glitch_m):
    """A 100 Hz arm at 0.1 m/s, a 0.3 s gap, ONE state 2-3 cm off along x, then the arm.

    What happened: the glitch passes (speed over 0.31 s; under 4 cm, so no lone state), the
    arm's next state is a kick ("jumps 0.030 m in 10 ms, away from the arm's motion"), not
    undone: ``landed()`` is ``Landing(0.03)``, a new world. What should happen: as for the
    5 cm glitch (test_robot_jump_gap): the way back to the pose before the gap adds nothing.
    """
    watch, stamp, before = _stream()
    stamp += GAP_S
    assert watch.problem(at(before + [glitch_m, 0, 0]), stamp) == ""
    problems = _then(watch, stamp, [at(before)] * 120)
    assert problems[0].startswith("jumps") and not any(problems[1:])
    assert watch.landed() is None


def test_a_glitch_after_a_gap_on_a_10_hz_source_is_no_new_world():
    """A 10 Hz pose source, the arm at 0.1 m/s, a 0.3 s gap, ONE state 20 cm off, the arm.

    What happened: 20 cm is under the usual pace's limit (3 m/s x 0.1 s + 1 cm = 31 cm): no
    lone state; the arm's next state 100 ms later is a kick, ``landed()`` 0.2 m: a new world.
    What should happen: the way back to the pose before the gap undoes the glitch.
    """
    watch, stamp, before = _stream(dt=0.1, count=30)
    stamp += GAP_S
    assert watch.problem(at(before + [0.2, 0, 0]), stamp) == ""
    problems = _then(watch, stamp, [at(before)] * 30, dt=0.1)
    assert problems[0].startswith("jumps") and not any(problems[1:])
    assert watch.landed() is None


def test_two_lone_glitches_in_a_row_then_the_arm_is_no_new_world():
    """A gap, a state 5 cm off (+x), another gap, a state 5 cm off (-x), then the arm.

    What happened: both glitches pass as lone states; the arm's state is a jump measured from
    the pose before the second gap, the first glitch: ``Landing(0.05)``, a new world. What
    should happen: the arm is where it was before the first gap: no new world.
    """
    watch, stamp, before = _stream()
    stamp += GAP_S
    assert watch.problem(at(before + [0.05, 0, 0]), stamp) == ""
    stamp += GAP_S
    assert watch.problem(at(before - [0.05, 0, 0]), stamp) == "" and watch._lone is not None
    problems = _then(watch, stamp, [at(before)] * 120)
    assert problems[0].startswith("jumps") and not any(problems[1:])
    assert watch.landed() is None


@pytest.mark.parametrize("speed", [0.2, 0.3, 0.5])
def test_a_reset_home_after_the_arm_moved_through_a_gap_is_a_new_world(speed):
    """An arm at ``speed`` m/s from home, a 0.3 s gap, its state where it went, then a reset.

    Input: 100 Hz, the arm moving along y; the first state after the gap is exactly where its
    velocity carries it (0.31 s on: 6-16 cm, more than 4 cm: "lone"); then ~/reset puts it back
    at the pose before the gap, where the states stay. What happened: ``lands_back`` with
    ``stops`` (the arm went on for none of the gap) takes the reset for the lone state's way
    back, so its jump adds nothing: ``landed()`` None (60ec96e7's parent: a new world at
    9.3 cm for 0.3 m/s). What should happen: the lone state was the arm's own extrapolated
    motion, no glitch: the reset, 6-16 cm, is a new world.
    """
    velocity = np.array([0.0, speed, 0.0])
    watch, stamp, home = _stream(speed=velocity)
    stamp += GAP_S
    assert watch.problem(at(home + velocity * (GAP_S + DT)), stamp) == ""
    problems = _then(watch, stamp, [at(home)] * 120)
    assert problems[0].startswith("jumps") and not any(problems[1:])
    landing = watch.landed()
    assert landing is not None and landing.moved_m == pytest.approx(speed * (GAP_S + DT))


# ---------------------------------------------------------------------------------- pins ---
@pytest.mark.parametrize("glitch_m", [0.04, 0.05])
def test_a_lone_glitch_after_a_gap_comes_back_with_no_new_world(glitch_m):
    watch, stamp, before = _stream()
    stamp += GAP_S
    assert watch.problem(at(before + [glitch_m, 0, 0]), stamp) == "" and watch._lone is not None
    problems = _then(watch, stamp, [at(before)] * 120)
    assert problems[0].startswith("jumps") and not any(problems[1:])
    assert watch.landed() is None


@pytest.mark.parametrize("angle", [0.3, 1.0])
def test_a_rotation_only_glitch_after_a_gap_comes_back_with_no_new_world(angle):
    watch, stamp, before = _stream()
    stamp += GAP_S
    assert watch.problem(at(before, [np.pi, 0.0, angle]), stamp) == ""
    assert watch._lone is not None
    problems = _then(watch, stamp, [at(before)] * 120)
    assert problems[0].startswith("turns") and not any(problems[1:])
    assert watch.landed() is None


def test_a_lone_glitch_then_a_clock_stepped_back_half_a_second_is_no_new_world():
    watch, stamp, before = _stream()
    stamp += GAP_S
    assert watch.problem(at(before + [0.05, 0, 0]), stamp) == ""
    for k in range(200):  # the arm's states on a clock 0.5 s behind (no arrivals)
        watch.problem(at(before), stamp - 0.5 + DT * k)
    assert watch._lone is None and watch.landed() is None


@pytest.mark.parametrize("back_s", [0.5, 2.0])
def test_a_lone_glitch_then_a_clock_stepped_back_with_arrivals_is_no_new_world(back_s):
    # timed by arrivals: 0.5 s back is out of order (compared with the remembered states); 2 s
    # back is another clock, refused until ADOPT_S, then adopted afresh: the lone state dropped
    watch, stamp, xyz = JumpWatch(), 0.0, START[:3].copy()
    for _ in range(50):
        assert watch.problem(at(xyz), stamp, stamp) == ""
        stamp, xyz = stamp + DT, xyz + [0.0, 0.1 * DT, 0.0]
    before, stamp = xyz - [0.0, 0.1 * DT, 0.0], stamp - DT + GAP_S
    assert watch.problem(at(before + [0.05, 0, 0]), stamp, stamp) == ""
    for k in range(1, 301):
        watch.problem(at(before), stamp - back_s + DT * k, stamp + DT * k)
    assert watch._lone is None and watch.landed() is None


def test_a_stream_whose_median_span_is_a_millisecond_still_lands_a_reset():
    # each 10 Hz state published three times 1 ms apart: the median span is 1 ms; the arm's
    # changes (1.5 cm at 0.15 m/s) were "lone" at 60ec96e7, now on its own line (fix46w: at
    # most the first, before its velocity is known); a 15 cm ~/reset still lands at 15 cm
    watch, stamp, xyz = JumpWatch(), 0.0, START[:3].copy()
    lone = 0
    for _ in range(30):
        for copy in range(3):
            assert watch.problem(at(xyz), stamp + 0.001 * copy) == ""
            lone += watch._lone is not None
        stamp, xyz = stamp + 0.1, xyz + [0.0, 0.015, 0.0]
    assert lone <= 1
    reset = xyz + [0.0, 0.0, 0.15]
    problems = [watch.problem(at(reset), stamp + 0.001 * k) for k in range(30)]
    assert problems[0].startswith("jumps") and not any(problems[1:])
    landing = watch.landed()
    assert landing is not None and landing.moved_m == pytest.approx(0.15, abs=0.016)


def test_the_lone_rule_keeps_a_bounded_history():
    watch, stamp, before = _stream(count=2000)
    assert len(watch._spans) == JumpWatch.HISTORY and len(watch._intervals) <= JumpWatch.HISTORY
    stamp += GAP_S
    watch.problem(at(before + [0.05, 0, 0]), stamp)
    assert watch._lone is not None
    _then(watch, stamp, [at(before)] * 3)
    assert watch._lone is None and len(watch._spans) == JumpWatch.HISTORY


# ------------------------------------------------------------------- the session's view ---
def _session_in_sub_goal_2(model):
    from test_breaker43h import Rig
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    rig = Rig(model, "continuous", goals=[SubGoal(frame(7), 3, "a"), SubGoal(frame(8), 40, "b")])
    for _ in range(200):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.goals.describe().startswith("goal 2/2")
    return rig


@pytest.fixture(scope="module")
def model():
    from test_robot_mpc import tiny_world_model
    return tiny_world_model()


def test_session_a_3_cm_glitch_after_a_states_gap_is_no_new_world(model, monkeypatch):
    """``test_breaker46s``'s rig: sub-goal 2/2 under way, states stop 0.3 s, ONE state 3 cm off.

    Then the states at the arm every 10 ms, a plan each 0.1 s. What happened: the arm's first
    state is a kick ("jumps 0.030 m in 10 ms, away from the arm's motion"), never undone: "a
    new world", the goal sequence "starts again" at 1/2. What should happen: as with the
    5 cm glitch (fixed by 60ec96e7): a hold, no new world, sub-goal 2/2 goes on.
    """
    import test_breaker46s as rig46s
    from test_breaker46a import _said
    monkeypatch.setattr(rig46s, "GLITCH_M", 0.03)
    rig = _session_in_sub_goal_2(model)
    arm = rig46s._states_gap_then_glitch(rig)
    rig46s._real_states(rig, arm, 150)
    assert _said(rig, "jumps 0.030 m"), rig.logs[-3:]
    assert not _said(rig, "a new world") and not _said(rig, "starts again")
    assert rig.session.goals.describe().startswith("goal 2/2")


def test_session_a_lone_glitch_then_a_nan_state_then_the_arm_is_no_new_world(model):
    import test_breaker46s as rig46s
    from test_breaker46a import _said
    rig = _session_in_sub_goal_2(model)
    arm = rig46s._states_gap_then_glitch(rig)  # 5 cm: a lone state
    rig.clock.now += 0.01
    rig.session.observe_state(np.full(7, np.nan), rig.clock.now)
    rig46s._real_states(rig, arm, 150)
    assert _said(rig, "jumps 0.050 m"), rig.logs[-3:]
    assert not _said(rig, "a new world") and not _said(rig, "starts again")
    assert rig.session.goals.describe().startswith("goal 2/2")
