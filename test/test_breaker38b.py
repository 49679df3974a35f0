"""Breaker38b: session 38's fixes tried with legitimate recordings and the other commands.

Each test fails on the code it was written against (strict xfail); the reason says what a lab
user met. Bags are written message by message (``write_messages``) or rewritten from a small
one (``conftest.rewritten_bag``); no ROS install is needed.
"""

from pathlib import Path

import numpy as np
import pytest

from conftest import rewritten_bag, write_test_bag
from vjepa_ros.cli import main

CAMERA = "/camera/camera/color/image_raw"
POSE = "/franka_robot_state_broadcaster/current_pose"
ARM = [f"fr3_joint{i}" for i in range(1, 8)]
FINGERS = ["fr3_finger_joint1", "fr3_finger_joint2"]
HOME = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
WALL_NS = 1_700_000_000 * 1_000_000_000  # the recorder's (system) clock
SMALL_EVAL = ["--samples", "8", "--iterations", "1", "--topk", "2", "--landscape-points", "0",
              "--no-plots", "--quiet"]


def _one_line_error(capsys, argv, status=(1, 2)) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code in status, (code, err)
    assert "Traceback" not in err, err
    return err.splitlines()[-1]


def _frame(index: int) -> np.ndarray:
    image = np.zeros((32, 32, 3), np.uint8)
    image[..., 0] = (index * 7) % 255
    image[index % 32, :, 1] = 255
    return image


def _sim_joint_bag(path, joint_stamp, joint_hz=1000, split_fingers=False, seconds=2.0,
                   stamp_start_ns=0):
    """Write a bag of a 30 Hz camera and ``joint_hz`` /joint_states (no pose topic).

    Header stamps from ``stamp_start_ns`` (0: a simulator's clock, as Gazebo's or Isaac's
    /clock); the recorder's receive times on the wall clock. The camera's stamps are exact;
    each joint message's stamp is ``joint_stamp(t)`` [s] of its time t. ``split_fingers``: the
    finger joints in a message of their own right after the arm's, with the same stamp (two
    broadcasters of one controller update, both publishing /joint_states).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = []
    for i in range(int(seconds * 30)):
        t = i / 30
        entries.append((CAMERA, m.IMAGE, WALL_NS + int(t * 1e9) + 2_000_000,
                        m.image_message(_frame(i), stamp_start_ns + int(t * 1e9), "cam")))
    for i in range(int(seconds * joint_hz)):
        t = i / joint_hz
        q = HOME + 0.3 * np.sin(t) * np.array([1, 1, 0, 1, 0, 1, 0])
        stamp = stamp_start_ns + int(round(joint_stamp(t) * 1e9))
        received = WALL_NS + int(t * 1e9) + 300_000
        if split_fingers:
            entries.append(("/joint_states", m.JOINT_STATE, received,
                            m.joint_state_message(ARM, q, stamp)))
            entries.append(("/joint_states", m.JOINT_STATE, received + 1000,
                            m.joint_state_message(FINGERS, [0.04, 0.04], stamp)))
        else:
            entries.append(("/joint_states", m.JOINT_STATE, received,
                            m.joint_state_message(ARM + FINGERS, [*q, 0.04, 0.04], stamp)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


# -- 1. clocks: coarse or shared stamps are not clocks standing still ---------------------------

def test_coarse_sim_clock_stamps_on_a_1khz_joint_topic_are_still_its_clock(tmp_path):
    from vjepa_ros.recordings.bags import read_recording

    # Gazebo / Isaac publish /clock at the physics or render rate (here 100 Hz); a
    # joint_state_broadcaster updating at 1 kHz stamps 10 messages with each clock value. The
    # stamps advance with the recording (quantized to 10 ms), unlike a driver that stamps once.
    bag = _sim_joint_bag(tmp_path / "coarse", lambda t: np.floor(t * 100) / 100)
    recording = read_recording(bag)  # BagError: camera 0..2 s, states 1.7e9 s: no overlap
    assert len(recording.image_times) == 60
    assert not any("header stamps repeat" in note for note in recording.notes), recording.notes


@pytest.mark.parametrize("clock", ["sim", "system"])
def test_arm_and_finger_messages_of_one_stamp_are_not_frozen_stamps(tmp_path, clock):
    from vjepa_ros.recordings.bags import read_recording

    # Every arm message's stamp is new (100 Hz); the finger message after it carries the same
    # stamp. "Over half the messages repeat the one before" counts the topic's messages, not
    # the arm's states or the fingers' samples, each of which has its own advancing stamps.
    start = 0 if clock == "sim" else WALL_NS - 40_000_000  # system: stamped 40 ms before receipt
    bag = _sim_joint_bag(tmp_path / clock, lambda t: t, joint_hz=100, split_fingers=True,
                         stamp_start_ns=start)
    recording = read_recording(bag)  # sim: BagError (no overlap)
    assert not any("header stamps repeat" in note for note in recording.notes), recording.notes
    # the states keep their header stamps: the camera's clock, not the recorder's
    assert recording.state_times[0] - start < 20_000_000, recording.state_times[0] - start


def test_a_camera_whose_stamps_freeze_partway_gets_a_note(tmp_path):
    from vjepa_ros.recordings.bags import read_recording
    source = write_test_bag(tmp_path / "moving", frames=40, moving=True)

    def freeze(entry, entries):  # the driver's stamp sticks at frame 25 (a lost hardware sync)
        frames = [e for e in entries if e[0] == CAMERA]
        if entry[0] == CAMERA and frames.index(entry) > 25:
            stamp = frames[25][3].header.stamp
            entry[3].header.stamp.sec, entry[3].header.stamp.nanosec = stamp.sec, stamp.nanosec

    # resampled at 4 Hz, frames 26..39 (3.5 s of the arm moving) share one time: unused
    recording = read_recording(rewritten_bag(source, tmp_path / "frozen", freeze))
    assert any(CAMERA in note and "stamp" in note for note in recording.notes), recording.notes


# -- 3. two cameras / a pose topic changing frames: the advice given must be usable ---------

def _relabelled(tmp_path, topic: str, frame_id: str) -> Path:
    """Return the 16-frame moving bag with ``topic``'s messages from the 9th on in ``frame_id``."""
    source = write_test_bag(tmp_path / "moving", frames=16, moving=True)

    def relabel(entry, entries):
        on_topic = [e for e in entries if e[0] == topic]
        if entry[0] == topic and on_topic.index(entry) >= 8:
            entry[3].header.frame_id = frame_id

    return rewritten_bag(source, tmp_path / "relabelled", relabel)


@pytest.mark.parametrize("topic,frame_id", [(CAMERA, "camera2_color_optical_frame"),
                                            (POSE, "world")])
def test_eval_with_start_end_in_one_frames_part_is_read(tmp_path, capsys, topic, frame_id):
    bag = _relabelled(tmp_path, topic, frame_id)
    # frames 0..7 (0 .. 1.75 s at 4 Hz) carry the first frame_id: the part the advice means
    argv = ["eval", str(bag), "--start", "0", "--end", "1.75", "--out", str(tmp_path / "ev"),
            *SMALL_EVAL]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 0 or "--start" not in err, err  # the advice given works, or none is given


@pytest.mark.parametrize("command,topic,frame_id", [
    ("train", CAMERA, "camera2_color_optical_frame"), ("train", POSE, "world"),
    ("pretrain", CAMERA, "camera2_color_optical_frame")])
def test_train_and_pretrain_name_no_option_they_lack(tmp_path, capsys, command, topic,
                                                    frame_id):
    bag = _relabelled(tmp_path, topic, frame_id)
    argv = (["train", "--data", str(bag), "--encoder", "demo", "--steps", "1",
             "--val-fraction", "0", "--quiet", "--threads", "1", "--out", str(tmp_path / "run")]
            if command == "train" else
            ["pretrain", "--data", str(bag), "--steps", "1", "--quiet", "--threads", "1",
             "--out", str(tmp_path / "enc.pt")])
    line = _one_line_error(capsys, argv)
    assert "frame" in line, line  # the refusal itself is right
    assert "--start" not in line and "--end" not in line, line


# -- 4. run / reach / collect --out: a folder is not a recording because of a file's name ----

@pytest.mark.parametrize("writer", ["run", "reach", "collect"])
def test_out_below_a_plain_folder_with_a_metadata_yaml_is_allowed(tmp_path, writer):
    from vjepa_ros.train.out_check import out_among_data, refuse_out_in_recording

    project = tmp_path / "experiments"
    project.mkdir()
    (project / "metadata.yaml").write_text("name: grasp study\nowner: lab\n")  # not a bag's
    out = project / "run1"
    # eval's and train's guard: allowed (a bag is metadata.yaml beside data files)
    assert out_among_data(out, {"bag": [write_test_bag(tmp_path / "bag")]}, "--out") == ""
    refuse_out_in_recording(out, writer)  # ValueError: "... which is a rosbag2 bag"


# -- joint prefixes: the finger advice and train's refusal ---------------------------------

def _two_arm_bag(tmp_path) -> Path:
    """Write /joint_states of two FR3 arms (left_fr3_, right_fr3_), only the right with fingers."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    left = [f"left_fr3_joint{i}" for i in range(1, 8)]
    right = [f"right_fr3_joint{i}" for i in range(1, 8)]
    fingers = ["right_fr3_finger_joint1", "right_fr3_finger_joint2"]
    entries = []
    for i in range(16):
        t = WALL_NS + i * 250_000_000
        entries.append((CAMERA, m.IMAGE, t, m.image_message(_frame(i), t, "cam")))
        entries.append(("/joint_states", m.JOINT_STATE, t + 1000, m.joint_state_message(
            left + right + fingers, [*(HOME + 0.05 * i), *HOME, 0.02, 0.02], t)))
    return write_messages(tmp_path / "two_arms", entries)


def test_another_arms_fingers_are_not_advised_as_the_prefix(tmp_path):
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_two_arm_bag(tmp_path), BagTopics(joint_prefix="left_fr3_"))
    assert recording.gripper_source.startswith("none")
    assert not any("give --joint-prefix right_fr3_" in note for note in recording.notes), \
        recording.notes


def test_train_names_the_joint_prefix_that_misses_the_fingers(tmp_path, capsys):
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    bag = write_episode(tmp_path / "franka_bag", load_example())  # panda_ fingers, pose topic
    line = _one_line_error(capsys, ["train", "--data", str(bag), "--joint-prefix", "fr3_",
                                    "--encoder", "demo", "--steps", "1", "--val-fraction", "0",
                                    "--quiet", "--threads", "1", "--out", str(tmp_path / "run")])
    assert "--joint-prefix" in line and "panda_finger_joint1" in line, line


# -- keyword spelling ------------------------------------------------------------------------

@pytest.mark.parametrize("option,spec", [("--encoder", "Demo"), ("--init", "DEMO")])
def test_train_names_the_demo_keywords_spelling(tmp_path, capsys, monkeypatch, option, spec):
    from vjepa_ros.train.synthetic import write_blob_episodes

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=6, seed=0, size=32)
    line = _one_line_error(capsys, ["train", "--data", str(data), option, spec, "--steps", "1",
                                    "--quiet", "--out", str(tmp_path / "run")])
    assert f"{option} {spec.lower()}" in line and "lower case" in line, line
