"""The planner node's checks of the arm itself (fix54g): its frame and its joints.

target_pose is stamped in the learned arm's link0 (breaker54g item 2).
``robot.joint_prefix`` empty: the arm's prefix is learned from the joint names. The harness's
arm is a panda_joint1..7 one; under ``robot.model`` fr3 the default frame was fr3_link0 while
forward kinematics gave panda_link0 coordinates. A ``robot.base_frame`` naming the other arm's
link0 refuses ``~/enable`` and stops a commanding already on, in one line naming it. Each
command is checked against the joints read with the state it starts from (robot/joint_guard.py,
robot/accepted_joints.py), not a newer reading the session refused.
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import HOME, checkpoint, harness  # noqa: E402, F401

from vjepa_ros.robot.accepted_joints import NO_JOINTS  # noqa: E402
from vjepa_ros.robot.safety import filter_target  # noqa: E402


def _kept(h, joints, index):
    """Joint ``index`` [rad] the planner kept for the state of arm ``joints`` (None: none kept)."""
    kept = h.planner.accepted_joints.joints_for(h.planner.kinematics.state(np.array(joints), 0.0))
    return None if kept is None else kept[index]


def test_target_pose_is_stamped_in_the_learned_arms_link0(harness):  # noqa: F811
    h = harness(**{"robot.model": "fr3"})
    assert h.pump(1.0, until=lambda: h.session.frame is not None and h.planner.frame_prefix)
    assert h.capture().success
    assert h.enable().success
    assert h.pump(10.0, until=lambda: len(h.got["pose"]) >= 5), h.diagnostics()
    assert {m.header.frame_id for m in h.got["pose"]} == {"panda_link0"}


def test_a_base_frame_of_another_arm_refuses_enable_and_stops_commanding(harness):  # noqa: F811
    h = harness(**{"robot.base_frame": "fr3_link0"})  # accepted at start: prefix unknown
    h.pump(0.3, joints=None)
    assert h.enable().success  # no joint state yet: nothing known against it
    said = "robot.base_frame 'fr3_link0' but the arm's joints are panda_joint1..7"
    assert h.pump(1.0, until=lambda: h.logs(said)), [m.msg for m in h.got["log"]][-5:]
    assert not h.session.enabled  # the mismatch stopped the commanding it found on
    answer = h.enable()
    assert not answer.success and said in answer.message, answer.message
    h.pump(0.5)
    assert not h.got["pose"]


def test_commands_are_checked_against_the_newest_joints_read(harness):  # noqa: F811
    h = harness(**{"safety.joint_limit_margin_rad": 0.2})
    wrist = list(HOME)
    wrist[6] = 2.75  # 0.147 rad from the Panda's limit: within the margin of 0.2
    assert h.pump(1.0, until=lambda: _kept(h, wrist, 6) == 2.75, joints=wrist)
    state = h.planner.kinematics.state(np.array(wrist), 0.0)
    toward, away = state.copy(), state.copy()
    toward[5] -= 0.2  # the hand's yaw turns joint 7 up, into its limit
    away[5] += 0.2
    limits = h.planner.config.safety
    refused = h.session.joint_guard(state, filter_target(state, toward, limits))
    assert not refused.accepted and "joint 7" in refused.reason
    assert "safety.joint_limit_margin_rad 0.2" in refused.reason
    assert h.session.joint_guard(state, filter_target(state, away, limits)).reason == ""


def test_the_guard_reads_the_accepted_state_s_joints_not_a_refused_glitch_s(harness):  # noqa: F811
    """review54 item 7: a glitched wrist reading refused by the jump watch was what the guard read.

    The real wrist 0.147 rad from its limit (inside the margin); one joint state reads it at 0
    (the hand's yaw jumps 2.75 rad in 30 ms: refused). A step turning the wrist on must still be
    refused from the accepted state's joints; a state with no joints kept refuses any step.
    """
    h = harness(**{"safety.joint_limit_margin_rad": 0.2})
    wrist = list(HOME)
    wrist[6] = 2.75
    assert h.pump(1.0, until=lambda: _kept(h, wrist, 6) == 2.75, joints=wrist)
    accepted = h.session.inputs.latest_state().value.copy()
    glitch = list(wrist)
    glitch[6] = 0.0
    h.publish(joints=glitch)
    assert h.pump(1.0, until=lambda: h.logs("faster than an arm turns"), joints=None)
    assert h.logs("faster than an arm turns"), "setup: the glitch was refused as a jump"
    np.testing.assert_array_equal(h.session.inputs.latest_state().value, accepted)
    toward = accepted.copy()
    toward[5] -= 0.2  # the hand's yaw turns joint 7 up, into its limit
    limits = h.planner.config.safety
    verdict = h.session.joint_guard(accepted, filter_target(accepted, toward, limits))
    assert not verdict.accepted and "joint 7 would stay within" in verdict.reason, verdict
    unknown = accepted.copy()
    unknown[0] += 0.01  # no joint state gave this pose
    moved = unknown.copy()
    moved[0] += 0.01
    verdict = h.session.joint_guard(unknown, filter_target(unknown, moved, limits))
    assert not verdict.accepted and verdict.reason == NO_JOINTS


def test_a_pose_source_has_no_joint_guard(harness):  # noqa: F811
    h = harness(**{"robot.state_source": "pose"})
    assert h.session.joint_guard is None
