"""fix55l: the rest of each family of breaker55l's defects (ROS-free, CPU).

breaker55l's tests (test_breaker55l.py) hold the named inputs; these the family around them: an
input's age is now - stamp plus the system clock's falls between its stamp and now, for a frame
and a state, arrived before the fall, in flight across it, stamped on the new clock, or stamped
in the future with no fall (or an old one) to explain it (``clock_steps.stamped_offset``); two
falls in a row; the jump watch across a fall of any size, a teleport at the fall, and a fall
whose stamps did not go back (sim time); a re-enable after a close whose fingers stopped at or
near the full opening (kept), after an open (the open still told), after a new world.
"""

import numpy as np
import pytest
from grasp_sessions import CLOSE_THEN_CARRY
from script_rig import ScriptRig
from test_robot_mpc import START, frame

from vjepa_ros.robot.clock_steps import CLOCK_FALL_MIN_S, stamped_offset
from vjepa_ros.robot.jump_watch import JumpWatch


@pytest.mark.parametrize(("age", "falls", "steady", "expected"), [
    (-0.96, [(1.0, 10.0)], 10.03, 1.0),  # in flight: stamped 10 ms before, arrived 30 ms after
    (0.02, [(1.0, 10.0)], 10.03, 0.0),  # stamped on the new clock
    (-0.96, [], 10.03, 0.0),  # in the future, no fall: a clock mismatch, refused as such
    (-0.3, [(1.0, 8.0)], 10.0, 0.0),  # 0.3 s ahead, 2 s after a fall: a mismatch, not 0.7 s old
    (-0.3, [(1.0, 9.8)], 10.0, 1.0),  # 0.7 s old, arrived 0.2 s after the fall: stale
    (-1.5, [(1.0, 9.9), (0.6, 9.95)], 10.0, 1.6),  # stamped before two falls
    (-0.5, [(1.0, 9.9), (0.6, 9.95)], 10.0, 0.6),  # between them
    (-CLOCK_FALL_MIN_S / 2, [(1.0, 9.9)], 10.0, 0.0),  # a stamp's jitter, no fall
])
def test_stamped_offset_takes_the_falls_a_stamp_lies_before(age, falls, steady, expected):
    """The offset an input was stamped under: its arrival's plus the falls it precedes."""
    assert stamped_offset(5.0, age, falls, steady) == pytest.approx(5.0 + expected)


def _dead_after(model, mode, fall, dead):
    """Return a rig whose ``dead`` input ("frame"/"state") stopped before a ``fall`` [s]."""
    rig = ScriptRig(model, mode, [[0.0, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady
    rig.run(3)
    frame_at = rig.session.inputs.frame.stamp
    state_at = rig.session.latest_state().stamp
    rig.clock.now += 0.05
    rig.clock.step_wall_back(fall)
    rig.clock.now += 0.1
    if dead == "frame":  # the states go on, on the new clock
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    else:
        rig.session.observe_image(frame(900), rig.clock.now)
    return rig, frame_at, state_at


@pytest.mark.parametrize("dead", ["frame", "state"])
@pytest.mark.parametrize("fall", [0.3, 1.0, 5.0])
def test_an_input_stamped_before_a_fall_is_its_real_age(model, dead, fall):
    """A frame or a state that arrived before the system clock fell: age = raw + fall."""
    rig, frame_at, state_at = _dead_after(model, "continuous", fall, dead)
    image, state = rig.session.ages(rig.clock.now)
    real = rig.clock.now + fall - (frame_at if dead == "frame" else state_at)
    assert (image if dead == "frame" else state) in (None, pytest.approx(real))
    if dead == "frame" or fall < 0.5:  # (beyond: the old clock's states dropped, state None)
        assert (image if dead == "frame" else state) == pytest.approx(real)


def test_a_state_in_flight_across_a_fall_is_fresh_and_a_later_one_too(model):
    """A state stamped 5 ms before a 1 s fall arriving 20 ms after: 25 ms old, then 0."""
    rig = ScriptRig(model, "blocking", [[0.0, 0, 0, 0, 0, 0, 0]])
    rig.run(3)
    taken = rig.clock.now + 0.005
    rig.clock.now += 0.01
    rig.clock.step_wall_back(1.0)
    rig.session.observe_image(frame(901), rig.clock.now)  # the fall seen at a frame's arrival
    rig.clock.now += 0.02
    rig.session.observe_state(rig.arm.copy(), taken)
    assert rig.session.ages(rig.clock.now)[1] == pytest.approx(0.025)
    rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    assert rig.session.ages(rig.clock.now)[1] == pytest.approx(0.0)


def _moving_watch(seconds=1.5, speed=0.1):
    """Return a JumpWatch fed an arm moving ``speed`` m/s along x at 100 Hz, and its last."""
    watch, state = JumpWatch(), np.array(START, dtype=np.float64)
    stamp = 100.0
    for _ in range(int(seconds / 0.01)):
        stamp += 0.01
        state[0] += speed * 0.01
        assert watch.judge(state.copy(), stamp, stamp - 50.0).problem == ""
    return watch, state, stamp


@pytest.mark.parametrize("fall", [0.2, 0.5, 1.0, 3.0])
def test_an_arm_moving_through_a_system_clock_fall_is_no_jump(fall):
    """States stepping back with the system clock under a moving arm: no jump, any fall.

    Judged over the real time between states, the states after too (the shift kept).
    """
    watch, state, stamp = _moving_watch()
    arrival = stamp - 50.0
    for i in range(20):
        stamp, arrival = stamp + 0.01 - (fall if i == 0 else 0.0), arrival + 0.01
        state[0] += 0.001
        verdict = watch.judge(state.copy(), stamp, arrival, fall if i == 0 else 0.0)
        assert verdict.problem == "" and not verdict.behind, (i, verdict)


def test_a_teleport_at_a_system_clock_fall_is_still_a_jump():
    """The fall re-times the stamps, not the pose: 0.2 m in a state interval is a jump."""
    watch, state, stamp = _moving_watch()
    state[0] += 0.2
    verdict = watch.judge(state.copy(), stamp + 0.01 - 1.0, stamp - 50.0 + 0.01, 1.0)
    assert verdict.problem.startswith("jumps"), verdict


@pytest.mark.parametrize("step", [0.0, -0.005])
def test_a_fall_with_stamps_that_did_not_go_back_shifts_nothing(step):
    """Sim time: /clock's stamps go on while the system clock falls 1 s.

    No shift: a 0.2 m jump at that state is judged over its own 10 ms, not over a second.
    """
    watch, state, stamp = _moving_watch()
    state[0] += 0.2
    verdict = watch.judge(state.copy(), stamp + 0.01 + step, stamp - 50.0 + 0.01, 1.0)
    assert verdict.problem.startswith("jumps"), verdict


def _closed_on(model, mode, held_at):
    """Close the hand (+1: command 1.0), the fingers stopped at ``held_at``, carry; the rig."""
    rig = ScriptRig(model, mode, CLOSE_THEN_CARRY, async_blend_m=0.0)
    assert rig.session.plan_step().gripper_command == 1.0
    rig.arm[6] = held_at
    rig.run(60)
    return rig


def _sent_after_pause(rig):
    """``~/enable`` false, true, 200 ticks: the gripper commands sent after."""
    before = len(rig.sent)
    assert rig.session.set_enabled(False)[0]
    rig.run(30)
    assert rig.session.set_enabled(True)[0]
    rig.run(200)
    assert len(rig.sent) > before
    return [r.gripper_command for _, r in rig.sent[before:] if r.gripper_command is not None]


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
@pytest.mark.parametrize("held_at", [0.0, 0.03])
def test_a_reenable_sends_nothing_to_a_hand_closed_on_anything_near_open(model, mode, held_at):
    """A close whose fingers stopped at (or within a hair of) the full opening: kept, no move."""
    assert _sent_after_pause(_closed_on(model, mode, held_at)) == []


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_reenable_still_sends_an_open_hand_kept_open_its_open(model, mode):
    """fix55c's rule kept: the last command before the pause an open (0.0), the hand open."""
    rig = ScriptRig(model, mode, [[0.03, 0, 0, 0, 0, 0, 1.0], [0.0, 0, 0, 0, 0, 0, -1.0],
                            [0.03, 0, 0, 0, 0, 0, 0.0]], async_blend_m=0.0)
    assert rig.session.plan_step().gripper_command == 1.0
    rig.arm[6] = 1.0
    for _ in range(400):  # until the release goes out
        rig.run(1)
        if rig.sent[-1][1].gripper_command == 0.0:
            break
    rig.arm[6] = 0.0  # the release opened it
    rig.run(60)
    assert [r.gripper_command for _, r in rig.sent if r.gripper_command is not None] == \
        [1.0, 0.0]
    assert _sent_after_pause(rig)[:1] == [0.0]


def test_a_new_world_forgets_the_close_of_before_the_pause(model):
    """A close before the pause, then a new world (a simulator reset): its open hand is told."""
    rig = _closed_on(model, "blocking", 0.06)
    assert rig.session.set_enabled(False)[0]
    rig.session._new_world("test: a simulator reset")
    rig.arm[6] = 0.0  # the new world's hand, open
    rig.run(30)
    before = len(rig.sent)
    assert rig.session.set_enabled(True)[0]
    rig.run(200)
    sent = [r.gripper_command for _, r in rig.sent[before:] if r.gripper_command is not None]
    assert sent[:1] == [0.0], sent
