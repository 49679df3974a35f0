"""Topic options of several candidates: bags of different drivers read together, one each.

``train --data b_compressed b_split_topics --joint-states-topic /franka/joint_states`` refused
b_compressed advising ``--joint-states-topic /joint_states``, which then refused the other bag.
"""

import argparse

import numpy as np
import pytest

from vjepa_ros.eval.bag_options import add_topic_arguments, topics_from_args
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train import make_config
from vjepa_ros.train.command import add_commands
from vjepa_ros.train.command_options import bag_topics_given, overrides_from_args
from vjepa_ros.train.episodes import Source, load_segments
from vjepa_ros.train.synthetic import blob_episode


@pytest.fixture(scope="module")
def two_layouts(tmp_path_factory):
    """Two bags of one arm, recorded with other camera and pose topics (and jpeg frames)."""
    root = tmp_path_factory.mktemp("layouts")
    episode = blob_episode(frames=8, seed=5)
    first = write_bag(root / "first", episode.frames, episode.states, episode.timestamps,
                      topics=BagTopics(image="/cam_a", pose="/current_pose"))
    second = write_bag(root / "second", episode.frames, episode.states, episode.timestamps,
                       image_format="jpeg", topics=BagTopics(image="/cam_b", pose="/franka/pose"))
    return first, second


def test_each_bag_reads_the_candidate_it_holds(two_layouts):
    topics = BagTopics(image="/cam_a /cam_b", pose="/current_pose /franka/pose")
    first, second = (read_recording(bag, topics) for bag in two_layouts)
    assert (first.image_topic, first.state_topic) == ("/cam_a", "/current_pose")
    assert (second.image_topic, second.state_topic) == ("/cam_b/compressed", "/franka/pose")
    data = make_config({"data": {"topics": {"image": "/cam_a /cam_b", "pose": "/current_pose "
                                            "/franka/pose"}, "frames_per_clip": 4}}).data
    for bag in two_layouts:  # what train reads: a segment from each
        segments, _ = load_segments(Source(bag, "bag"), data)
        assert [len(s) for s in segments] == [8]


def test_a_fix_for_one_bag_keeps_the_topics_given_for_the_others(two_layouts):
    """The advice names the candidate form: the options apply to every bag."""
    with pytest.raises(BagError) as refused:
        read_recording(two_layouts[1], BagTopics(image="/cam_a", pose="/current_pose"))
    assert "--image-topic /cam_b/compressed (data.topics.image; the topic options apply to " \
        "every bag read: for bags with either topic give both, --image-topic /cam_a " \
        "/cam_b/compressed)" in str(refused.value)


def test_a_candidate_of_the_wrong_type_is_replaced_not_kept_and_each_is_named_once(
        two_layouts):
    """A wrong-typed candidate was kept in the advice, a repeated one named twice.

    ``--image-topic /joint_states`` advised ``give both, --image-topic /joint_states
    /camera/...``; ``--image-topic /x /x`` named /x twice.
    """
    bag = two_layouts[0]
    with pytest.raises(BagError) as refused:  # /current_pose: a pose, not a camera
        read_recording(bag, BagTopics(image="/current_pose", pose="/current_pose"))
    assert str(refused.value).endswith("name the camera topic with --image-topic /cam_a "
                                       "(data.topics.image)")
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(image="/x /x", pose="/current_pose"))
    assert str(refused.value).endswith("give both, --image-topic /x /cam_a)")
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(image="/cam_a", pose="/nothing /nothing",
                                      state_source="pose"))
    assert "--pose-topic /current_pose (data.topics.pose; the topic options apply to every " \
        "bag read: for bags with either topic give both, --pose-topic /nothing " \
        "/current_pose)" in str(refused.value)


def test_a_bag_holding_two_candidates_is_refused_naming_both(tmp_path):
    frames, _, _ = synthetic_episode(2)
    camera = [(topic, m.IMAGE, DEFAULT_START_NS + i,
               m.image_message(frame, DEFAULT_START_NS + i, "camera"))
              for topic in ("/cam_a", "/cam_b") for i, frame in enumerate(frames)]
    bag = write_messages(tmp_path / "two_cameras", camera)
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(image="/cam_a /cam_b"))
    assert f"{bag}: holds both /cam_a and /cam_b, candidates of --image-topic /cam_a /cam_b" \
        in str(refused.value)


def test_the_options_take_one_or_several_topics_in_every_command():
    parser = argparse.ArgumentParser()
    add_topic_arguments(parser)  # eval, camera-check
    several = parser.parse_args(["--image-topic", "/a", "/b", "--joint-states-topic", "/js"])
    topics = topics_from_args(several)
    assert (topics.image, topics.joint_states, topics.pose) == ("/a /b", "/js", BagTopics().pose)
    sub = argparse.ArgumentParser().add_subparsers()
    add_commands(sub)
    train = sub.choices["train"].parse_args(["--pose-topic", "/p", "/q", "--image-topic", "/a"])
    assert overrides_from_args(train)["data.topics.pose"] == "/p /q"
    assert bag_topics_given(train).image == "/a"  # pretrain's reading of the same options


def test_a_bag_without_images_says_what_training_needs(tmp_path):
    """It said "nothing to plan from" (eval's words) in train too."""
    from vjepa_ros.train.episodes import EpisodeError

    pose = BagTopics().pose
    states = [(pose, m.POSE_STAMPED, DEFAULT_START_NS + i,
               m.pose_message(np.array([0.4, 0.0, 0.3, 0, 0, 0, 0.0]), DEFAULT_START_NS + i,
                              "base"))
              for i in range(3)]
    bag = write_messages(tmp_path / "no_camera", states)
    with pytest.raises(EpisodeError) as refused:
        load_segments(Source(bag, "bag"), make_config({}).data)
    assert "no image topic (sensor_msgs/Image or CompressedImage): evaluating and training " \
        "need the camera's frames beside the arm's state; record the camera's colour " \
        "stream" in str(refused.value)


def test_a_settings_file_takes_a_list_of_candidates_and_refuses_an_empty_topic():
    """``image: [/a, /b]`` was refused "expected a string"; ``image: ""`` was taken.

    The empty one then gave "image topic  is not in the bag", the name missing.
    """
    from vjepa_ros.config import ConfigError

    listed = make_config({"data": {"topics": {"image": ["/cam_a", "/cam_b"],
                                              "pose": ["/current_pose"]}}}).data.topics
    assert (listed.image, listed.pose) == ("/cam_a /cam_b", "/current_pose")
    for key, value in [("image", ""), ("pose", "  "), ("joint_states", []),
                       ("image", ["/cam_a", " "])]:
        with pytest.raises(ConfigError) as refused:
            make_config({"data.topics": {key: value}})
        assert str(refused.value) == (
            f"data.topics.{key}: an empty value ({value!r}): give a topic name (or several "
            f"candidates, '/a /b' or a list), or leave the setting out for its default "
            f"({getattr(BagTopics(), key)})")
    with pytest.raises(ConfigError, match="data.topics.image: expected a string"):
        make_config({"data": {"topics": {"image": 3}}})
