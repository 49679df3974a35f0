"""Breaker45r: the field recordings through eval, train and camera-check at HEAD 26fc3ea2.

Every recording of /work/shared/data/field/ was run through ``vjepa-ros eval`` (tiny model),
``vjepa-ros train`` (a few steps) and ``vjepa-ros camera-check`` as the README documents them,
and the reports were checked against the bags read with rosbags directly (steps, frames,
executed motion in mm, gripper closedness). The numbers held up; two refusals name a fix that
the same command then refuses again (strict xfails):

- a gripper topic on another clock is refused with "or pass --no-gripper to use closedness 0",
  and --no-gripper gets the same refusal (eval, train and camera-check alike): --no-gripper only
  accepts bags *without* gripper state, it never stops the gripper topic being read;
- a pose topic in another frame than --base-frame is refused advising
  "--state-source joint_states" even when the bag has no arm joint states (camera-8uc3: only
  the gripper's JointState topic), and that option is then refused.

Pins of what held up: split arm/finger JointStates by forward kinematics, 8UC3 decoded as BGR,
a killed recorder's MCAP and SQLite3 files read with the reindex hint, a truncated MCAP read to
its intact 1.5 s with a note counting 21 intact messages, train skipping the same recording in
two storage formats, camera-check's one-line refusal of motions along one line.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from train_bags import _pose_bag

from vjepa_ros.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")

FIELD = Path("/work/shared/data/field")
FAST = ["--samples", "12", "--iterations", "1", "--landscape-points", "0", "--quiet",
        "--threads", "1"]
TRAIN = ["--threads", "1", "--steps", "2", "--batch-size", "2", "--depth", "1", "--heads", "2",
         "--predictor-dim", "32", "--frames-per-clip", "3", "--val-fraction", "0", "--quiet"]
if not FIELD.is_dir():
    pytest.skip("no /work/shared/data/field", allow_module_level=True)


@pytest.fixture
def checkpoint(tiny_world_model):
    return str(tiny_world_model)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _run(capsys, *argv):
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


def _eval(capsys, tmp_path, checkpoint, name, *extra):
    out = tmp_path / f"eval_{name}"
    code, text, err = _run(capsys, "eval", str(FIELD / name), "--checkpoint", checkpoint,
                           "--out", str(out), *FAST, *extra)
    assert code == 0, err
    return json.loads((out / "report.json").read_text()), text + err


def _raw(name, kind):
    """Messages of ``kind`` ('Image' or 'JointState') read by rosbags directly, in order."""
    from rosbags.highlevel import AnyReader
    from rosbags.typesys import Stores, get_typestore

    with AnyReader([FIELD / name], default_typestore=get_typestore(Stores.ROS2_HUMBLE)) as r:
        return [r.deserialize(raw, c.msgtype) for c, _, raw in r.messages()
                if c.msgtype.endswith(kind)]


def test_split_joint_states_give_the_arm_by_kinematics_and_the_gripper_by_fingers(
        capsys, tmp_path, checkpoint):
    """joint-states-split: arm and finger JointStates apart on /joint_states, no pose topic.

    60 arm states (the finger messages are not states), 12 frames at 4 Hz -> 11 steps; joint1
    turns 0.025 rad per 0.25 s step (the executed yaw), the fingers close 2.5 mm each per step
    (closedness 1 - width / 0.08 m: +0.0625 a step, 0.74 at the bag's last finger message).
    """
    report, text = _eval(capsys, tmp_path, checkpoint, "joint-states-split")
    joints = _raw("joint-states-split", "JointState")
    arm = np.array([m.position for m in joints if m.name[0] == "fr3_joint1"])
    fingers = np.array([m.position for m in joints if m.name[0] == "fr3_finger_joint1"])
    assert "states 60 from /joint_states (joint_states, 20 Hz)" in text  # user59w: the rates
    assert "frames 12 on /camera/camera/color/image_raw (4 Hz)" in text
    assert report["recording"]["frame_rate_hz"] == pytest.approx(4.0)
    assert f"closedness 0.00..{1 - fingers[-1].sum() / 0.08:.2f}" in text
    assert report["summary"]["steps_evaluated"] == 11
    executed = np.array([s["executed_action"] for s in report["steps"]])
    yaw_per_step = (arm[5, 0] - arm[0, 0])  # 5 states of 0.05 s in a 0.25 s step
    np.testing.assert_allclose(executed[:, 5], yaw_per_step, atol=1e-4)  # joint4 tilts it
    close_per_step = -(fingers[5].sum() - fingers[0].sum()) / 0.08
    np.testing.assert_allclose(executed[:, 6], close_per_step, atol=1e-6)
    # the TCP turns about the base's z at its radius: |dy| ~ r * dtheta
    radius = np.hypot(*report["steps"][0]["state"][:2])
    assert abs(executed[0, 1] - radius * np.sin(yaw_per_step)) < 5e-4


def test_8uc3_frames_are_read_as_bgr(capsys, tmp_path, checkpoint):
    """camera-8uc3: frames decoded with their channels reversed; 6 frames, 10 mm x steps."""
    from vjepa_ros.recordings.bags import read_recording

    image = _raw("camera-8uc3", "Image")[0]
    raw = np.asarray(image.data).reshape(image.height, image.width, 3)
    assert image.encoding == "8UC3"
    frame = read_recording(FIELD / "camera-8uc3").load_frames([0])[0]
    np.testing.assert_array_equal(frame, raw[..., ::-1])
    report, _ = _eval(capsys, tmp_path, checkpoint, "camera-8uc3")
    executed = np.array([s["executed_action"][:3] for s in report["steps"]])
    assert len(executed) == 5
    np.testing.assert_allclose(executed, [[0.01, 0.0, 0.0]] * 5, atol=1e-6)


@pytest.mark.parametrize("name, data_file", [("killed-no-metadata-mcap", "recording_0.mcap"),
                                             ("killed-no-metadata-db3", "recording_0.db3")])
def test_a_killed_recorders_file_is_read_with_the_reindex_hint(
        name, data_file, capsys, tmp_path, checkpoint):
    """No metadata.yaml: read from the data file, a note naming it and `ros2 bag reindex`."""
    report, text = _eval(capsys, tmp_path, checkpoint, name)
    assert f"read {data_file} directly" in text and "ros2 bag reindex" in text
    assert report["summary"]["steps_evaluated"] == 9


def test_a_truncated_mcap_is_read_to_its_intact_part_with_a_counting_note(
        capsys, tmp_path, checkpoint):
    """truncated-mcap: 21 intact messages (7 frames, poses, gripper) over 1.5 s -> 6 steps."""
    report, text = _eval(capsys, tmp_path, checkpoint, "truncated-mcap")
    assert "is damaged" in text and "read 21 intact messages (1.50 s)" in text
    assert "mcap recover" in text
    # the cut took the index and summary that count the rest: said, not a made-up count
    assert "lost messages spanning 0.75 s (how many is unknown: the cut took the message " \
        "index" in text
    assert report["summary"]["steps_evaluated"] == 6


def test_train_reads_the_field_folder_once_per_recording(capsys, tmp_path, checkpoint):
    """The folder: 5 recordings, the killed MCAP/SQLite3 pair one recording -> 4 read.

    Clips of 3 frames: 12 -> 10, 6 -> 4, 10 -> 8, 7 -> 5: 27 in all, train plus val.
    """
    code, text, err = _run(
        capsys, "train", "--data", str(FIELD), "--encoder", checkpoint, "--out",
        str(tmp_path / "run"), "--threads", "1", "--steps", "2", "--batch-size", "2",
        "--depth", "1", "--heads", "2", "--predictor-dim", "32", "--frames-per-clip", "3")
    assert code == 0, err
    text += err
    assert "the same steps as" in text and "read once" in text
    clips = [int(line.split(" clips of 3")[0].rsplit(" ", 1)[1])
             for line in text.splitlines() if line.startswith(("data train", "data val"))]
    assert sum(clips) == 27
    # the duplicate is found by its encoded frames: the count says which frames were its
    frames = sum(int(line.split(" frames, ")[0].rsplit(" ", 1)[1]) for line in text.splitlines()
                 if line.startswith(("data train", "data val")))
    line = next(line for line in text.splitlines() if line.startswith("features"))
    encoded = int(line.split()[1])
    duplicate = int(line.split("MB float16 (")[1].split()[0])
    assert frames == 35 and encoded - duplicate == frames, line


@pytest.mark.parametrize("name", ["camera-8uc3", "truncated-mcap", "joint-states-split"])
def test_camera_check_refuses_motion_along_one_line_in_one_line(name, capsys, checkpoint):
    """Every field recording moves along one line: refused in one line, exit 1."""
    code, _, err = _run(capsys, "camera-check", str(FIELD / name), "--checkpoint", checkpoint,
                        "--samples", "12", "--iterations", "1", "--no-plots", "--threads", "1")
    assert code == 1
    assert "Traceback" not in err
    assert "lie along one line" in err.splitlines()[-1]


def _gripper_on_another_clock(path):
    """Write a 3 s bag: poses sliding 10 cm/s, finger JointStates stamped 200 s later."""
    from test_breaker41b import _sliding, _write

    return str(_write(path / "bag.mcap", list(range(0, 3001, 250)), list(range(0, 3001, 50)),
                      _sliding, finger_ms=[ms + 200_000 for ms in range(0, 3001, 100)]))


@pytest.mark.parametrize("command", ["eval", "train", "camera-check"])
def test_no_gripper_advised_for_a_gripper_on_another_clock_is_taken(
        command, capsys, tmp_path, checkpoint):
    """Take --no-gripper, the fix named for a gripper topic on another clock.

    Input: a bag whose finger JointStates are stamped 200 s after the poses (another clock).
    Happened: refused (exit 1) ending "or pass --no-gripper to use closedness 0"; run again with
    --no-gripper, the identical refusal (eval, train and camera-check alike): the option only
    accepted bags without gripper state. Should: --no-gripper, the fix the line names, reads no
    gripper topic at all: closedness 0, said in one line. The refusal names the gripper's own
    clock, not a camera's. camera-check then judges the motion (it slides along one line).
    """
    bag = _gripper_on_another_clock(tmp_path)
    argv = {"eval": ["eval", bag, "--checkpoint", checkpoint, *FAST],
            "train": ["train", "--data", bag, "--encoder", checkpoint, *TRAIN],
            "camera-check": ["camera-check", bag, "--checkpoint", checkpoint, "--samples", "12",
                             "--iterations", "1", "--no-plots", "--threads", "1"]}[command]
    out = [] if command == "camera-check" else ["--out", str(tmp_path / "first")]
    code, _, err = _run(capsys, *argv, *out)
    assert code == 1 and "pass --no-gripper" in err.splitlines()[-1], err
    assert "gripper's driver stamps its messages on another clock" in err
    assert "camera" not in err.split("do not overlap in time")[1], err
    out = [] if command == "camera-check" else ["--out", str(tmp_path / "again")]
    code, text, err = _run(capsys, *argv, "--no-gripper", *out)
    said = [line for line in (text + err).splitlines() if "no gripper topic read" in line]
    if command == "camera-check":
        assert code == 1 and "lie along one line" in err.splitlines()[-1], err
        assert "do not overlap" not in err
        return
    assert code == 0, err
    assert len(said) == 1 and "closedness 0 (open) throughout" in said[0], said
    if command == "eval":
        report = json.loads((tmp_path / "again" / "report.json").read_text())
        assert report["recording"]["gripper_source"] == "none (--no-gripper)"
        assert report["recording"]["gripper_topics_searched"] == []
        assert all(step["state"][6] == 0 for step in report["steps"])


def test_no_gripper_with_a_gripper_topic_named_advises_leaving_the_topic_out(tmp_path):
    """Say to leave --gripper-topic out too: --no-gripper with it is refused."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    bag = _gripper_on_another_clock(tmp_path)
    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(gripper="/franka_gripper/joint_states"))
    assert str(refused.value).endswith(
        "or leave --gripper-topic out and pass --no-gripper to use closedness 0")
    assert BagTopics(no_gripper=True, gripper="/a").gripper_conflict()  # still refused together


def test_the_base_frame_refusal_names_a_fix_the_bag_allows(capsys, tmp_path, checkpoint):
    """Refuse a pose frame naming only fixes that this bag allows.

    Input: camera-8uc3 (poses in 'base', fingers on /franka_gripper/joint_states, no arm
    joints) with --base-frame world. Happened: "... is in frame 'base', not the arm's base
    frame (world); no transform is looked up: read the states from the joint states instead
    (--state-source joint_states), or ...";
    with --state-source joint_states: "state topic /joint_states (joint_states) is not in the
    bag". Should: as the README says, "the fix named is the one that fits the bag": only
    --base-frame base here (joint states advised only where the bag has the arm's joints).
    """
    bag = str(FIELD / "camera-8uc3")
    code, _, err = _run(capsys, "eval", bag, "--checkpoint", checkpoint, "--base-frame", "world",
                        "--out", str(tmp_path / "first"), *FAST)
    assert code == 1 and "--base-frame base" in err
    assert "--state-source" not in err and "no arm joint states" in err, err
    code, _, again = _run(capsys, "eval", bag, "--checkpoint", checkpoint, "--base-frame", "base",
                          "--out", str(tmp_path / "again"), *FAST)
    assert code == 0, again


@pytest.mark.parametrize("arm_topic", ["", "/joint_states", "/franka/joint_states"])
@pytest.mark.parametrize("frames", ["changing", "one"])
def test_pose_frame_refusals_advise_joint_states_only_where_the_bag_has_the_arms(
        arm_topic, frames, tmp_path):
    """Advise --state-source joint_states only with arm joints in the bag, on their topic.

    A pose topic that changes its header.frame_id mid-bag ('base', then 'world'), or one in
    'world' throughout: the advice to read the joint states instead was given whatever the bag
    held. Now: no arm joints (only the gripper's JointState): no such advice; the arm on
    /joint_states: --state-source joint_states; on /franka/joint_states: with
    --joint-states-topic naming it. Followed, each advice reads the bag.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    bag = _pose_bag(tmp_path / "bag", (lambda k: "base" if k < 4 else "world")
                    if frames == "changing" else (lambda k: "world"), arm_topic)
    with pytest.raises(BagError) as refused:
        read_recording(bag)
    message = str(refused.value)
    assert ("changes its header.frame_id" if frames == "changing" else "in frame 'world'") \
        in message
    if not arm_topic:
        assert "--state-source" not in message, message
        return
    assert "read the states from the joint states instead: --state-source joint_states" \
        in message, message
    other = arm_topic != "/joint_states"
    assert (f"--joint-states-topic {arm_topic}" in message) == other, message
    fixed = read_recording(bag, BagTopics(state_source="joint_states", joint_states=arm_topic))
    assert fixed.state_source == "joint_states" and fixed.state_topic == arm_topic


def test_a_nan_pose_advises_joint_states_only_where_the_bag_has_the_arms(tmp_path):
    """A NaN pose: --state-source joint_states only when the bag holds arm joints.

    The advice looked at the topics' names alone; a JointState topic not named *gripper*
    holding only finger joints was advised as the arm's.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
    from vjepa_ros.recordings.bags import read_recording

    entries = []
    for k in range(6):
        t = DEFAULT_START_NS + k * 250_000_000
        pose = np.array([np.nan if k == 3 else 0.4, 0, 0.3, np.pi, 0, 0, 0])
        entries += [
            ("/camera/camera/color/image_raw", m.IMAGE, t,
             m.image_message(np.full((8, 8, 3), 10 * k, np.uint8), t, "cam")),
            ("/franka_robot_state_broadcaster/current_pose", m.POSE_STAMPED, t,
             m.pose_message(pose, t, "base")),
            ("/hand", m.JOINT_STATE, t,
             m.joint_state_message(["fr3_finger_joint1", "fr3_finger_joint2"], [0.04] * 2, t))]
    with pytest.raises(BagError, match="NaN or inf pose") as refused:
        read_recording(write_messages(tmp_path / "bag", entries))
    assert "--state-source" not in str(refused.value)
    assert "no arm joint states to read instead" in str(refused.value)


def test_train_says_no_gripper_once_for_every_bag():
    """--no-gripper's note is the option's, alike for every bag: one line, not one a bag."""
    from collections import namedtuple

    from vjepa_ros.recordings.bag_gripper import NO_GRIPPER_NOTE
    from vjepa_ros.train.data_banks import read_notes

    source = namedtuple("Source", "name path")
    sources = [source(f"bag{k}", Path(f"/data/bag{k}")) for k in range(3)]
    shards = {s: {"notes": [NO_GRIPPER_NOTE, "a repair"], "frame_size": None} for s in sources}
    notes = read_notes(sources, shards, [], (64, 64))
    assert notes.count(NO_GRIPPER_NOTE) == 1
    assert sum("a repair" in note for note in notes) == 3


def test_metadata_yaml_given_names_the_folder_read(capsys, tmp_path, checkpoint):
    """BAG/metadata.yaml: the bag line and report.json's recording.path name the folder read.

    They named metadata.yaml, a file that is no recording, beside the note saying the folder
    was read instead.
    """
    report, text = _eval(capsys, tmp_path, checkpoint, "camera-8uc3/metadata.yaml")
    folder = str(FIELD / "camera-8uc3")
    assert report["recording"]["path"] == folder
    assert f"bag           {folder} (mcap" in text
    assert "is the bag's metadata file: read its folder" in text


@pytest.mark.parametrize("arm_topic", ["", "/joint_states"])
def test_two_pose_sources_advise_the_joint_states_only_where_the_bag_has_them(arm_topic, tmp_path):
    """Two publishers on the pose topic: the other state source named only if the bag has it.

    Poses alternating 0.9 m apart every 0.25 s (3.6 m/s: two sources). The refusal advised
    "read the states from the other state topic (--state-source)" whatever the bag held.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _pose_bag(tmp_path / "bag", lambda k: "base", arm_topic,
                    x_of=lambda k: 0.2 if k % 2 else 1.1)
    with pytest.raises(BagError, match="faster than an arm moves") as refused:
        read_recording(bag)
    message = str(refused.value)
    assert ("--state-source joint_states" in message) == bool(arm_topic), message
    assert "other state topic" not in message


def test_the_joint_states_other_source_is_the_bags_pose_topic():
    """From the joint states, the pose is advised only when the bag records one, by its name."""
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.state_source_fixes import other_source_fix

    pose = "geometry_msgs/msg/PoseStamped"
    assert other_source_fix("joint_states", [], BagTopics(), {}) == ""
    default = BagTopics().pose
    assert other_source_fix("joint_states", [], BagTopics(), {default: pose}).endswith(
        "--state-source pose")
    assert other_source_fix("joint_states", [], BagTopics(), {"/tcp": pose}).endswith(
        "--state-source pose --pose-topic /tcp (data.topics.pose)")
