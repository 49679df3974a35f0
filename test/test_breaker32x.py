"""breaker32x: what session 32's changes (since a97a787) broke or got wrong.

Each test was a strict xfail (fixed in session 32: hold32, fix32x) and asserts what a lab needs
(no motion commanded that must not be, one line naming what to do, a silent wrong result
caught); its comment says what happened. ROS-free.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from test_breaker32r import step_after_a_glitched_pose
from test_robot_mpc import START, enabled_session, frame, stream, tiny_world_model
from test_robot_stream_resume import glitch_then_the_real_pose

from vjepa_ros.robot.safety import SafetyLimits

LIMITS = SafetyLimits()


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def commanded_and_moving(model, mode="continuous"):
    """Return an enabled session whose first plan went out and whose set-point moved 50 ms."""
    session, clock, logs = enabled_session(model, mode=mode)
    assert session.plan_step().command is not None
    outputs = stream(session, clock, ticks=5)
    assert outputs[-1].setpoint is not None
    return session, clock, logs


def resume_at(session, clock, move):
    """Stop the states 1.2 s (a driver restart), then send ``move(held)``; the first set-point.

    ``held``: the last set-point streamed before the hold, where an arm tracking it stands.
    Returns (the state sent, the first set-point streamed after the hold or None).
    """
    held = None
    for _ in range(60):
        clock.now += 0.02
        session.observe_image(frame(3), clock.now)
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            held = out.setpoint
    moved = move(held)
    for _ in range(70):
        clock.now += 0.02
        session.observe_state(moved, clock.now)
        session.observe_image(frame(4), clock.now)
        out = session.stream_step()
        if out is not None and out.setpoint is not None:
            return moved, out.setpoint
    return moved, None


def test_a_resume_with_the_arm_outside_the_box_commands_no_set_point_away_from_it(model):
    # the arm lifted by hand 15 cm above the box (workspace_max z 0.70) while the driver
    # restarted; README: the set-point "holds at the measured pose until the next plan"
    session, clock, logs = commanded_and_moving(model)
    moved, resumed = resume_at(session, clock, lambda held: np.r_[held[:2], 0.85, held[3:]])
    gap = 0.0 if resumed is None else float(np.linalg.norm(resumed[:3] - moved[:3]))
    assert gap <= LIMITS.workspace_tolerance_m, (
        f"set-point {gap:.3f} m from the measured pose after the hold; logs {logs[-2:]}")


@pytest.mark.parametrize("how", ["turned_0.3_rad", "moved_9_cm"])
def test_a_resume_after_the_arm_was_moved_within_reach_sends_no_step(model, how):
    # Franka's controllers abort on set-point discontinuities (targets.py's docstring); the
    # stream never starts a set-point away from the measured pose, except here
    session, clock, _ = commanded_and_moving(model)

    def move(held):
        moved = held.copy()
        if how == "moved_9_cm":
            moved[0] += 0.09
        else:
            moved[3:6] = (Rotation.from_euler("z", 0.3)
                          * Rotation.from_euler("xyz", held[3:6])).as_euler("xyz")
        return moved

    moved, resumed = resume_at(session, clock, move)
    assert resumed is not None, "the stream never resumed"
    gap = float(np.linalg.norm(resumed[:3] - moved[:3]))
    turn = (Rotation.from_euler("xyz", resumed[3:6])
            * Rotation.from_euler("xyz", moved[3:6]).inv()).magnitude()
    assert gap <= 0.01 and turn <= 0.05, (
        f"first set-point after the hold: {gap:.3f} m and {turn:.3f} rad from the arm")


def test_a_jumping_pose_stamped_a_little_back_does_not_jump_the_set_point(model):
    # two interleaved sources (JumpWatch's own example) deliver out of order; the glitch 15 cm
    # off, 1 ms older than the last state, empties the history and is the state planned from
    step, logs = step_after_a_glitched_pose(model, stamped=-0.001)
    assert step <= LIMITS.max_speed_m_s * 0.01 * (1 + 1e-6), (
        f"set-point jumped {step:.3f} m in one 10 ms tick after a pose stamped 1 ms back")


def test_the_jump_refusal_names_the_topic_and_what_to_do(model):
    # sim_node's ~/reset publishes the teleported arm at the stamp of its last state (its
    # sim_time does not go back): the planner holds with 'a glitch ... or two sources'
    session, clock, _ = commanded_and_moving(model)
    home = START.copy()
    home[:3] = [0.307, 0.0, 0.487]
    session.observe_state(home, clock.now)
    problem = session.state_problem
    assert "jumps" in problem
    assert session.state_topic() in problem and "reset" in problem, problem


def test_a_glitch_as_the_first_state_after_a_hold_is_not_streamed_to(model):
    # a driver restarting (states stop 1.2 s) sends one bad pose 25 cm off, then the arm's
    # real one again: the resumed stream restarted at the one bad pose (restart_if_away) and
    # published it before the next state (refused as a jump back) held it
    session, clock, _ = commanded_and_moving(model)
    held = None
    for _ in range(60):  # states stop 1.2 s
        clock.now += 0.02
        session.observe_image(frame(3), clock.now)
        out = session.stream_step()
        held = held if out is None or out.setpoint is None else out.setpoint
    setpoints = glitch_then_the_real_pose(session, clock, held)
    assert setpoints, "the stream never resumed on the arm's real pose"
    far = [float(np.linalg.norm(p[:3] - held[:3])) for p in setpoints]
    assert max(far) <= 0.01, f"set-points {max(far):.3f} m from the arm, which never moved"

