"""A step the joint-limit guard shortens starts where the safety filter measured it (fix56f).

breaker56f: with the arm up to ``safety.workspace_tolerance_m`` outside the box, the filter
measures a step from the pose clamped into the box, the guard shortened it along the line from
the unclamped pose: the target ended up to 3 mm outside the box and never arrived. Now both (and
the set-point's start) take ``safety.step_start``, carried by ``SafetyDecision.start``. Here:
faces, edges and corners, with turns, in the session's blocking and async modes. ROS-free, CPU.
"""

import math
import re

import numpy as np
import pytest
from fixed_planners import FixedPlanner
from scipy.spatial.transform import Rotation
from test_robot_mpc import CEM, Clock, frame

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.joint_guard import JointLimitGuard
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits, filter_target, step_reach, step_start
from vjepa_ros.robot.targets import SetpointStreamer, poses_apart
from vjepa_ros.robot.workspace_box import in_box

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
KINEMATICS = FrankaKinematics(RobotConfig(state_source="joint_states"))
GUARD = JointLimitGuard(KINEMATICS, SafetyLimits().joint_limit_margin_rad)


def _outside(rng, joints):
    """Return (state [7], limits): the TCP 0.5..9.9 mm outside 1-3 faces (a face, edge, corner)."""
    state = KINEMATICS.state(joints, 0.0)
    lower, upper = state[:3] - 0.2, state[:3] + 0.2
    axes = rng.choice(3, size=rng.integers(1, 4), replace=False)
    beyond = rng.uniform(0.0005, 0.0099) / math.sqrt(len(axes))  # the distance to the box
    for axis in axes:
        if rng.random() < 0.5:
            lower[axis] = state[axis] + beyond
        else:
            upper[axis] = state[axis] - beyond
    return state, SafetyLimits(workspace_min=lower.tolist(), workspace_max=upper.tolist(),
                               max_step_m=float(rng.choice([0.02, 0.05, 0.1])))


def _arrives(target, state, limits) -> bool:
    streamer = SetpointStreamer(limits)
    streamer.reset(state)
    streamer.set_target(target, anchor=state)
    for _ in range(2000):
        streamer.step(0.01)
        if streamer.arrived():
            return True
    return False


def test_every_shortened_step_from_an_arm_outside_the_box_stays_in_it_and_arrives():
    """Faces, edges, corners; steps with turns toward joint 7's limit; three max_step_m.

    The shortened target: in the box, within ``step_reach`` of the clamped pose, on the filter's
    step from ``step_start`` (translation and turn cut at the same share, the turn from the
    measured orientation: no orientation limits), and reached by the set-point.
    """
    rng = np.random.default_rng(56)
    shortened = 0
    for _ in range(60):
        joints = HOME + rng.uniform(-0.3, 0.3, 7)
        joints[6] = rng.uniform(2.62, 2.72)  # 0.18..0.28 rad from joint 7's +2.8973
        state, limits = _outside(rng, joints)
        proposed = state.copy()
        proposed[:3] += rng.normal(size=3) * 0.03
        proposed[3:6] = (Rotation.from_euler("z", rng.choice([-1, 1]) * rng.uniform(0.15, 0.35))
                         * Rotation.from_euler("xyz", state[3:6])).as_euler("xyz")
        decision = filter_target(state, proposed, limits)
        assert decision.accepted, decision.reason
        start = step_start(state, limits)
        np.testing.assert_array_equal(decision.start, start)
        guarded = GUARD.check(joints, state, decision)
        if not guarded.accepted or "step shortened" not in guarded.reason:
            continue
        shortened += 1
        target = guarded.target
        assert in_box(target[:3], limits), (target[:3], limits.box)
        moved = np.linalg.norm(target[:3] - start[:3])
        assert moved <= step_reach(state[:3], limits) + 1e-9
        share = float(re.search(r"step shortened to ([0-9.]+)%", guarded.reason)[1]) / 100
        _, turn = poses_apart(decision.target, start)
        _, part_turn = poses_apart(target, start)
        assert part_turn == pytest.approx(share * turn, abs=1e-9)
        np.testing.assert_allclose(target[:3], start[:3] + share * (decision.target[:3]
                                                                     - start[:3]), atol=1e-12)
        assert np.array_equal(guarded.start, start)
        assert _arrives(target, state, limits), target
    assert shortened >= 10, f"only {shortened} of 60 steps shortened: a vacuous fuzz"


def test_a_step_from_inside_the_box_is_shortened_from_the_measured_pose():
    """Inside the box the start is the measured pose itself (the guard as before)."""
    joints = HOME.copy()
    joints[6] = 2.70
    state = KINEMATICS.state(joints, 0.0)
    limits = SafetyLimits(workspace_min=(state[:3] - 0.2).tolist(),
                          workspace_max=(state[:3] + 0.2).tolist())
    proposed = state.copy()
    proposed[3:6] = (Rotation.from_euler("z", -0.3)  # turns joint 7 toward +2.8973
                     * Rotation.from_euler("xyz", state[3:6])).as_euler("xyz")
    decision = filter_target(state, proposed, limits)
    np.testing.assert_array_equal(decision.start, state)
    guarded = GUARD.check(joints, state, decision)
    assert "joint 7" in guarded.reason and "step shortened" in guarded.reason, guarded.reason
    _, turn = poses_apart(guarded.target, state)
    assert 0.0 < turn < 0.3 - 0.05


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_the_session_commands_a_guard_shortened_step_inside_the_box(model, mode):
    """The session's command (either mode) from an arm 5 mm under the floor lies in the box."""
    joints = HOME.copy()
    joints[6] = 2.70
    state = KINEMATICS.state(joints, 0.0)
    lower, upper = state[:3] - 0.2, state[:3] + 0.2
    lower[2] = state[2] + 0.005
    limits = SafetyLimits(workspace_min=lower.tolist(), workspace_max=upper.tolist())
    clock = Clock()
    session = MPCSession(model, CEM, limits, ControlConfig(mode=mode), clock=clock,
                         planner=FixedPlanner([0.02, 0.0, 0.0, 0.0, 0.0, -0.3, 0.0]),
                         clock_offset=clock.system_offset, stream_clock=clock.steady)
    session.observe_image(frame(0), clock.now)
    session.observe_state(state, clock.now)
    session.set_goals([SubGoal(frame(7), 0, "test")])
    session.joint_guard = lambda current, decision: GUARD.check(joints, current, decision)
    session.set_enabled(True)
    report = session.plan_step()
    assert report.command is not None and "joint 7" in report.reason, report.reason
    assert in_box(report.command[:3], limits), (report.command[:3], lower)
    assert _arrives(report.command, state, limits)



def test_the_camera_checks_moves_reach_the_guard_with_the_clamped_start():
    """The camera check's (and its trial's) moves reach the guard with the clamped start.

    The arm overshoots the box's floor by 4 mm at the end of the -z motion: each decision the
    guard judges (the check's moves go through it as a plan's steps do) carries the measured
    pose clamped into the box as its start.
    """
    from test_robot_camera_check_live import NO_TRIAL, START, IdealArm

    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    floor = SafetyLimits().workspace_min[2]
    near_floor = START.copy()
    near_floor[2] = floor + 0.0301  # the -z motion of 3 cm ends 0.1 mm above the floor
    arm = IdealArm(start=near_floor)
    judged = []

    def guard(current, decision):
        judged.append((np.array(current), decision.start))
        return decision

    def overshoot(arm):  # a compliant arm sagging past a set-point on the floor
        if arm.state[2] < floor + 0.001:
            arm.state[2] = floor - 0.004

    arm.session.joint_guard = guard
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False),
                                         None, NO_TRIAL)
    arm.run(run, overshoot)
    limits = arm.session.limits
    for current, start in judged:
        np.testing.assert_array_equal(start, step_start(current, limits))
    assert any(current[2] < floor for current, _ in judged), (run.error, len(judged))
