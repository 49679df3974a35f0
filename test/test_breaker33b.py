"""breaker33b: lab-made bags that the recordings readers and offline eval get silently wrong.

Each test is a strict xfail: it fails on the code of this session for the reason it states and
asserts what a lab needs (the states and frames of one moment paired, the gripper as recorded,
an error naming the file and the fix). Bags are made here with ``rosbags``; ROS-free but the
bag_player test (rclpy, skipped without it).
"""

import time

import numpy as np
import pytest
import yaml

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.resample import resample
from vjepa_ros.robot.joint_states import finger_position

SEC = 1_000_000_000
CAMERA = "/camera/camera/color/image_raw"
POSE = "/franka_robot_state_broadcaster/current_pose"
GRIPPER = "/franka_gripper/joint_states"
FINGERS = ["panda_finger_joint1", "panda_finger_joint2"]


def camera_pose_entries(count, stamp=lambda i, t: t, size=None):
    """Camera and pose entries received at 4 Hz, stamped ``stamp(i, receive ns)``."""
    frames, states, _ = synthetic_episode(count - 1) if size is None else \
        synthetic_episode(count - 1, size=size)
    entries = []
    for i in range(count):
        t = DEFAULT_START_NS + i * SEC // 4
        entries.append((CAMERA, m.IMAGE, t, m.image_message(frames[i], stamp(i, t), "c")))
        entries.append((POSE, m.POSE_STAMPED, t, m.pose_message(states[i], stamp(i, t), "base")))
    return entries, frames, states


@pytest.mark.parametrize("clock", ["device_clock", "zero_stamps_in_a_sim_time_bag"])
def test_a_gripper_on_another_clock_is_not_read_as_constant_without_a_word(tmp_path, clock):
    # the gripper closes at message 4 (closedness 0 -> 1); camera and pose share one clock
    sim = clock != "device_clock"
    entries, _, _ = camera_pose_entries(
        10, stamp=(lambda i, t: 5 * SEC + i * SEC // 4) if sim else (lambda i, t: t))
    for i in range(10):
        t = DEFAULT_START_NS + i * SEC // 4
        stamp = 0 if sim else 42 * SEC + i * SEC // 4  # sim bag: the driver fills no stamp
        f = finger_position(0.0 if i < 4 else 1.0)
        entries.append((GRIPPER, m.JOINT_STATE, t, m.joint_state_message(FINGERS, [f, f], stamp)))
    bag = write_messages(tmp_path / "bag", entries)
    try:
        recording = read_recording(bag)
    except BagError as exc:  # a refusal naming the gripper topic would do
        assert GRIPPER in str(exc)
        return
    closedness = recording.states[:, 6]
    # observed: [1, 1, ..., 1] (np.interp clamps every arm time to the last finger sample)
    said = [note for note in recording.notes  # more than its stamps-are-0 note
            if GRIPPER in note and "header stamps are 0" not in note]
    assert said or np.array_equal(closedness, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]), closedness


def test_stamps_that_go_back_never_pair_a_frame_with_another_moments_state(tmp_path):
    # camera and robot on one clock that steps back 1 s after message 8 (Gazebo reset, NTP step)
    entries, _, states = camera_pose_entries(
        16, stamp=lambda i, t: t if i < 8 else t - SEC)
    bag = write_messages(tmp_path / "bag", entries)
    try:
        recording = read_recording(bag)
        steps = resample(recording.image_times, recording.state_times, recording.states)
    except BagError as exc:  # a refusal with --stamps receive would do
        assert "--stamps receive" in str(exc)
        return
    for k in np.flatnonzero(steps.valid):
        ordinal = int(recording.image_ordinals[steps.frame_indices[k]])
        # observed: step 4 has frame 4 (x 0.424) and the state of message 8 (x 0.523)
        np.testing.assert_allclose(steps.states[k, :3], states[ordinal, :3], atol=1e-9,
                                   err_msg=f"step {k}: frame {ordinal} with another state")


def test_eval_does_not_mix_frame_sizes_silently(tmp_path):
    import cv2
    import torch
    from test_eval_evaluate import tiny_world_model

    from vjepa_ros.eval.evaluate import EvalConfig, evaluate_recording
    from vjepa_ros.planning import preset

    entries, frames, states = camera_pose_entries(6)
    wide = [(topic, kind, t, m.image_message(np.ascontiguousarray(
        cv2.resize(frames[(t - DEFAULT_START_NS) * 4 // SEC], (64, 32))), t, "c"))
        if topic == CAMERA and t >= DEFAULT_START_NS + SEC else (topic, kind, t, msg)
        for topic, kind, t, msg in entries]  # 32x32 px, then 64x32 px from 1 s on
    recording = read_recording(write_messages(tmp_path / "bag", wide))
    torch.set_num_threads(1)
    try:
        report = evaluate_recording(recording, tiny_world_model(),
                                    preset("paper", samples=8, iterations=1, topk=2),
                                    EvalConfig(landscape_points=0))
    except (BagError, ValueError) as exc:  # refused as train refuses it
        assert "size" in str(exc).replace(str(tmp_path), "TMP")
        return
    notes = report["recording"]["notes"]  # observed: only the no-gripper warning
    assert any("size" in note.replace(str(tmp_path), "TMP") for note in notes), notes


def _metadata(bag):
    path = bag / "metadata.yaml"
    return path, yaml.safe_load(path.read_text())


def test_zstd_messages_under_a_metadata_without_compression_are_read_or_named(tmp_path):
    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, compression="message")
    path, metadata = _metadata(bag)
    info = metadata["rosbag2_bagfile_information"]
    info["compression_mode"], info["compression_format"] = "", ""
    path.write_text(yaml.safe_dump(metadata))
    try:
        recording = read_recording(bag)
    except BagError as exc:
        # observed: "... message 0 is damaged: Invalid or unsupported CDR encapsulation."
        words = str(exc).replace(str(tmp_path), "TMP")  # the test's own name says zstd
        assert "compress" in words or "zstd" in words, words
        return
    assert len(recording.image_times) == 6


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
@pytest.mark.parametrize("change", ["pose_topic_left_out", "pose_type_changed"])
def test_a_metadata_that_disagrees_with_the_data_is_named_or_read_around(tmp_path, storage,
                                                                         change):
    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage)
    path, metadata = _metadata(bag)
    topics = metadata["rosbag2_bagfile_information"]["topics_with_message_count"]
    for entry in list(topics):
        if entry["topic_metadata"]["name"] == POSE:
            if change == "pose_topic_left_out":
                topics.remove(entry)
            else:
                entry["topic_metadata"]["type"] = m.POSE_WITH_COVARIANCE_STAMPED
    path.write_text(yaml.safe_dump(metadata))
    try:
        recording = read_recording(bag)
    except BagError as exc:
        assert "metadata.yaml" in str(exc), str(exc)
        return
    np.testing.assert_allclose(recording.states[:, :3], states[:, :3], atol=1e-9)


def test_the_camera_fix_names_the_colour_stream_not_the_depth_one(tmp_path):
    frames, states, _ = synthetic_episode(3)
    depth = dict(height=32, width=32, encoding="16UC1", is_bigendian=0, step=64,
                 data=np.zeros(32 * 64, np.uint8))
    entries = []
    for i in range(4):
        t = DEFAULT_START_NS + i * SEC // 4
        header = m.make_header(t, "c")
        entries += [("/camera/color/image_raw", m.IMAGE, t, m.image_message(frames[i], t, "c")),
                    ("/camera/aligned_depth_to_color/image_raw", m.IMAGE, t,
                     m.typestore().types[m.IMAGE](header=header, **depth)),
                    (POSE, m.POSE_STAMPED, t, m.pose_message(states[i], t, "base"))]
    bag = write_messages(tmp_path / "bag", entries)  # ROS 1 style RealSense names
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    # observed: "... name the camera topic with --image-topic
    # /camera/aligned_depth_to_color/image_raw" (the 16UC1 stream, refused once given)
    assert "--image-topic /camera/color/image_raw" in str(caught.value), str(caught.value)


def test_a_nan_pose_names_its_message(tmp_path):
    entries, _, _ = camera_pose_entries(8)
    pose = [e for e in entries if e[0] == POSE][5][3]
    pose.pose.position.x = float("nan")
    with pytest.raises(BagError) as caught:
        read_recording(write_messages(tmp_path / "bag", entries))
    # observed: "BAG: /franka_.../current_pose: end-effector pose contains NaN or inf"
    assert "message 6 (counting from 1) holds a NaN" in str(caught.value), str(caught.value)


def test_bag_from_npz_keeps_the_episode_timestamps_or_says_so(tmp_path, capsys):
    from vjepa_ros.cli import main

    frames, states, _ = synthetic_episode(5)
    episode = tmp_path / "ep.npz"  # recorded at 10 Hz: timestamps 0.0, 0.1, ... s
    np.savez(episode, observations=frames[None], states=states[None],
             timestamps=(np.arange(6) * 0.1)[None])
    status = main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(episode)])
    printed = capsys.readouterr()
    if status != 0 or "timestamps" in (printed.out + printed.err).replace(str(tmp_path), ""):
        return  # refused, or said that --rate overrides the file's times
    times = read_recording(tmp_path / "bag").image_times
    # observed: 0.25 s apart (a 10 Hz episode's motions read as 2.5 times slower)
    np.testing.assert_allclose(np.diff(times) / SEC, 0.1, atol=1e-6)


def test_bag_player_never_sends_clock_backwards_for_a_bag_with_clock(context, tmp_path):
    rclpy = pytest.importorskip("rclpy")
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rosgraph_msgs.msg import Clock

    from vjepa_ros.nodes.bag_player import BagPlayer

    # a use_sim_time run: header stamps and /clock on sim time (5 s on), recorded on wall time
    entries, _, _ = camera_pose_entries(5, stamp=lambda i, t: 5 * SEC + i * SEC // 4)
    store = m.typestore()
    for i in range(5):
        t = DEFAULT_START_NS + i * SEC // 4
        clock = store.types["rosgraph_msgs/msg/Clock"](
            clock=store.types["builtin_interfaces/msg/Time"](sec=5, nanosec=i * SEC // 4))
        entries.append(("/clock", "rosgraph_msgs/msg/Clock", t, clock))
    bag = write_messages(tmp_path / "bag", sorted(entries, key=lambda e: e[2]))
    listener = rclpy.create_node("listener", context=context)
    clocks = []
    listener.create_subscription(Clock, "/clock", clocks.append, 100)
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("rate", value=4.0),
        Parameter("start_delay_s", value=1.0)])
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(player)
    executor.add_node(listener)
    try:
        deadline = time.monotonic() + 30.0  # only a failing run waits this long
        while time.monotonic() < deadline and not player.done.is_set():
            executor.spin_once(timeout_sec=0.05)
        for _ in range(10):
            executor.spin_once(timeout_sec=0.05)
        assert player.done.is_set() and player.error is None
        stamps = [c.clock.sec * SEC + c.clock.nanosec for c in clocks]
        # observed: 1700000000.0 s, 5.0 s, 1700000000.25 s, 5.25 s, ...
        assert stamps and np.all(np.diff(stamps) >= 0), [s / SEC for s in stamps]
    finally:
        executor.shutdown()
        player.destroy_node()
        listener.destroy_node()


def test_messages_in_a_sqlite_write_ahead_log_are_read_or_counted(tmp_path):
    import shutil
    import sqlite3

    frames, states, _ = synthetic_episode(9)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    db = next(bag.glob("*.db3"))
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        last = connection.execute("SELECT id, topic_id, timestamp, data FROM messages ORDER BY "
                                  "timestamp DESC LIMIT 3").fetchall()  # the last moment's
        connection.executemany("DELETE FROM messages WHERE id = ?", [(r[0],) for r in last])
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.executemany("INSERT INTO messages(topic_id, timestamp, data) VALUES "
                               "(?, ?, ?)", [r[1:] for r in last])
        connection.commit()  # in the -wal file only: the recorder is then killed
        killed = tmp_path / "killed"
        killed.mkdir()
        for name in (db.name, f"{db.name}-wal", f"{db.name}-shm"):
            shutil.copy(bag / name, killed / name)  # killed before metadata.yaml
    finally:
        connection.close()
    check = shutil.copytree(killed, tmp_path / "check")  # sqlite3 may checkpoint its copy
    assert sqlite3.connect(check / db.name).execute(
        "SELECT COUNT(*) FROM messages").fetchone() == (30,), "sqlite3 itself reads all 30"
    assert (killed / f"{db.name}-wal").stat().st_size > 0
    recording = read_recording(killed)
    said = [note for note in recording.notes if "-wal" in note]
    # observed: 9 frames and states, only the missing-metadata note
    assert said or len(recording.image_times) == 10, recording.notes


def test_an_empty_first_frame_is_skipped_or_refused_with_a_fix(tmp_path):
    entries, _, _ = camera_pose_entries(8)
    empty = m.typestore().types[m.IMAGE](
        header=m.make_header(DEFAULT_START_NS, "c"), height=0, width=0, encoding="rgb8",
        is_bigendian=0, step=0, data=np.zeros(0, np.uint8))
    entries[0] = (CAMERA, m.IMAGE, DEFAULT_START_NS, empty)
    try:
        recording = read_recording(write_messages(tmp_path / "bag", entries))
    except BagError as exc:
        words = str(exc).replace(str(tmp_path), "TMP")
        # observed: "BAG: /camera/camera/color/image_raw message 0: empty image: 0x0 pixels"
        assert "--start" in words or "give" in words or "record" in words, words
        return
    assert len(recording.image_times) == 7 and recording.notes


def test_joint_states_without_positions_say_what_to_give(tmp_path):
    entries, _, _ = camera_pose_entries(4)
    names = [f"fr3_joint{i}" for i in range(1, 8)]
    entries = [e for e in entries if e[0] == CAMERA] + [
        ("/joint_states", m.JOINT_STATE, t, m.joint_state_message(names, [], t,
                                                                  velocities=np.zeros(7)))
        for t in DEFAULT_START_NS + np.arange(4) * SEC // 4]
    with pytest.raises(BagError) as caught:
        read_recording(write_messages(tmp_path / "bag", entries))
    words = str(caught.value).replace(str(tmp_path), "TMP")
    # observed: "BAG: /joint_states message 0: joint state has 7 names but 0 positions"
    assert "give" in words or "record" in words or "--" in words, words
