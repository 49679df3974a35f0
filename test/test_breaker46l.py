"""breaker46l: the stream's resume rule and the per-command arrival latch (1e220ff1, 7dcbd622).

Attacked at main's HEAD 21045252: ``robot/stream_session.py`` (``_restart_if_moved``,
``_last_seen_pose``, ``_held_states``, ``_arm_arrived``), ``robot/input_episodes.py``
(``frame_came_at``), ``robot/command_session.py`` (``_command``, ``_gripper_waits``) and
README's resume rule ("resumes after a hold on its inputs ...") and arrival paragraph ("never
goes out short of the place"). ROS-free, CPU: the hand-driven clock and tiny world model of
``test_robot_mpc``, the rigs of ``test_breaker43h`` (exact arm + ``push``), ``test_breaker46a``
(trailing / sagging arm) and ``test_breaker46g`` (a finished arm at rest).

Held up (pinned): a camera hold that the robot states join for 0.3 s keeps ``_held_states``
set for the rest of the hold, so the resume restarts on the distance alone (the documented
rule: "also one begun on the camera that the states joined"; a sagging arm is then lowered
15 mm, the trade-off 7dcbd622 chose for any hold on the states; without the state gap it
keeps the set-point); a hold on frames refused by the caller (a second camera publisher) fixes
its reference at the hold's start, so a push during it restarts although refused frames kept
coming; a camera stamping 0.35 s in the PAST (accepted) takes an earlier reference, so a push
during its stall restarts and a sagging arm at rest keeps its set-point; an async prepared plan
is dropped by the hold itself (``_stop_motion``), whatever the resume decides; shadow mode,
a push, then enable: the first command starts the set-point at the measured arm.

Judged, not filed: ``frame_came_at`` is the session clock at the newest frame's arrival and is
rewritten by the very frame that shows a clock step (the new world deactivates the stream
anyway), so no stale value of an old clock is used. A hold for a safety refusal or no goal is
no input hold: the stream streams the set-point on, nothing restarts (as a push with both
inputs fine: the controller had the set-point all along). A sagging arm MOVING under a command
at a camera dropout was not restarted in a probe (blocking, continuous; not pinned). A trailing
arm catching up during a hold (by reading, not pinned): the hold put the target at the
set-point, so an arm that caught up rests within the tolerance and nothing restarts; one still
more than 1 cm behind at the resume restarts where it is (short of the set-point, at rest:
no step; the hold cut the command and reopened its sub-goal unless it had arrived).

Defects (1 fixed: a plan out before the resume tick runs the resume first; 2 judged README's
limitation after breaker46p showed its wait stalling the hand until the timeout, pinned there):
1. ``command_session._command`` clears ``_stream_held``: a plan commanded after a hold on the
   inputs BEFORE the stream's first tick after the inputs came back (the planning worker woken
   by the first frame; a planner faster than one stream period, or a stream timer delayed)
   skips the resume (``_restart_if_moved``, ``arrival_time``): an arm pushed 4 cm during a
   camera stall gets the old set-point 4 cm away (within ``safety.max_step_m`` 0.10 m, so
   ``set_target``'s anchor reach does not restart it): a 4 cm step, all three modes.
2. continuous, ``goals.gripper`` subgoal, default parameters: the place command's arm gets
   within ``arrival_tolerance_m`` during a camera stall, so the hold's ``_stop_motion`` latches
   the arrival and keeps the switch; the arm then sags 15 mm during the hold; at the resume the
   release command opens the hand 18 mm from the place (README: "goals.gripper subgoal's next
   hand change never goes out short of the place").
"""

import numpy as np
import pytest
from session_rig import DT, Rig, _rig, _said, _step
from test_breaker46g import AheadRig, _finished, _gap
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase

MOVED = "moved meanwhile"
MODES = ["blocking", "async", "continuous"]


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _sag_then_stall(rig, state_gap):
    """Sag the finished arm 15 mm, stall the camera 1 s (states off 0.3 s inside if asked)."""
    session = rig.session
    setpoint = session.streamer.setpoint.copy()
    for i in range(40):
        rig.push[2] = -0.015 * (i + 1) / 40
        rig.tick()
    for i in range(100):
        rig.clock.now += DT
        session.stream_step()
        if not (state_gap and 60 <= i < 90):
            session.observe_state(setpoint + rig.push, rig.clock.now)
    assert session._stream_held
    return setpoint


# ---------------------------------------------------------------------------------- pins ---
@pytest.mark.parametrize("state_gap", [False, True])
def test_states_joining_a_camera_hold_make_it_a_hold_on_the_states(model, state_gap):
    """A sagging finished arm (15 mm under its set-point); a 1 s camera stall.

    Input: ``state_gap`` True: inside the stall the robot states stop 0.3 s (> 0.25 s
    ``max_state_age_s``) and come back before the camera. Held up (the documented rule):
    ``_held_states`` stays set for the rest of the hold once the states joined, and the resume
    restarts on the distance alone: the set-point is lowered 15 mm to the sagging arm ("moved
    meanwhile"); without the gap the camera-only rule keeps the set-point (breaker46a).
    """
    rig = _finished(model)
    setpoint = _sag_then_stall(rig, state_gap)
    assert (rig.session._held_states is not None) is state_gap
    rig.next_frame = rig.clock.now
    for _ in range(20):
        rig.tick()
    assert bool(_said(rig, MOVED)) is state_gap
    dz = rig.session.streamer.setpoint[2] - setpoint[2]
    assert dz == pytest.approx(-0.015 if state_gap else 0.0, abs=1e-3)


def test_a_push_during_a_hold_on_refused_frames_restarts(model):
    """A second camera publisher: frames keep coming but are refused; a hand pushes 4 cm.

    Input: finished arm; for 0.8 s every frame comes with ``refused`` (the node's
    two-publisher check), the arm pushed 4 cm along +y meanwhile; then usable frames for
    ``inputs.RECOVERY_S`` and more. Held up: the reference is fixed when the hold began (the
    refused frames that came later do not move it), so the resume restarts at the pushed arm.
    """
    rig = _finished(model)
    session = rig.session
    for i in range(80):
        rig.push[1] = min(0.04, 0.04 * (i + 1) / 40)
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(rig.base + rig.push, rig.clock.now)
        if i % 10 == 0:
            session.observe_image(frame(300 + i), rig.clock.now, refused="two publishers")
    assert session._stream_held and session.phase is Phase.HOLDING
    pushed = rig.base + rig.push
    for i in range(300):
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(pushed, rig.clock.now)
        if i % 10 == 0:
            session.observe_image(frame(400 + i), rig.clock.now)
    assert not session._stream_held
    assert _said(rig, MOVED), [m for _, m in rig.logs][-6:]
    assert _gap(rig) <= 0.002


class BehindRig(AheadRig):
    """``test_breaker46g.AheadRig`` stamping each frame 0.35 s BEFORE it came.

    A 10 Hz camera: ages up to 0.45 s, under the 0.5 s ``max_image_age_s``.
    """

    ahead = -0.35


@pytest.mark.parametrize("push", ["y4cm", "sag15mm"])
def test_camera_stamps_in_the_past_keep_the_resume_rule(model, push):
    """A camera stamping 0.35 s behind its arrival (accepted: within ``max_image_age_s``).

    Input: finished arm; the camera stalls 0.8 s (the hold comes 0.15 s after the last frame
    came); "y4cm": a hand pushes the arm 4 cm along +y during the stall; "sag15mm": the arm
    sagged 15 mm under its set-point before the stall and rests there. Held up: the reference
    is the state at the older stamp, before the push: the push restarts the set-point at the
    arm; the resting sag is no motion since then: the set-point is kept.
    """
    rig = _finished(model, BehindRig)
    session = rig.session
    setpoint = session.streamer.setpoint.copy()
    if push == "sag15mm":
        for i in range(60):
            rig.push[2] = -0.015 * min(1.0, (i + 1) / 40)
            rig.tick()
    for i in range(80):
        if push == "y4cm":
            rig.push[1] = min(0.04, 0.04 * (i + 1) / 40)
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(setpoint + rig.push, rig.clock.now)
    assert session._stream_held
    rig.next_frame = rig.clock.now
    for _ in range(10):
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(setpoint + rig.push, rig.clock.now)
        rig.frames += 1
        session.observe_image(frame(100 + rig.frames), rig.clock.now + rig.ahead)
    assert not session._stream_held
    if push == "y4cm":
        assert _said(rig, MOVED) and _gap(rig) <= 0.002
    else:
        assert not _said(rig, MOVED)
        assert np.allclose(session.streamer.setpoint, setpoint)


def test_an_async_prepared_plan_is_dropped_by_the_hold_itself(model):
    """Async: a plan prepared while the arm moves; a camera stall (no push) holds the stream.

    Held up: the hold's ``_stop_motion`` drops the prepared plan (it predicted the end of a
    motion the hold ended elsewhere) although the resume restarts nothing.
    """
    rig = _rig(model, "async", lag=0.97, goals=[SubGoal(frame(7), 4, "a", gripper=0.0)])
    prepared = False
    for _ in range(60):
        _step(rig)
        prepared = prepared or rig.session._prepared is not None
        if rig.session._prepared is not None:
            break
    assert prepared, "no plan was prepared"
    for _ in range(60):
        _step(rig, camera=False)
    assert rig.session._stream_held and rig.session._prepared is None


def test_shadow_mode_then_a_push_then_enable_starts_at_the_measured_arm(model):
    """Disable, a hand pushes the arm 4 cm, enable; the first set-point after the enable.

    Input: a 3-step sub-goal, first command out and run; ``~/enable false``, the arm pushed 4 cm
    along +y; ``~/enable true``. Held up: the stream was deactivated, so the first command after
    the enable resets the set-point at the measured (pushed) arm: no set-point 4 cm off it.
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 3, "a")])
    session = rig.session
    assert session.plan_step().command is not None
    for _ in range(200):
        rig.tick()
    session.set_enabled(False)
    arm = session.latest_state().value.copy()
    for _ in range(40):
        arm[1] += 0.001
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(arm, rig.clock.now)
    session.set_enabled(True)
    gaps = []
    for _ in range(200):
        rig.clock.now += DT
        out = session.stream_step()
        if out is not None and out.setpoint is not None and not gaps:
            gaps.append(float(np.linalg.norm(out.setpoint[:3] - arm[:3])))
        session.observe_state(arm if out is None or out.setpoint is None else out.setpoint,
                              rig.clock.now)
        if rig.clock.now >= rig.next_frame:
            rig.frames += 1
            session.observe_image(frame(100 + rig.frames), rig.clock.now)
            rig.next_frame = rig.clock.now + 0.1
        session.plan_step()
    assert gaps and gaps[0] <= 0.011, gaps


# ------------------------------------------------------------------------------- defects ---
@pytest.mark.parametrize("mode", MODES)
def test_a_plan_before_the_resume_tick_still_restarts_at_the_pushed_arm(model, mode):
    """A push during a camera stall, then the first frame's plan before the stream's tick.

    Input: a 20-step sub-goal, the arm tracking exactly; the camera stalls 0.8 s and a hand
    pushes the arm 4 cm along +y (the stream held); one frame comes and the planning worker
    (woken by it) commands before the stream timer's next tick (a planner faster than one
    stream period, or a delayed stream timer). What happened: ``_command`` sets
    ``_stream_held`` False, so the next ``stream_step`` never takes the resume path:
    ``_restart_if_moved`` does not run, no "moved meanwhile", and the set-point streams on from
    where it was, 40 mm from the pushed arm (within ``max_step_m`` 0.10 m of the anchor, so
    ``set_target`` does not restart it): a 4 cm step for the controller; the tick-first order
    restarts (breaker43h). What should happen: the resume's restart (and its ``arrival_time``)
    does not depend on which thread runs first: the first set-point after the hold is within
    the resume tolerance of the measured arm.
    """
    rig = Rig(model, mode, goals=[SubGoal(frame(7), 20, "many")])
    session = rig.session
    for _ in range(200):
        rig.tick()
        session.plan_step()
    held = False
    for i in range(80):
        rig.push[1] = min(0.04, 0.04 * (i + 1) / 40)
        rig.clock.now += DT
        out = session.stream_step()
        held = held or (out is not None and out.hold_started)
        session.observe_state(session.streamer.setpoint + rig.push, rig.clock.now)
    assert held and session._stream_held
    arm = session.latest_state().value.copy()
    session.observe_image(frame(200), rig.clock.now)
    report = session.plan_step()
    assert report is not None and report.command is not None
    rig.clock.now += DT
    out = session.stream_step()
    assert out is not None and out.setpoint is not None
    gap = float(np.linalg.norm(out.setpoint[:3] - arm[:3]))
    assert gap <= 0.011, f"first set-point {gap * 1000:.1f} mm from the pushed arm"
