"""fix49g: the live camera check's start, its refusals, its stops and the goal calls during it.

Beside test_breaker49g's cases: the correction trial of a sagging arm starts and ends at the
set-point held before (not the measured start); the node refuses at start-up what the call
refuses (a motion without room for the arrival tolerance, a timeout too short for a move);
~/clear_goals mid-check answers that the check goes on and the session holds on "no goal" once
it has ended; a check stopped mid-way says where it left the arm and how to get back.
"""

import numpy as np
import pytest
from test_breaker49g import SIX, MeteredArm, ObstructedArm, started_mid_move
from test_robot_camera_check_live import NO_TRIAL, START

from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.safety import SafetyLimits

pytestmark = pytest.mark.usefixtures("one_thread")


def test_a_sagging_arm_runs_the_trial_from_and_back_to_the_set_point_it_held():
    """Trial always on an arm measured 5 mm below its set-point: it ends at that set-point.

    The trial's start is the set-point held before the check, and its last set-point is
    exactly that one (not 5 mm lower).
    """
    arm = MeteredArm((0, 0, 90), sag_m=0.005)
    arm.session.set_enabled(True)
    first = arm.session.start_camera_check(SIX, None, NO_TRIAL)  # at rest: starts the stream
    arm.run(first)
    for _ in range(20):
        arm.tick()
    held = arm.pairs[-1][0].copy()
    np.testing.assert_allclose(held, START, atol=1e-12)
    assert abs(arm.state[2] - (held[2] - 0.005)) < 1e-9  # measured below the set-point
    run = arm.session.start_camera_check(SIX, None, CheckTrialConfig(when="always", steps=1,
                                                                      directions=1))
    arm.run(run, max_ticks=200000)
    assert not run.error, run.error
    np.testing.assert_allclose(run.start, held, atol=1e-12)
    np.testing.assert_allclose(arm.pairs[-1][0], held, atol=1e-12)


@pytest.mark.parametrize("safety, motion, offset, named", [
    ({"max_step_m": 0.045}, {}, 0.04, ("camera_check.motion.distance_m",
                                       "control.arrival_tolerance_m", "safety.max_step_m",
                                       "at most 0.035")),
    ({"max_speed_m_s": 0.003}, {}, 0.08, ("camera_check.motion.timeout_s",
                                          "safety.max_speed_m_s", "13.3 s")),
    ({"max_speed_m_s": 0.005}, {"timeout_s": 9.0}, 0.08,  # the 4 cm motion fits, the 8 cm not
     ("camera_check.motion.timeout_s", "move to a correction trial's start")),
])
def test_the_node_refuses_at_start_up_what_the_call_refuses(safety, motion, offset, named):
    """The node's start-up and ~/camera_check refuse alike, in one line, nothing moved."""
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
    from vjepa_ros.robot.planner_config import CameraCheckParams, PlannerNodeConfig

    params = CameraCheckParams(motion=CheckMotionConfig(**motion),
                               trial=CheckTrialConfig(offset_m=offset))
    with pytest.raises(ValueError) as refused:
        PlannerNodeConfig(safety=SafetyLimits(**safety), camera_check=params)
    assert "\n" not in str(refused.value)
    assert all(word in str(refused.value) for word in named), str(refused.value)
    arm = MeteredArm(limits=SafetyLimits(**safety))
    arm.session.set_enabled(True)
    with pytest.raises(ValueError, match=r"^~/camera_check refused: camera_check\.motion\."):
        arm.session.start_camera_check(params.motion, None, params.trial)
    assert not arm.pairs  # nothing moved


def test_clear_goals_mid_check_says_it_goes_on_and_the_session_holds_after_it():
    """~/clear_goals mid-move: the answer says the check goes on; "no goal" holds after it."""
    arm, run = started_mid_move()
    answer = arm.session.clear_goals()
    assert "the camera check goes on" in answer
    arm.run(run)
    assert not run.error and run.result is not None
    np.testing.assert_allclose(arm.pairs[-1][0], START, atol=1e-12)
    arm.session.plan_step()
    assert arm.session.snapshot().refusal.detail.startswith("no goal")


def test_a_move_that_does_not_arrive_says_where_the_arm_was_left_and_how_back():
    """The +x move blocked 1.5 cm out: the error, then where the arm is and what to do."""
    arm = ObstructedArm(reach_m=0.015)
    logged = []
    arm.session.log = lambda level, text: logged.append(text)
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
    arm.run(run)
    assert "the +x move did not arrive" in run.error
    assert run.left.startswith("the arm was left 1.5 cm from the check's start [0.450, 0.050, "
                               "0.350] m (offset [+0.015, +0.000, +0.000] m")
    assert "bring it back" in run.left
    assert any(run.error in line and run.left in line for line in logged)
