"""fix59f: a frame meets the arm at the earlier of its stamp and its receipt; arrival's own turn.

#1 (breaker59f): a camera stamping on its own clock 0.1-0.25 s ahead of the robot states' (no
PTP; accepted up to ``safety.max_image_age_s`` in the future) stamped a frame taken while the
arm still braked past the arm's arrival. The rule, one for every place a frame's time meets the
arm's (``inputs.Stamped.taken``): a frame cannot be taken after it was received, so its time is
the earlier of its stamp and its receipt (the receipt on the stamp's clock: across a fall of the
system clock, ``age_across_fall``). Tested here at each place: the frame's lead as it comes
(``input_episodes.observe_image``), a plan's start state (``_state_near``), continuous's view of
the hand (``_hand_seen_before``), a capture's state and rest (``goal_session``), the camera
check's recorded frames and its trial's (``camera_check_run``, ``camera_check_trial``);
blocking's settle wait is test_breaker59f's.

#2: ``control.arrival_tolerance_rad`` (default 0.091 rad), no longer ``arrival_tolerance_m`` /
0.11 m: the session, the camera check, the demo's follower; the timeout's warning names it.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from script_rig import ScriptRig
from test_breaker59f import STEP_X, SaggingWristRig
from test_robot_mpc import START, frame

from vjepa_ros.nodes.reach_client import ARRIVAL_PARAMETERS
from vjepa_ros.robot.camera_check_motions import CheckMotion, CheckMotionConfig
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig, CorrectionTrial
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.inputs import InputBuffer, Stamped
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.sim.reach_follower import REACHED, Arrival, ReachFollower

AHEAD = 0.24  # [s] a camera's stamps ahead of the states' clock (< max_image_age_s 0.5)
MOVED = START + [0.02, 0, 0, 0, 0, 0, 0]  # 2 cm along x


def _states(*stamped):
    """Return an InputBuffer holding (stamp [s], pose [7]) states."""
    states = InputBuffer(history=6000)
    for stamp, pose in stamped:
        states.observe_state(np.array(pose, dtype=np.float64), stamp)
    return states


# --- #1: the frame's lead, as it comes -------------------------------------------------------

@pytest.mark.parametrize("offset, lead", [(AHEAD, AHEAD), (0.01, 0.01), (0.0, 0.0),
                                          (-0.05, 0.0)])
def test_a_frame_s_lead_is_how_far_its_stamp_ran_ahead_of_its_receipt(model, offset, lead):
    """Stamped ``offset`` s after its receipt: ``lead`` = that (0 for a stamp behind)."""
    rig = ScriptRig(model, "blocking", [[0.0] * 7])
    rig.session.observe_image(frame(1), rig.clock.now + offset)
    newest = rig.session.frame
    assert newest.lead == pytest.approx(lead)
    assert newest.taken == pytest.approx(min(rig.clock.now, rig.clock.now + offset))


def test_a_frame_in_flight_across_a_fall_of_the_clock_has_no_lead(model):
    """Stamped before the wall clock fell 1 s, received after: it is old, not 1 s ahead.

    Its receipt is put on its stamp's clock (``age_across_fall``): taken = its stamp, and the
    states since the fall are found by ``_clock_shift`` as before (test_hand_view_clock_fall).
    """
    rig = ScriptRig(model, "continuous", [[0.0] * 7])
    rig.session.stream_clock = rig.clock.steady
    stamp = rig.clock.now
    rig.clock.now += 0.005
    rig.clock.step_wall_back(1.0)
    rig.clock.now += 0.03
    rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.session.observe_image(frame(1), stamp)
    assert rig.session.frame.lead == 0.0
    assert rig.session.frame.taken == stamp


# --- #1: a plan's start state ----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_plan_starts_from_the_arm_when_a_frame_stamped_ahead_was_received(model, mode):
    """A frame received with the arm at START, stamped 0.24 s ahead; the arm then moves 2.4 cm.

    The plan's start is the state nearest the frame's receipt (START), not the one at its stamp
    (where the arm was 0.24 s later, an image that never showed it there).
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    rig.session.observe_image(frame(1), rig.clock.now + AHEAD)
    for _ in range(24):
        rig.clock.now += 0.01
        rig.arm[0] += 0.001
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    report = rig.session.plan_step()
    assert report is not None and report.start is not None
    np.testing.assert_allclose(report.start[:3], START[:3], atol=1e-9)
    assert rig.planner.starts[-1][0][0] == pytest.approx(START[0], abs=1e-6)


def test_the_same_frame_on_time_starts_from_the_state_at_its_stamp(model):
    """The rule changes nothing for a camera on time: stamped at its receipt after the move."""
    rig = ScriptRig(model, "continuous", [[0.0] * 7])
    for _ in range(24):
        rig.clock.now += 0.01
        rig.arm[0] += 0.001
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.session.observe_image(frame(1), rig.clock.now)
    report = rig.session.plan_step()
    assert report.start[0] == pytest.approx(START[0] + 0.024, abs=1e-6)


def test_a_plan_s_age_counts_from_when_its_frame_was_taken(model):
    """A frame received at 0, stamped 0.24 s ahead, planned on for 0.35 s: 0.35 s old.

    ``safety.max_plan_age_s`` 0.3: discarded as too old (by its stamp it was 0.11 s old).
    """
    rig = ScriptRig(model, "continuous", [[0.01, 0, 0, 0, 0, 0, 0]])
    rig.session.limits.max_plan_age_s = 0.3
    rig.session.observe_image(frame(1), rig.clock.now + AHEAD)
    plan = rig.planner.plan

    def slow(*args, **kwargs):
        rig.clock.now += 0.35
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
        return plan(*args, **kwargs)

    rig.planner.plan = slow
    report = rig.session.plan_step()
    assert report.command is None and report.reason.startswith("plan too old: its camera "
                                                               "frame is 0.35 s old"), report


# --- #1: continuous's view of the hand -------------------------------------------------------

def test_a_frame_received_before_the_gripper_command_is_an_old_view_of_the_hand(model):
    """``_hand_seen_before``: stamped 0.1 s after the close went out, received 0.14 s before it.

    The plan saw the hand before its command: it may not command the hand (breaker55c).
    """
    rig = ScriptRig(model, "continuous", [[0.0] * 7])
    session = rig.session
    session.goal_switching.gripper = "planned"
    session.last_gripper, session._gripper_sent_at = 1.0, rig.clock.now + 0.14
    stamp = rig.clock.now + AHEAD
    assert session._hand_seen_before(Stamped(stamp, frame(1), lead=AHEAD))
    # after it, at the hand's command
    assert not session._hand_seen_before(Stamped(stamp + 10.0, frame(1)))


# --- #1: a capture ---------------------------------------------------------------------------

def test_a_capture_pairs_the_frame_with_the_arm_when_it_was_received(model):
    """Received with the arm at START, stamped 0.24 s ahead; the arm then moves 2 cm and rests.

    The frame shows START; the arm has left it: the capture is refused ("moved"), as for a
    camera on time. Before: the state at its stamp (2 cm away, at rest) was taken as the
    sub-goal's, a picture of another pose.
    """
    rig = ScriptRig(model, "blocking", [[0.0] * 7])
    rig.session.set_enabled(False)
    for _ in range(30):  # at rest at START
        rig.clock.now += 0.01
        rig.session.observe_state(START.copy(), rig.clock.now)
    rig.session.observe_image(frame(1), rig.clock.now + AHEAD)
    arm = START.copy()
    for tick in range(50):  # 2 cm at 0.1 m/s, then at rest past the frame's stamp
        rig.clock.now += 0.01
        arm[0] = START[0] + 0.001 * min(tick + 1, 20)
        rig.session.observe_state(arm.copy(), rig.clock.now)
    np.testing.assert_allclose(arm, MOVED)
    with pytest.raises(RuntimeError, match="capture_goal refused: the arm moved 2.0 cm since"):
        rig.session.capture_goal()


def test_a_capture_of_an_arm_at_rest_keeps_its_state_at_receipt(model):
    """The same camera, the arm still: captured, with START as the sub-goal's state."""
    rig = ScriptRig(model, "blocking", [[0.0] * 7])
    rig.session.set_enabled(False)
    for _ in range(30):
        rig.clock.now += 0.01
        rig.session.observe_state(START.copy(), rig.clock.now)
    rig.session.observe_image(frame(1), rig.clock.now + AHEAD)
    rig.clock.now += 0.1
    rig.session.observe_state(START.copy(), rig.clock.now)
    rig.session.capture_goal()
    np.testing.assert_allclose(rig.session.goals.current.state[:6], START[:6])


# --- #1: the camera check's frames -----------------------------------------------------------

def _check_run():
    """Return a check whose first move ("start before +x", to START) arrived at 0.1 s."""
    target = START + [0.04, 0, 0, 0, 0, 0, 0]
    run = CameraCheckRun([CheckMotion("+x", target, START.copy())], CheckMotionConfig(), 0.01,
                         0.0)
    states = _states(*[(i * 0.01, START) for i in range(60)])
    assert run.advance(0.0, START, True, None, states.state_at, 0.1) is not None
    run.advance(0.1, START, True, None, states.state_at, 0.1)
    assert run.arrived_at == 0.1
    return run, states


def test_the_camera_check_records_no_frame_received_before_its_settle_time():
    """Stamped after arrival + settle_s (0.4 s), received at 0.2 s: not the "before" frame."""
    run, states = _check_run()
    settle = run.config.settle_s
    early = Stamped(0.2 + AHEAD, frame(1), lead=AHEAD)
    assert early.stamp >= 0.1 + settle
    run.advance(0.4, START, True, early, states.state_at, 0.1)
    assert run.befores == []
    settled = Stamped(0.1 + settle + 0.01, frame(2))
    run.advance(0.45, START, True, settled, states.state_at, 0.1)
    assert len(run.befores) == 1


def test_the_camera_check_trial_records_no_frame_received_before_its_settle_time():
    pose = START + [0.05, 0, 0, 0, 0, 0, 0]
    trial = CorrectionTrial(START, None, [("+x", pose)],
                            SimpleNamespace(candidate_rpy_deg=[0.0, 0.0, 10.0]), None,
                            CheckTrialConfig(), settle_s=0.3, timeout_s=10.0,
                            arrival_tolerance_m=0.01)
    states = _states(*[(i * 0.01, pose) for i in range(200)])
    trial.advance(0.0, START, True, None, states.state_at, 0.1)
    trial.advance(0.6, pose, True, None, states.state_at, 0.1)
    assert trial.arrived_at == 0.6
    early = Stamped(0.7 + AHEAD, frame(1), lead=AHEAD)  # stamped 0.94, received 0.7
    trial.advance(0.95, pose, True, early, states.state_at, 0.1)
    assert trial.pending is None and trial.legs[0].start_distance_m is None
    trial.advance(1.0, pose, True, Stamped(0.95, frame(2)), states.state_at, 0.1)
    assert trial.legs[0].start_distance_m is not None


# --- #2: control.arrival_tolerance_rad -------------------------------------------------------

def test_arrival_tolerance_rad_is_its_own_parameter():
    control = ControlConfig()
    assert control.arrival_tolerance_rad == 0.091
    tight = ControlConfig(arrival_tolerance_m=0.002)
    assert tight.arrival_tolerance_rad == 0.091  # not tightened with the position's
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="arrival_tolerance_rad"):
            ControlConfig(arrival_tolerance_rad=bad)


def test_a_wrist_beyond_arrival_tolerance_rad_times_out_with_the_parameter_named(model):
    """0.03 rad of sag against a 0.02 rad tolerance: the timeout's warning names the parameter."""
    rig = SaggingWristRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0], [0.0] * 7], 0.0,
                          arrival_tolerance_rad=0.02, arrival_timeout_s=0.5)
    assert rig.session.plan_step().command is not None
    rig.run(200)
    warnings = [m for level, m in rig.logs if "did not reach the target" in m]
    assert warnings and "turned 0.030 rad; control.arrival_tolerance_rad is 0.02 rad" \
        in warnings[0], warnings[:1]


def test_a_wrist_within_arrival_tolerance_rad_arrives_whatever_the_position_s(model):
    """The 0.03 rad sag under 0.04 rad, with a 2 mm position tolerance: every step arrives."""
    rig = SaggingWristRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 2 + [[0.0] * 7],
                          0.0, arrival_tolerance_m=0.002, arrival_tolerance_rad=0.04)
    assert rig.session.plan_step().command is not None
    rig.run(300)
    assert [m for _, m in rig.logs if "did not reach the target" in m] == []
    assert len(rig.sent) >= 2


def test_the_camera_check_and_its_trial_take_the_session_s_turn_tolerance(model):
    """A check move whose wrist drifted 0.2 rad arrives under arrival_tolerance_rad 0.25."""
    target = START + [0.04, 0, 0, 0, 0, 0, 0]
    run = CameraCheckRun([CheckMotion("+x", target, START.copy())], CheckMotionConfig(), 0.01,
                         0.0, arrival_tolerance_rad=0.25)
    args = (None, lambda stamp: None, 0.1)
    run.advance(0.0, START, True, *args)
    drifted = START.copy()
    drifted[5] += 0.2
    run.advance(0.1, drifted, True, *args)
    assert run.arrived_at == 0.1
    pose = START + [0.05, 0, 0, 0, 0, 0, 0]
    trial = CorrectionTrial(START, None, [("+x", pose)],
                            SimpleNamespace(candidate_rpy_deg=[0.0, 0.0, 10.0]), None,
                            CheckTrialConfig(), settle_s=0.3, timeout_s=10.0,
                            arrival_tolerance_m=0.01, arrival_tolerance_rad=0.25)
    trial.advance(0.0, START, True, *args)
    drifted = pose.copy()
    drifted[3] += 0.2
    trial.advance(0.5, drifted, True, *args)
    assert trial.arrived_at == 0.5
    rig = ScriptRig(model, "blocking", [[0.0] * 7], arrival_tolerance_rad=0.25)
    rig.session.clear_goals()
    started = rig.session.start_camera_check()
    assert started.arrival_tolerance_rad == 0.25


def test_the_demo_reads_and_follows_arrival_tolerance_rad():
    """``ARRIVAL_PARAMETERS`` lists ``Arrival``'s fields in order; a 0.2 rad tolerance arrives."""
    assert ARRIVAL_PARAMETERS == ("control.arrival_tolerance_m", "control.arrival_timeout_s",
                                  "control.settle_s", "control.arrival_tolerance_rad")
    assert Arrival(0.01, 10.0, 0.2, 0.3).tolerance_rad == 0.3
    assert Arrival().tolerance_rad == ControlConfig().arrival_tolerance_rad
    stamped = [(i * 0.01, START) for i in range(10)]
    turned = START.copy()
    turned[5] += 0.3
    short = START.copy()
    short[5] += 0.15  # 0.15 rad short of the turn
    states = _states(*stamped)
    follower = ReachFollower(START, 0.05, 1, Arrival(0.01, 10.0, 0.2, 0.2), states)
    from test_arrival import _record

    follower.on_report(_record(0.09, turned))
    for i in range(10, 60):
        states.observe_state(short.copy(), i * 0.01)
    assert follower.update() == REACHED


def test_arrival_tolerance_rad_is_never_an_idle_parameter():
    """Every mode asks _arm_arrived: no idle warning names it, continuous included."""
    for mode in ("blocking", "async", "continuous"):
        config = PlannerNodeConfig()
        config.control.mode = mode
        config.control.arrival_tolerance_rad = 0.2
        assert not [line for line in idle_parameter_warnings(config)
                    if "arrival_tolerance_rad" in line], mode
