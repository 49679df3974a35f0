"""rosbag2 bags without ROS: write episodes, read them back (MCAP and SQLite3), clear errors."""

import re

import numpy as np
import pytest
from rosbags.rosbag2 import StoragePlugin
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording

SEC = 1_000_000_000


def _assert_same_states(read, written):
    np.testing.assert_allclose(read[:, :3], written[:, :3], atol=1e-12)
    np.testing.assert_allclose(read[:, 6], written[:, 6], atol=1e-12)
    relative = Rotation.from_euler("xyz", read[:, 3:6]) * \
        Rotation.from_euler("xyz", written[:, 3:6]).inv()
    assert relative.magnitude().max() < 1e-9


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_round_trip_of_real_frames_and_states(tmp_path, franka_example, storage):
    frames, states = franka_example["frames"], franka_example["states"].astype(np.float64)
    path = write_bag(tmp_path / "bag", frames, states, rate_hz=4.0, storage=storage)
    recording = read_recording(path)
    assert recording.storage == storage
    assert recording.image_topic == "/camera/camera/color/image_raw"
    assert recording.state_source == "pose"
    assert recording.gripper_source == "/franka_gripper/joint_states"
    expected_times = DEFAULT_START_NS + np.array([0, SEC // 4])  # exact integer nanoseconds
    np.testing.assert_array_equal(recording.image_times, expected_times)
    np.testing.assert_array_equal(recording.state_times, recording.image_times)
    _assert_same_states(recording.states, states)
    np.testing.assert_array_equal(recording.load_frames([1, 0, 1]), frames[[1, 0, 1]])
    # A single storage file reads the same as its bag directory.
    single = next(path.glob("*.mcap" if storage == "mcap" else "*.db3"))
    _assert_same_states(read_recording(single).states, states)


def test_compressed_frames_and_the_compressed_topic_fallback(tmp_path, franka_example):
    frames, states = franka_example["frames"], franka_example["states"]
    png = read_recording(write_bag(tmp_path / "png", frames, states, image_format="png"))
    assert png.image_topic == "/camera/camera/color/image_raw/compressed"
    assert any("compressed" in note for note in png.notes)
    np.testing.assert_array_equal(png.load_frames([0, 1]), frames)  # PNG is lossless
    jpeg = read_recording(write_bag(tmp_path / "jpg", frames, states, image_format="jpeg"),
                          BagTopics(image="/camera/camera/color/image_raw/compressed"))
    decoded = jpeg.load_frames([0, 1]).astype(np.float64)
    assert np.abs(decoded - frames).mean() < 4.0 and not jpeg.notes


def _write_custom(path, entries, storage=StoragePlugin.MCAP):
    """Write (topic, msgtype, bag time ns, message) entries with the rosbags writer."""
    return write_messages(path, entries, "mcap" if storage == StoragePlugin.MCAP else "sqlite3")


def test_header_stamps_win_over_receive_times_unless_zero(tmp_path):
    _, states, _ = synthetic_episode(3)
    frame = np.zeros((8, 8, 3), np.uint8)
    entries = []
    for i, state in enumerate(states):
        received = DEFAULT_START_NS + i * SEC // 4
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, received + 7_000_000,
                        m.image_message(frame, received - 30_000_000, "cam")))
        entries.append(("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, received,
                        m.pose_message(state, 0, "base")))  # stamps 0: receive time is used
    path = _write_custom(tmp_path / "bag", entries)
    stamped = read_recording(path)
    expected = DEFAULT_START_NS + np.arange(4) * SEC // 4
    np.testing.assert_array_equal(stamped.image_times, expected - 30_000_000)
    np.testing.assert_array_equal(stamped.state_times, expected)
    received = read_recording(path, BagTopics(stamps="receive"))
    np.testing.assert_array_equal(received.image_times, expected + 7_000_000)
    assert received.gripper_source.startswith("none")
    assert any("gripper" in note for note in received.notes)
    np.testing.assert_array_equal(received.states[:, 6], 0.0)


def test_frames_are_ordered_by_stamp_not_by_arrival(tmp_path):
    early, late = np.full((4, 4, 3), 10, np.uint8), np.full((4, 4, 3), 200, np.uint8)
    t = DEFAULT_START_NS
    pose = m.pose_message(np.zeros(7), t, "base")
    path = _write_custom(tmp_path / "bag", [
        ("/camera/camera/color/image_raw", m.IMAGE, t, m.image_message(late, t + SEC, "cam")),
        ("/camera/camera/color/image_raw", m.IMAGE, t + 1, m.image_message(early, t, "cam")),
        ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, t, pose),
    ])
    recording = read_recording(path)
    np.testing.assert_array_equal(recording.image_times, [t, t + SEC])
    np.testing.assert_array_equal(recording.load_frames([0, 1]), np.stack([early, late]))
    with pytest.raises(BagError, match="out of range"):
        recording.load_frames([2])


def test_joint_state_bags_use_forward_kinematics_and_finger_joints(tmp_path):
    names = [f"panda_joint{i}" for i in range(1, 8)] + ["panda_finger_joint1",
                                                        "panda_finger_joint2"]
    entries = []
    for i in range(3):
        t = DEFAULT_START_NS + i * SEC // 4
        home = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]  # within the joint limits
        positions = np.r_[np.add(home, 0.1 * i), 0.01 * i, 0.01 * i]
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(names, positions,
                                                                                   t)))
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, t,
                        m.image_message(np.zeros((8, 8, 3), np.uint8), t, "cam")))
    path = _write_custom(tmp_path / "bag", entries)

    def fake_kinematics(joint_names, positions):  # xyz = first three joints, no rotation
        assert joint_names == names[:7] and positions.shape == (3, 7)
        return np.concatenate([positions[:, :3], np.zeros((len(positions), 3))], axis=1)

    recording = read_recording(path, joints_to_pose=fake_kinematics)
    assert recording.state_source == "joint_states"
    assert recording.gripper_source == "/joint_states"
    np.testing.assert_allclose(recording.states[:, 0], [0.0, 0.1, 0.2])
    # Finger joints 0.01 each of 0.08 m: closedness 1 - 0.02/0.08.
    np.testing.assert_allclose(recording.states[:, 6], [1.0, 0.75, 0.5])

    def refusing_kinematics(joint_names, positions):
        raise ValueError("joint states lack fr3_joint1")

    with pytest.raises(BagError, match="/joint_states: joint states lack fr3_joint1"):
        read_recording(path, joints_to_pose=refusing_kinematics)


def test_missing_topics_and_wrong_types_name_the_topic(tmp_path, franka_example):
    frames, states = franka_example["frames"], franka_example["states"]
    path = write_bag(tmp_path / "bag", frames, states)
    with pytest.raises(BagError, match=r"/cam/missing is not in the bag.*image_raw"):
        read_recording(path, BagTopics(image="/cam/missing"))
    with pytest.raises(BagError, match=r"/franka_gripper/joint_states has type .*JointState"):
        read_recording(path, BagTopics(image="/franka_gripper/joint_states"))
    with pytest.raises(BagError, match=r"state topic /ee \(pose\) is not in the bag"):
        read_recording(path, BagTopics(pose="/ee", state_source="pose"))
    with pytest.raises(BagError, match=r"/joint_states \(joint_states\) is not in the bag"):
        read_recording(path, BagTopics(pose="/ee"))  # auto: no pose topic, no joint states
    with pytest.raises(BagError, match="state_source"):
        read_recording(path, BagTopics(state_source="tf"))


def test_damaged_and_missing_bags_give_clear_errors(tmp_path, franka_example):
    frames, states = franka_example["frames"], franka_example["states"]
    with pytest.raises(BagError, match="not found"):
        read_recording(tmp_path / "nothing")
    mcap = write_bag(tmp_path / "mcap", frames, states)
    data_file = next(mcap.glob("*.mcap"))
    data_file.write_bytes(data_file.read_bytes()[:60])  # cut before the first message
    with pytest.raises(BagError, match=f"{data_file}.*truncated before its first complete"):
        read_recording(mcap)
    db3 = write_bag(tmp_path / "db3", frames, states, storage="sqlite3")
    data_file = next(db3.glob("*.db3"))
    data_file.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BagError, match=f"{data_file}: the SQLite3 file is damaged.*\\.recover"):
        read_recording(db3)
    meta = write_bag(tmp_path / "meta", frames, states)
    (meta / "metadata.yaml").write_text("rosbag2_bagfile_information: [unclosed")
    recording = read_recording(meta)  # a broken metadata.yaml: the data file is read directly
    assert len(recording.image_times) == 2
    assert any(f"{meta / 'metadata.yaml'} is not valid YAML (line " in note and "directly" in note
               for note in recording.notes)


def test_a_corrupt_image_message_names_topic_and_message(tmp_path):
    image = m.image_message(np.zeros((4, 4, 3), np.uint8), DEFAULT_START_NS, "cam")
    image.step = 5  # rows shorter than width * 3: undecodable
    pose = m.pose_message(np.zeros(7), DEFAULT_START_NS, "base")
    later = m.image_message(np.zeros((4, 4, 3), np.uint8), DEFAULT_START_NS + SEC, "cam")
    path = _write_custom(tmp_path / "bag", [
        ("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS, image),
        ("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS + SEC, later),
        ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, DEFAULT_START_NS, pose),
    ])
    # The first frame is decoded when the bag is read (its encoding is checked then), so the
    # refusal comes before any model loads; a later corrupt frame is named by load_frames.
    with pytest.raises(BagError, match=re.escape(f"{path}: /camera/camera/color/image_raw "
                                                 "message 1 (counting from 1): image step 5")):
        read_recording(path).load_frames([0])
    later.step = 5
    image.step = 12
    path = _write_custom(tmp_path / "bag2", [
        ("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS, image),
        ("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS + SEC, later),
        ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, DEFAULT_START_NS, pose),
    ])
    recording = read_recording(path)
    with pytest.raises(BagError, match=re.escape(f"{path}: /camera/camera/color/image_raw "
                                                 "message 2 (counting from 1): image step 5")):
        recording.load_frames([0, 1])


def test_write_bag_refuses_bad_episodes(tmp_path):
    frames, states, _ = synthetic_episode(2)
    write_bag(tmp_path / "bag", frames, states)
    with pytest.raises(BagError, match="exists already"):
        write_bag(tmp_path / "bag", frames, states)
    with pytest.raises(BagError, match=r"states must be \[T, 7\]"):
        write_bag(tmp_path / "b2", frames, states[:, :6])
    bad = states.copy()
    bad[1, 0] = np.nan
    with pytest.raises(BagError, match="NaN"):
        write_bag(tmp_path / "b3", frames, bad)
    with pytest.raises(BagError, match="strictly increasing"):
        write_bag(tmp_path / "b4", frames, states, times_s=np.array([0.0, 0.5, 0.5]))
    with pytest.raises(BagError, match="storage"):
        write_bag(tmp_path / "b5", frames, states, storage="bag1")
