"""A recording's hand or arm under other names than one Franka prefix: read, or a fix that works.

The families of breaker54e's defects 2-4 beyond its cases: each refusal's advice is followed
here and must read the bag (fingers of another prefix merged with the arm: ``--gripper-topic``;
a Robotiq's knuckle: ``--no-gripper``; ``arm_joint1..7``: ``--joint-prefix arm_``), another
arm's hand is never taken for this arm's (two arms in the bag), and the live reader (the planner
node's) still never takes another prefix's fingers.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from train_bags import FR3, GRIPPER, _expected_joint_states, _joint_bag, _read

PANDA_HAND = ["panda_finger_joint1", "panda_finger_joint2"]


def _refusal(path, **data) -> str:
    from vjepa_ros.train.episodes import EpisodeError

    with pytest.raises(EpisodeError) as caught:
        _read(path, **data)
    text = str(caught.value)
    assert "\n" not in text and path.name in text, text
    return text


def test_fingers_of_another_prefix_beside_the_arm_are_read_as_the_refusal_says(tmp_path):
    """An fr3_ arm and panda_ fingers in one /joint_states message: read as the advice says.

    Not a gripper topic, so not taken unasked; the refusal names the fingers and
    --gripper-topic /joint_states, which reads them (closedness t / 3), with a note.
    """
    path = _joint_bag(tmp_path / "bag", FR3, PANDA_HAND, fingers_apart=False)
    text = _refusal(path)
    assert "panda_finger_joint1/2 on /joint_states" in text, text
    topic = re.search(r"--gripper-topic (\S+)", text)[1]
    segments, notes = _read(path, topics={"gripper": topic})
    np.testing.assert_allclose(segments[0].states, _expected_joint_states(), atol=1e-5)
    assert any("panda_finger_joint1/2 carry another prefix than the arm's fr3_joint1..7" in note
               and "named with --gripper-topic" in note for note in notes), notes


def test_another_arms_hand_is_never_taken_for_this_arms(tmp_path):
    """Two arms on /joint_states, the right arm's hand alone on its gripper topic: not taken.

    The left arm read (--joint-prefix left_fr3_): the only hand is the other arm's, refused
    naming it.
    """
    from train_bags import CAMERA, READY, T0, _picture

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = []
    for k in range(13):
        time = T0 + k * 250_000_000
        entries.append((CAMERA, m.IMAGE, time, m.image_message(_picture(k), time, "camera")))
    arms = [f"{side}_fr3_joint{i}" for side in ("left", "right") for i in range(1, 8)]
    for k in range(151):
        time = T0 + k * 20_000_000
        entries.append(("/joint_states", m.JOINT_STATE, time,
                        m.joint_state_message(arms, list(READY) * 2, time)))
        entries.append(("/right_gripper/joint_states", m.JOINT_STATE, time, m.joint_state_message(
            ["right_fr3_finger_joint1", "right_fr3_finger_joint2"], [0.02, 0.02], time)))
    entries.sort(key=lambda entry: entry[2])
    path = write_messages(tmp_path / "bag", entries)
    text = _refusal(path, topics={"joint_prefix": "left_fr3_"})
    assert "right_fr3_finger_joint1" in text, text


@pytest.mark.parametrize("joint", ["finger_joint", "robotiq_85_left_knuckle_joint"])
def test_a_robotiq_hand_reads_with_the_advised_no_gripper(joint, tmp_path):
    """The refusal's fix, --no-gripper, reads the arm by FK with closedness 0."""
    path = _joint_bag(tmp_path / "bag", FR3, [joint], fingers_apart=True)
    assert "--no-gripper" in _refusal(path)
    (segment,), _ = _read(path, topics={"no_gripper": True})
    np.testing.assert_allclose(segment.states[:, :6], _expected_joint_states()[:, :6], atol=1e-5)
    np.testing.assert_array_equal(segment.states[:, 6], 0.0)


def test_a_named_robotiq_topic_is_refused_naming_its_joint(tmp_path):
    """--gripper-topic naming the Robotiq's topic: refused naming its joint.

    Its joint named as not read, no option to read it, and the closedness-0 fix in the form
    that works with the topic named.
    """
    path = _joint_bag(tmp_path / "bag", FR3, ["finger_joint"], fingers_apart=True)
    text = _refusal(path, topics={"gripper": GRIPPER})
    assert f"gripper topic {GRIPPER}: the hand there is no Franka Hand: finger_joint on" in text
    assert "leave --gripper-topic out and pass --no-gripper" in text, text


def test_arm_joints_of_another_prefix_read_with_the_advised_joint_prefix(tmp_path):
    """arm_joint1..7 (a bridge's own prefix): the advice --joint-prefix arm_ reads them by FK."""
    arm = [f"arm_joint{i}" for i in range(1, 8)]
    path = _joint_bag(tmp_path / "bag", arm, ["arm_finger_joint1", "arm_finger_joint2"],
                      fingers_apart=False)
    text = _refusal(path)
    assert "record the arm's /joint_states" not in text, text
    prefix = re.search(r"--joint-prefix (\S+)", text)[1]
    (segment,), _ = _read(path, topics={"joint_prefix": prefix})
    np.testing.assert_allclose(segment.states, _expected_joint_states(), atol=1e-5)


@pytest.mark.parametrize("apart", [True, False])
def test_bare_joint_names_are_read_as_the_arm(tmp_path, apart):
    """Bare joint1..7 and finger_joint1/2 (franka_description's --no-prefix arm): read.

    Refused before (mend58a: an empty prefix is an arm's, as the planner node reads it), with
    the fingers in their own messages or beside the arm.
    """
    path = _joint_bag(tmp_path / "bag", [f"joint{i}" for i in range(1, 8)],
                      ["finger_joint1", "finger_joint2"], fingers_apart=apart)
    (segment,), _ = _read(path)
    np.testing.assert_allclose(segment.states, _expected_joint_states(), atol=1e-5)


def test_the_live_reader_never_takes_another_prefixs_fingers():
    """The planner node's reader (no hand_prefix) takes no hand of another prefix.

    Once the arm is fr3_, panda_ fingers are no hand of its; a recording's reader told the
    hand's prefix reads them, and only them.
    """
    from vjepa_ros.robot.joint_states import JointStateReader

    live = JointStateReader()
    assert live.read(FR3, [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]).arm is not None
    assert live.read(PANDA_HAND, [0.03, 0.03]).foreign
    told = JointStateReader("fr3_", hand_prefix="panda_")
    np.testing.assert_allclose(told.read(PANDA_HAND, [0.03, 0.03]).fingers, [0.03, 0.03])
    assert told.read(["fr3_finger_joint1", "fr3_finger_joint2"], [0.01, 0.01]).foreign


@pytest.mark.parametrize(("hand", "read"), [("fr3_", True), ("right_fr3_", False),
                                            ("arm2_fr3_", False), ("panda_", True)])
def test_a_lone_hand_is_read_unless_its_prefix_names_another_arm(hand, read, tmp_path):
    """A left_fr3_ arm, the only hand ``hand``'s on a gripper topic: read, or refused.

    Another arm id of the arm's robot type (right_fr3_, arm2_fr3_) is the other arm's hand:
    refused naming its joints and --gripper-topic, which reads it (the user says whose it
    is); a prefix without an arm id (fr3_: a gripper node's default) or of another type is read
    unasked, with a note.
    """
    from train_bags import _arm_and_hands, _fingers

    arm = [f"left_fr3_joint{i}" for i in range(1, 8)]
    path = _arm_and_hands(tmp_path / "bag", "/left/joint_states", arm,
                          [("/hand/gripper/joint_states", _fingers(hand), 0, 3)])
    topics = {"joint_states": "/left/joint_states"}
    if not read:
        text = _refusal(path, topics=topics)
        assert f"{hand}finger_joint1" in text, text
        topics["gripper"] = re.search(r"--gripper-topic (\S+)", text)[1]
    segments, notes = _read(path, topics=topics)
    closedness = np.concatenate([segment.states[:, 6] for segment in segments])
    np.testing.assert_allclose(closedness, np.arange(13) * 0.25 / 3, atol=0.02)
    assert any(f"{hand}finger_joint1/2 carry another prefix" in note for note in notes), notes


def test_the_prefixes_that_name_another_arm():
    """``other_arms_hand``: another arm id of the same robot type, nothing else."""
    from vjepa_ros.recordings.other_hands import other_arms_hand

    assert other_arms_hand("right_fr3_", "left_fr3_")
    assert other_arms_hand("robot_b_panda_", "robot_a_panda_")
    assert not other_arms_hand("fr3_", "left_fr3_")  # no arm id: a node's default
    assert not other_arms_hand("left_fr3_", "fr3_")  # the arm has none to differ from
    assert not other_arms_hand("right_panda_", "left_fr3_")  # another robot type
    assert not other_arms_hand("left_fr3_", "left_fr3_")


@pytest.mark.parametrize("named", [False, True])
def test_two_live_hands_on_one_topic_are_refused_naming_both(named, tmp_path):
    """hand_a_ and hand_b_ fingers both published on /gripper/joint_states the whole time.

    Two grippers on one topic: which is this arm's is unknown, unasked or with the topic named.
    Refused naming both hands and what works (--no-gripper, one bag per hand), advising no
    --gripper-topic (it would read neither); --no-gripper then reads the bag.
    """
    from train_bags import _arm_and_hands, _fingers

    fr3 = [f"fr3_joint{i}" for i in range(1, 8)]
    path = _arm_and_hands(tmp_path / "bag", "/joint_states", fr3,
                          [("/gripper/joint_states", _fingers("hand_a_"), 0, 3),
                           ("/gripper/joint_states", _fingers("hand_b_"), 0, 3)])
    text = _refusal(path, topics={"gripper": "/gripper/joint_states"} if named else {})
    assert "hand_a_finger_joint1/2" in text and "hand_b_finger_joint1/2" in text, text
    assert "--gripper-topic /gripper/joint_states" not in text, text
    assert "holds no finger joints" not in text and "--no-gripper" in text, text
    segments, _ = _read(path, topics={"no_gripper": True})
    assert sum(len(segment) for segment in segments) == 13
