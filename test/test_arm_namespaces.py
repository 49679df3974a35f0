"""A bag of two arms with no root topics says it holds two arms, and each one's topics (user54u).

``train`` and ``eval`` on a bag whose arms lie in ``/fr3_1`` and ``/fr3_2`` advised only
``--pose-topic /fr3_1/... or --joint-states-topic /fr3_1/joint_states``: the user was not told
the bag holds a second arm. ``recordings.arm_namespaces`` finds the arms by their namespaces;
``topic_choice``'s missing-state-topic advice names both and asks which one to read.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.arm_namespaces import arm_namespaces, in_namespace
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.topic_choice import resolve_state_topic, without_train_keys

POSE = "franka_robot_state_broadcaster/current_pose"
CAMERA = "/camera/camera/color/image_raw"


@pytest.mark.parametrize("groups, arms", [
    ([["/fr3_1/" + POSE, "/fr3_2/" + POSE], ["/fr3_1/joint_states", "/fr3_2/joint_states"]],
     ["/fr3_1", "/fr3_2"]),
    ([["/left/" + POSE, "/right/" + POSE], []], ["/left", "/right"]),  # poses only
    ([[], ["/cell/left/joint_states", "/cell/right/joint_states"]], ["/cell/left", "/cell/right"]),
    ([[], ["/a/joint_states", "/b/joint_states", "/c/joint_states"]], ["/a", "/b", "/c"]),
    # one arm: one topic of each kind, or one arm's two publishers of a kind (nested)
    ([["/fr3/" + POSE], ["/fr3/joint_states"]], []),
    ([[], ["/fr3/joint_states", "/fr3/franka_state_controller/joint_states"]], []),
    ([[], ["/joint_states", "/fr3_2/joint_states"]], []),  # the root's: nothing to tell by
    ([["/fr3_1/" + POSE], ["/fr3_2/joint_states"]], []),  # no topic twice: not said as arms
    ([[], ["/fr3/joint_states", "/fr3/arm_states"]], []),  # other names
])
def test_arm_namespaces_are_the_namespaces_of_one_topic_recorded_per_arm(groups, arms):
    assert arm_namespaces(groups) == arms


def test_in_namespace_compares_whole_parts():
    assert in_namespace("/fr3_1/joint_states", "/fr3_1")
    assert not in_namespace("/fr3_10/joint_states", "/fr3_1")
    assert in_namespace("/joint_states", "")


def _two_arms(kinds=("pose", "joint_states")) -> dict[str, str]:
    types = {CAMERA: m.IMAGE_TYPES[0], "/fr3_1/franka_gripper/joint_states": m.JOINT_STATE,
             "/fr3_2/franka_gripper/joint_states": m.JOINT_STATE}
    for arm in ("/fr3_1", "/fr3_2"):
        if "pose" in kinds:
            types[f"{arm}/{POSE}"] = m.POSE_TYPES[0]
        if "joint_states" in kinds:
            types[f"{arm}/joint_states"] = m.JOINT_STATE
    return types


@pytest.mark.parametrize("source", ["auto", "pose", "joint_states"])
@pytest.mark.parametrize("kinds", [("pose", "joint_states"), ("pose",), ("joint_states",)])
def test_a_missing_state_topic_on_two_arms_names_both_and_asks_which(source, kinds):
    types = _two_arms(kinds)
    with pytest.raises(BagError) as caught:
        resolve_state_topic("bag", types, dataclasses.replace(BagTopics(), state_source=source))
    advice = str(caught.value).split(". Topics there:")[0]
    assert "the bag holds 2 arms (/fr3_1, /fr3_2): say which one to read" in advice
    for arm in ("/fr3_1", "/fr3_2"):
        mine = advice.split(f"for {arm} give ")[1].split("; or for")[0]
        assert all(topic.startswith(arm + "/") for topic in mine.split() if topic[0] == "/")
        if "pose" in kinds:
            assert f"--pose-topic {arm}/{POSE}" in mine
        if "joint_states" in kinds:
            assert f"--joint-states-topic {arm}/joint_states" in mine


def test_one_arm_in_a_namespace_keeps_the_one_fix():
    types = {CAMERA: m.IMAGE_TYPES[0], "/fr3/" + POSE: m.POSE_TYPES[0],
             "/fr3/joint_states": m.JOINT_STATE}
    with pytest.raises(BagError) as caught:
        resolve_state_topic("bag", types, BagTopics())
    assert "arms" not in str(caught.value)
    assert f"give --pose-topic /fr3/{POSE} (data.topics.pose), or --joint-states-topic " \
        "/fr3/joint_states (data.topics.joint_states)" in str(caught.value)


def test_reading_a_written_two_arm_bag_says_both_arms(tmp_path):
    """End to end, as train and eval read a bag: a written mcap of two namespaced arms."""
    entries = []
    for i in range(4):
        ns = DEFAULT_START_NS + i * 250_000_000
        entries.append((CAMERA, m.IMAGE, ns, m.image_message(
            np.zeros((8, 8, 3), np.uint8), ns, "cam")))
        for arm in ("/fr3_1", "/fr3_2"):
            entries.append((f"{arm}/joint_states", m.JOINT_STATE, ns, m.joint_state_message(
                [f"fr3_joint{j}" for j in range(1, 8)], np.zeros(7), ns)))
    bag = write_messages(tmp_path / "bag", entries)
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    said = without_train_keys(str(caught.value))  # eval's words
    assert "the bag holds 2 arms (/fr3_1, /fr3_2): say which one to read, for /fr3_1 give " \
        "--joint-states-topic /fr3_1/joint_states; or for /fr3_2 give --joint-states-topic " \
        "/fr3_2/joint_states. Topics there:" in said
