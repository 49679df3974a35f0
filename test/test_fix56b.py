"""fix56b: one base-frame rule (``base_frame.frame_matches``) for the planner node and bag readers.

breaker56b: a bimanual bag's right-arm pose stamped in franka_description's shared ``base`` (or the
left arm's ``left_fr3_link0``) was taken as the right arm's base frame, so eval scored every x/y
motion of an arm facing the other with the wrong sign. Now a bag reader compares the pose's frame
with the ``<prefix>link0`` of the arm the bag's joint names give (``--joint-prefix``'s when given),
by :func:`same_base_frame` as the planner node does: ``base`` only for a single arm's prefix, never
another arm's link0. Without joint states, only the frames Franka drivers stamp (``base``, a
Franka's ``<prefix>link0``), not any ``*link0`` (``camera_link0``).
"""

import math

import numpy as np
import pytest

from vjepa_ros.nodes.pose_msgs import frame_problem
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.robot.kinematics import FrankaKinematics

pytestmark = pytest.mark.usefixtures("one_thread")

CAMERA = "/camera/camera/color/image_raw"
POSE = "/right/franka_robot_state_broadcaster/current_pose"
HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])


@pytest.mark.parametrize("frame, prefixes, taken", [
    ("base", ["fr3_"], True), ("base", ["panda_"], True), ("/base", [""], True),
    ("fr3_link0", ["fr3_"], True), ("/right_fr3_link0", ["right_fr3_"], True),
    ("right_fr3_link0", ["left_fr3_", "right_fr3_"], True),
    ("base", ["right_fr3_"], False), ("base", ["left_fr3_", "right_fr3_"], False),
    ("base", ["panda_1_"], False), ("left_fr3_link0", ["right_fr3_"], False),
    ("fr3_link0", ["right_fr3_"], False), ("panda_link0", ["fr3_"], False),
    ("world", ["fr3_"], False),
])
def test_a_bag_pose_frame_is_judged_by_the_arm_its_joint_names_give(frame, prefixes, taken):
    """The arm's own link0 (and ``base`` for a single arm) taken; another arm's frame refused."""
    assert frame_matches(frame, "", prefixes) is taken


@pytest.mark.parametrize("frame, taken", [
    ("base", True), ("fr3_link0", True), ("panda_link0", True), ("/panda_link0", True),
    ("left_fr3_link0", True), ("robot1/panda_link0", True), ("panda_1_link0", True),
    ("link0", True), ("camera_link0", False), ("lidar_link0", False), ("world", False),
    ("camera_color_optical_frame", False),
])
def test_without_joint_states_only_a_franka_drivers_frames_are_taken(frame, taken):
    """DRIVER_BASE_FRAME: what franka_ros/franka_ros2 stamp, not a sensor's ``*link0``."""
    assert frame_matches(frame, "") is taken


@pytest.mark.parametrize("frame, base, taken", [
    ("base", "panda_link0", True), ("base", "fr3_link0", True), ("fr3_link0", "base", True),
    ("base", "right_fr3_link0", False), ("left_fr3_link0", "right_fr3_link0", False),
    ("right_fr3_link0", "right_fr3_link0", True), ("base", "world", False),
])
def test_the_planner_node_takes_the_same_rule(frame, base, taken):
    """current_pose against robot.base_frame: the rule the bag readers use (same_base_frame)."""
    problem = frame_problem("current_pose", frame, base)
    assert (problem == "") is taken
    if not taken:
        assert f"'{frame}'" in problem and base in problem and "\n" not in problem


def _bag(path, frame, arms, pose_at=None):
    """Write a bag: a 4 Hz camera, ``arms`` {JointState topic: prefix} at 50 Hz, POSE in ``frame``.

    ``pose_at``: a function of the message index giving its frame (a frame change mid-bag).
    """
    entries = []
    for k, t in enumerate(np.arange(0, 2.0, 0.02)):
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        joints = HOME + 0.1 * t
        for topic, prefix in arms.items():
            names = [f"{prefix}joint{i}" for i in range(1, 8)]
            names += [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]
            entries.append((topic, m.JOINT_STATE, ns,
                            m.joint_state_message(names, [*joints, 0.04, 0.04], ns)))
        state = np.append(FrankaKinematics().ee_pose(joints[None])[0], 0.0)
        entries.append((POSE, m.POSE_STAMPED, ns,
                        m.pose_message(state, ns, pose_at(k) if pose_at else frame)))
    for t in np.arange(0, 2.0, 0.25):
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        entries.append((CAMERA, m.IMAGE, ns,
                        m.image_message(np.zeros((8, 8, 3), np.uint8), ns, "cam")))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


BIMANUAL = {"/left/joint_states": "left_fr3_", "/right/joint_states": "right_fr3_"}


@pytest.mark.parametrize("frame, arms, topics, refused", [
    ("base", BIMANUAL, {}, True),
    ("base", BIMANUAL, {"joint_prefix": "right_"}, True),
    ("left_fr3_link0", BIMANUAL, {"joint_prefix": "right_fr3_"}, True),
    ("right_fr3_link0", BIMANUAL, {}, False),
    ("right_fr3_link0", BIMANUAL, {"joint_prefix": "right_"}, False),
    ("base", {"/right/joint_states": "right_fr3_"}, {"base_frame": "base"}, False),
    ("base", {"/joint_states": "fr3_"}, {}, False),
    ("fr3_link0", {"/joint_states": "fr3_"}, {}, False),
    ("camera_link0", {}, {}, True),
    ("panda_1_link0", {}, {}, False),
])
def test_the_bag_reader_refuses_another_arms_frame_in_one_line(tmp_path, frame, arms, topics,
                                                              refused):
    """Refused: the topic, the frame, the arm's joints' topic and the fixes; else read."""
    bag = _bag(tmp_path / "bag", frame, arms)
    config = BagTopics(pose=POSE, **topics)
    if not refused:
        recording = read_recording(bag, config)
        assert recording.state_source == "pose" and len(recording.states) == 100
        return
    with pytest.raises(BagError) as caught:
        read_recording(bag, config)
    message = str(caught.value)
    assert "\n" not in message and POSE in message and f"'{frame}'" in message
    assert f"--base-frame {frame}" in message
    if arms:
        assert "/right/joint_states" in message and "right_fr3_link0" in message


def test_a_pose_turning_to_the_shared_base_mid_bag_is_refused(tmp_path):
    """Poses in right_fr3_link0, then in 'base' (a republisher restarted): frames not to mix."""
    bag = _bag(tmp_path / "bag", "", BIMANUAL,
               pose_at=lambda k: "right_fr3_link0" if k < 50 else "base")
    with pytest.raises(BagError, match="changes its header.frame_id") as caught:
        read_recording(bag, BagTopics(pose=POSE))
    assert "'base' from message 51" in str(caught.value)


def test_train_refuses_a_bimanual_pose_in_the_shared_base(tmp_path):
    """``vjepa-ros train``'s reader (load_segments): the same refusal, naming the bag."""
    from vjepa_ros.train import DataConfig, find_sources
    from vjepa_ros.train.episodes import EpisodeError, load_segments

    bag = _bag(tmp_path / "bag", "base", {"/right/joint_states": "right_fr3_"})
    with pytest.raises(EpisodeError) as caught:
        load_segments(find_sources([bag])[0], DataConfig(topics=BagTopics(pose=POSE)))
    message = str(caught.value)
    assert "'base'" in message and "right_fr3_link0" in message and "\n" not in message


def test_camera_check_refuses_the_other_arms_frame_before_the_model(tmp_path):
    """``vjepa-ros camera-check``'s reader (check_bag): refused before any model is used."""
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset

    bag = _bag(tmp_path / "bag", "left_fr3_link0", {"/right/joint_states": "right_fr3_"})
    with pytest.raises(BagError) as caught:
        check_bag(bag, None, preset("paper", samples=16, topk=4, iterations=1),
                  topics=BagTopics(pose=POSE))
    message = str(caught.value)
    assert "'left_fr3_link0'" in message and "another arm's base" in message
