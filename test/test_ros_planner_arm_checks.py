"""The planner node's checks of the arm itself (fix54g): its frame and its joints.

target_pose is stamped in the learned arm's link0 (breaker54g item 2).
``robot.joint_prefix`` empty: the arm's prefix is learned from the joint names. The harness's
arm is a panda_joint1..7 one; under ``robot.model`` fr3 the default frame was fr3_link0 while
forward kinematics gave panda_link0 coordinates. A ``robot.base_frame`` naming the other arm's
link0 refuses ``~/enable`` and stops a commanding already on, in one line naming it. Each
command is checked against the newest joints read (robot/joint_guard.py).
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import HOME, checkpoint, harness  # noqa: E402, F401

from vjepa_ros.robot.safety import filter_target  # noqa: E402


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
    assert h.pump(1.0, until=lambda: h.planner.arm_joints is not None
                  and h.planner.arm_joints[6] == 2.75, joints=wrist)
    state = h.planner.kinematics.state(np.array(wrist), 0.0)
    toward, away = state.copy(), state.copy()
    toward[5] -= 0.2  # the hand's yaw turns joint 7 up, into its limit
    away[5] += 0.2
    limits = h.planner.config.safety
    refused = h.session.joint_guard(state, filter_target(state, toward, limits))
    assert not refused.accepted and "joint 7" in refused.reason
    assert "safety.joint_limit_margin_rad 0.2" in refused.reason
    assert h.session.joint_guard(state, filter_target(state, away, limits)).reason == ""


def test_a_pose_source_has_no_joint_guard(harness):  # noqa: F811
    h = harness(**{"robot.state_source": "pose"})
    assert h.session.joint_guard is None
