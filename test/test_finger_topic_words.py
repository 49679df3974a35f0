"""The finger topic's note follows what the topics carry (mend59a #3, user58u)."""

import pytest

from vjepa_ros.robot.finger_watch import FingerWatch


@pytest.mark.parametrize("arm_topic", ["/franka_gripper/joint_states", "/robot1/gripper/states"])
def test_a_gripper_topic_given_as_the_arm_s_is_not_said_to_be_missing(arm_topic):
    watch = FingerWatch(max_age_s=1.0, arm_topic=arm_topic)
    note = watch.offer(arm_topic, "fr3_", 0.0, now=1.0)
    assert f"gripper state from {arm_topic}" in note, note
    assert "no *gripper* topic" not in note and "no gripper topic" not in note, note
    assert "carries the arm's joints and the fingers" in note, note


def test_fingers_merged_into_plain_joint_states_say_no_other_topic_brought_them():
    watch = FingerWatch(max_age_s=1.0, arm_topic="/joint_states")
    note = watch.offer("/joint_states", "fr3_", 0.0, now=1.0)
    assert "merged into the arm's joint states: no other finger topic" in note, note
