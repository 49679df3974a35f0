"""breaker55l: fix55c's rules attacked (a wall clock's fall, re-enable, arrival, continuous).

Attacked at 73aab6a3 (main, fix55c f07d3dee): ``clock_steps.age_across_fall``,
``new_worlds._input_ages`` / ``_time_went_back``, ``command_session._hand_changes`` /
``_hand_seen_before`` / the resend, ``stream_session._arm_arrived``. ROS-free, CPU: breaker51c's
rig (hand-driven clock with ``Clock.step_wall_back``, tiny world model, scripted planner, an
arm following the set-point), the node's steady tick clock (``stream_clock``) as breaker55c.

Defects (strict xfails until fix55l, which fixed them; each paragraph is in the test's docstring):
1. A camera that died before a wall clock stepped back is judged fresh for the fall's length
   longer: ``age_across_fall`` adds the fall only to an age beyond the limit in the future,
   so a frame that arrived before the fall keeps its raw (node clock - stamp) age whenever
   that is within the limit; after a 1 s fall the set-point streams on a frame 0.52-0.82 s
   old (limit 0.5 s, the camera dead), every mode. Safety: motion on a stale view.
2. A frame stamped before the step that arrives after it (in flight: any camera's transport
   latency) holds the stream "0.96 s in the future": ``_input_ages`` reads the fall from the
   offset at the frame's ARRIVAL (``_frame_clock``), which is already the new clock's, so
   the fall is 0 and the frame is refused; the set-point stops for 7 ticks, async drops its
   prepared plan, then the new clock's frame is taken for a step "the arm continues".
3. An arm that has been moving for longer than the fall when the wall clock steps back 1 s:
   the first robot state on the new clock is compared (``jump_watch``) with the old clock's
   state at the same stamp, a second earlier, and held as a glitch ("jumps 0.097 m in 10
   ms"); the stream stops and no command goes out for 1.4-1.6 s in async and continuous,
   though the log says "the clock went back ...: the arm and hand continue".
4. After a re-enable, a hand closed (1.0) on a wide object, its fingers stopped within
   ``control.hand_tolerance`` (0.1) of open (0.06, 0.09: 72-76 mm of 80), is sent its width
   by the first plan keeping it: fix55c's "open kept open" exception in
   ``command_session._hand_changes`` cannot tell it from an open hand (a ``move``, no force).

Held up (explored, not kept): a 5 s fall with a live camera (the new clock's frame taken for
the step, no hold); a 5 s fall with a dead camera (hold at 0.5 s real age, stopped, no motion
on the resume at a raw age within the limit: the running command was cut by the hold);
arrival near roll pi (``poses_apart`` compares rotations, no wrap); re-enable with a hand
closed fully on nothing (1.0 kept: no command, right: it is closed) and a hand opened by an
operator while disabled (0.0 kept: the open goes out once, nothing to drop); two falls of 1 s
20 ms and 300 ms apart, live camera (no hold); continuous with plans every 50 ms and a hand
taking 1-2 s to close (one close, the release 50 ms after the planner asks); a 1 s fall
while a plan of 60 ms runs (voided by the new clock's frame, replanned).
"""

import numpy as np
import pytest
from grasp_sessions import CLOSE_THEN_CARRY
from script_rig import ScriptRig
from test_robot_mpc import frame

MODES = ["blocking", "async", "continuous"]


@pytest.mark.parametrize("fall", [
    0.0,  # pin: no fall, the stale hold at 0.5 s
    1.0])
@pytest.mark.parametrize("mode", MODES)
def test_a_camera_that_died_before_a_clock_fall_is_stale_at_its_real_age(model, mode, fall):
    """No set-point motion on a frame older than ``max_image_age_s``, a wall clock fall between.

    Input: a 6 cm step runs (plan on a fresh frame); the camera dies at once (its driver
    crashed, a USB reset); 50 ms later the wall clock steps back 1 s (chrony/ntpd
    ``makestep``, PTP: the stamps and the node's system clock together); the robot's states go
    on, on the new clock. What happens: the frame's raw age (node clock - stamp) is its real
    age less 1 s, so it is "fresh" until it is 1.5 s old: the set-point keeps moving the arm
    at real frame ages 0.52-0.82 s (the whole step: 6 cm, where without the fall the stale
    hold stops it at 3.95 cm), in every mode. ``clock_steps.age_across_fall`` (used by
    ``new_worlds._input_ages`` for the tick, the plan, the safety filter and the camera check)
    adds the fall only when the raw age lies beyond the limit in the future, not to every
    input that arrived before the fall. What should happen: a frame that arrived before the
    system clock fell is as old as its raw age plus the fall (its age on its own clock), so
    the stale hold comes at 0.5 s real age as without the step, and no set-point moves after.
    """
    rig = ScriptRig(model, mode, [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady  # the node times its ticks by a steady clock
    assert rig.session.plan_step().command is not None
    taken = rig.session.inputs.frame.stamp
    rig.next_frame = float("inf")  # the camera dies
    rig.run(5)
    rig.clock.step_wall_back(fall)
    limit = rig.session.limits.max_image_age_s
    stale_moves = []
    for _ in range(150):
        before = rig.arm.copy()
        rig.run(1)
        real_age = rig.clock.steady() - taken  # the frame's age on a clock that did not fall
        if real_age > limit + 0.02 and np.linalg.norm(rig.arm[:3] - before[:3]) > 1e-6:
            stale_moves.append(round(real_age, 2))
    assert not stale_moves, (
        f"the arm moved at real frame ages {stale_moves[:3]}...{stale_moves[-1:]} s (limit "
        f"{limit} s, camera dead since before the 1 s fall); x moved {rig.arm[0] - 0.5:.4f} m")


@pytest.mark.parametrize("mode", MODES)
def test_a_frame_in_flight_across_a_clock_step_holds_nothing(model, mode):
    """A frame stamped before a wall clock step back and received after it: no hold.

    Input: a 6 cm step runs (250 ms in); the wall clock steps back 1 s; the robot's states
    on the new clock go on; the camera's frame taken 10 ms before the step (stamped on the old
    clock) arrives 30 ms after it (a camera's transport and driver latency: 20-100 ms is
    common, so a step with a frame in flight is the usual case at 10-30 Hz), the next frames
    on the new clock 100 ms later. What happens: the tick finds that frame "0.96 s in the
    future" and holds ("not commanding: camera image stamp lies 0.96 s in the future ...
    clock mismatch?"): the set-point stops dead for 7 ticks, async drops its prepared plan;
    then the new clock's frame is taken for the step ("the arm and hand continue"), too late.
    ``new_worlds._input_ages`` takes the fall from ``_frame_clock``, the system clock offset
    at the newest frame's ARRIVAL, which came after the fall: fall 0, no correction. What
    should happen: the fall is judged since the input was stamped (a frame stamped on the old
    clock, received after the fall, is 40 ms old), so the set-point streams on, as fix55c
    made it do for a frame that arrived before the step.
    """
    rig = ScriptRig(model, mode, [[0.06, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady
    assert rig.session.plan_step().command is not None
    rig.run(25)
    said = len(rig.logs)
    taken_old = rig.clock.now - 0.01  # the frame's stamp, on the old clock
    rig.clock.step_wall_back(1.0)
    rig.next_frame = float("inf")
    speeds = []
    for tick in range(20):
        before = rig.arm.copy()
        rig.run(1)
        if tick == 2:  # 30 ms after the step: the frame in flight arrives
            rig.session.observe_image(frame(555), taken_old)
        if tick == 12:  # the camera's frames on the new clock
            rig.next_frame = rig.clock.now
        speeds.append(round(float(np.linalg.norm(rig.arm[:3] - before[:3])) / 0.01, 3))
    lines = [message for _, message in rig.logs[said:]]
    assert any("clock went back" in line for line in lines), lines
    holds = [line for line in lines if line.startswith("not commanding")]
    assert not holds and min(speeds) > 0.05, (
        f"speeds [m/s] after the step: {speeds}; holds: {holds}")


@pytest.mark.parametrize("mode", MODES)
def test_an_arm_moving_through_a_clock_step_is_no_glitch(model, mode):
    """An arm that moved through the second before a 1 s step back: no jump, no hold.

    Input: plans of 1 cm each, the arm moving for 1.5 s (continuous: steadily at ~0.06 m/s;
    async ~0.1 m/s); the wall clock steps back 1 s; the robot states and the camera (50 ms
    later) go on, on the new clock. What happens: the first state on the new clock is
    compared with the old clock's state at that stamp (taken a real second earlier, the arm
    several cm away) and held as a glitch: "not commanding: robot state on joint_states
    stamped 990 ms before the newest, jumps 0.097 m in 10 ms, faster than an arm moves (3
    m/s) from the arm's state at that stamp" (blocking: "jumps 0.016 m in 0 ms"); the
    set-point stops dead from speed and no command goes out for 1.4 s (continuous) to 1.6 s
    (async), while the log says "the clock went back ...: the arm and hand continue".
    ``input_episodes.observe_state`` -> ``jump_watch.JumpWatch.judge`` knows nothing of the
    system clock's fall (``SystemClockFalls``, seen at this very arrival). breaker55c's
    wall clock test passed only because its arm had moved for 0.25 s (under the 3 m/s
    threshold). What should happen: a state stamped after the system clock fell is compared
    with states of its own clock (none older: no jump), and the set-point streams on.
    """
    rig = ScriptRig(model, mode, [[0.01, 0, 0, 0, 0, 0, 0]])
    rig.session.stream_clock = rig.clock.steady
    assert rig.session.plan_step().command is not None
    rig.run(150)
    assert rig.arm[0] - 0.5 > 0.02, "the arm moved through the last second"
    said = len(rig.logs)
    rig.clock.step_wall_back(1.0)
    rig.next_frame = rig.clock.now + 0.05
    rig.run(100)
    lines = [message for _, message in rig.logs[said:]]
    assert any("clock went back" in line for line in lines), lines
    holds = [line for line in lines if line.startswith("not commanding")]
    assert not holds, holds


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("held_at", [0.06, 0.09])
def test_a_reenable_sends_nothing_to_a_hand_closed_on_a_wide_object(model, mode, held_at):
    """Re-enable mid-carry, the fingers stopped near open on a wide object: no gripper command.

    Input: ``goals.gripper`` planned (the default; deadband 0.1, so ``control.hand_tolerance``
    0.1); plan 1 closes the hand (+1: command 1.0) and the fingers stop on a wide object at
    closedness 0.06 or 0.09 (a 72-76 mm box, pipe or mug body in the Franka Hand's 80 mm); the
    carry plans keep the hand (delta 0): within the run nothing is sent (fix53l). The person
    pauses and resumes (``~/enable`` false, true). What happens: the first carry plan after
    the enable sends gripper 0.06 (0.09), in every mode: fix55c's exception "a hand measured
    open and kept open is told so" (``command_session._hand_changes``: ``last_gripper`` None
    and max(gripper, start) <= ``hand_tolerance``) takes fingers stopped on an object within
    ``hand_tolerance`` of open for an open hand; README's bridge makes that a ``move`` to the
    width the fingers hold, no grasp force: the object may drop mid-carry (breaker55c #1's
    defect, for wide objects). What should happen: after a re-enable, a hand whose last
    command before the pause was a close (1.0), now stopped short of it, is not commanded by
    a plan that keeps it (as for 0.45: test_breaker55c).
    """
    rig = ScriptRig(model, mode, CLOSE_THEN_CARRY, async_blend_m=0.0)
    assert rig.session.plan_step().gripper_command == 1.0
    rig.arm[6] = held_at  # the fingers rest on the wide object
    rig.run(160)
    assert [r.gripper_command for _, r in rig.sent[1:] if r.gripper_command is not None] == [], \
        "pin (fix53l): no command within the run"
    before = len(rig.sent)
    assert rig.session.set_enabled(False)[0]
    rig.run(30)
    assert rig.session.set_enabled(True)[0]
    rig.run(200)
    assert len(rig.sent) > before, [r.reason for r in rig.reports[-3:]]
    sent = [r.gripper_command for _, r in rig.sent[before:] if r.gripper_command is not None]
    assert sent == [], f"gripper commands after the re-enable: {sent} (fingers on the object " \
        f"at {held_at})"
