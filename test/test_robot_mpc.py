"""The ROS-free MPC loop on a tiny random V-JEPA 2-AC model with a hand-driven clock.

Plans that go stale while computed (discarded, cancelled): ``test_robot_mpc_stale_plans.py``.
"""

import math

import numpy as np
import pytest
import torch

from vjepa_ros.images import ImageError, save_image_file
from vjepa_ros.models import WorldModel, build_encoder, build_predictor
from vjepa_ros.planning.cem import CEMPlanner
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.planners import make_planner
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_files import goals_from_files
from vjepa_ros.robot.goals import GoalSequence, SubGoal
from vjepa_ros.robot.inputs import RECOVERY_S
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.safety import SafetyLimits, is_safe_setpoint
from vjepa_ros.robot.targets import target_from_action

START = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
CEM = CEMConfig(horizon=1, samples=12, topk=4, iterations=2, maxnorm=0.075)


def tiny_world_model() -> WorldModel:
    """Return a random-weight V-JEPA 2-AC (64 px, width 64, one layer) on the CPU."""
    torch.manual_seed(0)
    encoder = build_encoder(img_size=64, embed_dim=64, depth=1, num_heads=2)
    predictor = build_predictor(img_size=64, embed_dim=64, predictor_embed_dim=64, depth=1,
                                num_heads=2)
    return WorldModel(encoder, predictor, device="cpu", dtype=torch.float32)


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


class Clock:
    """A hand-driven clock [s] (``now``) and the node's system clock offset (``offset``).

    ``offset``: the system clock minus a monotonic clock (``MPCSession``'s ``clock_offset``),
    constant unless :meth:`step_wall_back` steps it.
    """

    def __init__(self):
        self.now = 100.0
        self.offset = 0.0

    def __call__(self):
        return self.now

    def system_offset(self) -> float:
        return self.offset

    def steady(self) -> float:
        """Return the steady clock [s]: ``now`` less ``offset`` (``MPCSession.stream_clock``)."""
        return self.now - self.offset

    def step_wall_back(self, seconds: float) -> None:
        """Step the wall clock back ``seconds`` (chrony/ntpd/PTP).

        The stamps and the node's system clock go back together.
        """
        self.now -= seconds
        self.offset -= seconds


def frame(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


class HookedPlanner:
    """A CEM planner passed in at construction, with hooks for events during a plan.

    ``after`` runs once, when a plan is computed (an event arriving while the planner works);
    with ``error`` set, planning raises it.
    """

    def __init__(self, model):
        self.inner = CEMPlanner(model, CEM, seed=0)
        self.after = self.error = None

    def reset(self):
        self.inner.reset()

    def plan(self, *args, **kwargs):
        if self.error is not None:
            raise self.error
        result = self.inner.plan(*args, **kwargs)
        if self.after is not None:
            after, self.after = self.after, None
            after()
        return result


def make_session(model, mode="continuous", planner=None, **limit_changes):
    clock, logs = Clock(), []
    session = MPCSession(model, CEM, SafetyLimits(**limit_changes), ControlConfig(mode=mode),
                         clock=clock, log=lambda level, message: logs.append((level, message)),
                         planner=planner, clock_offset=clock.system_offset,
                         stream_clock=clock.steady)
    return session, clock, logs


def observe(session, clock, seed=0, state=START):
    session.observe_image(frame(seed), clock.now)
    session.observe_state(state, clock.now)


def enabled_session(model, mode="continuous", planner=None):
    """Return a session that has a frame, a state, the frame as goal, and is enabled."""
    session, clock, logs = make_session(model, mode, planner)
    observe(session, clock)
    session.capture_goal()
    session.set_enabled(True)
    return session, clock, logs


def stream(session, clock, ticks=10, dt=0.01):
    outputs = []
    for _ in range(ticks):
        clock.now += dt
        session.observe_state(session.latest_state().value, clock.now)  # robot keeps reporting
        session.observe_image(session.frame.value, clock.now)
        outputs.append(session.stream_step())
    return outputs


def test_shadow_mode_plans_but_commands_nothing(model):
    session, clock, _ = make_session(model)
    observe(session, clock)
    session.capture_goal()
    report = session.plan_step()
    assert report.action.shape == (7,) and np.isfinite(report.action).all()
    np.testing.assert_allclose(report.target, target_from_action(START, report.action))
    assert report.command is None and report.gripper_command is None
    assert "shadow" in report.reason and report.energy > 0
    assert session.stream_step() is None and session.commands_sent == 0
    assert session.plan_step() is None, "no new frame: nothing to plan"


def test_no_goal_refuses_once_and_commands_nothing(model):
    session, clock, logs = make_session(model)
    assert session.set_enabled(True)[0]
    for seed in range(3):
        clock.now += 0.05
        observe(session, clock, seed)
        assert session.plan_step() is None
    assert session.stream_step() is None
    warnings = [m for level, m in logs if level == "warning"]
    assert len(warnings) == 1 and "no goal" in warnings[0]
    assert "no goal" in session.status()["message"]


def test_enabled_commands_stay_in_limits_and_move_smoothly(model):
    session, clock, _ = make_session(model)
    observe(session, clock)
    session.set_goals([SubGoal(frame(7), 0, "test")])
    session.set_enabled(True)
    report = session.plan_step()
    assert report.command is not None and is_safe_setpoint(report.command, session.limits)
    assert np.linalg.norm(report.command[:3] - START[:3]) <= session.limits.max_step_m + 1e-12
    assert report.gripper_command == pytest.approx(report.command[6])
    outputs = stream(session, clock, ticks=30)
    setpoints = np.array([o.setpoint for o in outputs])
    assert all(is_safe_setpoint(p, session.limits) for p in setpoints)
    steps = np.linalg.norm(np.diff(np.vstack([START, setpoints])[:, :3], axis=0), axis=1)
    assert steps.max() <= session.limits.max_speed_m_s * 0.01 + 1e-12
    assert np.linalg.norm(setpoints[-1, :3] - report.command[:3]) < np.linalg.norm(
        START[:3] - report.command[:3]), "the set-point moves toward the command"
    assert session.status()["level"] == 0


def test_stale_camera_holds_and_recovers(model):
    session, clock, logs = enabled_session(model)
    session.plan_step()
    assert stream(session, clock, ticks=5)[-1].setpoint is not None
    image = session.frame
    clock.now += 1.0  # camera silent for 1 s; robot state keeps coming
    session.observe_state(session.latest_state().value, clock.now)
    held = session.stream_step()
    assert held.setpoint is None and held.hold_started and not held.twist.any()
    assert session.stream_step() is None
    assert "camera image is stale" in session.status()["message"]
    assert session.streamer.arrived(), "hold: the set-point target is where the set-point is"
    assert session.frame is image
    observe(session, clock, seed=3)  # camera back
    resumed = session.stream_step()
    assert resumed is not None and resumed.setpoint is not None
    assert session.status()["message"] == "commanding"
    assert any("fine again" in message for _, message in logs)


def test_nan_joint_state_holds_until_a_valid_one(model):
    session, clock, _ = enabled_session(model)
    session.plan_step()
    session.observe_state(np.full(7, np.nan), clock.now)
    assert session.stream_step().setpoint is None
    observe(session, clock, seed=1)
    # a fresh frame with a stale-free but invalid state history: plan refuses too
    session.reject_state("unusable joint state: NaN")
    assert session.plan_step() is None and "NaN" in session.status()["message"]
    clock.now += 0.01
    observe(session, clock, seed=2)
    assert session.stream_step() is None, "held until valid states came for RECOVERY_S"
    for _ in range(int(RECOVERY_S / 0.05) + 1):
        clock.now += 0.05
        observe(session, clock, seed=2)
    assert session.stream_step().setpoint is not None


def test_planner_error_holds_and_reports_an_error(model):
    planner = HookedPlanner(model)
    session, clock, _ = enabled_session(model, planner=planner)
    assert session.planner is planner
    session.plan_step()
    stream(session, clock, ticks=3)
    planner.error = RuntimeError("CUDA out of memory")
    observe(session, clock, seed=5)
    report = session.plan_step()
    assert "planner error" in report.reason and "out of memory" in report.reason
    assert report.command is None
    assert session.streamer.arrived(), "held where the set-point was"
    assert session.status()["level"] == 2


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_model_predicting_no_finite_frame_is_a_planner_error_not_a_command(method):
    model = tiny_world_model()  # its own: the predictor is patched
    step = model.predictor.step

    def overflowing_step(reps, action, state, cache, append=True):  # fp16 overflow everywhere
        return torch.full_like(step(reps, action, state, cache, append=append), math.nan)

    model.predictor.step = overflowing_step
    planner = make_planner(model, CEM.with_(method=method), seed=0)
    session, clock, _ = enabled_session(model, planner=planner)
    report = session.plan_step()
    assert report.refusal is RefusalKind.PLANNER_ERROR and report.command is None
    assert "NaN or inf" in report.reason and "not finite" in report.reason, report.reason
    assert session.commands_sent == 0 and session.status()["level"] == 2


def test_blocking_waits_for_arrival_then_plans_on_a_fresh_frame(model):
    session, clock, _ = enabled_session(model, mode="blocking")
    command = session.plan_step().command
    observe(session, clock, seed=1)
    assert session.plan_step() is None, "moving: no replanning in blocking mode"
    # The arm follows the set-point exactly; fresh frames keep coming but are not planned on.
    for tick in range(500):
        clock.now += 0.01
        setpoint = session.stream_step().setpoint
        session.observe_state(setpoint, clock.now)
        session.observe_image(frame(tick), clock.now)
        if not session.moving:
            break
        if tick % 50 == 0:
            assert session.plan_step() is None, "moving: no replanning in blocking mode"
    assert not session.moving and np.allclose(session.streamer.setpoint[:3], command[:3])
    clock.now += 0.01
    session.observe_image(frame(1), session.arrival_time + 0.05)  # before settling
    session.observe_state(command, clock.now)
    assert session.plan_step() is None
    clock.now += 0.3
    observe(session, clock, seed=2, state=command)
    assert session.plan_step().command is not None


def test_blocking_plans_again_after_the_clock_went_back(model):
    """Seen live: sim_node killed and started again under an enabled planner (use_sim_time).

    The new simulator's frames and states are fresh, the planner is idle with no refusal, yet it
    planned nothing for 28 s (the length of the old run) while streaming the old set-point.
    """
    session, clock, _ = enabled_session(model, mode="blocking")
    session.plan_step()
    for _ in range(500):  # the arm follows the set-point until the move has ended
        clock.now += 0.01
        session.observe_state(session.stream_step().setpoint, clock.now)
        session.observe_image(frame(3), clock.now)
        if not session.moving:
            break
    assert not session.moving
    clock.now = 1.0  # a new simulator: its clock starts again near 0, the arm at its start
    for tick in range(30):  # 3 s of fresh frames and states on the new clock
        clock.now += 0.1
        observe(session, clock, seed=20 + tick)
    assert session.plan_step() is not None, (
        "no plan on 3 s of fresh frames after the clock went back")


def test_blocking_timeout_observes_again(model):
    # the timeout counts streamed ticks after the set-point came to rest (fix57d): a leap of
    # the node clock (a stall) is no arm time
    session, clock, logs = enabled_session(model, mode="blocking")
    session.plan_step()
    ticks, timeout = 0, session.control.arrival_timeout_s
    while session.moving:
        ticks += 1
        assert ticks * 0.01 < timeout + 5.0, "the arm that never moves was waited on forever"
        clock.now += 0.01
        observe(session, clock, seed=4)  # the arm never moves
        session.stream_step()
    assert ticks * 0.01 > timeout
    assert any("did not reach" in message for _, message in logs)


def test_continuous_replans_on_every_new_frame(model):
    session, clock, _ = enabled_session(model)
    for seed in range(3):
        clock.now += 0.05
        observe(session, clock, seed=seed + 10)
        assert session.plan_step().command is not None
    assert session.commands_sent == 3


def test_plan_uses_the_state_recorded_nearest_the_frame(model):
    session, clock, _ = make_session(model)
    other = START + [0.05, 0, 0, 0, 0, 0, 0]
    session.observe_state(START, clock.now)
    clock.now += 0.1  # each input received at or after its stamp (one clock: fix59i)
    session.observe_state(other, clock.now)
    session.observe_image(frame(0), clock.now - 0.01)  # received at 0.1, stamped 0.09
    session.capture_goal()
    report = session.plan_step()
    np.testing.assert_allclose(report.target, target_from_action(other, report.action))


def test_sub_goals_switch_after_their_step_counts(model):
    session, clock, logs = make_session(model)
    observe(session, clock)
    goals = [SubGoal(frame(20), 2, "a"), SubGoal(frame(21), 1, "b")]
    session.set_goals(goals)
    session.set_enabled(True)
    seen = []
    for seed in range(4):
        clock.now += 0.05
        observe(session, clock, seed=seed)
        seen.append(session.goals.index)
        session.plan_step()
    assert seen == [0, 0, 1, 2]
    assert goals[0].reps is not None and goals[1].reps is not None
    assert "all 2 sub-goals done" in session.status()["message"]
    assert any("next sub-goal" in message for _, message in logs)


def test_disable_and_clear_goals_replace_a_safety_refusal_at_once(model):
    """After disable → clear goals the status must not keep showing an old safety refusal."""
    session, clock, _ = enabled_session(model)
    clock.now += 0.2  # time for the arm to get there (a faster move is a glitch: JumpWatch)
    below = START.copy()
    below[2] = session.limits.workspace_min[2] - 0.05  # far below the box: the filter refuses
    session.observe_image(frame(1), clock.now)
    session.observe_state(below, clock.now)
    session.plan_step()
    assert "outside the workspace box" in session.refusal
    session.set_enabled(False)
    assert session.refusal == "", "shadow mode sends no command: no safety refusal to show"
    session.clear_goals()
    assert session.refusal.startswith("no goal")
    status = session.status()  # shadow mode asks for no goal: listed, no hold (fix51f)
    assert status["message"] == "shadow mode (not enabled)" and status["level"] == 0, status
    assert "no goal: call ~/capture_goal" in status["values"]["blocking"], status["values"]
    clock.now += 0.2
    observe(session, clock)  # the arm back in the box (else it is said, as it must be)
    session.set_enabled(True)
    assert "outside the workspace box" not in session.status()["message"]


def test_debug_image_shows_current_goal_and_error(model):
    session, clock, _ = make_session(model)
    observe(session, clock)
    session.capture_goal()
    report = session.plan_step(want_debug=True)
    assert report.debug_rgb.shape == (224, 3 * 224, 3) and report.debug_rgb.dtype == np.uint8
    assert report.debug_rgb[:, 448:].std() > 0, "the error panel is not blank"


def test_goal_sequences_are_validated(tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        GoalSequence([])
    with pytest.raises(ValueError, match="not the last"):
        GoalSequence([SubGoal(frame(0), 0), SubGoal(frame(1), 3)])
    with pytest.raises(ImageError):
        GoalSequence([SubGoal(np.zeros((4, 4), np.uint8), 1)])
    paths = [str(save_image_file(tmp_path / f"{i}.png", frame(i))) for i in range(3)]
    goals = goals_from_files(paths, [4, 10, 4])
    assert [g.steps for g in goals] == [4, 10, 4]
    np.testing.assert_array_equal(goals[1].image, frame(1))
    with pytest.raises(ValueError, match="one step count per image|one each"):
        goals_from_files(paths, [4, 10])
    with pytest.raises(ImageError, match="not found"):
        goals_from_files([str(tmp_path / "missing.png")])
    assert GoalSequence(goals_from_files(paths[:1])).steps == [0], "one file: no limit"
    assert GoalSequence(goals_from_files(paths)).steps == [4, 10, 4], "the paper's default"


def test_enable_without_inputs_reports_why_and_disable_stops_streaming(model):
    session, clock, _ = make_session(model)
    ok, message = session.set_enabled(True)
    assert ok and "no camera image" in message and "no goal" in message
    observe(session, clock)
    session.capture_goal()
    session.plan_step()
    assert stream(session, clock, ticks=2)[-1] is not None
    assert session.set_enabled(False)[0]
    assert session.stream_step() is None and session.status()["values"]["state"] == "shadow"


@pytest.mark.parametrize("moved", [[0.15, 0.0, 0.0], [-0.1, 0.15, 0.05]])
def test_an_arm_held_outside_the_box_and_brought_back_elsewhere_does_not_lurch(model, moved):
    """A set-point held outside the box restarts at the arm when it comes back elsewhere.

    The bug: the safety hold froze the set-point; the arm came back into the box 15+ cm from it,
    and the next command pulled the set-point onto the new pose's reach in one tick and flew on at
    about 6 m/s (found by the process check, benchmarks/bench_planner_safety.py).
    """
    session, clock, _ = enabled_session(model)
    shown = iter(range(1, 10 ** 6))  # a live camera: a new picture each tick, never one again

    def run(state, ticks):
        setpoints = []
        for tick in range(ticks):
            clock.now += 0.01 if tick else 0.5  # time to get there (faster: JumpWatch refuses)
            session.observe_state(state, clock.now)
            # (the same picture again once the arm moved is a frozen camera, held on: fix61b)
            session.observe_image(frame(next(shown)), clock.now)
            if tick % 10 == 0:
                session.plan_step()
            out = session.stream_step()
            setpoints.append(None if out is None or out.setpoint is None else out.setpoint)
        return setpoints

    run(START, 60)
    beyond = START.copy()
    beyond[2] = session.limits.workspace_min[2] - 0.03  # past safety.workspace_tolerance_m
    held = run(beyond, 30)
    assert "outside the workspace box" in session.status()["message"]
    back = START.copy()
    back[:3] += moved
    resumed = [s for s in held + run(back, 60) if s is not None]
    steps = np.linalg.norm(np.diff([s[:3] for s in resumed], axis=0), axis=1)
    restart = int(np.argmax(steps))
    # at the arm, give or take the restart tick's motion (run's first tick is 5 periods long)
    np.testing.assert_allclose(resumed[restart + 1][:3], back[:3], atol=2e-3)
    others = np.delete(steps, restart)
    assert others.max() <= session.limits.max_speed_m_s * 0.01 + 1e-9, others.max()
    assert all(is_safe_setpoint(s, session.limits) for s in resumed)
