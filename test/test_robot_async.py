"""Asynchronous control: plan step k+1 from the predicted end of step k, command it on arrival."""

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_robot_mpc import CEM as ANY_HAND_CEM
from test_robot_mpc import START, Clock, HookedPlanner, frame, tiny_world_model

from vjepa_ros.planning.cem import CEMPlanner
from vjepa_ros.planning.pose import state_difference
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.diagnostics import diagnostic_status
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.predicted_start import blend_ready, imagine_next_frame, start_mismatch
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import poses_apart, target_from_action
from vjepa_ros.sim.oracle import OracleWorldModel, decode_poses, encode_states

# These tests' arm never moves its hand: the planner keeps the hand as it is (a planned change
# would not be reached, and async prepares nothing until the hand reaches the closedness it was
# sent to: breaker51c, test_robot_gripper's async tests).
CEM = dataclasses.replace(ANY_HAND_CEM, fixed_axes=((6, 0.0),))


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


# Frames stay usable for 5 s: the arm reaches its target with no new frame on the way.
LIMITS = SafetyLimits(max_image_age_s=5.0)


def async_session(model, tolerance=0.02, limits=LIMITS, blend=0.01, wake=lambda: None):
    clock, logs = Clock(), []
    control = ControlConfig(mode="async", async_tolerance_m=tolerance, async_blend_m=blend)
    session = MPCSession(model, CEM, limits, control, clock=clock,
                         log=lambda level, message: logs.append((level, message)), wake=wake)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([session_goal()])
    session.set_enabled(True)
    return session, clock, logs


def session_goal():
    from vjepa_ros.robot.goals import SubGoal

    return SubGoal(frame(7), 0, "test")


def follow(session, clock, offset=None, ticks=400):
    """Let the arm track the set-point (plus ``offset``) until the session reports arrival."""
    offset = np.zeros(7) if offset is None else offset
    for _ in range(ticks):
        clock.now += 0.01
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            session.observe_state(out.setpoint + offset, clock.now)
        else:
            session.observe_state(session.latest_state().value, clock.now)
        if session.phase is not Phase.MOVING:
            return
    raise AssertionError("the arm never arrived")


def prepared_session(model, **kwargs):
    """Return a session that commanded step 1 and prepared step 2 from its predicted end."""
    session, clock, logs = async_session(model, **kwargs)
    first = session.plan_step()
    assert first.command is not None and not first.predicted_start
    prepared = session.plan_step()
    assert prepared.predicted_start and prepared.command is None
    assert "commanded on arrival" in prepared.reason
    assert session.prepared is not None
    np.testing.assert_allclose(session.prepared.start, first.command)
    np.testing.assert_allclose(prepared.target, target_from_action(first.command,
                                                                   prepared.action))
    assert session.plan_step() is None, "one preparation per command"
    return session, clock, logs, first


def test_prepared_plan_is_commanded_on_arrival_without_a_new_frame(model):
    wakes = []
    clock = Clock()
    session = MPCSession(model, CEM, LIMITS, ControlConfig(mode="async", async_blend_m=0.0),
                         clock=clock, wake=lambda: wakes.append(clock.now))
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([session_goal()])
    session.set_enabled(True)
    first = session.plan_step()
    session.plan_step()
    frames = session.frames_received
    follow(session, clock)
    assert wakes == [clock.now], "arrival wakes the planning thread once"
    second = session.plan_step()
    assert second.command is not None and second.predicted_start
    assert session.frames_received == frames and session.commands_sent == 2
    latest = session.latest_state().value
    assert np.linalg.norm(second.command[:3] - latest[:3]) <= LIMITS.max_step_m + 1e-12
    np.testing.assert_allclose(second.target, target_from_action(first.command, second.action))
    assert session.phase is Phase.MOVING
    assert diagnostic_status(session.snapshot())["values"]["last_plan"] == "commanded"
    third = session.plan_step()
    assert third.predicted_start and third.command is None, "step 3 prepared from step 2's end"


@pytest.mark.parametrize("offset_mm, commanded", [(0.0, True), (4.0, True), (6.0, False),
                                                  (9.0, False)])
def test_prepared_plan_is_dropped_when_the_arm_arrives_off_the_predicted_start(
        model, offset_mm, commanded):
    session, clock, logs, first = prepared_session(model, tolerance=0.005)
    offset = np.zeros(7)
    offset[1] = offset_mm / 1000  # within the 10 mm arrival tolerance, around the 5 mm async one
    follow(session, clock, offset)
    report = session.plan_step()
    assert (report.command is not None) == commanded
    if not commanded:
        assert f"arrived {offset_mm:.1f} mm and 0.000 rad from the predicted start" in \
            report.reason
        assert "discarded" in report.reason and session.commands_sent == 1
        assert session.prepared is None
        status = diagnostic_status(session.snapshot())
        assert "prepared plan discarded" in status["values"]["last_plan"]
        assert status["level"] == 0, "a discarded prediction is not a fault"
        assert any("prepared plan discarded" in m for _, m in logs)
        assert session.plan_step() is None, "no fresh frame after arrival yet"
        clock.now += session.control.settle_s + 0.01
        session.observe_image(frame(3), clock.now)
        session.observe_state(session.latest_state().value, clock.now)
        fresh = session.plan_step()
        assert fresh.command is not None and not fresh.predicted_start


@pytest.mark.parametrize("remaining_mm, lag_mm, ready", [
    (0.0, 0.0, True), (6.0, 0.0, True), (10.0, 0.0, True), (6.0, 14.0, True),
    (10.5, 0.0, False), (30.0, 0.0, False), (100.0, 0.0, False),  # far: never
    (5.0, 21.0, False), (0.0, 40.0, False),  # the arm does not track the set-point
    (10.0, 19.0, False),  # tracks, but 20.3 mm from the target: arrival's check (breaker53d)
])
def test_blend_rule_fires_within_the_radius_and_only_when_the_arm_tracks(remaining_mm, lag_mm,
                                                                         ready):
    target = START + np.r_[0.05, -0.02, 0.01, 0, 0, 0, 0]
    direction = np.r_[-1.0, 2.0, 2.0] / 3.0  # unit vector
    setpoint = target.copy()
    setpoint[:3] += direction * remaining_mm / 1000
    measured = setpoint.copy()
    measured[:3] += np.r_[0.0, 0.6, -0.8] * lag_mm / 1000
    assert blend_ready(setpoint, target, measured, 0.01, 0.02) == ready
    assert not blend_ready(setpoint, target, measured, 0.0, 0.02), "0: blending off"


@pytest.mark.parametrize("turn_rad, ready", [(0.0, True), (0.09, True), (0.11, False),
                                             (0.3, False)])
def test_blend_rule_waits_for_arrival_when_the_arm_turns_away_from_the_setpoint(turn_rad, ready):
    """An arm whose orientation lags the set-point's (a caught wrist) is not blended."""
    target = START + np.r_[0.05, -0.02, 0.01, 0, 0, 0, 0]
    setpoint, measured = target.copy(), target.copy()
    measured[5] += turn_rad  # position tracks exactly, yaw does not
    assert blend_ready(setpoint, target, measured, 0.01, 0.02, 0.1) == ready
    assert blend_ready(setpoint, target, measured, 0.01, 0.02), "no angle given: position only"


def test_blend_rule_answers_as_its_three_checks_on_a_seeded_sweep():
    """The early return for a far set-point changes no answer: position, tracking and turn.

    Tracking and turn: the arm within the tolerances of the set-point and of the target.
    """
    rng = np.random.default_rng(51)
    answers = set()
    for _ in range(400):
        target = START + np.r_[rng.normal(0, 0.02, 3), rng.normal(0, 0.1, 3), 0]
        setpoint = target + np.r_[rng.normal(0, 0.01, 3), rng.normal(0, 0.05, 3), 0]
        measured = setpoint + np.r_[rng.normal(0, 0.01, 3), rng.normal(0, 0.05, 3), 0]
        blend_m, tolerance_m, tolerance_rad = rng.uniform(0, 0.02), 0.015, rng.uniform(0, 0.2)
        gap, turn = poses_apart(measured, setpoint)
        gap_to_go, turn_to_go = poses_apart(measured, target)
        expected = (np.linalg.norm(target[:3] - setpoint[:3]) <= blend_m
                    and max(gap, gap_to_go) <= tolerance_m
                    and max(turn, turn_to_go) <= tolerance_rad)
        ready = blend_ready(setpoint, target, measured, blend_m, tolerance_m, tolerance_rad)
        assert ready == expected
        answers.add(ready)
    assert answers == {True, False}, "the sweep reaches both answers"


def blend_run(model, offset_mm=0.0, tolerance=0.02, blend=0.01):
    """Step 1 commanded, step 2 prepared; follow the set-point and call plan_step every tick.

    Returns (session, per-tick records (remaining set-point distance [m], report), wake times,
    the measured state at the second command).
    """
    wakes = []
    session, clock, _ = async_session(model, tolerance=tolerance, blend=blend,
                                      wake=lambda: wakes.append(clock.now))
    first = session.plan_step()
    assert session.plan_step().predicted_start and session.prepared is not None
    offset = np.zeros(7)
    offset[1] = offset_mm / 1000
    records, anchor = [], None
    for _ in range(400):
        clock.now += 0.01
        out = session.stream_step()
        remaining = float(np.linalg.norm(first.command[:3] - out.setpoint[:3]))
        session.observe_state(out.setpoint + offset, clock.now)
        report = session.plan_step()
        records.append((remaining, report))
        if report is not None and report.command is not None:
            anchor = session.latest_state().value.copy()
            break
        if session.phase is not Phase.MOVING and report is not None:
            break
    return session, records, wakes, anchor, clock


def test_prepared_plan_is_blended_in_at_the_radius_not_before(model):
    session, records, wakes, anchor, clock = blend_run(model)
    remaining, report = records[-1]
    assert report.command is not None and report.predicted_start
    assert remaining <= 0.01 + 1e-12, "commanded within the blend radius"
    assert remaining > 1e-4, "before the set-point stopped at the running target"
    assert all(r > 0.01 for r, _ in records[:-1]), "never while the set-point was farther"
    assert all(rep is None for _, rep in records[:-1])
    assert session.commands_sent == 2 and session.phase is Phase.MOVING
    assert len(wakes) == 1, "the blend wakes the planning thread once"
    # the step limit holds around the pose measured at the blend, whatever velocity it carried
    for _ in range(300):
        clock.now += 0.01
        out = session.stream_step()
        if out is None or out.setpoint is None:
            break
        assert np.linalg.norm(out.setpoint[:3] - anchor[:3]) <= LIMITS.max_step_m + 1e-9
        if session.commands_sent > 2:
            break
        session.observe_state(out.setpoint, clock.now)
        session.plan_step()  # prepares step 3 from step 2's end
    assert session.prepared is not None or session.commands_sent == 3


@pytest.mark.parametrize("offset_mm, blended", [(4.0, True), (6.0, False), (9.0, False)])
def test_arm_lagging_the_set_point_is_not_blended(model, offset_mm, blended):
    """An arm farther from the set-point than the async tolerance (5 mm) waits for arrival."""
    session, records, _, _, _ = blend_run(model, offset_mm=offset_mm, tolerance=0.005)
    remaining, report = records[-1]
    if blended:
        assert report.command is not None and 1e-4 < remaining <= 0.01
        return
    assert remaining <= 1e-4, "nothing went out before the set-point stopped"
    assert report.command is None and session.commands_sent == 1
    assert "prepared plan discarded" in report.reason


def test_blend_off_commands_only_on_arrival(model):
    session, records, wakes, _, _ = blend_run(model, blend=0.0)
    remaining, report = records[-1]
    assert report.command is not None and remaining <= 1e-4
    assert session.phase is Phase.MOVING and len(wakes) == 1


def test_blend_radius_is_validated():
    with pytest.raises(ValueError,
                       match=r"^control.async_blend_m must lie in \[0, 0.1\], got -0.01$"):
        ControlConfig(mode="async", async_blend_m=-0.01)
    with pytest.raises(ValueError, match="async_blend_m"):
        ControlConfig(mode="async", async_blend_m=float("nan"))


def test_arm_that_never_arrives_drops_the_prepared_plan(model):
    session, clock, logs, _ = prepared_session(model)
    ticks = 0  # the timeout counts streamed ticks after the set-point's rest (fix57d)
    while session.phase is Phase.MOVING:
        ticks += 1
        assert ticks * 0.01 < session.control.arrival_timeout_s + 5.0, "waited forever"
        clock.now += 0.01
        session.observe_state(START, clock.now)  # the arm never moved
        session.observe_image(frame(1), clock.now)
        session.stream_step()
    assert session.phase is Phase.IDLE
    report = session.plan_step()
    assert report.command is None and "discarded" in report.reason
    assert session.commands_sent == 1


@pytest.mark.parametrize("event, why", [
    (lambda s: s.set_enabled(False), "disabled"),
    (lambda s: s.set_goals([session_goal()]), "new goal"),
    (lambda s: s.close(), "shutting down"),
    (lambda s: s.reject_state("unusable joint state: NaN"), "held"),
])
def test_prepared_plan_is_dropped_on_disable_new_goal_close_and_hold(model, event, why):
    session, clock, _, _ = prepared_session(model)
    event(session)
    assert session.prepared is None
    assert diagnostic_status(session.snapshot())["values"]["last_plan"].startswith(why)
    commands = session.commands_sent
    follow_or_stop(session, clock)
    report = session.plan_step()
    assert report is None or report.command is None or not report.predicted_start
    assert session.commands_sent <= commands + (why == "new goal")


def follow_or_stop(session, clock):
    for _ in range(200):
        clock.now += 0.01
        out = session.stream_step()
        state = session.latest_state().value if out is None or out.setpoint is None \
            else out.setpoint
        session.observe_state(state, clock.now)


def test_preparation_made_while_disabled_is_discarded(model):
    planner = HookedPlanner(model)
    planner.inner = CEMPlanner(model, CEM, seed=0)  # the hand kept still (CEM above)
    clock = Clock()
    session = MPCSession(model, CEM, LIMITS, ControlConfig(mode="async"), clock=clock,
                         planner=planner)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([session_goal()])
    session.set_enabled(True)
    session.plan_step()
    planner.after = lambda: session.set_enabled(False)
    report = session.plan_step()
    assert report.predicted_start and report.command is None
    assert "disabled while planning" in report.reason
    assert session.prepared is None and session.commands_sent == 1


def test_no_command_in_shadow_holding_or_closed_phases(model):
    shadow = MPCSession(model, CEM, LIMITS, ControlConfig(mode="async"), clock=Clock())
    shadow.observe_image(frame(0), 100.0)
    shadow.observe_state(START, 100.0)
    shadow.capture_goal()
    report = shadow.plan_step()
    assert report.command is None and not report.predicted_start and shadow.prepared is None
    assert shadow.phase is Phase.SHADOW and shadow.stream_step() is None

    session, clock, _ = async_session(model, limits=SafetyLimits())
    session.plan_step()
    clock.now += 1.0  # camera silent: the stream holds
    session.observe_state(START, clock.now)
    assert session.stream_step().hold_started and session.phase is Phase.HOLDING
    assert session.plan_step() is None and session.commands_sent == 1
    assert session.stream_step() is None

    session.close()
    session.observe_image(frame(2), clock.now)
    assert session.phase is Phase.CLOSED and session.plan_step() is None
    assert session.stream_step() is None and session.commands_sent == 1
    assert session.set_enabled(True) == (False, "closed: the planner is shutting down")


def test_oracle_imagines_exactly_the_state_after_the_step():
    start = torch.tensor([0.5, 0.0, 0.3, 3.0, 0.1, -0.2, 0.2], dtype=torch.float64)
    oracle = OracleWorldModel()
    for target in ([0.55, 0.02, 0.28, 3.0, 0.1, -0.2, 0.2], [0.45, -0.05, 0.35, 2.9, 0.0, 0.1,
                                                            0.6]):
        target = torch.tensor(target, dtype=torch.float64)
        reps, cache = imagine_next_frame(oracle, encode_states(start[None]), start.numpy(),
                                         target.numpy())
        xyz, _, gripper = decode_poses(reps)
        np.testing.assert_allclose(xyz[0].numpy(), target[:3].numpy(), atol=1e-5)
        assert gripper.item() == pytest.approx(target[6].item(), abs=1e-5)
        assert cache.num_frames == 1
    assert start_mismatch(np.zeros(7), np.r_[0.003, 0.004, 0, 1, 1, 1, 1]) == pytest.approx(0.005)


def test_rollout_continues_the_cache_of_the_real_frame(model):
    """Planning from the imagined frame with the real frame cached = the full-sequence forward."""
    predictor = model.predictor
    noise = torch.randn(1, predictor.tokens_per_frame, predictor.embed_dim,
                        generator=torch.Generator().manual_seed(0))  # not the global RNG's state
    real = F.layer_norm(noise, (predictor.embed_dim,))  # that earlier tests left
    state, target = START, START + np.r_[0.03, -0.01, 0.02, 0, 0, 0, 0]
    imagined, cache = imagine_next_frame(model, real, state, target)
    bridge = state_difference(torch.as_tensor(state), torch.as_tensor(target)).float()
    actions = torch.tensor([[[0.01, 0.02, -0.01, 0, 0, 0, 0.0]]])  # [S 1, H 1, 7]
    rollout = ImaginedRollout(model, imagined, torch.as_tensor(target).float(), imagined,
                              context_cache=cache)
    with torch.inference_mode():
        got = rollout.imagine(actions)
        alone = ImaginedRollout(model, imagined, torch.as_tensor(target).float(),
                                imagined).imagine(actions)
        full = predictor(torch.cat([real, imagined], dim=1),
                         torch.stack([bridge, actions[0, 0]])[None],
                         torch.as_tensor(np.stack([state, target]), dtype=torch.float32)[None])
    want = F.layer_norm(full[:, -predictor.tokens_per_frame:].float(), (predictor.embed_dim,))
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)
    assert cache.num_frames == 1, "the shared context cache is left as it was"
    assert not torch.allclose(alone, got, atol=1e-4), "the history matters"


def test_models_and_planners_meet_the_session_interfaces(model):
    from vjepa_ros.robot.interfaces import Planner, WorldModel
    from vjepa_ros.sim.reach import RandomActionPlanner

    assert isinstance(model, WorldModel) and isinstance(OracleWorldModel(), WorldModel)
    assert isinstance(CEMPlanner(model, CEM), Planner)
    assert isinstance(RandomActionPlanner(CEM), Planner)
    with pytest.raises(TypeError, match="not a world model"):
        MPCSession(model.encoder, CEM, LIMITS, ControlConfig(), clock=Clock())
    with pytest.raises(TypeError, match="not a planner"):
        MPCSession(model, CEM, LIMITS, ControlConfig(), clock=Clock(), planner=object())


@pytest.mark.parametrize("method", ["icem", "mppi"])
def test_every_search_method_prepares_and_commands_async_plans(model, method):
    """Plan with iCEM and MPPI from the imagined start (real frame in the cache), as CEM does."""
    clock = Clock()
    session = MPCSession(model, dataclasses.replace(CEM, method=method), LIMITS,
                         ControlConfig(mode="async"), clock=clock)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([session_goal()])
    session.set_enabled(True)
    first = session.plan_step()
    assert first.command is not None
    prepared = session.plan_step()
    assert prepared.predicted_start and prepared.command is None, prepared.reason
    follow(session, clock)
    second = session.plan_step()  # on arrival: the prepared plan, no new frame
    assert second.command is not None and second.predicted_start
    assert session.commands_sent == 2
    np.testing.assert_allclose(second.target, target_from_action(first.command, second.action))
