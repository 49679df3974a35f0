"""fix62c: a command topic is never taken or advised as the arm's or the hand's state.

The rule is the package's own (``replayed_commands.recorded_commands``): the missing-state-topic
advice, the wrong-type advice and the arm-topic advice name a measured topic over a command
(``topic_kinds.measured_first``), and say a command is one when it is the only candidate; the
finger search never reads a command topic's fingers as the hand unless named (``finger_commands``).
Bags are written with the breaker62b helpers (frame k's red channel 5 k, the arm's x 0.40 +
0.005 k m).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_breaker62b import ARM, CAMERA, FINGERS, _arm_moves, _frame, _live_run

from vjepa_ros.recordings import BagTopics, read_recording
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import write_messages


def _refusal(path, entries, topics=None) -> str:
    with pytest.raises(BagError) as refusal:
        read_recording(write_messages(path, entries), topics or BagTopics())
    return str(refusal.value)


@pytest.mark.parametrize("command_topic,what", [("/target_pose", "the planner's command"),
                                                ("/equilibrium_pose", "a controller's command")])
def test_a_command_pose_topic_alone_is_advised_as_a_command(tmp_path, command_topic, what):
    """The bag's only pose topic is a command: the advice names it and says what it is."""
    entries = [entry for entry in _live_run(command_topic) if entry[0] != "/tcp_pose"]
    advice = _refusal(tmp_path / "bag", entries).partition("Topics there")[0]
    assert f"--pose-topic {command_topic} " in advice
    assert f"{command_topic} is {what}" in advice and "not a measured state" in advice


def _joint_bag(topics_with_arm, finger_only=()):
    """Return entries: the arm and fingers on ``topics_with_arm``, fingers alone on the others."""
    entries = []
    for k, t, q in _arm_moves():
        for topic in topics_with_arm:
            entries.append((topic, m.JOINT_STATE, t, m.joint_state_message(
                ARM + FINGERS, [*q, 0.04, 0.04], t)))
        for topic in finger_only:
            entries.append((topic, m.JOINT_STATE, t + 500,
                            m.joint_state_message(FINGERS, [0.04, 0.04], t)))
        entries.append((CAMERA, m.IMAGE, t + 2000, m.image_message(_frame(k), t, "cam")))
    return sorted(entries, key=lambda entry: entry[2])


def test_a_command_joint_state_topic_alone_is_advised_as_a_command(tmp_path):
    """Only /fr3/joint_command holds the arm: advised, saying it is a controller's command."""
    advice = _refusal(tmp_path / "bag", _joint_bag(["/fr3/joint_command"]))
    assert "--joint-states-topic /fr3/joint_command " in advice
    assert "/fr3/joint_command is a controller's command" in advice


def test_the_arm_topic_advice_names_the_measured_joint_states(tmp_path):
    """The state topic holds only fingers: the advice names /fr3/joint_states, not the command.

    /joint_states carries the fingers alone (a gripper driver's), the arm is on
    /fr3/joint_command (first by name) and /fr3/joint_states.
    """
    entries = _joint_bag(["/fr3/joint_command", "/fr3/joint_states"], ["/joint_states"])
    advice = _refusal(tmp_path / "bag", entries, BagTopics(state_source="joint_states"))
    assert "--joint-states-topic /fr3/joint_states " in advice, advice
    assert "/fr3/joint_command" not in advice, advice


def test_the_wrong_type_advice_names_the_measured_pose(tmp_path):
    """--pose-topic names the camera (wrong type): the advice names /tcp_pose, not /target_pose."""
    advice = _refusal(tmp_path / "bag", _live_run("/target_pose"),
                      BagTopics(state_source="pose", pose=CAMERA))
    assert "--pose-topic /tcp_pose " in advice and "/target_pose" not in advice, advice


def _hand_bag(path, measured: bool):
    """Write the bag: /joint_states (arm only), /gripper_command (fingers closed: 0 m).

    When ``measured``, /franka_gripper/joint_states too (fingers open: 0.04 m each).
    """
    entries = []
    for k, t, q in _arm_moves():
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(ARM, q, t)))
        entries.append(("/gripper_command", m.JOINT_STATE, t + 1000,
                        m.joint_state_message(FINGERS, [0.0, 0.0], t)))
        if measured:
            entries.append(("/franka_gripper/joint_states", m.JOINT_STATE, t + 1500,
                            m.joint_state_message(FINGERS, [0.04, 0.04], t)))
        entries.append((CAMERA, m.IMAGE, t + 2000, m.image_message(_frame(k), t, "cam")))
    return write_messages(path, sorted(entries, key=lambda entry: entry[2]))


def test_the_measured_hand_is_read_beside_a_finger_command(tmp_path):
    """A measured gripper topic and a finger command topic: the measured one is the hand."""
    recording = read_recording(_hand_bag(tmp_path / "bag", True), BagTopics())
    assert recording.gripper_source == "/franka_gripper/joint_states"
    assert np.allclose(recording.states[:, -1], 0.0)  # open, as measured (the command: closed)


def test_a_finger_command_alone_is_said_and_read_only_when_named(tmp_path):
    """Only /gripper_command holds fingers: no hand read, said with the fix; named, it is read."""
    bag = _hand_bag(tmp_path / "bag", False)
    recording = read_recording(bag, BagTopics())
    assert recording.gripper_source == "none (assumed open)"
    warning = " ".join(recording.notes)
    assert "/gripper_command are a controller's command" in warning
    assert "give --gripper-topic /gripper_command " in warning
    named = read_recording(bag, BagTopics(gripper="/gripper_command"))
    assert named.gripper_source == "/gripper_command"
    assert np.allclose(named.states[:, -1], 1.0)  # closed, as commanded
