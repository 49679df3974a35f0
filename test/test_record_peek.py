"""One rule for "a bag's hand record applies", for the topic read and the opening read at.

review59t #3: a record naming a topic without finger joints was ignored by the reader (its
fingers read on another topic) while its opening still set ``gripper_max_width``, unsaid.
``recorded_hand.record_refused`` now decides for both ``recorded_topic`` (the reader) and
``recorded_width`` (eval, camera-check, train; peeking with ``record_peek.finger_topics``).
"""

import pytest

pytest.importorskip("pybullet", reason="pybullet is in install_requires")
pytest.importorskip("yaml")

from test_recordings_recorded_hand import (  # noqa: E402
    _train_config,
    edit_custom,
    own_bag,  # noqa: F401 (the fixture: a bag of the real record path)
)

from vjepa_ros.recordings.recorded_hand import (  # noqa: E402
    GRIPPER_KEY,
    WIDTH_KEY,
    HandRecord,
    record_refused,
    recorded_topic,
    width_note,
)

FINGERS = {"/left/franka_gripper/joint_states", "/right/franka_gripper/joint_states"}
TOPICS = {**dict.fromkeys(FINGERS, "sensor_msgs/msg/JointState"),
          "/left/joint_states": "sensor_msgs/msg/JointState",
          "/left/current_pose": "geometry_msgs/msg/PoseStamped"}


def _record(topic: str) -> HandRecord:
    return HandRecord(topic, 0.07, "", "bag/metadata.yaml")


@pytest.mark.parametrize("topic, said", [
    ("/left/franka_gripper/joint_states", ""),
    ("/right/franka_gripper/joint_states", "another arm's hand?"),
    ("/left/current_pose", "which holds no finger joints of this arm: the record is ignored"),
    ("/absent/joint_states", "which is not in the bag: the record is ignored"),
])
def test_the_rule_and_the_reader_say_the_same(topic, said):
    why = record_refused(_record(topic), FINGERS, TOPICS, "/left/joint_states")
    assert (said in why) if said else why == "", why
    notes: list[str] = []
    chosen = recorded_topic(_record(topic), FINGERS, TOPICS, notes, "/left/joint_states")
    assert chosen == ("" if said else topic)
    assert notes == ([why] if said else []), notes


@pytest.mark.parametrize("topic", ["/franka_gripper/joint_states", "/joint_states",
                                   "/franka_robot_state_broadcaster/current_pose",
                                   "/absent/joint_states"])
def test_the_opening_is_taken_exactly_when_the_reader_follows_the_record(
        own_bag, tmp_path, topic):  # noqa: F811
    """Eval's width is the record's 0.07 m iff the fingers are read on the recorded topic."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.bag_options import topics_from_args
    from vjepa_ros.recordings import read_recording

    bag = edit_custom(own_bag, tmp_path / "edited", **{GRIPPER_KEY: topic, WIDTH_KEY: "0.07"})
    topics = topics_from_args(build_parser().parse_args(["eval", str(bag)]))
    recording = read_recording(bag, topics)
    followed = recording.gripper_source == topic
    assert followed == (topic in ("/franka_gripper/joint_states", "/joint_states")), (
        recording.gripper_source, recording.notes)
    assert topics.gripper_max_width == (0.07 if followed else 0.08), (topic, recording.notes)
    assert followed or any("the record is ignored" in n for n in recording.notes)


def test_train_keeps_the_default_when_a_bag_s_record_is_ignored(own_bag, tmp_path):  # noqa: F811
    """Train takes a recorded opening only when every bag's record applies (all the same)."""
    applies = edit_custom(own_bag, tmp_path / "applies", **{WIDTH_KEY: "0.07"})
    ignored = edit_custom(own_bag, tmp_path / "ignored", **{
        GRIPPER_KEY: "/franka_robot_state_broadcaster/current_pose", WIDTH_KEY: "0.07"})
    config, notes = _train_config([applies, ignored], tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.08 and not notes, notes
    config, notes = _train_config([applies], tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.07, notes


def test_fingers_read_elsewhere_at_an_ignored_record_s_opening_are_said():
    """The last guard: never the ignored record's 0.07 m on another topic unsaid."""
    record = _record("/left/current_pose")
    said = width_note(record, "/left/franka_gripper/joint_states", 0.07)
    assert said.startswith("bag/metadata.yaml records the hand's full opening 0.07 m for "
                           "/left/current_pose, a record that does not apply, yet the fingers on "
                           "/left/franka_gripper/joint_states are read at gripper_max_width "
                           "0.07 m"), said
    assert width_note(record, "/left/franka_gripper/joint_states", 0.08) == ""  # the default
    assert width_note(HandRecord("", 0.07, "", "bag/metadata.yaml"), "/x", 0.07) == ""
