"""breaker49g: the live camera check moves a real arm: its motions and its stops.

Attacked at 8aa2f00 (main's HEAD): ``robot/camera_check_motions.py`` (``check_motions``,
``step_problem``), ``robot/camera_check_run.py`` (``CameraCheckRun.advance``),
``robot/camera_check_session.py`` (``start_camera_check``, ``_advance_camera_check``,
``_end_camera_check``), ``robot/camera_check_trial.py`` and the session paths that stop a check
(``goal_session.clear_goals``, ``refusal_session._hold``), against the issue's promise: the
check "never commands outside the safety limits" and "stops on disable". ROS-free, CPU: the ideal
arm and oracle of ``test_robot_camera_check_live`` (an arm that is where the set-point says, a
10 Hz camera whose frames the oracle knows), a sagging arm (measured a few mm below the
set-point, as a compliant impedance controller under gravity holds it), a lagging arm. Every
set-point the fake controller receives is compared with the limits the session was given:
the workspace box, ``max_step_m`` from the measured pose, ``max_speed_m_s``, ``max_accel_m_s2``,
orientation and gripper held.

Defects (each docstring: input, what happened, what should happen; all fixed in fix49g):

1. A sagging arm (measured 5 mm below its set-point) ends each check 5 mm lower than it began:
   the check's start is the MEASURED pose, its last move returns the set-point there, not to
   the set-point that held the arm before the check. Three checks: the set-point ends each at
   0.350, 0.345, 0.340 m.
2. ``safety.max_step_m`` 0.04 with ``camera_check.motion.distance_m`` 0.04 (allowed: "at most
   safety.max_step_m") is accepted; on an arm measured 2 mm off its set-point the first out-move
   is filtered from the measured pose (0.04005 m) and the check stops after its first command
   with "the safety filter changed a move (clipped: step 0.040 m > 0.04 m)".
3. ``safety.max_speed_m_s`` 0.003 with the default 4 cm and ``timeout_s`` 10 s: a move needs 13 s.
   The check is accepted, drives the arm 3 cm along +x and stops "the +x move did not arrive
   within 10 s (1.0 cm away)", the arm left 3 cm from its start.
4. ``~/clear_goals`` during a check (no goal to clear: the check needs none) stops it with
   "camera check stopped: held: no goal: call ~/capture_goal or ~/add_subgoal, ..." - advice to
   capture a goal for a check that needs none, and nothing naming the call that stopped it.
5. The correction trial's moves that time out (an object in the way: ``CorrectionTrial.blocked``,
   the trial goes on from where the arm stands) are counted but said nowhere: 4 blocked moves,
   legs started 7.4 cm instead of 8 cm away, and the verdict, the result's ``trial`` and the
   log read as a clean trial.

Held up (pins): a goal sent mid-check is planned only after the check (every set-point until
then is a check move); blocking, continuous and async run the same check within every limit and
end exactly at the start; a correction trial started near the box's edge (the model planning
away, the leash pulling back) keeps every set-point within the limits, orientation and gripper
unchanged, never commands the gripper, and ends exactly at the start; a 20 cm jump of the joint
states mid-check stops it and nothing is streamed farther than ``max_step_m`` from the measured
arm; a shutdown mid-move streams nothing after it; over ROS, the node shut down mid-check
answers the waiting call ("stopped: shutting down; nothing saved") and stamps no ``target_pose``
after it.

Not repeated (pinned elsewhere): a second call while one runs, refusals while disabled (shadow
mode) or moving toward a goal, a disable mid-check, a start near the box's edge or outside it,
distance > max_step, stale state / camera mid-check, a move that does not arrive, the jittery
timer.
"""

import json

import numpy as np
import pytest
from test_robot_camera_check_live import NO_TRIAL, START, IdealArm

from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import in_box

pytestmark = pytest.mark.usefixtures("one_thread")

SIX = CheckMotionConfig(distance_m=0.03, corners=False)  # 6 motions: quick
TICK = 0.01  # [s] IdealArm's stream period


class MeteredArm(IdealArm):
    """IdealArm that records (set-point, measured pose before it) and can sag below it."""

    def __init__(self, *args, sag_m=0.0, limits=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sag_m, self.pairs = sag_m, []
        if limits is not None:
            self.session.limits = self.session.streamer.limits = limits

    def tick(self, state_too=True):
        measured = self.state.copy()
        out = super().tick(state_too)
        if out is not None and out.setpoint is not None:
            self.pairs.append((out.setpoint.copy(), measured))
            self.state[2] -= self.sag_m
        return out


def started_mid_move():
    """Return (MeteredArm, its run): a check of SIX 0.6 s in, its first moves under way."""
    arm = MeteredArm()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
    for _ in range(60):
        arm.tick()
    return arm, run


def assert_within_limits(arm, start=None, reach_m=None, rates=True):
    """Every set-point: in the box, within max_step of the measured arm, speed and accel.

    ``rates`` False: no speed and acceleration check (a set-point restarted at a jumped arm).
    """
    limits = arm.session.limits
    setpoints = np.array([p for p, _ in arm.pairs])
    measured = np.array([m for _, m in arm.pairs])
    assert all(in_box(p[:3], limits) for p in setpoints)
    assert np.linalg.norm(setpoints[:, :3] - measured[:, :3], axis=1).max() <= \
        limits.max_step_m + 1e-9
    if not rates:
        return
    speed = np.linalg.norm(np.diff(setpoints[:, :3], axis=0), axis=1) / TICK
    assert speed.max() <= limits.max_speed_m_s + 1e-9
    velocity = np.diff(setpoints[:, :3], axis=0) / TICK
    accel = np.linalg.norm(np.diff(velocity, axis=0), axis=1) / TICK
    assert accel.max() <= limits.max_accel_m_s2 * (1 + 1e-6) + 1e-9
    if start is not None:
        np.testing.assert_allclose(setpoints[:, 3:], np.broadcast_to(start[3:], (len(
            setpoints), 4)), atol=1e-9)  # orientation and gripper held
        reach = np.linalg.norm(setpoints[:, :3] - start[:3], axis=1)
        assert reach.max() <= reach_m + 1e-9


def test_a_sagging_arm_ends_the_check_at_the_set_point_it_held_before():
    """A check on an arm measured 5 mm below its set-point (an impedance controller's sag).

    Input: ~/camera_check 3 times; between them the set-point holds the arm, measured 5 mm
    below it. Happened: each later check starts at the measured pose and its last move
    returns the set-point there: after the checks the set-point is at 0.350, 0.345, 0.340 m
    (the arm 5 mm lower per check). Should: the check goes "a few cm and back": the set-point
    ends where it held the arm before the check (each motion is still measured from the
    frames' states).
    Fixed in fix49g: the check starts and ends at the set-point in force.
    """
    arm = MeteredArm(sag_m=0.005)
    arm.session.set_enabled(True)
    ended = []
    for _ in range(3):
        run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
        arm.run(run)
        assert not run.error, run.error
        for _ in range(20):  # the stream holds the arm (sagging) after the check
            arm.tick()
        ended.append(round(float(arm.pairs[-1][0][2]), 4))
    assert ended[0] == START[2]  # the first starts at rest, set-point and arm at 0.350 m
    assert ended[1:] == ended[:-1], f"the set-point's z after each check: {ended}"


def test_a_distance_of_one_whole_step_is_refused_up_front_or_completes():
    """safety.max_step_m 0.04 and camera_check.motion.distance_m 0.04 (allowed: "at most").

    Input: the arm measured 2 mm below its set-point (within control.arrival_tolerance_m 1 cm).
    Happened: accepted; the first out-move (+x) is filtered from the measured pose, 0.04005 m
    away: "camera check stopped: the safety filter changed a move (clipped: step 0.040 m > 0.04
    m)" after the first command. Should: refused before anything moves, naming
    camera_check.motion.distance_m and safety.max_step_m (the room a move needs beyond its
    length: the arrival tolerance), or every move passes and the check completes.
    Fixed in fix49g: refused, distance_m plus control.arrival_tolerance_m above max_step_m.
    """
    arm = MeteredArm(sag_m=0.002, limits=SafetyLimits(max_step_m=0.04))
    arm.session.set_enabled(True)
    config = CheckMotionConfig(distance_m=0.04, corners=False)
    try:
        run = arm.session.start_camera_check(config, None, NO_TRIAL)
    except ValueError as refused:
        assert "max_step_m" in str(refused)
        return
    arm.run(run)
    assert not run.error, run.error


def test_a_check_too_slow_for_its_timeout_is_refused_before_anything_moves():
    """safety.max_speed_m_s 0.003 m/s, the default 4 cm motions and timeout_s 10 s.

    Input: ~/camera_check on an arm at rest. Happened: accepted; the set-point drives 3 cm
    along +x and the check stops "the +x move did not arrive within 10 s (1.0 cm away)", the
    arm left 3 cm from its start. Should: refused before any motion, naming
    safety.max_speed_m_s and camera_check.motion.timeout_s (a 4 cm move needs over 13 s).
    Fixed in fix49g: refused, naming timeout_s and max_speed_m_s.
    """
    arm = MeteredArm(limits=SafetyLimits(max_speed_m_s=0.003))
    arm.session.set_enabled(True)
    config = CheckMotionConfig(distance_m=0.04, corners=False)
    try:
        run = arm.session.start_camera_check(config, None, NO_TRIAL)
    except (RuntimeError, ValueError) as refused:
        assert "max_speed_m_s" in str(refused) and not arm.pairs
        return
    arm.run(run, max_ticks=5000)
    assert not run.error, (run.error, np.linalg.norm(arm.state[:3] - START[:3]))


def test_clear_goals_during_a_check_does_not_stop_it_as_a_missing_goal():
    """~/clear_goals while a check runs (no goal set: the check needs none).

    Happened: the check stops, its error (and the service's answer) "camera check stopped:
    held: no goal: call ~/capture_goal or ~/add_subgoal, publish on ~/goal_image or set
    goal_image_path": advice to set a goal, for a check that needs none, the call that
    stopped it unnamed. Should: the check goes on (nothing of it is a goal), or it stops
    naming ~/clear_goals, without the advice to capture a goal.
    Fixed in fix49g: the check goes on.
    """
    arm, run = started_mid_move()
    arm.session.clear_goals()
    arm.run(run)
    assert "capture_goal" not in run.error
    assert not run.error or "clear_goals" in run.error


class ObstructedArm(MeteredArm):
    """MeteredArm whose hand an object stops ``reach_m`` (3.5 cm) along +x from the start."""

    def __init__(self, *args, reach_m=0.035, **kwargs):
        super().__init__(*args, **kwargs)
        self.reach_m = reach_m

    def tick(self, state_too=True):
        out = super().tick(state_too)
        self.state[0] = min(self.state[0], START[0] + self.reach_m)
        return out


def test_a_trial_whose_moves_were_blocked_says_so_in_its_result():
    """The correction trial toward +x+y+z with an object 3.5 cm along +x from the start.

    Input: ideal arm and oracle (90° yaw error), trial ``when`` always, 1 direction, 2 steps;
    the trial's start pose (4.6 cm along +x) cannot be reached. Happened: 4 trial moves time
    out (``CorrectionTrial.blocked`` 4) and the trial goes on from where the arm stands, as
    designed; the verdict "correct by rotation ... from 1 starting poses", the result's
    ``trial`` (legs started 7.4 cm, not 8 cm, away) and the log never say that moves were
    blocked. Should: the result's trial (and its explanation or the log) say how many trial
    moves did not arrive, so a verdict decided on cut-short legs is not taken as a clean one.
    Fixed in fix49g: ``blocked`` in the trial, the explanation and the log.
    """
    arm = ObstructedArm((0, 0, 90))
    logged = []
    arm.session.log = lambda level, text: logged.append(text)
    arm.session.set_enabled(True)
    trial = CheckTrialConfig(when="always", steps=2, directions=1)
    run = arm.session.start_camera_check(SIX, None, trial)
    arm.run(run, max_ticks=200000)
    assert not run.error, run.error
    assert run.trial.blocked > 0  # the obstacle did block
    said = json.dumps(run.result.trial) + run.result.explanation + " ".join(logged)
    assert "block" in said or "did not arrive" in said


def test_a_goal_sent_mid_check_is_planned_only_after_it():
    """Pin: a new goal during the check moves nothing until the check has ended."""
    arm = MeteredArm()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
    goal_pose = START.copy()
    goal_pose[0] += 0.1
    goal_frame = np.full((32, 32, 3), 7, np.uint8)
    arm.oracle.remember(goal_frame, goal_pose)

    def send_goal(arm):
        if len(run.commands) == 3 and arm.session.goals is None:
            arm.session.set_goals([SubGoal(goal_frame, 0, "goal", state=goal_pose)])

    arm.run(run, send_goal)
    assert not run.error and run.result is not None, run.error
    assert arm.session.goals is not None  # sent mid-check
    assert_within_limits(arm, START, SIX.distance_m)  # every set-point was a check move
    np.testing.assert_allclose(arm.pairs[-1][0], START, atol=1e-12)
    for _ in range(400):  # then the goal is planned and commanded
        arm.session.plan_step()
        arm.tick()
    assert arm.pairs[-1][0][0] > START[0] + 0.05
    assert_within_limits(arm)


@pytest.mark.parametrize("mode", ["blocking", "continuous", "async"])
def test_every_control_mode_runs_the_check_within_the_limits_and_back(mode):
    """Pin: the check's set-points are the same safe ones whatever ``control.mode``."""
    arm = MeteredArm()
    arm.session.control = ControlConfig(mode=mode)
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
    arm.run(run)
    assert not run.error, run.error
    assert len(run.commands) == 13
    assert_within_limits(arm, START, SIX.distance_m)
    np.testing.assert_allclose(arm.pairs[-1][0], START, atol=1e-12)


def test_a_trial_near_the_box_edge_keeps_the_limits_the_hand_and_returns_exactly():
    """Pin: a correction trial 4 cm from the box's +x face, a model planning the wrong way.

    The trial's plans are leashed (0.15 m) and shortened by the filter; its way back goes in
    hops. Every set-point stays within the limits, orientation and gripper (0.6) held, the
    gripper is never commanded, and the set-point ends exactly at the start.
    """
    start = START.copy()
    start[0], start[6] = 0.76, 0.6
    arm = MeteredArm((0, 0, 180), start=start)
    gripper = []
    arm.session.gripper_output = gripper.append
    arm.session.set_enabled(True)
    trial = CheckTrialConfig(when="always", steps=3)
    run = arm.session.start_camera_check(SIX, None, trial)
    arm.run(run, max_ticks=60000)
    assert not run.error, run.error
    assert len(run.result.trial["legs"]) == 4
    assert_within_limits(arm, start, trial.max_distance_m)
    np.testing.assert_allclose(arm.pairs[-1][0], start, atol=1e-12)
    assert not gripper


def test_a_jump_of_the_joint_states_mid_check_stops_it_and_streams_nothing_far():
    """Pin: the measured pose jumps 20 cm mid-move (a simulator's reset): the check stops.

    Nothing is streamed while the jump holds; what streams after the new world (the set-point
    restarted at the arm) stays in the box and within max_step_m of the measured arm.
    """
    arm = MeteredArm()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)

    jumped = []

    def reset(arm):
        if len(run.commands) == 4 and not jumped:
            jumped.append(arm.now)
            arm.state = arm.state.copy()
            arm.state[1] -= 0.2  # the arm (and its states) now 20 cm away, inside the box

    arm.run(run, reset)
    assert "jumps 0.200 m" in run.error and run.result is None
    count = len(arm.pairs)
    for _ in range(300):
        arm.tick()
    assert len(arm.pairs) > count  # the new world's stream: at the arm
    assert_within_limits(arm, rates=False)
    np.testing.assert_allclose(arm.pairs[-1][0][:3], arm.state[:3], atol=1e-9)


def test_a_shutdown_mid_move_ends_the_check_and_streams_nothing_after_it():
    """Pin: the planner shut down (``session.close()``) mid-move: not one set-point after it."""
    arm, run = started_mid_move()
    assert np.linalg.norm(arm.session.streamer.velocity) > 0.05  # mid-move
    arm.session.close()
    assert run.done.is_set() and run.error == "camera check stopped: shutting down"
    count = len(arm.pairs)
    for _ in range(50):
        assert arm.tick() is None
    assert len(arm.pairs) == count and arm.session.camera_check is None


def test_the_node_shut_down_mid_check_answers_the_call_and_streams_nothing_after(
        monkeypatch, tmp_path):
    """Pin, over ROS: the planner node's ``prepare_shutdown`` mid-check (launch's shutdown).

    The waiting ``~/camera_check`` call is answered "stopped: shutting down; nothing saved";
    no ``target_pose`` is stamped after the shutdown, and the last one lies on the check's path
    (within its distance of the start).
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from test_ros_camera_check import DISTANCE, call_async, ideal_arm, make_arm
    from test_ros_camera_check import START as NODE_START

    from vjepa_ros.nodes.pose_msgs import stamp_seconds, state_from_pose

    h = make_arm(monkeypatch, tmp_path)
    try:
        assert ideal_arm(h, 3.0, until=lambda: h.session.frame is not None)
        assert h.enable().success
        answer = call_async(h)
        assert ideal_arm(h, 20.0, until=lambda: len(h.got["pose"]) > 30)
        planner = h.launch.nodes[0]
        planner.prepare_shutdown()
        closed_at = stamp_seconds(planner.get_clock().now().to_msg())
        assert ideal_arm(h, 5.0, until=answer.done)
        stopped = answer.result()
        assert not stopped.success
        assert stopped.message.startswith("camera check stopped: shutting down; nothing saved")
        ideal_arm(h, 0.3)
        assert all(stamp_seconds(m.header.stamp) <= closed_at for m in h.got["pose"])
        last = state_from_pose(h.got["pose"][-1].pose, 0.0)
        assert np.linalg.norm(last[:3] - np.array(NODE_START)) <= DISTANCE + 1e-6
    finally:
        h.close()
