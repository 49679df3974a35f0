"""Which hand a bag of two arms is read with: the evaluated arm's, by namespace, or refused.

The family of breaker54b's defects beyond its cases: every arm of a two-arm bag (pose topics or
joint states, franka_ros and franka_ros2 gripper names, root and namespaced) is read with the
hand in its own namespace, whichever arm is evaluated; two hands that no namespace tells apart
are refused naming both, and each refusal's advice (``--gripper-topic``, ``--joint-prefix``)
reads the bag; two hands on one topic are advised ``--joint-prefix``, never a
``--gripper-topic`` that is refused; ``train`` reads and refuses as ``eval`` does.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_breaker54b import _written
from train_bags import READY

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.hand_namespaces import hand_rank

POSE = "/franka_robot_state_broadcaster/current_pose"
TIMES = np.arange(0, 3.2, 1 / 30)  # [s] the arms' and hands' messages


def _hand(index, t):
    """Return arm ``index``'s closedness at ``t`` [s]: the first's 0 -> 0.9 over 3 s, else 0.5."""
    return np.clip(0.3 * t, 0.0, 0.9) if index == 0 else 0.5 + 0 * t


def _pose_state(t, index):
    return np.array([0.45 + 0.04 * t, 0.3 * index, 0.35, np.pi - 0.1, 0, 0, 0])


def _bag(tmp_path, arms):
    """Write a bag of two arms: ``arms`` [(state topic, hand topic, hand prefix)] (pose or joints).

    A state topic ending in ``joint_states`` carries ``fr3_joint1..7``; any other is a pose.
    """
    entries = []
    for t in TIMES:
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        for index, (state, hand, prefix) in enumerate(arms):
            if state.endswith("joint_states"):
                entries.append((state, m.JOINT_STATE, ns, m.joint_state_message(
                    [f"fr3_joint{i}" for i in range(1, 8)], list(READY + 0.01 * t * index), ns)))
            else:
                entries.append((state, m.POSE_STAMPED, ns,
                                m.pose_message(_pose_state(t, index), ns, "base")))
            width = 0.04 * (1 - _hand(index, np.array([t]))[0])
            entries.append((hand, m.JOINT_STATE, ns, m.joint_state_message(
                [f"{prefix}finger_joint1", f"{prefix}finger_joint2"], [width, width], ns)))
    bag, _ = _written(tmp_path, entries, np.arange(13) / 4.0)
    return bag


def _topics(state: str, **more) -> BagTopics:
    if state.endswith("joint_states"):
        return BagTopics(state_source="joint_states", joint_states=state, **more)
    return BagTopics(pose=state, **more)


def _assert_hand(recording, index):
    t = (recording.state_times - DEFAULT_START_NS) / 1e9
    np.testing.assert_allclose(recording.states[:, 6], _hand(index, t), atol=1e-6)


# two arms, each (state topic, its hand's topic, its fingers' prefix)
TWO_ARMS = {
    "poses, default and /fr3_2": [(POSE, "/franka_gripper/joint_states", "fr3_"),
                                  ("/fr3_2" + POSE, "/fr3_2/franka_gripper/joint_states", "fr3_")],
    "poses, /left and /right, franka_ros2 names": [
        ("/left" + POSE, "/left/fr3_gripper/joint_states", "fr3_"),
        ("/right" + POSE, "/right/fr3_gripper/joint_states", "fr3_")],
    "poses, /cell/left and /cell/right, prefixed": [
        ("/cell/left" + POSE, "/cell/left/franka_gripper/joint_states", "left_fr3_"),
        ("/cell/right" + POSE, "/cell/right/franka_gripper/joint_states", "right_fr3_")],
    "joint states, root and /fr3_2": [
        ("/joint_states", "/franka_gripper/joint_states", "fr3_"),
        ("/fr3_2/joint_states", "/fr3_2/franka_gripper/joint_states", "fr3_")],
    "joint states, /robot1 and /robot2, gripper node below": [
        ("/robot1/joint_states", "/robot1/gripper/joint_states", "fr3_"),
        ("/robot2/joint_states", "/robot2/gripper/joint_states", "fr3_")],
}


@pytest.mark.parametrize("layout", list(TWO_ARMS))
def test_each_arm_of_two_reads_the_hand_in_its_namespace(tmp_path, layout):
    """Each arm evaluated in turn: its own hand's closedness (1e-6), the other hand noted."""
    arms = TWO_ARMS[layout]
    bag = _bag(tmp_path, arms)
    for index, (state, hand, _) in enumerate(arms):
        recording = read_recording(bag, _topics(state))
        assert recording.state_topic == state
        assert recording.gripper_source == hand, recording.notes
        _assert_hand(recording, index)
        other = arms[1 - index][1]
        assert any(note.startswith(f"gripper from {hand}") and f"also on {other}" in note
                   for note in recording.notes), recording.notes


NO_NAMESPACE = {  # the arm's pose at the root, the hands each in a namespace of their own
    "one prefix": [(POSE, "/left/franka_gripper/joint_states", "fr3_"),
                   ("/other" + POSE, "/right/franka_gripper/joint_states", "fr3_")],
    "two prefixes": [(POSE, "/left/franka_gripper/joint_states", "left_fr3_"),
                     ("/other" + POSE, "/right/franka_gripper/joint_states", "right_fr3_")],
    "two at the root": [(POSE, "/franka_gripper/joint_states", "fr3_"),
                        ("/other" + POSE, "/fr3_gripper/joint_states", "fr3_")],
}


@pytest.mark.parametrize("layout", list(NO_NAMESPACE))
def test_two_hands_no_namespace_decides_are_refused_and_the_advice_reads(tmp_path, layout):
    """Refused naming both hands and --gripper-topic (--joint-prefix for two prefixes).

    Each option advised reads its hand exactly; train refuses with the same words.
    """
    from train_bags import _read

    from vjepa_ros.train.episodes import EpisodeError

    arms = NO_NAMESPACE[layout]
    bag = _bag(tmp_path, arms)
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    text = str(caught.value)
    assert "\n" not in text and "ambiguous" in text and POSE in text, text
    for index, (_, hand, prefix) in enumerate(arms):
        assert f"--gripper-topic {hand}" in text and f"{prefix}finger_joint1/2 on {hand}" in text
        _assert_hand(read_recording(bag, BagTopics(gripper=hand)), index)
    prefixes = re.findall(r"--joint-prefix (\w+)", text)
    assert prefixes == (["left_fr3_", "right_fr3_"] if layout == "two prefixes" else []), text
    for index, prefix in enumerate(prefixes):
        _assert_hand(read_recording(bag, BagTopics(joint_prefix=prefix)), index)
    assert "--no-gripper" in text
    with pytest.raises(EpisodeError) as trained:
        _read(bag)
    assert text.split(": ", 1)[1] in str(trained.value), str(trained.value)


def test_train_reads_the_evaluated_arms_hand(tmp_path):
    """The steps train reads of each arm carry its hand's closedness, as eval's do."""
    from train_bags import _read

    arms = TWO_ARMS["poses, default and /fr3_2"]
    bag = _bag(tmp_path, arms)
    for index, (state, _, _) in enumerate(arms):
        segments, _ = _read(bag, topics={"pose": state})
        states = np.concatenate([segment.states for segment in segments])
        # the hand's closedness at 4 Hz steps: 0..0.9 for the first arm, 0.5 for the second
        assert (np.ptp(states[:, 6]) > 0.5) == (index == 0), states[:, 6]
        if index:
            np.testing.assert_allclose(states[:, 6], 0.5, atol=1e-6)


def test_fingers_merged_into_joint_states_rank_last_in_the_namespace():
    """The planner node's order: a *gripper* topic near the arm, then the arm's merged fingers.

    Never a topic in another namespace (another arm's), *gripper* or merged.
    """
    assert hand_rank("/franka_gripper/joint_states", "/joint_states") == 0
    assert hand_rank("/franka_gripper/joint_states", POSE) == 1
    assert hand_rank("/joint_states", POSE) == hand_rank("/joint_states", "/joint_states") > 1
    assert hand_rank("/fr3_2/joint_states", POSE) is None
    assert hand_rank("/fr3_2/franka_gripper/joint_states", POSE) is None
    assert hand_rank("/fr3_2/franka_gripper/joint_states", "/fr3_2" + POSE) == 1
    assert hand_rank("/robot1/gripper/joint_states", "/robot1/joint_states") == 0


HANDS_ON_ONE_TOPIC = {  # a pose-topic arm; /joint_states, or a grippers' topic, of two hands
    "with both arms": ("/joint_states", True),
    "hands alone": ("/grippers/joint_states", False),
}


@pytest.mark.parametrize("layout", list(HANDS_ON_ONE_TOPIC))
def test_two_hands_on_one_topic_are_advised_the_joint_prefix_that_reads(tmp_path, layout):
    """The warning and train's refusal name --joint-prefix of each hand, which reads it (1e-6).

    Never ``--gripper-topic`` of that topic (refused: it holds two hands).
    """
    from train_bags import _read

    from vjepa_ros.train.episodes import EpisodeError

    topic, with_arms = HANDS_ON_ONE_TOPIC[layout]
    entries = []
    for t in TIMES:
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        # with both arms' joints, 'base' is neither arm's base frame (fix56b): no frame_id, the
        # hands are the matter here
        frame = "" if with_arms else "base"
        entries.append((POSE, m.POSE_STAMPED, ns, m.pose_message(_pose_state(t, 0), ns, frame)))
        names, positions = [], []
        for index, side in enumerate(("left_fr3_", "right_fr3_")):
            width = 0.04 * (1 - _hand(index, np.array([t]))[0])
            arm = [f"{side}joint{i}" for i in range(1, 8)] if with_arms else []
            names += arm + [f"{side}finger_joint1", f"{side}finger_joint2"]
            positions += list(READY)[:len(arm)] + [width, width]
        entries.append((topic, m.JOINT_STATE, ns, m.joint_state_message(names, positions, ns)))
    bag, _ = _written(tmp_path, entries, np.arange(13) / 4.0)
    recording = read_recording(bag)
    assert recording.gripper_source.startswith("none")
    fix = recording.gripper_fix
    assert f"--gripper-topic {topic}" not in fix and "--no-gripper" in fix, fix
    prefixes = re.findall(r"--joint-prefix (\w+)", fix)
    assert prefixes == ["left_fr3_", "right_fr3_"], fix
    for index, prefix in enumerate(prefixes):
        read = read_recording(bag, BagTopics(joint_prefix=prefix))
        assert read.gripper_source == topic, read.notes
        _assert_hand(read, index)
    with pytest.raises(EpisodeError) as trained:
        _read(bag)
    assert fix in str(trained.value), str(trained.value)


def test_two_other_hands_on_one_topic_beside_a_known_arm_are_never_advised_its_topic(tmp_path):
    """An fr3_ arm on /joint_states, left_/right_ hands on one topic: no option reads one.

    Said so, with --no-gripper, never --gripper-topic of that topic (refused for two hands).
    """
    entries = []
    for t in TIMES:
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        entries.append(("/joint_states", m.JOINT_STATE, ns, m.joint_state_message(
            [f"fr3_joint{i}" for i in range(1, 8)], list(READY), ns)))
        entries.append(("/grippers/joint_states", m.JOINT_STATE, ns, m.joint_state_message(
            [f"{side}finger_joint{k}" for side in ("left_", "right_") for k in (1, 2)],
            [0.04] * 4, ns)))
    bag, _ = _written(tmp_path, entries, np.arange(13) / 4.0)
    recording = read_recording(bag, BagTopics(state_source="joint_states"))
    fix = recording.gripper_fix
    assert "--gripper-topic /grippers" not in fix and "--no-gripper" in fix, fix
    assert "left_finger_joint1/2, right_finger_joint1/2" in fix and "fr3_finger" in fix, fix
