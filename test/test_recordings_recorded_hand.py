"""A bag's own record of its hand (metadata.yaml custom_data) against a foreign bag's note.

``vjepa-ros record`` writes the fingers on /franka_gripper/joint_states and, merged with the
arm's, on /joint_states; it records which one is the hand (and the opening it wrote them at),
so eval, train, pretrain and camera-check (``read_recording``, one place) read that topic
without the namespace rule's note. The same messages rewritten by the plain rosbags writer (a
foreign bag) keep the note; a record naming a topic that is not in the bag is ignored, saying so.
"""

import shutil

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="pybullet is in install_requires")
yaml = pytest.importorskip("yaml")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.recordings import BagTopics, read_recording  # noqa: E402
from vjepa_ros.recordings.recorded_hand import (  # noqa: E402
    GRIPPER_KEY,
    WIDTH_KEY,
    recorded_hand,
)

CHOOSE = "choose with --gripper-topic"  # the namespace rule's note on a second finger topic
IGNORED = "the record is ignored"


@pytest.fixture(scope="module")
def own_bag(tmp_path_factory):
    """Write a bag by the real ``vjepa-ros record`` path (5 frames, 64x64, MCAP)."""
    path = tmp_path_factory.mktemp("own") / "bag"
    assert main(["record", str(path), "--frames", "5", "--width", "64", "--height", "64",
                 "--seed", "900001"]) == 0
    return path


def rewrite(source, target, custom=None):
    """Copy every message of ``source`` into a new bag with the plain rosbags writer."""
    from rosbags.rosbag2 import Reader, StoragePlugin, Writer

    with Reader(source) as reader, Writer(target, version=8,
                                          storage_plugin=StoragePlugin.MCAP) as writer:
        for key, value in (custom or {}).items():
            writer.set_custom_data(key, value)
        out = {c.id: writer.add_connection(c.topic, c.msgtype, typestore=None,
                                           msgdef=c.msgdef.data, rihs01=c.digest)
               for c in reader.connections}
        for connection, time_ns, raw in reader.messages():
            writer.write(out[connection.id], time_ns, raw)
    return target


def edit_custom(bag, target, **changes):
    """Copy ``bag`` to ``target`` with its metadata's custom_data entries changed."""
    shutil.copytree(bag, target)
    meta = target / "metadata.yaml"
    info = yaml.safe_load(meta.read_text())
    info["rosbag2_bagfile_information"]["custom_data"].update(changes)
    meta.write_text(yaml.safe_dump(info))
    return target


def test_a_bag_of_vjepa_ros_record_reads_its_recorded_hand_without_the_note(own_bag):
    custom = yaml.safe_load((own_bag / "metadata.yaml").read_text())[
        "rosbag2_bagfile_information"]["custom_data"]
    assert custom[GRIPPER_KEY] == "/franka_gripper/joint_states"
    assert float(custom[WIDTH_KEY]) == 0.08
    recording = read_recording(own_bag)
    assert set(recording.gripper_searched) == {"/franka_gripper/joint_states", "/joint_states"}
    assert recording.gripper_source == "/franka_gripper/joint_states"
    assert not [n for n in recording.notes if "gripper" in n], recording.notes
    # its one data file given alone: the folder's metadata lists it, its record holds
    alone = read_recording(next(own_bag.glob("*.mcap")))
    assert not [n for n in alone.notes if CHOOSE in n], alone.notes


def test_the_same_messages_in_a_foreign_bag_keep_the_note(own_bag, tmp_path):
    foreign = rewrite(own_bag, tmp_path / "foreign")
    assert recorded_hand(foreign) is None
    recording = read_recording(foreign)
    notes = [n for n in recording.notes if CHOOSE in n]
    assert len(notes) == 1 and notes[0].startswith(
        "gripper from /franka_gripper/joint_states"), recording.notes
    assert not [n for n in recording.notes if IGNORED in n]
    own = read_recording(own_bag)
    np.testing.assert_array_equal(recording.states, own.states)  # the same hand read either way


def test_a_ros2_bag_record_custom_data_choice_is_taken_too(own_bag, tmp_path):
    """``ros2 bag record --custom-data vjepa_ros.gripper_topic=/joint_states``: that one."""
    bag = rewrite(own_bag, tmp_path / "lab", {GRIPPER_KEY: "/joint_states"})
    recording = read_recording(bag)
    assert recording.gripper_source == "/joint_states"
    assert not [n for n in recording.notes if "gripper" in n], recording.notes


@pytest.mark.parametrize("topic, why", [("/fr3/franka_gripper/joint_states", "is not in the bag"),
                                        ("/franka_robot_state_broadcaster/current_pose",
                                         "holds no finger joints of this arm")])
def test_a_record_naming_another_topic_is_ignored_with_the_note_as_today(own_bag, tmp_path,
                                                                          topic, why):
    bag = edit_custom(own_bag, tmp_path / "edited", **{GRIPPER_KEY: topic})
    recording = read_recording(bag)
    assert recording.gripper_source == "/franka_gripper/joint_states"
    ignored = [n for n in recording.notes if IGNORED in n]
    assert ignored == [f"{bag / 'metadata.yaml'} records the gripper topic {topic} "
                       f"({GRIPPER_KEY}), which {why}: {IGNORED}"], recording.notes
    assert len([n for n in recording.notes if CHOOSE in n]) == 1, recording.notes


def test_a_named_gripper_topic_wins_over_the_record_silently(own_bag):
    recording = read_recording(own_bag, BagTopics(gripper="/joint_states"))
    assert recording.gripper_source == "/joint_states"
    assert not [n for n in recording.notes if IGNORED in n or CHOOSE in n], recording.notes


def test_a_recorded_opening_other_than_the_one_read_with_is_said_with_the_option(own_bag,
                                                                                 tmp_path):
    assert not [n for n in read_recording(own_bag).notes if WIDTH_KEY in n]  # 0.08 both
    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    notes = [n for n in read_recording(bag).notes if WIDTH_KEY in n]
    assert len(notes) == 1 and "records the hand's full opening 0.07 m" in notes[0], notes
    assert "read at gripper_max_width 0.08 m" in notes[0]
    assert notes[0].endswith("give --gripper-max-width 0.07 (train: "
                             "data.topics.gripper_max_width) to read it as recorded")
    read_as_recorded = read_recording(bag, BagTopics(gripper_max_width=0.07))
    said = [n for n in read_as_recorded.notes if WIDTH_KEY in n]  # one line: not the default
    assert said == [f"{bag / 'metadata.yaml'} records the hand's full opening 0.07 m "
                    f"({WIDTH_KEY}): its fingers on /franka_gripper/joint_states are read at it, "
                    "not at 0.08 m (--gripper-max-width gives another)"], said


@pytest.mark.parametrize("command", ["eval", "camera-check"])
def test_not_given_the_width_eval_and_camera_check_read_the_recorded_opening(own_bag, tmp_path,
                                                                             command):
    """fix59t (mend59e's remark): no ``--gripper-max-width``: the bag's 0.07 m, one line."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.bag_options import read_bag, topics_from_args

    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    parser = build_parser()
    args = parser.parse_args([command, str(bag)])
    recording, topics = read_bag(args, topics_from_args(args))
    assert topics.gripper_max_width == recording.gripper_max_width == 0.07
    assert [n for n in recording.notes if WIDTH_KEY in n] == [
        f"{bag / 'metadata.yaml'} records the hand's full opening 0.07 m ({WIDTH_KEY}): its "
        "fingers on /franka_gripper/joint_states are read at it, not at 0.08 m "
        "(--gripper-max-width gives another)"]
    default = read_recording(bag)  # the default 0.08: an open hand reads 0.125 closed at 0.07
    assert not np.array_equal(recording.states[:, 6], default.states[:, 6])
    as_given = read_recording(bag, BagTopics(gripper_max_width=0.07))  # the option at 0.07
    np.testing.assert_array_equal(recording.states[:, 6], as_given.states[:, 6])
    # a given option wins, noted: the recorded opening and the option that reads it
    args = parser.parse_args([command, str(bag), "--gripper-max-width", "0.08"])
    given, topics = read_bag(args, topics_from_args(args))
    assert topics.gripper_max_width == given.gripper_max_width == 0.08
    notes = [n for n in given.notes if WIDTH_KEY in n]
    assert len(notes) == 1 and "read at gripper_max_width 0.08 m" in notes[0], notes


@pytest.mark.parametrize("how", ["named topic", "no gripper", "foreign", "topic not listed"])
def test_the_recorded_opening_applies_only_to_its_own_hand(own_bag, tmp_path, how):
    """A named gripper topic, --no-gripper, a foreign bag, a record of an absent topic: 0.08."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.bag_options import read_bag, topics_from_args

    options = {"named topic": ["--gripper-topic", "/joint_states"],
               "no gripper": ["--no-gripper"]}.get(how, [])
    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    if how == "foreign":
        bag = rewrite(bag, tmp_path / "foreign")
    if how == "topic not listed":
        bag = edit_custom(bag, tmp_path / "absent",
                          **{GRIPPER_KEY: "/fr3/franka_gripper/joint_states"})
    args = build_parser().parse_args(["eval", str(bag), *options])
    recording, topics = read_bag(args, topics_from_args(args))
    assert topics.gripper_max_width == recording.gripper_max_width == 0.08


@pytest.mark.parametrize("width", ["wide", "0.5", "nan", "-0.01"])
def test_a_recorded_opening_that_is_no_opening_is_ignored_saying_so(own_bag, tmp_path, width):
    bag = edit_custom(own_bag, tmp_path / "bad", **{WIDTH_KEY: width})
    recording = read_recording(bag)
    notes = [n for n in recording.notes if WIDTH_KEY in n]
    assert notes == [f"{bag / 'metadata.yaml'} records {WIDTH_KEY} {width!r}, not an opening "
                     f"in (0, 0.08] m: {IGNORED}"], recording.notes
    assert recording.gripper_source == "/franka_gripper/joint_states"  # the topic still holds
    assert not [n for n in recording.notes if CHOOSE in n]


def test_a_data_file_copied_out_of_its_folder_is_a_foreign_bag(own_bag, tmp_path):
    copy = tmp_path / "elsewhere.mcap"
    shutil.copy(next(own_bag.glob("*.mcap")), copy)
    assert recorded_hand(copy) is None
    assert [n for n in read_recording(copy).notes if CHOOSE in n]


def _train_config(bags, out, *options):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args

    args = build_parser().parse_args(["train", "--data", *map(str, bags), "--out", str(out),
                                      "--init", "demo", *options])
    return config_from_args(args), getattr(args, "width_notes", [])


def test_train_not_given_the_width_takes_the_opening_its_bags_all_record(own_bag, tmp_path):
    """fix59t: train, world_model.pt's record and the reading at the bags' 0.07 m, one line."""
    bags = [edit_custom(own_bag, tmp_path / name, **{WIDTH_KEY: "0.07"}) for name in "ab"]
    config, notes = _train_config(bags, tmp_path / "out")
    assert config.data.topics.gripper_max_width == 0.07
    assert notes == ["data.topics.gripper_max_width not given: all 2 bags record the hand's "
                     "full opening 0.07 m (metadata.yaml vjepa_ros.gripper_max_width): their "
                     "fingers are read at it and world_model.pt records it (--gripper-max-width "
                     "gives another)"], notes
    for given in (["--gripper-max-width", "0.08"],
                  ["--set", "data.topics.gripper_max_width=0.08"]):  # given: it wins
        config, notes = _train_config(bags, tmp_path / "out", *given)
        assert config.data.topics.gripper_max_width == 0.08 and not notes, given


def test_train_keeps_the_default_for_bags_that_disagree_or_a_foreign_one(own_bag, tmp_path):
    narrow = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    wider = edit_custom(own_bag, tmp_path / "wider", **{WIDTH_KEY: "0.075"})
    foreign = rewrite(own_bag, tmp_path / "foreign")
    for bags in ([narrow, wider], [narrow, foreign]):
        config, notes = _train_config(bags, tmp_path / "out")
        assert config.data.topics.gripper_max_width == 0.08 and not notes, bags
