"""breaker43c: asynchronous control, a plan made for one pose sent for another (strict xfails).

Attacked at commit fc4b0a6 (main's HEAD): ``robot/async_session.py``, ``predicted_start.py``,
``plan_job.py``, ``planning_session.py``, ``command_session.py``, ``stream_session.py``,
``mpc.py``, ``planning/cancel.py``, ``robot/planning_worker.py`` against README "Control modes"
and docs/async_control.md. ROS-free, CPU, a hand-driven clock and the tiny random world model
of ``test_robot_mpc`` with a hooked planner (events while a plan is computed). Each test asserts
what SHOULD happen and fails now; its docstring says why a lab would meet it.
"""

import numpy as np
import pytest
from session_rig import DT, FRAME_EVERY
from session_rig import Rig as SessionRig
from test_robot_mpc import START, frame, tiny_world_model

from vjepa_ros.robot.phase import Phase


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


class Rig(SessionRig):
    """An async session, a hooked planner, and an arm that tracks the set-point exactly."""

    def __init__(self, model, blend=0.0, **control):
        super().__init__(model, "async", async_blend_m=blend, **control)

    def remaining(self):
        streamer = self.session.streamer
        return float(np.linalg.norm(streamer.target[:3] - streamer.setpoint[:3]))


def commanded_step_one(model, **kwargs):
    rig = Rig(model, **kwargs)
    first = rig.session.plan_step()
    assert first.command is not None and rig.session.phase is Phase.MOVING
    step = float(np.linalg.norm(first.command[:3] - START[:3]))
    assert step > 0.02, f"step 1 is {step:.3f} m: too short for these tests"
    return rig, first


def hold_on_silent_camera_then_resume(rig):
    """Stall the camera 0.6 s (a USB hiccup): the stream holds; frames come back, it resumes."""
    held = False
    for _ in range(60):
        out = rig.tick(camera=False)
        held = held or (out is not None and out.hold_started)
    assert held and rig.session.phase is Phase.HOLDING
    rig.next_frame = rig.clock.now
    for _ in range(5):
        rig.tick()
    assert rig.session.phase is Phase.IDLE, rig.session.phase


@pytest.mark.parametrize("resumed", ["before the plan ends", "after the plan ends"])
def test_a_preparation_running_through_a_hold_is_never_commanded(model, resumed):
    """Cancel a preparation when a hold comes while it runs, as docs/async_control.md says.

    "A prepared plan is also dropped on ... a hold (stale or invalid inputs) ...; a preparation
    still running then is cancelled like any other stale plan."

    A lab meets it whenever the camera stalls for more than ``safety.max_image_age_s`` (a USB
    hiccup, a dropped GigE frame burst) near the end of a step while the next step is being
    prepared, which in async mode is nearly all the time (the ViT-g planner takes ~16 s). The
    stream holds (the arm stops short of the predicted start), the camera comes back and the
    stream resumes; the held arm then gets, at once and without a fresh frame, the plan computed
    from the frame and predicted start of before the hold. The void checks look only at the goal
    version and the enable epoch, which a hold changes neither of, and the stop it caused puts
    the arm within ``async_tolerance_m`` of the predicted start, so the start check passes too.
    What should happen: the preparation is void (cancelled or discarded), and the next command
    comes from a plan on a frame taken after the hold, as after any hold.
    """
    rig, first = commanded_step_one(model)
    while rig.remaining() > 0.012:  # near the end of step 1: the hold stops within 20 mm
        rig.tick()
    assert rig.session.phase is Phase.MOVING
    if resumed == "before the plan ends":
        rig.planner.after = lambda: hold_on_silent_camera_then_resume(rig)
        reports = [rig.session.plan_step()]
    else:
        rig.planner.after = lambda: [rig.tick(camera=False) for _ in range(60)]
        reports = [rig.session.plan_step()]
        assert rig.session.phase is Phase.HOLDING
        rig.next_frame = rig.clock.now
        for _ in range(5):
            rig.tick()
        reports.append(rig.session.plan_step())
    sent = [r for r in reports if r is not None and r.command is not None and r.predicted_start]
    assert not sent, (f"commanded {sent[0].command.round(4).tolist()} from the preparation "
                      f"begun before the hold (frame stamped {sent[0].frame_stamp:.2f}, "
                      f"now {rig.clock.now:.2f})")
    assert rig.session.prepared is None


def test_after_a_preparation_error_stops_the_arm_mid_step_the_next_plan_waits_for_a_settled_frame(
        model):
    """Plan after an error hold mid-step only on a frame taken ``settle_s`` after the stop.

    In async mode the next step is prepared while the arm moves, so a planner error (CUDA out of
    memory: the preparation's rollouts carry the real frame's key/value cache, more memory than
    a blocking plan's) comes mid-step; the hold stops the set-point where it is. The worker then
    plans again at once on the newest frame, taken while the arm was still moving, from the
    state measured at its stamp: the action (a delta) is applied to where the arm WAS, not where
    the hold stopped it (here 80 ms of motion earlier, ~1 cm; with the docs' 4 Hz camera up to
    2.5 cm at 0.1 m/s), and the command goes out. The same stop on a stale input resumes with
    ``arrival_time = now`` ("held still: the next blocking plan needs a fresh frame"); blocking
    and async plan "from a frame taken settle_s after the last command arrived" (README).
    The worker retries right after the error (``PlanningWorker``: on the next wake or its
    0.1 s idle timeout), before the next frame. Even a frame 10 ms after the stop would see a
    real arm still braking (this rig's arm tracks the set-point exactly).
    What should happen: no plan until a frame stamped ``settle_s`` after the stop; the next
    command starts from a state measured where the arm stands.
    """
    rig, first = commanded_step_one(model)
    for _ in range(25):  # mid-step, moving at full speed
        rig.tick()
    for _ in range(8):  # 80 ms after the newest frame (a 10 Hz camera)
        rig.tick(camera=False)
    rig.planner.error = RuntimeError("CUDA out of memory")
    failed = rig.session.plan_step()
    assert "planner error" in failed.reason and rig.session.phase is Phase.HOLDING
    stopped_at, stopped = rig.session.latest_state().value.copy(), rig.clock.now
    rig.planner.error = None  # a transient error: the next plan succeeds
    commands = []
    for _ in range(40):  # the worker retries at once, then 0.4 s of 10 Hz frames and states
        report = rig.session.plan_step()
        if report is not None and report.command is not None:
            commands.append(report)
        rig.tick()
    assert commands, "planning goes on after a transient planner error"
    plan = commands[0]
    assert plan.frame_stamp >= stopped + rig.session.control.settle_s, (
        f"planned on a frame stamped {plan.frame_stamp - stopped:+.2f} s from the stop, from a "
        f"state {np.linalg.norm(plan.start[:3] - stopped_at[:3]) * 1000:.1f} mm from where the "
        "arm stood")


def test_an_arm_arriving_turned_away_from_the_predicted_start_does_not_get_the_prepared_plan(
        model):
    """Discard a prepared plan when the arm arrives turned far from the predicted start.

    docs/async_control.md: "With a controller that does not reach its targets (contact, low
    stiffness, a blocked arm) the measured arrival differs from the prediction, ... the prepared
    plan is discarded and async falls back to blocking"; on arrival "the session compares the
    measured TCP with the predicted start". A lab sees it when the hand's fingers catch an
    object's edge or the table while the arm moves (the wrist is twisted, the TCP's position
    still tracks) or with a low rotational stiffness under a load: here the measured yaw lags
    the set-point's by a growing amount (0.3 rad/s, to 0.3 rad = 17 degrees) while the
    position tracks exactly. The arrival check (position within ``arrival_tolerance_m``) and
    ``start_mismatch`` (xyz only) both pass, and the plan made for an arm at the predicted
    orientation goes out; its target's orientation is absolute, so it also turns the wrist
    back 0.3 rad against whatever holds it. Blocking control would plan from the measured,
    turned pose. What should happen: an orientation this far from the predicted start (well
    beyond the 0.05 rad the stream's resume already treats as "moved") discards the prepared
    plan, and the next plan starts from a fresh frame.
    """
    rig, first = commanded_step_one(model)
    # the hand reaches the closedness step 1 sent (else nothing is prepared: breaker51c)
    rig.session.observe_state(np.append(START[:6], first.command[6]), rig.clock.now)
    prepared = rig.session.plan_step()
    assert "commanded on arrival" in prepared.reason
    session, ticks = rig.session, 0
    while session.phase is Phase.MOVING:
        ticks += 1
        # turned 0.3 rad from its target, the arm arrives at control.arrival_timeout_s (fix55c)
        # after the set-point came to rest (fix57d)
        assert ticks < session.control.arrival_timeout_s / DT + 300, "the arm never arrived"
        rig.clock.now += DT
        out = session.stream_step()
        state = (session.latest_state().value if out is None or out.setpoint is None
                 else out.setpoint).copy()
        state[5] += min(0.3, 0.003 * ticks)  # yaw lags the set-point, position tracks
        session.observe_state(state, rig.clock.now)
        if rig.clock.now >= rig.next_frame:
            rig.frames += 1
            session.observe_image(frame(100 + rig.frames), rig.clock.now)
            rig.next_frame = rig.clock.now + FRAME_EVERY
    assert session.latest_state().value[5] == pytest.approx(0.3)
    report = session.plan_step()
    assert report is None or report.command is None or not report.predicted_start, (
        f"the prepared plan went out with the arm {session.latest_state().value[5]:.2f} rad "
        "from the predicted start's yaw")
    assert session.commands_sent == 1
