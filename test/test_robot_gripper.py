"""The gripper dimension of the search reaches the controller: plan → target → gripper command.

In the session (ROS-free) and closed through the simulated gripper (``run_reach_episode`` sends
the session's gripper commands to ``Sim.set_gripper``); over ROS in test_ros_planner_goals.py.

The world model is the oracle (``sim/oracle.py``: representations hold the true end-effector
state, actions applied exactly), so the best gripper delta is known: the goal's closedness minus
the current one, clipped to ±gripper_clip and zeroed below gripper_round_threshold.
"""

import dataclasses

import numpy as np
import pytest

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.oracle import OracleWorldModel

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
# The published gripper search (clip 0.75, own momenta 0.15, rounding 0.25), enough samples
CEM = CEMConfig(horizon=1, samples=300, topk=10, iterations=6, maxnorm=0.075)


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def pose(gripper, dx=0.0):
    return START + np.array([dx, 0, 0, 0, 0, 0, gripper])


def image(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def session_toward(start, goal, cem=CEM, enable=True, gripper_measured=True, planner_for=None,
                   control=None, **limits):
    """Return a session whose frame shows ``start`` [7] and whose goal image shows ``goal`` [7].

    ``gripper_measured`` False: ``start``'s closedness is a placeholder (no finger state yet);
    ``planner_for(model)``: the planner to use (default the session's CEM).
    """
    oracle, clock = OracleWorldModel(), Clock()
    oracle.remember(image(1), start)
    oracle.remember(image(2), goal)
    session = MPCSession(oracle, cem, SafetyLimits(**limits),
                         control or ControlConfig(mode="continuous"), clock=clock, seed=0,
                         planner=None if planner_for is None else planner_for(oracle))
    session.set_goals([SubGoal(image(2), None, "goal")])
    session.observe_image(image(1), clock.now)
    session.observe_state(start, clock.now, gripper_measured=gripper_measured)
    if enable:
        session.set_enabled(True)
    return session, clock


@pytest.mark.parametrize("start, goal, expected", [
    (0.0, 1.0, 0.75),  # close: the delta is clipped to +0.75
    (1.0, 0.0, 0.25),  # open: clipped to -0.75
    (0.2, 0.8, 0.8),  # within the clip: the goal's closedness
    (0.5, 0.65, 0.5),  # a delta below the rounding threshold 0.25 becomes 0: no change
])
def test_planned_gripper_delta_becomes_the_gripper_command(start, goal, expected):
    session, _ = session_toward(pose(start), pose(goal))
    report = session.plan_step()
    assert abs(report.action[6]) <= CEM.gripper_clip + 1e-6
    assert report.command[6] == pytest.approx(expected, abs=0.02)
    if expected == start:
        assert report.action[6] == 0.0, "rounded to exactly 0"
        # a hand kept half closed (on an object?) is sent nothing, first plan too (breaker55c)
        assert report.gripper_command is None
    else:
        assert report.gripper_command == report.command[6]


def test_deadband_sends_a_gripper_command_only_when_it_changes():
    session, clock = session_toward(pose(0.0), pose(1.0))
    assert session.plan_step().gripper_command == pytest.approx(0.75, abs=0.02)
    clock.now += 0.05
    session.observe_image(image(1), clock.now)  # the hand has not closed yet: the same plan
    session.observe_state(pose(0.0), clock.now)
    report = session.plan_step()
    assert report.command is not None and report.gripper_command is None


def test_close_gripper_option_forces_the_plan_closed():
    cem = dataclasses.replace(CEM, close_gripper=0)
    session, _ = session_toward(pose(0.0), pose(0.0))  # the goal itself is open
    assert session.plan_step().command[6] == 0.0, "without the option the hand stays open"
    # every sample's delta is 1 from step 0 on: the mean moves from 0 toward 1 with momentum
    expected = 1.0 - CEM.momentum_mean_gripper ** CEM.iterations
    session, _ = session_toward(pose(0.0), pose(0.0), cem=cem)
    report = session.plan_step()
    assert report.action[6] == pytest.approx(expected, rel=1e-5)
    assert report.gripper_command == pytest.approx(expected, rel=1e-5)


def test_the_gripper_has_its_own_momentum():
    frozen = dataclasses.replace(CEM, momentum_mean_gripper=1.0, momentum_std_gripper=1.0)
    session, _ = session_toward(pose(0.0), pose(1.0, dx=0.05), cem=frozen)
    report = session.plan_step()
    assert report.action[6] == 0.0, "momentum 1: the gripper mean never leaves 0"
    assert report.action[0] > 0.03, "xyz (momentum 0.15) still moves toward the goal"
    assert report.command[6] == 0.0


def test_no_gripper_command_in_shadow_mode_on_hold_or_once_closed():
    session, clock = session_toward(pose(0.0), pose(1.0), enable=False)
    report = session.plan_step()
    assert report.action[6] == pytest.approx(0.75, abs=0.02), "shadow mode plans the gripper"
    assert report.command is None and report.gripper_command is None
    # hold: the measured hand is outside the workspace box → the safety filter refuses
    outside = pose(0.0, dx=0.5)
    session, clock = session_toward(outside, pose(1.0, dx=0.5))
    report = session.plan_step()
    assert report.command is None and report.gripper_command is None
    assert "outside the workspace" in report.reason and str(session.phase) == "holding"
    session, clock = session_toward(pose(0.0), pose(1.0))
    session.close()
    clock.now += 0.05
    session.observe_image(image(1), clock.now)
    session.observe_state(pose(0.0), clock.now)
    assert session.plan_step() is None and session.last_gripper is None


def test_no_planned_gripper_command_before_a_finger_joint_state_arrived():
    """An arm-only JointState stream: the hand's closedness is a guess, so it is not commanded."""
    session, clock = session_toward(pose(0.0), pose(1.0, dx=0.05), gripper_measured=False)
    logs = []
    session.gripper_topics = lambda: "/joint_states or a JointState topic named *gripper*"
    session.log = lambda level, message: logs.append((level, message))
    for _ in range(2):
        report = session.plan_step()
        assert report.command is not None and report.command[0] > START[0], "the arm moves"
        assert report.gripper_command is None and session.last_gripper is None
        clock.now += 0.05
        session.observe_image(image(1), clock.now)
        session.observe_state(pose(0.0), clock.now, gripper_measured=False)
    warned = [m for level, m in logs if "not commanding the gripper" in m]
    assert len(warned) == 1 and logs[[m for _, m in logs].index(warned[0])][0] == "warning"
    assert "/joint_states or a JointState topic named *gripper*" in warned[0]
    assert "goals.gripper:=hold" in warned[0] and "robot.gripper_state_topic" in warned[0]
    clock.now += 0.05  # the fingers have come: the planned closedness goes out
    session.observe_image(image(1), clock.now)
    session.observe_state(pose(0.0), clock.now)
    assert session.plan_step().gripper_command == pytest.approx(0.75, abs=0.02)


class ArrivesWhilePlanning:
    """A CEM planner that once runs ``arrive`` after computing a plan.

    ``arrive`` stands for a message that came in on another thread while the planner worked.
    """

    def __init__(self, model, arrive):
        from vjepa_ros.planning.cem import CEMPlanner

        self.inner, self.arrive = CEMPlanner(model, CEM, seed=0), arrive

    def reset(self):
        self.inner.reset()

    def plan(self, *args, **kwargs):
        result = self.inner.plan(*args, **kwargs)
        arrive, self.arrive = self.arrive, None
        if arrive is not None:
            arrive()
        return result


@pytest.mark.parametrize("closed", [1.0, 0.6])
def test_a_plan_begun_on_a_guessed_hand_sends_no_gripper_command_when_fingers_come_meanwhile(
        closed):
    """The first finger state arrives while a plan from a guessed (open, 0.0) hand is computed.

    That plan's gripper command would be the guess plus the planned change (0.0 + 0.75), which
    opens a hand measured closed at ``closed`` holding an object (the goal is closed, 1.0); the
    start state's flag decides, not whether fingers have come by the time it is commanded.
    """
    holder = {}

    def fingers_arrive():
        session, clock = holder["session"], holder["clock"]
        session.observe_state(pose(closed), clock.now)  # measured: the hand is closed

    session, clock = session_toward(
        pose(0.0), pose(1.0, dx=0.05), gripper_measured=False,
        planner_for=lambda model: ArrivesWhilePlanning(model, fingers_arrive))
    session.model.remember(image(3), pose(closed))
    holder.update(session=session, clock=clock)
    report = session.plan_step()
    assert report.command is not None and report.command[0] > START[0], "the arm moves"
    assert report.start[6] == 0.0 and report.gripper_command is None, report
    assert session.last_gripper is None
    clock.now += 0.05  # a frame of the closed hand, with its measured state: planned from it
    session.observe_image(image(3), clock.now)
    session.observe_state(pose(closed), clock.now)
    report = session.plan_step()
    assert report.start[6] == closed
    expected = min(1.0, closed + 0.75)
    if expected - closed <= session.control.gripper_deadband:  # a closed hand kept closed: none
        assert report.gripper_command is None, report.reason  # (breaker55c)
    else:
        assert report.gripper_command == pytest.approx(expected, abs=0.02), report.reason


def test_a_plan_whose_hand_lapses_while_it_is_computed_sends_no_gripper_command():
    """The start state's hand was measured, but the finger states lapsed during planning.

    The planned closedness would rest on a hand no longer measured (a dead gripper driver): the
    arm goes, the gripper command does not (breaker26a: 0.603 was sent).
    """
    holder = {}

    def fingers_lapse():
        holder["session"].observe_state(pose(0.0), holder["clock"].now, gripper_measured=False)

    session, clock = session_toward(
        pose(0.0), pose(1.0, dx=0.05),
        planner_for=lambda model: ArrivesWhilePlanning(model, fingers_lapse))
    holder.update(session=session, clock=clock)
    report = session.plan_step()
    assert report.command is not None and report.command[0] > START[0], "the arm moves"
    assert report.gripper_command is None and session.last_gripper is None


def test_a_plan_whose_hand_changes_while_it_is_computed_sends_no_gripper_command():
    """The hand chosen changed while a plan was computed (breaker27a A2b).

    The plan began from another robot's hand (taken before this arm's own driver started), and
    this arm's own hand, measured, came meanwhile: both flags said "measured", and 0.576 went out
    from the other hand's closedness. Now the session is told of the change and the plan's
    gripper command is dropped; the next plan, from the new hand, commands it.
    """
    holder = {}

    def hand_changes():
        session, clock = holder["session"], holder["clock"]
        session.hand_changed()
        session.observe_state(pose(0.0), clock.now)  # this arm's hand: open, measured

    session, clock = session_toward(
        pose(1.0), pose(1.0, dx=0.05),
        planner_for=lambda model: ArrivesWhilePlanning(model, hand_changes))
    holder.update(session=session, clock=clock)
    report = session.plan_step()
    assert report.command is not None and report.command[0] > START[0], "the arm moves"
    assert report.gripper_command is None and session.last_gripper is None
    session.model.remember(image(3), pose(0.0))
    clock.now += 0.05
    session.observe_image(image(3), clock.now)
    session.observe_state(pose(0.0), clock.now)
    assert session.plan_step().gripper_command is not None, "planned from the new hand"


@pytest.mark.parametrize("when", ["computing", "prepared"])
def test_async_a_hand_change_drops_the_prepared_plans_gripper_command(when):
    control, planners = ControlConfig(mode="async", async_blend_m=0.0), []
    session, clock = session_toward(
        pose(0.0), pose(1.0, dx=0.05), control=control, max_image_age_s=5.0,
        planner_for=lambda model: planners.append(ArrivesWhilePlanning(model, None)) or
        planners[0])
    first = session.plan_step()
    assert first.gripper_command is not None, "measured: commanded"
    hand = first.gripper_command  # the hand reaches it (else nothing is prepared: breaker51c)
    clock.now += 0.01
    session.observe_image(image(1), clock.now)
    session.observe_state(pose(hand), clock.now)
    if when == "computing":
        planners[0].arrive = session.hand_changed
    prepared = session.plan_step()
    assert prepared.predicted_start and session.prepared is not None
    if when == "prepared":
        session.hand_changed()
    assert not session.prepared.gripper_measured
    _arrive(session, clock, hand, measured=True)
    second = session.plan_step()
    assert second.command is not None and second.predicted_start, second.reason
    assert second.gripper_command is None


def test_async_a_prepared_plan_from_a_guessed_hand_takes_the_measured_closedness():
    """async: the fingers come after step 1 was planned on a guessed hand.

    Step 1 sent no gripper command; the hand is measured closed (1.0) before step 2 is prepared:
    step 2's predicted start holds the measured closedness, not the guess plus step 1's planned
    change, and its gripper command rests on it.
    """
    from vjepa_ros.robot.phase import Phase

    control = ControlConfig(mode="async", async_blend_m=0.0)
    session, clock = session_toward(pose(0.0), pose(1.0, dx=0.05), gripper_measured=False,
                                    control=control, max_image_age_s=5.0)
    first = session.plan_step()
    assert first.command is not None and first.gripper_command is None
    assert first.command[6] == pytest.approx(0.75, abs=0.02), "the guess plus the planned change"
    session.model.remember(image(3), pose(1.0))
    clock.now += 0.01  # the fingers: the hand is measured closed (a frame of it, its state)
    session.observe_image(image(3), clock.now)
    session.observe_state(pose(1.0), clock.now)
    prepared = session.plan_step()
    assert prepared.predicted_start and session.prepared is not None
    assert session.prepared.start[6] == 1.0, "the hand stays as measured: no command went out"
    assert session.prepared.gripper_measured
    for _ in range(400):  # the arm follows the set-point until it arrives
        clock.now += 0.01
        out = session.stream_step()
        state = pose(1.0) if out is None or out.setpoint is None else \
            np.append(out.setpoint[:6], 1.0)
        session.observe_state(state, clock.now)
        if session.phase is not Phase.MOVING:
            break
    second = session.plan_step()
    assert second.command is not None and second.predicted_start
    assert second.command[6] == pytest.approx(1.0), "goal closed, hand closed: no change"
    assert second.gripper_command is None, "a closed hand kept closed is sent nothing (breaker55c)"


def test_async_a_prepared_plan_stays_guessed_while_no_finger_state_comes():
    """async, no finger state: the prepared start's closedness is the state's, unmeasured.

    Step 1's target (the guess 0.0 plus the planned 0.75) sent no gripper command, so the hand
    is not predicted there: the start is the placeholder state's 0.0, as blocking's would be
    (breaker51k: the targets piled up unsent changes, 0.3, 0.6, 0.9 ...).
    """
    control = ControlConfig(mode="async", async_blend_m=0.0)
    session, clock = session_toward(pose(0.0), pose(1.0, dx=0.05), gripper_measured=False,
                                    control=control, max_image_age_s=5.0)
    assert session.plan_step().command[6] == pytest.approx(0.75, abs=0.02)
    session.plan_step()
    assert session.prepared is not None and not session.prepared.gripper_measured
    assert session.prepared.start[6] == 0.0


def _arrive(session, clock, gripper, measured):
    """Let the arm follow the set-point until it arrives (states carry ``measured``)."""
    from vjepa_ros.robot.phase import Phase

    for _ in range(400):
        clock.now += 0.01
        out = session.stream_step()
        state = pose(gripper) if out is None or out.setpoint is None else \
            np.append(out.setpoint[:6], gripper)
        session.observe_state(state, clock.now, gripper_measured=measured)
        if session.phase is not Phase.MOVING:
            return


@pytest.mark.parametrize("lapse_at", ["preparing", "arrival"])
def test_async_no_gripper_command_once_the_finger_states_lapse(lapse_at):
    """async: the hand was measured at step 1, then its finger states stopped (stale, NaN).

    Step 2's start is predicted from step 1's command; with the hand unmeasured when the plan is
    prepared, that closedness is what was *commanded*, not where the hand is (a dead gripper
    driver, a blocked finger). With the current state's closedness unmeasured, when the plan is
    prepared or when it would go out, step 2 sends the arm but no gripper command.
    """
    control = ControlConfig(mode="async", async_blend_m=0.0)
    session, clock = session_toward(pose(0.0), pose(1.0, dx=0.05), control=control,
                                    max_image_age_s=5.0)
    first = session.plan_step()
    assert first.gripper_command == pytest.approx(0.75, abs=0.02), "measured: commanded"
    clock.now += 0.01
    session.observe_image(image(1), clock.now)
    # measured, the hand has reached it (else nothing is prepared: breaker51c)
    hand = first.gripper_command if lapse_at != "preparing" else 0.0
    session.observe_state(pose(hand), clock.now, gripper_measured=lapse_at != "preparing")
    prepared = session.plan_step()
    assert prepared.predicted_start and session.prepared is not None
    assert session.prepared.gripper_measured == (lapse_at != "preparing")
    _arrive(session, clock, 0.0, measured=False)
    second = session.plan_step()
    assert second.command is not None and second.predicted_start, second.reason
    assert second.gripper_command is None, "a gripper command from an unmeasured hand"
    assert session.last_gripper == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("advice", [None, "nothing moves a simulated arm back"])
def test_a_hold_outside_the_box_gives_the_sessions_advice(advice):
    """The real arm's advice by default; the simulator passes its own (no string replacing)."""
    from vjepa_ros.robot.workspace_box import OUTSIDE_BOX_ADVICE

    oracle, clock = OracleWorldModel(), Clock()
    outside = pose(0.0, dx=0.5)  # x 1.0 m: beyond workspace_max
    oracle.remember(image(1), outside)
    oracle.remember(image(2), pose(0.0, dx=0.4))
    extra = {} if advice is None else {"outside_box_advice": advice}
    session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, seed=0, **extra)
    session.set_goals([SubGoal(image(2), None, "goal")])
    session.observe_image(image(1), clock.now)
    session.observe_state(outside, clock.now)
    session.set_enabled(True)
    report = session.plan_step()
    assert report.command is None and "outside the workspace box" in report.reason
    assert report.reason.endswith(f"; {advice or OUTSIDE_BOX_ADVICE}") and \
        session.refusal == report.reason


@pytest.mark.parametrize("start, goal", [(0.0, 1.0), (1.0, 0.0)])
def test_closed_loop_in_the_simulator_the_hand_reaches_the_goal_closedness(start, goal):
    """Plan → command → the simulated gripper moves → measured closedness → next plan."""
    from vjepa_ros.sim import Sim, capture_goal
    from vjepa_ros.sim.reach import reach_sim_config, run_reach_episode
    from vjepa_ros.sim.reach_config import ReachConfig

    with Sim(reach_sim_config(900000)) as sim:
        oracle = OracleWorldModel().attach(sim)
        here = sim.ee_state()
        here[6] = start
        assert sim.move_to(here)  # the hand as it starts
        there = sim.ee_state()
        there[6] = goal
        target = capture_goal(sim, there)  # the same pose, the hand open or closed
        assert abs(target.state[6] - goal) < 0.05 and abs(sim.ee_state()[6] - start) < 0.05
        never_reached = ReachConfig(max_steps=3, success_radius=1e-9)  # all three steps run
        episode = run_reach_episode(sim, oracle, target, CEM, config=never_reached)
        commanded = [step.command[6] for step in episode.steps]
        final = sim.ee_state()
    first = start + np.clip(goal - start, -0.75, 0.75)  # the clip: two steps to the goal
    assert commanded[0] == pytest.approx(first, abs=0.02) and commanded[1] == goal
    assert abs(final[6] - goal) < 0.05, f"measured closedness {final[6]:.3f}"
    assert np.linalg.norm(final[:3] - here[:3]) < 0.01, "the hand stays where it was"
