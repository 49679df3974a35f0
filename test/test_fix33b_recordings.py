"""fix33b: other members of breaker33b's families, read through ``recordings`` (eval and train).

Clocks (a gripper covering part of the arm's time, stamps stepping back on joint states),
frames (empty ones mid-bag, a size change), metadata.yaml against the data (a WAL beside a bag
folder's .db3, compression it does not say), the camera advice, NaN poses, bag-from-npz times.
"""


import numpy as np
import pytest
import yaml
from test_breaker33b import CAMERA, FINGERS, GRIPPER, POSE, SEC, camera_pose_entries

from conftest import write_killed_sqlite_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.topic_choice import camera_topics
from vjepa_ros.robot.joint_states import finger_position

ARM = [f"fr3_joint{i}" for i in range(1, 8)]
HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]


def _gripper(entries, times_ns, closed_from=None):
    for t in times_ns:
        f = finger_position(1.0 if closed_from is not None and t >= closed_from else 0.0)
        entries.append((GRIPPER, m.JOINT_STATE, t, m.joint_state_message(FINGERS, [f, f], t)))
    return entries


def test_a_gripper_that_starts_late_gets_a_note_counting_the_states_outside_it(tmp_path):
    entries, _, _ = camera_pose_entries(40)  # 10 s at 4 Hz; the gripper only from 5 s on
    start = DEFAULT_START_NS + 5 * SEC
    _gripper(entries, start + np.arange(20) * SEC // 4)
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    said = [note for note in recording.notes if GRIPPER in note and "outside" in note]
    assert len(said) == 1 and " 16 of 40 states" in said[0], recording.notes


def test_a_gripper_a_beat_late_gets_no_note(tmp_path):
    entries, _, _ = camera_pose_entries(12)
    _gripper(entries, DEFAULT_START_NS + 300_000_000 + np.arange(11) * SEC // 4, DEFAULT_START_NS
             + 2 * SEC)
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    assert recording.gripper_source == GRIPPER
    assert not [note for note in recording.notes if GRIPPER in note], recording.notes
    np.testing.assert_allclose(recording.states[-1, 6], 1.0, atol=1e-6)


def test_a_gripper_on_another_clock_reads_with_stamps_receive(tmp_path):
    entries, _, _ = camera_pose_entries(10)
    for i in range(10):  # stamped on a device clock, received with the rest
        t = DEFAULT_START_NS + i * SEC // 4
        f = finger_position(0.0 if i < 4 else 1.0)
        entries.append((GRIPPER, m.JOINT_STATE, t,
                        m.joint_state_message(FINGERS, [f, f], 42 * SEC + i * SEC // 4)))
    bag = write_messages(tmp_path / "bag", entries)
    with pytest.raises(BagError, match="--stamps receive") as caught:
        read_recording(bag)
    assert GRIPPER in str(caught.value) and "do not overlap" in str(caught.value)
    recording = read_recording(bag, BagTopics(stamps="receive"))
    np.testing.assert_allclose(recording.states[:, 6], [0] * 4 + [1] * 6, atol=1e-6)


def _joint_state_entries(count, stamp):
    entries = []
    for i in range(count):
        t = DEFAULT_START_NS + i * SEC // 4
        positions = np.add(HOME, 0.01 * i)
        entries.append(("/joint_states", m.JOINT_STATE, t,
                        m.joint_state_message(ARM, positions, stamp(i, t))))
        frame = np.full((8, 8, 3), i, np.uint8)
        entries.append((CAMERA, m.IMAGE, t, m.image_message(frame, stamp(i, t), "c")))
    return entries


def test_joint_state_stamps_stepping_back_are_refused_and_read_by_receive_time(tmp_path):
    bag = write_messages(tmp_path / "bag", _joint_state_entries(
        16, lambda i, t: t if i < 8 else t - 3 * SEC))  # a sim reset 3 s back at message 8
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    words = str(caught.value)
    assert "step back at message 9 (counting from 1)" in words, words
    assert "--stamps receive" in words, words
    recording = read_recording(bag, BagTopics(stamps="receive"))
    assert len(recording.image_times) == 16 and len(recording.state_times) == 16


def test_empty_frames_mid_bag_are_skipped_and_the_rest_load_as_recorded(tmp_path):
    entries, frames, _ = camera_pose_entries(8)
    cameras = [i for i, e in enumerate(entries) if e[0] == CAMERA]
    for k in (0, 3):  # the first frame and one mid-bag
        t = entries[cameras[k]][2]
        entries[cameras[k]] = (CAMERA, m.IMAGE, t, m.typestore().types[m.IMAGE](
            header=m.make_header(t, "c"), height=0, width=0, encoding="rgb8", is_bigendian=0,
            step=0, data=np.zeros(0, np.uint8)))
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    assert len(recording.image_times) == 6
    assert any("2 empty frame(s)" in note and "0, 3" in note for note in recording.notes)
    kept = [1, 2, 4, 5, 6, 7]
    np.testing.assert_array_equal(recording.load_frames(range(6)), frames[kept])


def test_a_frame_size_change_names_both_messages_and_their_times(tmp_path):
    entries, frames, _ = camera_pose_entries(6)
    big = np.zeros((40, 48, 3), np.uint8)
    entries = [(topic, kind, t, m.image_message(big, t, "c"))
               if topic == CAMERA and t >= DEFAULT_START_NS + SEC else (topic, kind, t, msg)
               for topic, kind, t, msg in entries]
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    assert recording.load_frames([0, 1, 2, 3]).shape == (4, *frames.shape[1:])  # before it
    with pytest.raises(BagError) as caught:
        recording.load_frames([2, 5])
    words = str(caught.value)
    assert ("32x32 px at message 3 (counting from 1) (0.50 s), 48x40 px at message 6 (counting "
            "from 1) (1.25 s)") in words, words
    assert "--end" in words


def test_camera_topics_put_colour_streams_before_depth_and_infrared():
    types = {t: m.IMAGE for t in ("/a/depth/image_rect_raw", "/a/infra1/image_rect_raw",
                                  "/a/image_raw", "/a/color/image_raw")}
    types["/a/aligned_depth_to_color/image_raw/compressedDepth"] = m.COMPRESSED_IMAGE
    ranked = camera_topics(types)
    assert ranked[:2] == ["/a/color/image_raw", "/a/image_raw"], ranked


def test_a_nan_pose_with_joint_states_in_the_bag_says_to_read_them(tmp_path):
    entries, _, _ = camera_pose_entries(6)
    entries += [(e[0], e[1], e[2], e[3]) for e in _joint_state_entries(6, lambda i, t: t)
                if e[0] == "/joint_states"]
    pose = [e for e in entries if e[0] == POSE][2][3]
    pose.pose.orientation.w = float("inf")
    with pytest.raises(BagError) as caught:
        read_recording(write_messages(tmp_path / "bag", entries))
    words = str(caught.value)
    assert "message 3 (counting from 1) holds" in words, words
    assert "--state-source joint_states" in words, words


def _metadata_edit(bag, edit):
    path = bag / "metadata.yaml"
    metadata = yaml.safe_load(path.read_text())
    edit(metadata["rosbag2_bagfile_information"])
    path.write_text(yaml.safe_dump(metadata))


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_messages_said_compressed_but_plain_are_read_with_a_note(tmp_path, storage):
    frames, states, _ = synthetic_episode(4)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage)
    _metadata_edit(bag, lambda info: info.update(compression_mode="MESSAGE",
                                                 compression_format="zstd"))
    recording = read_recording(bag)
    assert len(recording.image_times) == 5
    assert any("metadata.yaml disagrees" in note for note in recording.notes), recording.notes


def test_a_camera_topic_of_another_type_in_metadata_reads_the_data(tmp_path):
    frames, states, _ = synthetic_episode(4)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3", compression="message")

    def retype(info):
        for entry in info["topics_with_message_count"]:
            if entry["topic_metadata"]["name"] == CAMERA:
                entry["topic_metadata"]["type"] = m.COMPRESSED_IMAGE
    _metadata_edit(bag, retype)
    recording = read_recording(bag)
    np.testing.assert_array_equal(recording.load_frames([4])[0], frames[4])
    assert recording.compression == "zstd message"
    assert any(CAMERA in note and "metadata.yaml" in note for note in recording.notes)


def test_a_bag_folders_write_ahead_log_is_read_and_the_users_files_are_left_alone(tmp_path):
    # with its metadata.yaml: rosbags would read the .db3 alone
    killed = write_killed_sqlite_bag(tmp_path)
    before = {p.name: p.read_bytes() for p in killed.iterdir()}
    recording = read_recording(killed)
    assert len(recording.image_times) == 6 and len(recording.state_times) == 6
    assert any("3 message(s)" in note and "-wal" in note for note in recording.notes)
    assert recording.load_frames([5]).shape[0] == 1
    assert {p.name: p.read_bytes() for p in killed.iterdir()} == before


def test_bag_from_npz_writes_the_episode_times_and_rate_overrides_them_saying_so(tmp_path,
                                                                                capsys):
    from vjepa_ros.cli import main

    frames, states, _ = synthetic_episode(5)
    episode = tmp_path / "ep.npz"
    np.savez(episode, observations=frames[None], states=states[None],
             timestamps=(np.arange(6) * 0.1)[None])
    assert main(["bag-from-npz", str(tmp_path / "own"), "--episode", str(episode)]) == 0
    assert "episode's timestamps (10 Hz" in capsys.readouterr().out
    times = read_recording(tmp_path / "own").image_times
    np.testing.assert_allclose(np.diff(times) / SEC, 0.1, atol=1e-6)
    assert main(["bag-from-npz", str(tmp_path / "rate"), "--episode", str(episode),
                 "--rate", "2"]) == 0
    assert "--rate" in capsys.readouterr().out
    times = read_recording(tmp_path / "rate").image_times
    np.testing.assert_allclose(np.diff(times) / SEC, 0.5, atol=1e-6)


def test_bag_from_npz_refuses_timestamps_that_do_not_increase(tmp_path, capsys):
    from vjepa_ros.cli import main

    frames, states, _ = synthetic_episode(3)
    episode = tmp_path / "ep.npz"
    np.savez(episode, observations=frames, states=states, timestamps=[0.0, 0.2, 0.1, 0.3])
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(episode)]) == 1
    assert "--rate" in capsys.readouterr().err
    assert not (tmp_path / "bag").exists()


def test_camera_stamps_stepping_back_name_the_message_counting_its_empty_frames(tmp_path):
    """mend50r: camera messages 1-2 are empty (skipped), the stamps go back 3 s from message 9.

    The refusal names message 9 of the topic as ``ros2 bag`` holds it (empty ones counted), not
    the 7th stamped frame.
    """
    entries, _, _ = camera_pose_entries(
        16, stamp=lambda i, t: t if i < 8 else t - 3 * SEC)
    for k in (0, 1):
        t = DEFAULT_START_NS + k * SEC // 4
        empty = m.typestore().types[m.IMAGE](
            header=m.make_header(t, "c"), height=0, width=0, encoding="rgb8",
            is_bigendian=0, step=0, data=np.zeros(0, np.uint8))
        entries[2 * k] = (CAMERA, m.IMAGE, t, empty)
    with pytest.raises(BagError, match=rf"{CAMERA} header stamps step back at message 9 "
                       r"\(counting from 1\)"):
        read_recording(write_messages(tmp_path / "bag", entries))
