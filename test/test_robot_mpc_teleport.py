"""The arm put elsewhere at once under the planner, and robot states with coarse stamps.

A simulator's ``~/reset`` (its clock does not go back), a bag that loops at one stamp or a driver
re-homing moves the measured TCP faster than an arm can: ``jump_watch.JumpWatch`` holds 1 s; when
the states then agree where the jump went, the session starts a new world as for a clock that
went back (``test_robot_mpc_clock_back.py``). The tiny model and clock of ``test_robot_mpc.py``.
"""

import numpy as np
import pytest
from test_robot_mpc import START, enabled_session, frame, observe, tiny_world_model
from test_robot_mpc_clock_back import NEW_START, Wall

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def settle_at(session, clock, pose, seconds=1.5, dt=0.02) -> list:
    """Send ``pose`` [7] at the newest stamp, then with frames every ``dt`` s; the outputs."""
    session.observe_state(pose, session.latest_state().stamp)  # the teleport: the same stamp
    outputs = []
    for tick in range(round(seconds / dt)):
        clock.now += dt
        observe(session, clock, seed=60 + tick, state=pose)
        outputs.append(session.stream_step())
    return outputs


def new_world_lines(logs) -> list[str]:
    return [m for _, m in logs if "new world" in m and "settled" in m]


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_teleport_restarts_the_goal_sequence_planner_gripper_and_set_point(model, mode):
    # note32 item 1: after the 1 s hold the plan went on with sub-goal 2 of the old world, the
    # old warm start and the old gripper command (whose deadband held the new hand's back)
    session, clock, logs = enabled_session(model, mode=mode)
    session.set_goals([SubGoal(frame(20), 2, "grasp"), SubGoal(frame(21), 3, "place")])
    report = session.plan_step()
    assert report.command is not None and session.goals.steps_done == 1
    assert session.last_gripper is not None and session.planner._last_mean is not None
    glitch = START.copy()
    glitch[2] += 0.15
    session.observe_state(glitch, clock.now + 0.01)
    settle_at(session, clock, START)  # the arm's real pose again: a jump back, then agreement
    assert not session.state_problem and not new_world_lines(logs), "a glitch made a new world"
    assert session.goals.steps_done == 1 and session.last_gripper is not None
    outputs = settle_at(session, clock, NEW_START)  # now the arm is put 10 cm away at once
    assert (session.goals.index, session.goals.steps_done, session.goals.switches) == (0, 0, [])
    assert session.last_gripper is None, "the old world's gripper command would hold the new one"
    assert session.planner._last_mean is None, "the old world's warm start was kept"
    said = new_world_lines(logs)
    assert len(said) == 1 and "0.100 m" in said[0] and "goal 1/2" in said[0], logs
    assert "set-point restarts at the measured pose" in said[0], said
    setpoints = [out.setpoint for out in outputs if out is not None and out.setpoint is not None]
    assert setpoints, "the stream never resumed"
    assert np.linalg.norm(setpoints[-1][:3] - NEW_START[:3]) < 1e-9
    report = session.plan_step()
    assert report.command is not None and report.subgoal.index == 0, session.refusal
    assert session.goals.steps_done == 1, "the new world's first step did not count"


def test_in_shadow_mode_a_teleport_forgets_the_planners_warm_start(model):
    session, clock, logs = enabled_session(model)
    session.set_enabled(False)
    assert session.plan_step() is not None and session.planner._last_mean is not None
    settle_at(session, clock, NEW_START)
    assert session.planner._last_mean is None
    said = new_world_lines(logs)
    assert len(said) == 1 and "set-point" not in said[0], logs
    assert session.stream_step() is None, "shadow mode streamed"


def _timed_session(model):
    session, clock, _ = enabled_session(model)
    session.wall_clock = wall = Wall()
    observe(session, clock)
    return session, clock, wall


def _coarse_driver(session, clock, wall, pose, states=6):
    """Feed ``states`` states at rest, 10 ms apart by arrival, under one stamp (a coarse clock)."""
    for _ in range(states):
        wall.now += 0.01
        session.observe_state(pose, clock.now)


def test_coarse_stamps_allow_the_motion_their_arrivals_show(model):
    # note32 item 4: a driver stamping states 10 ms apart with one stamp got only the 1 cm
    # slack: a 2 cm step in 10 ms (2 m/s, a fast but real motion) was a jump. The arm gets
    # there at 10 m/s² (under a Franka's 13: faster from rest is a jump, breaker41f)
    session, clock, wall = _timed_session(model)
    pose = START.copy()
    _coarse_driver(session, clock, wall, pose)
    for step in range(30):
        wall.now += 0.01
        pose[0] += min(0.02, 0.001 * (step + 1))
        session.observe_state(pose, clock.now)
        assert not session.state_problem, session.state_problem
    wall.now += 0.01  # the breaker32r glitch, 15 cm off 10 ms after the last state (arrival)
    glitch = pose.copy()
    glitch[2] += 0.15
    session.observe_state(glitch, clock.now)
    assert "jumps 0.150 m in 10 ms" in session.state_problem, session.state_problem


def test_a_coarse_streams_state_late_from_a_stalled_executor_is_still_judged(model):
    # a glitch arriving 200 ms after the last state (the node's executor stalled by a plan)
    # counts as at most twice the usual 10 ms arrival gap, not as 200 ms of motion
    session, clock, wall = _timed_session(model)
    _coarse_driver(session, clock, wall, START)
    wall.now += 0.2
    glitch = START.copy()
    glitch[2] += 0.15
    session.observe_state(glitch, clock.now)
    assert "jumps 0.150 m in 20 ms" in session.state_problem, session.state_problem


def test_a_state_at_a_repeated_stamp_from_a_stream_whose_stamps_advance_is_judged_by_them(model):
    # live (session 33): sim_node at 0.3x real time stamps its 60 Hz states 16.7 ms apart in
    # sim time, arriving ~55 ms apart; its ~/reset put the TCP 0.115 m away at the same stamp,
    # arriving 55 ms later: timed by the arrival (0.115 < 3 m/s x 55 ms + 1 cm) it passed, and
    # the planner went on in the old world
    session, clock, wall = _timed_session(model)
    pose = START.copy()
    for _ in range(10):
        wall.now += 0.055
        clock.now += 1 / 60
        session.observe_state(pose, clock.now)
    assert not session.state_problem
    wall.now += 0.055
    moved = pose.copy()
    moved[:3] += [-0.07, 0.07, 0.055]
    session.observe_state(moved, clock.now)
    assert "jumps 0.113 m in 0 ms" in session.state_problem, session.state_problem


def test_a_reset_back_to_the_start_pose_in_a_glitchs_hold_is_a_new_world(model):
    # the planner moved the arm 6 cm; a glitch 15 cm up starts a hold, and in it the
    # simulator's ~/reset puts the arm back at its start pose at once. Judged by the glitch's
    # leap (from 6 cm out, 15 cm up) the start pose was "where it came from": no new world
    session, clock, logs = enabled_session(model)
    session.set_goals([SubGoal(frame(20), 2, "grasp"), SubGoal(frame(21), 3, "place")])
    assert session.plan_step().command is not None and session.goals.steps_done == 1
    pose = START.copy()
    for tick in range(30):  # 0.1 m/s for 0.6 s
        clock.now += 0.02
        pose[0] += 0.002
        observe(session, clock, seed=90 + tick, state=pose)
    glitch = pose.copy()
    glitch[2] += 0.15
    clock.now += 0.01
    session.observe_state(glitch, clock.now)
    settle_at(session, clock, pose, seconds=0.3)
    assert session.state_problem and not new_world_lines(logs)
    settle_at(session, clock, START)
    assert not session.state_problem
    said = new_world_lines(logs)
    assert len(said) == 1 and "settled 0.060 m" in said[0], logs
    assert (session.goals.index, session.goals.steps_done) == (0, 0)


@pytest.mark.parametrize("above_m, said_wanted", [
    (0.005, "the set-point restarts at the measured pose clamped into the workspace box"),
    (0.10, "no set-point while the arm is outside the workspace box"),
])
def test_a_teleport_above_the_box_says_where_the_set_point_is(model, above_m, said_wanted):
    # the new-world line said "the set-point restarts at the measured pose" also when it
    # restarted 10 cm from it (clamped into the box), and the stream then resumed with none
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None
    session.stream_step()
    top = session.limits.box[1][2]
    far = START.copy()
    far[2] = top + above_m
    outputs = settle_at(session, clock, far)
    said = new_world_lines(logs)
    assert len(said) == 1 and said_wanted in said[0], logs
    setpoints = [out.setpoint for out in outputs if out is not None and out.setpoint is not None]
    if above_m < session.limits.workspace_tolerance_m:
        assert setpoints and setpoints[-1][2] == pytest.approx(top)
    else:
        assert not setpoints and not session.streamer.active
        assert any("the stream resumes with no set-point" in m for _, m in logs), logs
