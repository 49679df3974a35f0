"""breaker43j: fix43h's last move of a finished sequence and its plan-start discard.

Attacked at main's HEAD adc6c0f (fix43h: commits 14c22d6, 7f1ab17):
``robot/planning_session.py`` (``_inputs_usable``, ``_last_move_runs``, ``_checks_start``),
``robot/command_session.py`` (``_left_start``), ``robot/stream_session.py`` (the hold and resume
on stale inputs), against README's control modes / sub-goal switching paragraphs and
docs/async_control.md. ROS-free, CPU, the hand-driven clock, tiny random world model and
hooked planner of ``test_robot_mpc`` / ``test_breaker43h`` (its ``Rig``: an arm that tracks the
set-point exactly, a 10 Hz camera). Each test asserts what SHOULD happen and fails now; its
docstring says why a lab would meet it.
"""

import numpy as np
import pytest
from session_rig import DT, Rig
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def one_step_rig(model, mode):
    """Return a rig whose one sub-goal has one step (its command finishes it), and the target."""
    rig = Rig(model, mode, goals=[SubGoal(frame(7), 1, "the only sub-goal, one step")])
    report = rig.session.plan_step()
    assert report.command is not None and rig.session.goals.finished
    return rig, report.command.copy()


def run_with_dropout(rig, what, start=30, length=60, total=300):
    """Tick 3 s with the planning worker after each; ``what`` drops out for ``length`` ticks.

    "camera": no frames (0.6 s > safety.max_image_age_s 0.5); "state": the robot state stops
    (0.6 s > max_state_age_s 0.25) and comes back where the held set-point is.
    """
    arm = None  # the arm during a state dropout: it tracks the set-point, unreported
    for i in range(total):
        out_of = start <= i < start + length
        if what == "state" and out_of:
            rig.clock.now += DT
            out = rig.session.stream_step()
            if out is not None and out.setpoint is not None:
                arm = out.setpoint.copy()
            rig.session.plan_step()
            continue
        if arm is not None:  # the states come back from where the arm stopped
            rig.session.observe_state(arm, rig.clock.now)
            arm = None
        rig.tick(camera=not (what == "camera" and out_of))
        rig.session.plan_step()


@pytest.mark.parametrize("mode", ["blocking", "async", "continuous"])
@pytest.mark.parametrize("what", ["camera", "state"])
def test_a_brief_dropout_during_the_last_move_does_not_end_the_run_short(model, mode, what):
    """A brief input dropout during the last move must not make the sequence "done" short of it.

    The last command of a goal sequence counts its step as it goes out, so the sequence is
    ``finished`` while that move runs (fix43h lets it run on). A USB/GigE camera that stalls
    0.6 s (more than ``safety.max_image_age_s``), or a robot-state stream that pauses 0.6 s (a
    driver's hiccup), during that ~1 s move holds the stream, rightly, at once: the set-point
    stops ~2 cm short of the target. When the inputs come back, a cut-short step of any other
    sub-goal is planned again (the sub-goal is still active), but here nothing more is planned:
    after settle_s the session holds with "no goal: all 1 sub-goals done". The final place (or
    approach) is never made, every time a dropout hits the last second of a run, and the
    status says the sequence is done. What should happen: after the inputs pass again the last
    move is completed (the step that did not run to its end planned again toward the last
    sub-goal, or the stopped move resumed), so either another command goes out or the arm ends
    at the last command's target.
    """
    rig, target = one_step_rig(model, mode)
    run_with_dropout(rig, what)
    arm = rig.session.latest_state().value
    short = float(np.linalg.norm(arm[:3] - target[:3]))
    assert rig.session.commands_sent > 1 or short <= rig.session.control.arrival_tolerance_m, (
        f"{what} dropout: stopped {short * 1000:.1f} mm short of the last target, no command "
        f"since; status: {rig.session.refusal!r}")


def test_the_log_does_not_say_fine_again_about_a_finished_sequence(model):
    """The last line a user reads after a dropout at the end of a run must not say "fine".

    Same run as above (camera stall 0.6 s during the last move). While the inputs are stale the
    worker's ``_inputs_usable`` replaces the stale-input refusal with the finished sequence's
    hold ("no goal: all 1 sub-goals done", goal problem checked first). When frames come back
    the stream's resume calls ``_clear_refusal``, which logs "inputs and plan fine again (was:
    no goal: all 1 sub-goals done)"; the hold that follows is not said again (its kind already
    logged). The log's last word on the run is that the goal is fine again, while the status
    says the opposite and nothing more will move. What should happen: the resume does not
    clear a refusal that is not an input one (or the hold is said again), so the log ends
    with the finished sequence's hold, as the status does.
    """
    rig, _ = one_step_rig(model, "blocking")
    run_with_dropout(rig, "camera")
    assert rig.session.refusal == "no goal: all 1 sub-goals done"
    messages = [m for _, m in rig.logs]
    last = [m for m in messages if "sub-goals done" in m][-1]
    assert "fine again" not in last, messages[-4:]
