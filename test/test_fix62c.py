"""fix62c: a command topic is never taken or advised as the arm's or the hand's state.

The rule is the package's own (``replayed_commands.recorded_commands``): the missing-state-topic
advice, the wrong-type advice and the arm-topic advice name a measured topic over a command
(``topic_kinds.measured_first``), and say a command is one when it is the only candidate; the
finger search never reads a command topic's fingers as the hand unless named (``finger_commands``).
Bags are written with the breaker62b helpers (frame k's red channel 5 k, the arm's x 0.40 +
0.005 k m).
"""

from __future__ import annotations

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
