"""Arms whose joints carry no model prefix, and franka_ros's numbered arms (mend58a).

franka_description's ``--no-prefix`` arm publishes ``joint1..7`` and its hand
``finger_joint1/2``: with ``robot.joint_prefix`` empty ("find it") they were never taken (the
planner saw no arm: "no joint state"). Now the empty prefix is an arm's when all seven are there
alone (beside a prefixed arm they are another device's, fix58r). franka_ros's multi-arm
``panda_1_joint1..7`` are read with ``robot.joint_prefix panda_1_``.
"""

import numpy as np
import pytest

from vjepa_ros.robot.finger_watch import FingerWatch
from vjepa_ros.robot.joint_states import (
    ArmStateError,
    JointStateReader,
    arm_prefixes,
    expected_arm_joints,
)

Q = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]  # rad: the Franka's ready pose


def arm(prefix):
    return [f"{prefix}joint{i}" for i in range(1, 8)]


def hand(prefix):
    return [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]


@pytest.mark.parametrize("order", ["arm first", "hand first", "shuffled"])
def test_a_bare_arm_and_hand_in_one_message_are_read(order):
    names, positions = arm("") + hand(""), Q + [0.01, 0.01]
    if order == "hand first":
        names, positions = names[7:] + names[:7], positions[7:] + positions[:7]
    elif order == "shuffled":
        index = np.random.default_rng(0).permutation(9)
        names, positions = [names[i] for i in index], [positions[i] for i in index]
    reader = JointStateReader()
    reading = reader.read(names, positions)
    assert reading.arm.tolist() == Q and reading.fingers.tolist() == [0.01, 0.01]
    assert reading.finger_prefix == "" and reader.prefix == ""
    assert reading.arm_names == tuple(arm(""))


def test_a_bare_arm_and_its_hand_in_separate_messages_are_read():
    reader = JointStateReader()
    assert reader.has_arm(arm(""))
    assert reader.read(arm(""), Q).arm.tolist() == Q
    reading = reader.read(hand(""), [0.02, 0.02])
    assert reading.fingers.tolist() == [0.02, 0.02] and reading.finger_prefix == ""
    assert reader.read(hand("robot2/fr3_"), [0.02, 0.02]).foreign  # another robot's hand


@pytest.mark.parametrize("other", ["fr3_", "panda_", "left_fr3_"])
def test_a_bare_set_beside_a_prefixed_arm_is_another_device_s(other):
    """joint1..7 beside <model>_joint1..7 in one message: the prefixed one is the Franka (fix58r).

    Bare names are any device's (an xArm7's, a simulator's); a model word says Franka.
    """
    reader = JointStateReader()
    reading = reader.read(arm("") + arm(other), [0.0] * 7 + Q)
    assert reading.arm.tolist() == Q and reading.arm_names == tuple(arm(other))
    assert reader.prefix == other


def test_a_prefixed_arm_after_the_bare_one_is_refused_naming_both():
    reader = JointStateReader()
    reader.read(arm(""), Q)
    with pytest.raises(ArmStateError, match="more than one Franka arm") as raised:
        reader.read(arm("fr3_"), Q)
    said = str(raised.value)
    assert "fr3_joint1..7" in said and "(joint1..7" in said and "'fr3_'" in said
    assert "robot.joint_prefix" in said and "unprefixed" in said


def test_a_bare_set_after_a_prefixed_arm_is_another_device_s():
    reader = JointStateReader()
    reader.read(arm("fr3_"), Q)
    assert not reader.has_arm(arm(""))
    assert reader.read(arm(""), Q).foreign
    with pytest.raises(ArmStateError, match="more than one Franka arm"):
        reader.read(arm("panda_"), Q)  # a second Franka (model word) is still refused


def test_a_prefix_given_leaves_the_bare_arm_foreign():
    reader = JointStateReader("fr3_")
    assert reader.read(arm(""), Q).foreign
    assert reader.read(arm("fr3_") + arm(""), Q + Q).arm.tolist() == Q


@pytest.mark.parametrize("names", [
    [f"wrist_joint{i}" for i in range(1, 8)],  # no model word: some other machine
    [f"left_joint{i}" for i in range(1, 8)],
    [f"joint{i}" for i in range(8, 15)],  # joint8..: not a Franka's 1..7
    [f"myjoint{i}" for i in range(1, 8)],
])
def test_names_that_only_end_in_joint_n_are_no_arm(names):
    assert not JointStateReader().has_arm(names)
    assert arm_prefixes(names) == []


@pytest.mark.parametrize("number", ["1", "2"])
def test_franka_ros_numbered_arms_are_read_by_their_prefix(number):
    prefix = f"panda_{number}_"
    names = arm("panda_1_") + hand("panda_1_") + arm("panda_2_") + hand("panda_2_")
    positions = Q + [0.01, 0.01] + [q + 0.1 for q in Q] + [0.03, 0.03]
    reading = JointStateReader(prefix).read(names, positions)
    want = Q if number == "1" else [q + 0.1 for q in Q]
    assert np.allclose(reading.arm, want)
    assert reading.fingers.tolist() == ([0.01, 0.01] if number == "1" else [0.03, 0.03])
    assert reading.finger_prefix == prefix


def test_the_bare_names_are_found_in_recordings_and_said_in_messages():
    assert arm_prefixes(arm("") + hand("")) == [""]
    assert arm_prefixes(arm("") + arm("fr3_")) == ["fr3_"]  # bare beside a Franka: another's
    assert arm_prefixes(arm("fr3_") + arm("panda_")) == ["fr3_", "panda_"]
    assert "joint1..7" in expected_arm_joints("") and "unprefixed" in expected_arm_joints("")


def test_the_bare_hand_is_no_distinctive_prefix_outside_the_arm_s_namespace():
    """A bare hand on another robot's topic is not this bare arm's (as panda_, fr3_)."""
    watch = FingerWatch(max_age_s=1.0)  # the arm's states on /joint_states
    assert watch.check_arm("") == ""
    watch.offer("/robot2/gripper/joint_states", "", 0.5, now=1.0)
    assert watch.topic is None and not watch.measured(1.1)
    watch.offer("/gripper/joint_states", "", 0.25, now=1.2)
    assert watch.topic == "/gripper/joint_states" and watch.value() == 0.25
