"""A bare arm (joint1..7) takes a hand named by a model word only: franka_gripper's default.

franka_description's ``--no-prefix`` arm names its joints ``joint1..7``; franka_gripper, launched
with its own ``arm_id``, names the fingers ``fr3_finger_joint1/2`` (``panda_``, ``fer_`` ...).
Such a prefix names no robot of a cell (``arm_models.PLAIN_PREFIXES``), so it is this arm's hand:
in the live reader, merged or split, fingers first or arm first, in the planner node's choice of
the finger topic (automatic or ``robot.gripper_state_topic``) and in recordings. A prefix that
names a robot (``robot2/fr3_``, ``left_fr3_``, ``panda_1_``) stays foreign, and a prefixed arm
still takes only its own prefix's fingers (breaker58h 3; ``joint_states.hand_of_arm``).
"""

import numpy as np
import pytest
from train_bags import _expected_joint_states, _joint_bag, _read

from vjepa_ros.robot.arm_models import PLAIN_PREFIXES
from vjepa_ros.robot.finger_watch import FingerWatch
from vjepa_ros.robot.joint_states import JointStateReader, hand_of_arm

Q = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]  # rad: the Franka's ready pose
ARM = [f"joint{i}" for i in range(1, 8)]
MODEL_HANDS = [prefix for prefix in PLAIN_PREFIXES if prefix]
NAMED_HANDS = ["robot2/fr3_", "left_fr3_", "panda_1_", "ns/", "arm_"]


def hand(prefix):
    return [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]


@pytest.mark.parametrize("prefix", MODEL_HANDS)
@pytest.mark.parametrize("layout", ["merged", "arm first", "fingers first"])
def test_a_bare_arm_reads_a_model_word_hand(prefix, layout):
    reader = JointStateReader()
    if layout == "merged":
        reading = reader.read(hand(prefix) + ARM, [0.02, 0.01] + Q)
    elif layout == "arm first":
        reader.read(ARM, Q)
        reading = reader.read(hand(prefix), [0.02, 0.01])
    else:  # a lone hand before the arm is known: any prefix (the watch checks it later)
        reading = reader.read(hand(prefix), [0.02, 0.01])
        assert reader.read(ARM, Q).arm is not None
        reading = reader.read(hand(prefix), [0.02, 0.01])
    assert reading.fingers.tolist() == [0.02, 0.01] and reading.finger_prefix == prefix
    assert reader.prefix == ""


@pytest.mark.parametrize("prefix", NAMED_HANDS)
def test_a_hand_naming_a_robot_stays_foreign_to_a_bare_arm(prefix):
    reader = JointStateReader()
    reading = reader.read(ARM + hand(prefix), Q + [0.02, 0.02])
    assert reading.arm is not None and reading.fingers is None
    assert reader.read(hand(prefix), [0.02, 0.02]).foreign


def test_the_bare_hand_beside_a_model_word_hand_is_the_bare_arm_s():
    reading = JointStateReader().read(ARM + hand("fr3_") + hand(""), Q + [0.04, 0.04, 0.01, 0.01])
    assert reading.finger_prefix == "" and reading.fingers.tolist() == [0.01, 0.01]


def test_two_model_word_hands_beside_a_bare_arm_are_neither_taken():
    """fr3_ and panda_ fingers with a bare arm: which is its hand cannot be told."""
    reading = JointStateReader().read(ARM + hand("fr3_") + hand("panda_"), Q + [0.01] * 4)
    assert reading.arm is not None and reading.fingers is None


@pytest.mark.parametrize("arm, fingers", [("fr3_", ""), ("fr3_", "panda_"), ("left_fr3_", "fr3_")])
def test_a_prefixed_arm_still_takes_its_own_prefix_only(arm, fingers):
    reader = JointStateReader()
    reader.read([f"{arm}joint{i}" for i in range(1, 8)], Q)
    assert reader.read(hand(fingers), [0.02, 0.02]).foreign
    assert not hand_of_arm(fingers, arm) and hand_of_arm(arm, arm)


@pytest.mark.parametrize("topic", ["/fr3_gripper/joint_states", "/gripper/joint_states"])
@pytest.mark.parametrize("arm_first", [True, False])
def test_the_node_takes_franka_gripper_s_fingers_for_a_bare_arm(topic, arm_first):
    watch = FingerWatch(max_age_s=1.0)  # automatic search, the arm on /joint_states
    if arm_first:
        assert watch.check_arm("") == ""
    note = watch.offer(topic, "fr3_", 0.25, now=1.0)
    note += watch.check_arm("")
    assert watch.hand == f"{topic} (fr3_finger_joint1/2)", note
    assert watch.measured(1.1) and watch.value() == 0.25
    assert "another hand" not in note


def test_a_configured_gripper_topic_s_model_word_hand_counts_for_a_bare_arm():
    watch = FingerWatch(configured_topic="/fr3_gripper/joint_states", max_age_s=1.0)
    watch.check_arm("")
    note = watch.offer("/fr3_gripper/joint_states", "fr3_", 0.5, now=1.0)
    assert "another hand" not in note and watch.measured(1.1) and watch.value() == 0.5


def test_the_node_drops_a_robot_named_hand_for_a_bare_arm():
    watch = FingerWatch(configured_topic="/gripper/joint_states", max_age_s=1.0)
    watch.check_arm("")
    note = watch.offer("/gripper/joint_states", "left_fr3_", 0.5, now=1.0)
    assert "another hand's" in note and not watch.measured(1.1)


@pytest.mark.parametrize("apart", [True, False], ids=["gripper-topic", "merged"])
@pytest.mark.parametrize("prefix", ["fr3_", "panda_"])
def test_a_recording_reads_a_bare_arm_s_model_word_hand(tmp_path, apart, prefix):
    """The bag's reader is the node's: the fingers read, closedness t / 3, merged too."""
    path = _joint_bag(tmp_path / "bag", ARM, hand(prefix), fingers_apart=apart)
    (segment,), notes = _read(path)
    np.testing.assert_allclose(segment.states, _expected_joint_states(), atol=1e-5)
    assert not any("no gripper state" in note for note in notes), notes
