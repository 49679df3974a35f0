"""``--gripper-topic`` takes several candidates, as the other topic options do.

A lab's bags from two driver versions carry the fingers on ``/fr3_gripper/joint_states`` and on
``/hand/state``: one ``--gripper-topic`` fitted only one of them, so ``train --data both`` went in
the circle the image, pose and joint-state options once did (recordings.topic_choice).
"""

import pytest
from test_eval_joint_layouts import IMAGE, write_layout

from vjepa_ros.cli import build_parser
from vjepa_ros.config import ConfigError
from vjepa_ros.eval.command import topics_from_args
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train import make_config
from vjepa_ros.train.command_options import overrides_from_args

HANDS = "/fr3_gripper/joint_states /hand/state"


@pytest.fixture(scope="module")
def two_drivers(tmp_path_factory):
    """Write a bag with the fingers on /fr3_gripper/joint_states, one with them on /hand/state."""
    root = tmp_path_factory.mktemp("drivers")
    return (write_layout(root / "namespaced", "namespaced")[0],
            write_layout(root / "other", "other_topic")[0])


def test_each_bag_reads_the_gripper_candidate_it_holds(two_drivers):
    first, second = (read_recording(bag, BagTopics(gripper=HANDS)) for bag in two_drivers)
    assert (first.gripper_source, second.gripper_source) == ("/fr3_gripper/joint_states",
                                                             "/hand/state")
    assert first.states[-1, 6] == pytest.approx(0.5, abs=1e-5)
    twice = read_recording(two_drivers[1], BagTopics(gripper="/hand/state /hand/state"))
    assert twice.gripper_source == "/hand/state"  # a repeated candidate is one


def test_a_bag_holding_two_gripper_candidates_is_refused_naming_both(two_drivers):
    with pytest.raises(BagError) as refused:
        read_recording(two_drivers[0], BagTopics(gripper="/fr3_gripper/joint_states "
                                                 "/joint_states"))
    assert "holds both /fr3_gripper/joint_states and /joint_states, candidates of " \
        "--gripper-topic /fr3_gripper/joint_states /joint_states" in str(refused.value)


def test_candidates_none_of_which_brings_the_fingers_get_the_topic_that_does(two_drivers):
    bag = two_drivers[0]
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(gripper="/a /b /a"))
    assert str(refused.value) == (
        f"{bag}: gripper topics /a /b: none is in the bag; JointState topics there: "
        "/fr3_gripper/joint_states, /joint_states. Give --gripper-topic "
        "/fr3_gripper/joint_states (data.topics.gripper; the topic options apply to every bag "
        "read: for bags with either topic give both, --gripper-topic /a /b "
        "/fr3_gripper/joint_states), leave --gripper-topic out to search them, or leave it "
        "out and pass --no-gripper to use closedness 0")  # --no-gripper with it: refused
    with pytest.raises(BagError, match="gripper topic /joint_states: it holds no finger joints .*"
                       r"Give --gripper-topic /fr3_gripper/joint_states \(data.topics.gripper\)"):
        read_recording(bag, BagTopics(gripper="/joint_states"))
    with pytest.raises(BagError) as refused:  # the held one, fingerless, is not kept
        read_recording(bag, BagTopics(gripper="/joint_states /x"))
    assert "give both, --gripper-topic /x /fr3_gripper/joint_states)" in str(refused.value)
    with pytest.raises(BagError) as refused:  # a camera among the candidates: its type named
        read_recording(bag, BagTopics(gripper=f"/a {IMAGE}"))
    assert str(refused.value).startswith(
        f"{bag}: gripper topic {IMAGE} has type sensor_msgs/msg/Image, expected "
        "sensor_msgs/msg/JointState: give the topic of the finger joints")


def test_every_command_takes_several_gripper_topics():
    parser = build_parser()
    for command in (["eval", "BAG"], ["camera-check", "BAG"]):
        args = parser.parse_args([*command, "--gripper-topic", "/a", "/b"])
        assert topics_from_args(args).gripper == "/a /b"
    train = parser.parse_args(["train", "--data", "d", "--gripper-topic", "/a", "/b"])
    assert overrides_from_args(train)["data.topics.gripper"] == "/a /b"


def test_a_settings_file_takes_a_gripper_list_keeps_its_empty_default_and_refuses_blanks():
    listed = make_config({"data": {"topics": {"gripper": ["/a", "/b"]}}}).data.topics
    assert listed.gripper == "/a /b"
    assert make_config({"data.topics": {"gripper": ""}}).data.topics.gripper == ""  # search
    for value in ([], "  ", ["/a", " "]):
        with pytest.raises(ConfigError) as refused:
            make_config({"data.topics": {"gripper": value}})
        assert str(refused.value) == (
            f"data.topics.gripper: an empty value ({value!r}): give a topic name (or several "
            "candidates, '/a /b' or a list), or leave the setting out for its default ('': the "
            "JointState topic holding the finger joints)")
    with pytest.raises(ConfigError, match="data.topics.gripper: expected a string"):
        make_config({"data": {"topics": {"gripper": 3}}})
