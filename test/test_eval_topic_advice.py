"""Bag refusals say what to pass (option and topic); a damaged bag says its damage first."""

import shutil

import pytest

from conftest import SHARED_DATA
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bags import read_recording

FIELD = SHARED_DATA / "field"
POSE = "/franka_robot_state_broadcaster/current_pose"


def _refusal(bag, **topics) -> str:
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(**topics))
    return str(refused.value)


@pytest.mark.parametrize("bag, topics, fix", [
    # auto: neither the named pose topic nor /joint_states: the pose topic that is there
    ("camera-8uc3", {"pose": "/franka/pose"}, f"give --pose-topic {POSE} (data.topics.pose; "
     "the topic options apply to every bag read: for bags with either topic give both, "
     f"--pose-topic /franka/pose {POSE})"),
    ("camera-8uc3", {"state_source": "pose", "pose": "/franka/pose"}, f"give --pose-topic {POSE}"),
    # /joint_states is recorded: the option to pass, not "record"
    ("joint-states-split", {"joint_states": "/franka/joint_states"},
     "give --joint-states-topic /joint_states (data.topics.joint_states; "),
    ("joint-states-split", {"state_source": "joint_states", "joint_states": "/js"},
     "give --joint-states-topic /joint_states"),
    # a topic of another type: the option and the topic of the right type
    ("camera-8uc3", {"pose": "/camera/camera/color/image_raw"},
     f"expected geometry_msgs/msg/PoseStamped or geometry_msgs/msg/PoseWithCovarianceStamped: "
     f"give --pose-topic {POSE} (data.topics.pose)"),
    # the gripper's JointState holds no arm joints: the pose is there
    ("camera-8uc3", {"state_source": "joint_states",
                     "joint_states": "/franka_gripper/joint_states"},
     f"read the end-effector pose: --state-source pose --pose-topic {POSE}"),
])
def test_a_wrong_state_topic_names_the_option_and_the_bags_topic(bag, topics, fix):
    message = _refusal(FIELD / bag, **topics)
    assert fix in message, message
    assert "record" not in message.split(". Topics there")[0], message


def test_a_bag_without_any_state_topic_says_what_to_record(tmp_path):
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    frames, _, _ = synthetic_episode(2)
    camera = [("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS + i,
               m.image_message(frame, DEFAULT_START_NS + i, "camera")) for i, frame in
              enumerate(frames)]
    bag = write_messages(tmp_path / "camera_only", camera)
    message = _refusal(bag)
    assert "the bag has no geometry_msgs/msg/PoseStamped or " in message
    assert "record the arm's state" in message and "--pose-topic" not in message


@pytest.fixture
def cut_camera_bag(tmp_path):
    """Copy the field camera bag cut at 20000 bytes: one frame of its camera stream is left."""
    bag = tmp_path / "cut"
    shutil.copytree(FIELD / "camera-8uc3", bag)
    for file in bag.iterdir():
        file.chmod(0o644)
    with (bag / "bag-8uc3.mcap").open("r+b") as data:
        data.truncate(20000)
    return bag


def test_the_damage_is_said_first_whatever_error_follows(cut_camera_bag):
    message = _refusal(cut_camera_bag)
    assert message.startswith(f"{cut_camera_bag}/bag-8uc3.mcap is damaged"), message
    assert "truncated at 20000 bytes" in message and "mcap recover" in message
    assert message.index("mcap recover") < message.index("has 1 message(s)")
    assert "\n" not in message


def test_auto_passing_over_a_named_pose_topic_says_so():
    recording = read_recording(FIELD / "joint-states-split", BagTopics(pose="/franka/pose"))
    assert recording.state_source == "joint_states"
    assert "pose topic /franka/pose is not in the bag: states from /joint_states by forward " \
        "kinematics (--state-source auto)" in recording.notes
    default = read_recording(FIELD / "joint-states-split")  # the default name: nothing to say
    assert not any("pose topic" in note for note in default.notes)


def test_auto_passing_over_a_named_joint_state_topic_for_the_pose_says_so():
    # user30: --joint-states-topic named, the bag has a pose: auto took the pose without a word
    recording = read_recording(FIELD / "camera-8uc3", BagTopics(joint_states="/arm/joint_states"))
    assert recording.state_source == "pose"
    assert any(note.startswith("joint state topic /arm/joint_states was named but "
                               "--state-source auto takes the recorded pose topic")
               and "not in the bag either" in note and "--state-source joint_states" in note
               for note in recording.notes), recording.notes
    default = read_recording(FIELD / "camera-8uc3")  # the default name: nothing to say
    assert not any("joint state topic" in note for note in default.notes)


@pytest.mark.parametrize("argv, key", [
    (["eval", "BAG", "--checkpoint", "demo", "--out", "OUT"], False),
    (["camera-check", "BAG", "--checkpoint", "demo", "--out", "OUT"], False),
    (["pretrain", "--data", "BAG", "--out", "OUT/e.pt"], False),
    (["train", "--data", "BAG", "--init", "demo", "--val-fraction", "0", "--out", "OUT",
      "--quiet"], True),
])
def test_each_command_names_its_own_option_for_a_missing_topic(argv, key, tmp_path, capsys):
    """The advice of eval named train's key (data.topics.image) beside --image-topic (user30).

    The key is train's alone (its --config file); the other commands are set by options.
    """
    from vjepa_ros.cli import main

    words = {"BAG": str(FIELD / "camera-8uc3"), "OUT": str(tmp_path / "out"),
             "OUT/e.pt": str(tmp_path / "e.pt")}
    assert main([words.get(word, word) for word in argv] + ["--image-topic", "/cam"]) == 1
    err = capsys.readouterr().err.strip()
    fix = "name the camera topic with --image-topic /camera/camera/color/image_raw ("
    assert f"vjepa-ros {argv[0]}: " in err and fix in err and "\n" not in err, err
    assert ("data.topics.image" in err) == key, err
    assert "(the topic options apply to every bag read" in err or key, err
