"""breaker43h: fix43c's stops of the set-point, preparations voided, orientation tolerance.

Attacked at main's HEAD f7cd073 (fix43c: commits 45abc7f, de65ea6 and the merge 78c3a2e):
``robot/mpc.py`` (``MPCSession._stop_motion``, ``_hold``), ``robot/planning_session.py``
(``_next_job``, ``_job_void``), ``robot/async_session.py``, ``robot/stream_session.py``
(``_restart_if_moved``), ``robot/command_session.py``, ``robot/camera_check_session.py``,
``robot/input_episodes.py`` (the new world's stop) and ``robot/predicted_start.py``
(``start_turn``, since folded into ``targets.poses_apart``; ``blend_ready``), against
README's control modes and docs/async_control.md.
ROS-free, CPU, a hand-driven clock and the tiny random world model of ``test_robot_mpc`` with
a hooked planner (events while a plan is computed). Each test asserts what SHOULD happen and
fails now; its docstring says why a lab would meet it.
"""

import numpy as np
import pytest
from session_rig import DT, Rig, pushed_during_camera_dropout
from test_robot_mpc import START, frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_the_last_step_of_a_finished_sequence_runs_to_its_target(model, mode):
    """Let the last commanded step of a goal sequence run to its target.

    A pick-and-place with ``goals.default_steps`` (4, 10, 4) or any sub-goal list with step
    counts: the last sub-goal's last command counts its step (``GoalSequence.count_step``) as it
    goes out, so the sequence is ``finished`` while that step still executes. The planning
    worker runs again on the next frame (a 10 Hz camera: within 0.1 s), and ``_next_job`` asks
    ``_inputs_usable`` BEFORE its "moving: wait for arrival" check (async:
    ``_preparation_job`` asks it too): "no goal: all N sub-goals done" is a hold, and
    ``_stop_motion`` stops the set-point where it is. The arm stops within a few mm of where the
    last step began: the place (or the last approach) never happens, every run, and
    ``_stop_motion`` now also counts it as an arrival. A lab sees the arm freeze at the start of
    its final move with "not commanding: no goal: all 3 sub-goals done". What should happen:
    the last command runs to its target (as any commanded step), then the session holds with
    nothing left to do.
    """
    rig = Rig(model, mode, goals=[SubGoal(frame(7), 1, "the only sub-goal, one step")])
    report = rig.session.plan_step()
    assert report.command is not None and rig.session.goals.finished
    target = report.command.copy()
    step = float(np.linalg.norm(target[:3] - START[:3]))
    assert step > 0.02, f"the step is {step:.3f} m: too short for this test"
    for _ in range(300):  # 3 s: a step of <= max_step_m at 0.1 m/s ends in ~1.2 s
        rig.tick()
        rig.session.plan_step()  # the planning worker, woken by each frame
    left = float(np.linalg.norm(rig.session.latest_state().value[:3] - target[:3]))
    assert left <= rig.session.control.arrival_tolerance_m, (
        f"the last step stopped {left * 1000:.1f} mm short of its target ({step * 1000:.1f} mm "
        f"step; refusal: {rig.session.refusal!r})")
    # then it holds there with nothing left to do (fix43h), the hold said once
    assert rig.session.phase is Phase.HOLDING, rig.session.phase
    assert rig.session.refusal == "no goal: all 1 sub-goals done", rig.session.refusal
    said = [m for _, m in rig.logs if m == "not commanding: no goal: all 1 sub-goals done"]
    assert len(said) == 1, said


def test_a_blocking_plan_from_before_a_hold_is_not_commanded_for_an_arm_pushed_meanwhile(model):
    """Do not command a plan made from where the arm was before a hold in which it was moved.

    Blocking mode, the published ViT-g planner: ~16 s per plan, during which the arm stands
    still and the camera may drop out (a USB hiccup, a GigE burst lost) for more than
    ``safety.max_image_age_s``: the stream holds. During that hold someone in the lab nudges the
    arm by hand (a Franka in guiding mode, a cable snag) by 4 cm, less than ``max_step_m``.
    The frames come back; the stream's resume sees the arm 40 mm from the set-point, restarts
    the set-point at the measured pose ("holds there until the next plan") and drops a
    prepared plan ("the arm moved during the hold"). But the plan still computing, from the
    frame and state of before the hold, is not void (``_job_void`` voids only async
    preparations on ``stop_epoch``): it goes out at once, its absolute target
    ``state_before ⊕ action`` within ``max_step_m`` of the pushed arm, so the filter passes it.
    The arm moves by an action chosen for a scene it is no longer in (here: back toward where
    it was pushed from, plus the planned step). What should happen: a plan whose start state
    the arm has left by more than the resume tolerance (or one begun before a stop) is
    discarded, and the next plan starts from a frame taken after the hold.
    """
    rig = Rig(model, "blocking")
    first = rig.session.plan_step()
    assert first.command is not None
    while rig.session.phase is Phase.MOVING:
        rig.tick()
    for _ in range(40):  # settle: frames stamped after the arrival
        rig.tick()
    rig.base = rig.session.latest_state().value.copy()
    rig.planner.after = lambda: pushed_during_camera_dropout(rig)
    report = rig.session.plan_step()
    arm = rig.session.latest_state().value
    assert any("moved meanwhile" in message for _, message in rig.logs), rig.logs[-5:]
    gap = float(np.linalg.norm(report.start[:3] - arm[:3]))
    assert report.command is None, (
        f"commanded {report.command[:3].round(3).tolist()} from a start {gap * 1000:.0f} mm from "
        f"the arm (frame of {report.frame_stamp:.2f} s, before the hold; now "
        f"{rig.clock.now:.2f} s)")


@pytest.mark.parametrize("stop", ["goals cleared", "camera stalls", "disabled"])
def test_a_real_stop_still_stops_the_last_step_at_once(model, stop):
    """fix43h: only "nothing more to plan" lets the last step run on; a real stop stops it.

    Mid-way through the last commanded step of a finished sequence: ``~/clear_goals`` (a person
    clearing the goals mid-move wants the arm to stop), a camera that stalls past
    ``safety.max_image_age_s`` and ``~/enable`` false stop the set-point where it is, at once.
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 1, "the only sub-goal, one step")])
    report = rig.session.plan_step()
    assert report.command is not None and rig.session.goals.finished
    for _ in range(30):  # 0.3 s into a ~1 s move
        rig.tick()
        rig.session.plan_step()
    assert rig.session.phase is Phase.MOVING
    if stop == "goals cleared":
        rig.session.clear_goals()
    elif stop == "disabled":
        rig.session.set_enabled(False)
    for _ in range(70):  # the camera stalls 0.7 s (> max_image_age_s 0.5) in that case
        rig.tick(camera=stop != "camera stalls")
        rig.session.plan_step()
    if stop == "disabled":
        assert not rig.session.streamer.active and rig.session.phase is Phase.SHADOW
        return
    assert rig.session.phase is Phase.HOLDING
    setpoint, target = rig.session.streamer.setpoint, report.command
    assert np.linalg.norm(target[:3] - setpoint[:3]) > 0.01, "ran on to its target"
    assert np.allclose(rig.session.streamer.target, setpoint), "still moving"


def test_the_plan_after_a_discard_starts_from_a_frame_taken_after_the_hold(model):
    """fix43h: the discarded plan's note names both distances; the next plan goes out.

    Its frame is stamped ``control.settle_s`` after the stream resumed, its start the pushed arm.
    """
    rig = Rig(model, "blocking")
    assert rig.session.plan_step().command is not None
    while rig.session.phase is Phase.MOVING:
        rig.tick()
    for _ in range(40):
        rig.tick()
    rig.base = rig.session.latest_state().value.copy()
    rig.planner.after = lambda: pushed_during_camera_dropout(rig)
    report = rig.session.plan_step()
    resumed = rig.clock.now - 10 * DT  # pushed_during_camera_dropout ticks 10 times after it
    rig.planner.after = None
    assert report.command is None and report.outcome.value == "discarded"
    notes = [m for _, m in rig.logs if "from the plan's start" in m]
    assert len(notes) == 1 and " mm and " in notes[0] and " rad " in notes[0], notes
    assert "40.0 mm" in notes[0], notes
    pushed = rig.session.latest_state().value.copy()
    for _ in range(100):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None:
            break
    assert report is not None and report.command is not None, report
    assert report.frame_stamp >= resumed + rig.session.control.settle_s - 1e-9
    assert np.linalg.norm(report.start[:3] - pushed[:3]) < 1e-3


def test_a_plan_whose_start_the_arm_still_is_at_survives_the_hold(model):
    """fix43h: pushed 5 mm during the hold (within RESUME_TOLERANCE_M): commanded as before."""
    rig = Rig(model, "blocking")
    assert rig.session.plan_step().command is not None
    while rig.session.phase is Phase.MOVING:
        rig.tick()
    for _ in range(40):
        rig.tick()
    rig.base = rig.session.latest_state().value.copy()
    rig.planner.after = lambda: pushed_during_camera_dropout(rig, push_m=0.005)
    report = rig.session.plan_step()
    assert report.command is not None, report.reason
