"""Whether the gripper's closedness counts as measured (robot/finger_watch.py), ROS-free.

A planned gripper command may only rest on a measured closedness. These tests pin what makes it
unmeasured: another robot's hand taken before the arm's prefix was known, a finger topic gone
silent, an unusable finger message, and that each lapse is said once and its end said too.
"""

import pytest

from vjepa_ros.robot.finger_watch import FingerWatch

RIGHT, LEFT = "/right_fr3_gripper/joint_states", "/left_fr3_gripper/joint_states"


def test_the_first_topic_with_fingers_is_chosen_and_others_are_ignored():
    watch = FingerWatch(max_age_s=1.0)
    note = watch.offer(LEFT, "left_fr3_", 0.25, now=10.0)
    assert watch.topic == LEFT and LEFT in note and "left_fr3_finger_joint1/2" in note
    assert watch.offer(RIGHT, "right_fr3_", 0.9, now=10.1) == ""
    assert watch.value() == 0.25 and watch.measured(10.2)


def test_before_any_finger_state_the_hand_is_guessed_open():
    watch = FingerWatch()
    assert not watch.measured(0.0) and watch.value() == 0.0 and watch.age(0.0) is None
    assert watch.lapse(100.0) == "", "nothing lapsed: the command session warns about this case"


def test_another_robots_hand_is_dropped_once_the_arms_prefix_is_known():
    watch = FingerWatch(max_age_s=1.0)
    watch.offer(RIGHT, "right_fr3_", 0.0, now=1.0)  # the other robot's fingers came first
    assert watch.check_arm(None) == "" and watch.measured(1.1), "no arm yet: a lone hand counts"
    assert watch.check_arm("right_fr3_") == "", "its own hand stays"
    note = watch.check_arm("left_fr3_")
    assert RIGHT in note and "right_fr3_finger_joint1/2" in note and "left_fr3_joint1..7" in note
    assert "searching again" in note
    assert watch.topic is None and not watch.measured(1.1) and watch.value() == 0.0
    watch.offer(LEFT, "left_fr3_", 0.75, now=1.2)  # the search finds this arm's hand
    assert watch.topic == LEFT and watch.measured(1.3) and watch.value() == 0.75


def test_a_configured_topic_with_another_hand_keeps_the_topic_and_says_what_to_set():
    watch = FingerWatch("/hand", max_age_s=1.0)
    watch.offer("/hand", "right_fr3_", 0.5, now=1.0)
    note = watch.check_arm("left_fr3_")
    assert "robot.gripper_state_topic" in note and "left_fr3_finger_joint1/2" in note
    assert watch.topic == "/hand" and not watch.measured(1.1)


@pytest.mark.parametrize("max_age", [0.2, 1.0, 5.0])
def test_a_silent_finger_topic_stops_counting_as_measured_after_its_age_limit(max_age):
    watch = FingerWatch(max_age_s=max_age)
    watch.offer(LEFT, "left_fr3_", 1.0, now=50.0)  # the hand holds an object, closed
    assert watch.measured(50.0 + max_age * 0.99) and watch.lapse(50.0 + max_age * 0.99) == ""
    later = 50.0 + max_age + 0.01
    assert not watch.measured(later)
    assert watch.value() == 1.0, "the last measured closedness stays the state's best guess"
    note = watch.lapse(later)
    assert LEFT in note and "safety.max_gripper_state_age_s" in note
    assert "no planned gripper command" in note
    assert watch.lapse(later + 10) == "", "said once per lapse"
    back = watch.offer(LEFT, "left_fr3_", 1.0, now=later + 11)
    assert "arrive again" in back and watch.measured(later + 11)
    assert watch.lapse(later + 11 + max_age * 2) != "", "a second lapse is said again"


def test_an_unusable_finger_message_makes_the_closedness_unknown_until_a_good_one():
    watch = FingerWatch(max_age_s=1.0)
    watch.offer(LEFT, "left_fr3_", 0.5, now=1.0)
    watch.unusable(RIGHT)  # another topic's bad message: not this hand's
    assert watch.measured(1.1)
    watch.unusable(LEFT)  # e.g. NaN fingers: the old value is no measurement any more
    assert not watch.measured(1.1) and watch.age(1.1) is None
    assert "unusable" in watch.lapse(1.1)
    watch.offer(LEFT, "left_fr3_", 0.5, now=1.2)
    assert watch.measured(1.3)
