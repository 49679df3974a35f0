"""The joint-limit guard reads the joints of the state the session accepted (review54 item 7).

The planner node gave the guard the newest joints *read*, also those of a state the session
refused (a glitch held on by the jump watch): with the real wrist 0.15 rad from its limit and a
glitched reading of it clear of the limit, a step turning the wrist on was predicted from the
glitch. ``robot/accepted_joints.py`` keeps the joints of the states the session took as its
newest, by pose; a step from a state without them is refused. ROS-free; the node's wiring is in
``test_ros_planner_arm_checks.py``.
"""

import numpy as np
import pytest

from vjepa_ros.robot.accepted_joints import KEPT, NO_JOINTS, AcceptedJoints
from vjepa_ros.robot.joint_guard import JointLimitGuard
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig
from vjepa_ros.robot.safety import SafetyLimits, filter_target

HOME = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
KINEMATICS = FrankaKinematics(RobotConfig())


def _state(joints, gripper=0.0):
    return KINEMATICS.state(np.asarray(joints, dtype=np.float64), gripper)


def test_only_a_state_the_session_took_as_its_newest_keeps_its_joints():
    kept = AcceptedJoints()
    wrist = HOME.copy()
    wrist[6] = 2.75
    accepted = _state(wrist)
    assert kept.offer(accepted, wrist).settle(accepted)
    glitch = HOME.copy()
    glitch[6] = 0.0
    refused = _state(glitch)
    assert not kept.offer(refused, glitch).settle(accepted), "refused: the newest is the old one"
    assert not kept.offer(refused, glitch).settle(None)
    np.testing.assert_array_equal(kept.joints_for(accepted), wrist)
    assert kept.joints_for(refused) is None


def test_the_joints_are_found_by_the_pose_whatever_the_gripper_and_copied():
    kept = AcceptedJoints()
    joints = HOME.copy()
    state = _state(joints, gripper=0.3)
    kept.offer(state, joints).settle(state)
    joints[0] = 1.0  # the caller's array changes after: the kept joints do not
    np.testing.assert_array_equal(kept.joints_for(_state(HOME, gripper=0.9)), HOME)


def test_the_newest_states_are_kept_and_the_oldest_forgotten():
    kept = AcceptedJoints()
    states = []
    for index in range(KEPT + 10):  # a 1 kHz stream while a guard runs
        joints = HOME + 1e-4 * index
        states.append(_state(joints))
        kept.offer(states[-1], joints).settle(states[-1])
    assert kept.joints_for(states[0]) is None and kept.joints_for(states[9]) is None
    np.testing.assert_allclose(kept.joints_for(states[10]), HOME + 1e-3)
    np.testing.assert_allclose(kept.joints_for(states[-1]), HOME + 1e-4 * (KEPT + 9))
    again = states[10]  # a state met again is the newest again
    kept.offer(again, HOME + 1e-3).settle(again)
    for index in range(KEPT - 1):
        joints = HOME - 1e-4 * (index + 1)
        kept.offer(_state(joints), joints).settle(_state(joints))
    assert kept.joints_for(again) is not None and kept.joints_for(states[11]) is None


def test_a_state_s_joints_are_found_before_the_session_takes_it():
    """breaker55j: kept after the session took the state, a guard between found none."""
    kept = AcceptedJoints()
    state = _state(HOME)
    offer = kept.offer(state, HOME)
    np.testing.assert_array_equal(kept.joints_for(state), HOME)  # before it is the newest
    assert offer.settle(state)
    np.testing.assert_array_equal(kept.joints_for(state), HOME)


@pytest.mark.parametrize("latest", ["refused", "late", "none"])
def test_a_state_the_session_did_not_take_gives_back_what_its_pose_had(latest):
    """A withdrawn offer leaves no joints for its pose, or those the pose had before."""
    kept = AcceptedJoints()
    accepted, newer = _state(HOME), _state(HOME + 0.01)
    kept.offer(accepted, HOME).settle(accepted)
    kept.offer(newer, HOME + 0.01).settle(newer)
    glitch = HOME.copy()
    glitch[6] = 0.0
    newest = {"refused": newer, "late": newer, "none": None}[latest]
    offered = accepted if latest == "late" else _state(glitch)  # late: the older pose again
    joints = HOME + 1e-9 if latest == "late" else glitch
    assert not kept.offer(offered, joints).settle(newest)
    if latest == "late":  # the pose keeps the joints of the state the session took then
        np.testing.assert_array_equal(kept.joints_for(accepted), HOME)
    else:
        assert kept.joints_for(offered) is None
    np.testing.assert_array_equal(kept.joints_for(newer), HOME + 0.01)


def test_a_withdrawn_offer_leaves_a_later_offer_of_its_pose():
    kept = AcceptedJoints()
    state = _state(HOME)
    first = kept.offer(state, HOME)
    kept.offer(state, HOME + 1e-9).settle(state)  # the same pose offered and taken since
    assert not first.settle(None)
    np.testing.assert_array_equal(kept.joints_for(state), HOME + 1e-9)


@pytest.fixture()
def guard():
    return JointLimitGuard(KINEMATICS, margin=0.2)


def test_a_step_from_a_state_without_its_joints_is_refused(guard):
    current = _state(HOME)
    target = current.copy()
    target[0] += 0.02
    decision = filter_target(current, target, SafetyLimits())
    assert decision.accepted, "setup: a safe step"
    verdict = guard.check(None, current, decision)
    assert not verdict.accepted and verdict.reason == NO_JOINTS
    assert guard.check(HOME, current, decision).accepted, "with its joints: clear of the limits"


def test_a_gripper_only_step_or_a_refused_one_needs_no_joints(guard):
    current = _state(HOME, gripper=0.0)
    hand = current.copy()
    hand[6] = 1.0
    decision = filter_target(current, hand, SafetyLimits())
    assert guard.check(None, current, decision) is decision
    stale = filter_target(current, hand, SafetyLimits(), 10.0, 0.0)  # a frame 10 s old
    assert not stale.accepted and guard.check(None, current, stale) is stale


def test_the_guard_given_the_accepted_joints_refuses_what_the_glitch_s_would_pass(guard):
    wrist = HOME.copy()
    wrist[6] = 2.75  # 0.147 rad from the Panda's limit: within the margin
    glitch = wrist.copy()
    glitch[6] = 0.0
    kept = AcceptedJoints()
    accepted = _state(wrist)
    kept.offer(accepted, wrist).settle(accepted)
    kept.offer(_state(glitch), glitch).settle(accepted)  # refused by the session
    toward = accepted.copy()
    toward[5] -= 0.2  # the hand's yaw turns joint 7 up, into its limit
    decision = filter_target(accepted, toward, SafetyLimits())
    verdict = guard.check(kept.joints_for(accepted), accepted, decision)
    assert not verdict.accepted and "joint 7 would stay within" in verdict.reason, verdict


def test_observe_gives_the_session_the_state_and_keeps_the_joints_of_the_newest_only():
    """``AcceptedJoints.observe``: the node's one call per arm joint state (a real session)."""
    from test_robot_mpc import make_session, tiny_world_model

    session, clock, _ = make_session(tiny_world_model())
    kept = AcceptedJoints()
    wrist = HOME.copy()
    wrist[6] = 2.75
    accepted = _state(wrist)
    assert kept.observe(session, accepted, wrist, clock.now, gripper_measured=True)
    np.testing.assert_array_equal(session.inputs.latest_state().value, accepted)
    assert session.inputs.latest_state().gripper_measured
    late = HOME.copy()
    late[0] = 0.3  # stamped before the newest: the session keeps the newest
    assert not kept.observe(session, _state(late), late, clock.now - 0.5, gripper_measured=True)
    np.testing.assert_array_equal(session.inputs.latest_state().value, accepted)
    assert kept.joints_for(_state(late)) is None
    np.testing.assert_array_equal(kept.joints_for(accepted), wrist)
    clock.now += 0.01
    moved = wrist.copy()
    moved[0] = 0.001
    assert kept.observe(session, _state(moved), moved, clock.now, gripper_measured=False)
    assert not session.inputs.latest_state().gripper_measured
    np.testing.assert_array_equal(kept.joints_for(_state(moved)), moved)
