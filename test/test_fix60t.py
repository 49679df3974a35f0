"""One rule for a bag's hand record: the topic read and the opening read at (review59t #3).

A record (``metadata.yaml`` ``custom_data``) the reader does not follow sets no opening: eval
and camera-check not given ``--gripper-max-width`` take the record's opening exactly when the
fingers are read on the record's topic, decided by the bag's one reading
(``bag_options.read_bag``, ``recorded_hand.opening_read``), never by a second opening of the bag.
The family: a record naming a topic the bag lacks, one of another type, a JointState topic
without this arm's fingers, another arm's hand, an opening with no topic. Train fixes its run's
opening from ``metadata.yaml`` alone (``recorded_hand.recorded_width``, one read) and says a bag
whose record its reading then ignores.
"""

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="pybullet is in install_requires")
pytest.importorskip("yaml")

from test_breaker59i import _two_arms  # noqa: E402
from test_recordings_recorded_hand import (  # noqa: E402
    _train_config,
    edit_custom,
    own_bag,  # noqa: F401 (the fixture: a bag of the real record path)
)

from vjepa_ros.recordings import BagTopics, read_recording  # noqa: E402
from vjepa_ros.recordings.recorded_hand import GRIPPER_KEY, WIDTH_KEY  # noqa: E402

IGNORED = "the record is ignored"
POSE = "/franka_robot_state_broadcaster/current_pose"


def _eval_read(bag, *options):
    """Read ``bag`` as ``vjepa-ros eval BAG OPTIONS`` does: (recording, its topics as read)."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.bag_options import read_bag, topics_from_args

    args = build_parser().parse_args(["eval", str(bag), *options])
    return read_bag(args, topics_from_args(args))


def _arm_only(source, target, topic="/joint_states"):
    """Rewrite ``source`` with ``topic``'s finger joints left out (its arm's joints kept)."""
    from rosbags.rosbag2 import Reader, StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    from vjepa_ros.recordings.recorded_hand import hand_custom_data

    store = get_typestore(Stores.ROS2_HUMBLE)
    writer = Writer(target, version=8, storage_plugin=StoragePlugin.MCAP)
    for key, value in hand_custom_data(topic, 0.07).items():  # the record names that topic
        writer.set_custom_data(key, value)
    with Reader(source) as reader, writer:
        out = {c.id: writer.add_connection(c.topic, c.msgtype, typestore=store)
               for c in reader.connections}
        for c, time_ns, raw in reader.messages():
            if c.topic == topic:
                msg = store.deserialize_cdr(raw, c.msgtype)
                keep = [i for i, name in enumerate(msg.name) if "finger" not in name]
                msg.name = [msg.name[i] for i in keep]
                for field in ("position", "velocity", "effort"):
                    values = getattr(msg, field)
                    setattr(msg, field, values[keep] if len(values) else values)
                raw = store.serialize_cdr(msg, c.msgtype)
            writer.write(out[c.id], time_ns, raw)
    return target


@pytest.mark.parametrize("topic, followed", [
    ("/franka_gripper/joint_states", True),  # the writer's own choice
    ("/joint_states", True),  # the merged topic: it holds the fingers too
    (POSE, False),  # another type (review59t #3's case)
    ("/fr3/franka_gripper/joint_states", False),  # not in the bag
])
def test_eval_reads_at_the_record_s_opening_exactly_when_it_follows_the_record(
        own_bag, tmp_path, topic, followed):  # noqa: F811
    bag = edit_custom(own_bag, tmp_path / "edited", **{GRIPPER_KEY: topic, WIDTH_KEY: "0.07"})
    recording, topics = _eval_read(bag)
    assert (recording.gripper_source == topic) == followed, recording.notes
    assert topics.gripper_max_width == recording.gripper_max_width == (
        0.07 if followed else 0.08), recording.notes
    ignored = [n for n in recording.notes if IGNORED in n]
    assert len(ignored) == (0 if followed else 1), recording.notes
    opening = [n for n in recording.notes if WIDTH_KEY in n]  # said only where it applies
    assert len(opening) == (1 if followed else 0), recording.notes
    width = 0.07 if followed else 0.08  # the closedness on that scale, not merely the label
    np.testing.assert_array_equal(recording.states[:, 6], read_recording(
        bag, BagTopics(gripper_max_width=width)).states[:, 6])


def test_a_record_of_a_joint_state_topic_without_fingers_sets_no_opening(own_bag,  # noqa: F811
                                                                         tmp_path):
    """Listed in metadata.yaml as a JointState topic: only the reading can tell it has none.

    eval: read at 0.08 (the record ignored, said). Train, which fixes its opening from
    metadata.yaml before reading, takes 0.07, and its reading of the bag says the fingers on
    the other topic are read at the ignored record's opening.
    """
    bag = _arm_only(own_bag, tmp_path / "arm_only")
    recording, topics = _eval_read(bag)
    assert recording.gripper_source == "/franka_gripper/joint_states"
    assert topics.gripper_max_width == recording.gripper_max_width == 0.08
    assert [n for n in recording.notes if IGNORED in n] == [
        f"{bag / 'metadata.yaml'} records the gripper topic /joint_states ({GRIPPER_KEY}), "
        f"which holds no finger joints of this arm: {IGNORED}"], recording.notes
    config, said = _train_config([bag], tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.07, said
    trained = read_recording(bag, config.data.topics, alone=False)  # train's reading
    assert [n for n in trained.notes if WIDTH_KEY in n] == [
        f"{bag / 'metadata.yaml'} records the hand's full opening 0.07 m for /joint_states "
        f"({WIDTH_KEY}), not the topic read, yet the fingers on /franka_gripper/joint_states "
        "are read at gripper_max_width 0.07 m, not at 0.08 m: give --gripper-max-width "
        "(train: data.topics.gripper_max_width) the opening of the hand on that topic"], \
        trained.notes


def test_another_arm_s_recorded_hand_sets_no_opening(own_bag, tmp_path):  # noqa: F811
    """A bag of two arms recording the right hand at 0.07 m, read for the left arm: 0.08."""
    bag = edit_custom(_two_arms(own_bag, tmp_path / "two", "/right/franka_gripper/joint_states"),
                      tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    image = ["--image-topic", "/left/camera/camera/color/image_raw"]
    left, topics = _eval_read(bag, "--pose-topic", f"/left{POSE}", *image)
    assert left.gripper_source == "/left/franka_gripper/joint_states"
    assert topics.gripper_max_width == left.gripper_max_width == 0.08
    assert [n for n in left.notes if "another arm's hand?" in n], left.notes
    right, topics = _eval_read(bag, "--pose-topic", f"/right{POSE}", *image)
    assert right.gripper_source == "/right/franka_gripper/joint_states"
    assert topics.gripper_max_width == right.gripper_max_width == 0.07  # its own hand's


@pytest.mark.parametrize("width", ["0.07", "wide"])
def test_an_opening_recorded_without_a_topic_is_not_applied_and_said(own_bag, tmp_path,  # noqa: F811
                                                                     width):
    bag = edit_custom(own_bag, tmp_path / "edited", **{GRIPPER_KEY: "", WIDTH_KEY: width})
    recording, topics = _eval_read(bag)
    assert topics.gripper_max_width == recording.gripper_max_width == 0.08
    said = [n for n in recording.notes if WIDTH_KEY in n]
    assert len(said) == 1, recording.notes
    config, _ = _train_config([bag], tmp_path / "out")  # train: no topic, no opening taken
    assert config.data.topics.gripper_max_width == 0.08
    if width != "0.07":
        assert "not an opening in (0, 0.08] m" in said[0], said
        return
    assert said[0].startswith(
        f"{bag / 'metadata.yaml'} records the hand's full opening 0.07 m ({WIDTH_KEY}) but "
        f"no gripper topic ({GRIPPER_KEY}): it is not applied"), said
    given, _ = _eval_read(bag, "--gripper-max-width", "0.07")  # given at it: nothing to say
    assert not [n for n in given.notes if WIDTH_KEY in n], given.notes


@pytest.mark.parametrize("topic", [POSE, "/fr3/franka_gripper/joint_states"])
def test_train_keeps_the_default_for_a_record_metadata_yaml_refutes(own_bag, tmp_path,  # noqa: F811
                                                                    topic):
    """Another type, or not listed: train's run reads at 0.08 as eval does, and says nothing."""
    applies = edit_custom(own_bag, tmp_path / "applies", **{WIDTH_KEY: "0.07"})
    refuted = edit_custom(own_bag, tmp_path / "refuted", **{GRIPPER_KEY: topic, WIDTH_KEY: "0.07"})
    config, said = _train_config([applies, refuted], tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.08 and not said, said
    config, said = _train_config([applies], tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.07, said


def test_train_s_recorded_width_reads_metadata_yaml_once_and_never_the_bag(
        own_bag, tmp_path, monkeypatch):  # noqa: F811
    """The data files gone, metadata.yaml alone: the opening is still read, by one read."""
    from vjepa_ros.recordings import recorded_files
    from vjepa_ros.recordings.recorded_hand import recorded_width

    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    for data in bag.glob("*.mcap"):
        data.unlink()
    reads, real = [], recorded_files.read_metadata
    monkeypatch.setattr(recorded_files, "read_metadata",
                        lambda file: reads.append(file) or real(file))
    assert recorded_width(bag, BagTopics()) == 0.07
    assert reads == [bag / "metadata.yaml"], reads
