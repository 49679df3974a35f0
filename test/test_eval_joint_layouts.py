"""Bags of every joint-state layout through eval and train: arm by FK, gripper from the fingers."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.eval.evaluate import EvalConfig, evaluate_bag
from vjepa_ros.eval.synthetic import oracle_for, render_state_frames
from vjepa_ros.models import build_encoder, build_predictor, save_world_model
from vjepa_ros.planning import preset
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.kinematics import FrankaKinematics
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError, find_sources, load_segments

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
IMAGE = "/camera/camera/color/image_raw"
STEPS, SEC = 12, 1_000_000_000


def arm_names(prefix):
    return [f"{prefix}joint{i}" for i in range(1, 8)]


def finger_names(prefix):
    return [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]


def episode(closing_to=0.5):
    """Arm joints [T, 7] moving from HOME, per-finger positions [T] closing to ``closing_to``."""
    t = np.arange(STEPS)[:, None]
    arm = HOME + 0.01 * t * np.array([1.0, 0.5, 0.0, 0.8, 0.0, -0.3, 0.2])
    finger = 0.04 * (1 - closing_to * np.arange(STEPS) / (STEPS - 1))
    return arm, finger


def layout_entries(layout, arm, finger):
    """JointState entries (topic, type, time, message) of a layout at 4 Hz (fingers 1 µs later)."""
    prefix = {"prefixed": "robot1/panda_", "namespaced": "fr3_"}.get(layout, "panda_")
    arm_topic, hand_topic = "/joint_states", {
        "namespaced": "/fr3_gripper/joint_states", "other_topic": "/hand/state",
        "none": None}.get(layout, "/joint_states")
    entries = []
    for k in range(STEPS):
        t = DEFAULT_START_NS + k * SEC // 4
        names, positions = arm_names(prefix), list(arm[k])
        if layout == "prefixed":  # reordered, with extra joints of other devices
            names = names[::-1] + ["robot1/head_pan_joint", "robot1/wheel_joint"]
            positions = positions[::-1] + [0.3, 12.0]
        fingers = (finger_names(prefix), [finger[k], finger[k]])
        if layout in ("merged", "prefixed"):
            names, positions = names + fingers[0][::-1], positions + fingers[1]
        entries.append((arm_topic, m.JOINT_STATE, t, m.joint_state_message(names, positions, t)))
        entries.append((arm_topic, m.JOINT_STATE, t + 500, m.joint_state_message(
            ["head_pan_joint", "head_tilt_joint"], [0.1, 0.2], t + 500)))  # foreign
        if layout not in ("merged", "prefixed", "none"):
            entries.append((hand_topic, m.JOINT_STATE, t + 1000,
                            m.joint_state_message(*fingers, t + 1000)))
    return entries, hand_topic


def write_layout(path, layout, closing_to=0.5):
    arm, finger = episode(closing_to)
    kinematics = FrankaKinematics()
    closedness = 1 - 2 * finger / 0.08
    states = np.concatenate([kinematics.ee_pose(arm), closedness[:, None]], axis=1)
    frames = render_state_frames(states)
    entries, hand_topic = layout_entries(layout, arm, finger)
    for k, frame in enumerate(frames):
        t = DEFAULT_START_NS + k * SEC // 4
        entries.append((IMAGE, m.IMAGE, t, m.image_message(frame, t, "cam")))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries), states, frames, hand_topic


@pytest.mark.parametrize("layout", ["merged", "split", "namespaced", "prefixed", "other_topic"])
def test_every_layout_gives_forward_kinematics_and_the_real_gripper(tmp_path, layout):
    path, states, _, hand_topic = write_layout(tmp_path / layout, layout)
    recording = read_recording(path)
    assert recording.state_source == "joint_states" and recording.gripper_source == hand_topic
    np.testing.assert_array_equal(recording.state_times,
                                  DEFAULT_START_NS + np.arange(STEPS) * SEC // 4)
    np.testing.assert_allclose(recording.states[:, :6], states[:, :6], atol=1e-12)
    # Fingers are stamped 1 µs after the arm: the interpolated closedness is within 1e-5.
    np.testing.assert_allclose(recording.states[:, 6], states[:, 6], atol=1e-5)
    assert recording.states[-1, 6] == pytest.approx(0.5, abs=1e-5)
    assert any(f"{STEPS} message(s) on /joint_states about other joints" in note
               for note in recording.notes)
    assert not any(note.startswith("warning") for note in recording.notes)


def test_a_named_gripper_topic_wins_and_a_wrong_one_names_the_topics(tmp_path):
    path, _, _, _ = write_layout(tmp_path / "bag", "namespaced")
    recording = read_recording(path, BagTopics(gripper="/fr3_gripper/joint_states"))
    assert recording.gripper_source == "/fr3_gripper/joint_states"
    with pytest.raises(BagError, match=r"/franka_gripper/joint_states: it is not in the bag; "
                       r"JointState topics there: /fr3_gripper/joint_states, /joint_states"):
        read_recording(path, BagTopics(gripper="/franka_gripper/joint_states"))
    with pytest.raises(BagError, match=r"/joint_states: it holds no finger joints"):
        read_recording(path, BagTopics(gripper="/joint_states"))


def tiny_checkpoint(path):
    torch.manual_seed(0)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    return save_world_model(path, build_encoder(**size),
                            build_predictor(predictor_embed_dim=32, **size))


def test_eval_reports_the_half_closed_gripper_of_a_split_bag(tmp_path):
    path, states, frames, _ = write_layout(tmp_path / "bag", "split")
    report = evaluate_bag(path, oracle_for(frames, states), preset("paper", samples=32,
                          iterations=2), EvalConfig(landscape_points=0))
    rec = report["recording"]
    assert rec["gripper_source"] == "/joint_states"
    assert rec["gripper_closedness"]["max"] == pytest.approx(0.5, abs=1e-5)
    assert rec["gripper_closedness"]["min"] == pytest.approx(0.0, abs=1e-5)
    gripper = [step["state"][6] for step in report["steps"]]
    np.testing.assert_allclose(gripper, states[[s["step"] for s in report["steps"]], 6],
                               atol=1e-5)


def test_eval_warns_without_gripper_state_and_train_refuses_naming_the_topics(tmp_path, capsys):
    path, _, _, _ = write_layout(tmp_path / "bag", "none")
    checkpoint = tiny_checkpoint(tmp_path / "tiny.pt")
    out = tmp_path / "out"
    assert main(["eval", str(path), "--checkpoint", str(checkpoint), "--out", str(out),
                 "--samples", "12", "--iterations", "1", "--landscape-points", "0",
                 "--max-steps", "1", "--quiet", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "gripper: none (assumed open)" in printed
    warning = [line for line in printed.splitlines() if line.startswith("warning")]
    assert len(warning) == 1 and "looked for finger joints on /joint_states" in warning[0]
    report = json.loads((out / "report.json").read_text())
    assert report["recording"]["gripper_topics_searched"] == ["/joint_states"]
    assert any(note.startswith("warning: no gripper state") for note in
               report["recording"]["notes"])

    data = DataConfig(frames_per_clip=4)
    (source,) = find_sources([path])
    with pytest.raises(EpisodeError, match=r"bag: no gripper state: no finger joints .* on "
                       r"/joint_states; .*--gripper-topic.*--no-gripper"):
        load_segments(source, data)
    data.topics.no_gripper = True  # accepted explicitly: closedness 0
    segments, _ = load_segments(source, data)
    assert segments and all((s.states[:, 6] == 0).all() for s in segments)


FIELD = Path(__file__).resolve().parents[2] / "shared" / "data" / "field" / "joint-states-split"


def field_messages():
    """Arm and finger messages of the field recording, read here without the package's reader."""
    from rosbags.rosbag2 import Reader

    arm, fingers = {}, {}
    with Reader(FIELD) as reader:
        for connection, _, raw in reader.messages():
            if connection.msgtype != m.JOINT_STATE:
                continue
            msg = m.typestore().deserialize_cdr(raw, connection.msgtype)
            lookup = dict(zip(msg.name, msg.position, strict=True))
            stamp = m.stamp_ns(msg.header)
            if "fr3_joint1" in lookup:
                arm[stamp] = [lookup[f"fr3_joint{i}"] for i in range(1, 8)]
            if "fr3_finger_joint1" in lookup:
                fingers[stamp] = [lookup["fr3_finger_joint1"], lookup["fr3_finger_joint2"]]
    return arm, fingers


def test_the_field_recording_with_split_joint_states_reads_in_eval_and_train():
    arm, fingers = field_messages()
    assert len(arm) == len(fingers) == 60
    recording = read_recording(FIELD)
    assert recording.state_topic == recording.gripper_source == "/joint_states"
    np.testing.assert_array_equal(recording.state_times, sorted(arm))
    expected = FrankaKinematics().ee_pose(np.array([arm[t] for t in sorted(arm)]))
    np.testing.assert_allclose(recording.states[:, :6], expected, atol=1e-12)
    finger_times = np.array(sorted(fingers))
    width = np.array([sum(fingers[t]) for t in finger_times])
    closed = np.interp(recording.state_times, finger_times, 1 - width / 0.08)
    np.testing.assert_allclose(recording.states[:, 6], closed, atol=1e-12)
    assert recording.states[:, 6].max() > 0.2, "the fingers close in this recording"

    (source,) = find_sources([FIELD])
    segments, _ = load_segments(source, DataConfig(frames_per_clip=8))
    states = np.concatenate([s.states for s in segments])
    assert len(states) >= 8 and states[:, 6].max() > 0.2


def test_train_and_eval_options_reach_the_bag_settings():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.command import topics_from_args
    from vjepa_ros.train.command_options import overrides_from_args

    train = build_parser().parse_args(["train", "--data", "d", "--no-gripper", "--joint-prefix",
                                       "left_fr3_", "--gripper-topic", "/hand"])
    given = overrides_from_args(train)
    assert given["data.topics.no_gripper"] is True
    assert given["data.topics.joint_prefix"] == "left_fr3_"
    assert given["data.topics.gripper"] == "/hand"
    assert "data.topics.no_gripper" not in overrides_from_args(
        build_parser().parse_args(["train", "--data", "d"]))
    topics = topics_from_args(build_parser().parse_args(["eval", "bag", "--no-gripper",
                                                "--joint-prefix", "right_panda_"]))
    assert topics.no_gripper and topics.joint_prefix == "right_panda_" and topics.gripper == ""


# -- the fix each refusal names (tester 14: prefixes, state source, .npz, slow camera)


def test_a_wrong_joint_prefix_or_state_source_suggests_the_one_that_fits():
    from conftest import SHARED_DATA

    bag = SHARED_DATA / "field" / "joint-states-split"  # fr3_joint*, /joint_states, no pose
    with pytest.raises(BagError, match=r"--joint-prefix panda_ names none of them: give "
                       r"--joint-prefix fr3_ \(or leave it out"):
        read_recording(bag, BagTopics(joint_prefix="panda_"))
    with pytest.raises(BagError, match=r"\(pose\) is not in the bag; give --state-source "
                       "joint_states \\(or auto\\): /joint_states is in the bag"):
        read_recording(bag, BagTopics(state_source="pose"))


def test_an_episode_file_given_as_a_bag_points_to_bag_from_npz(tmp_path):
    episode = tmp_path / "episode.npz"
    np.savez(episode, observations=np.zeros((1, 2, 4, 4, 3), np.uint8))
    with pytest.raises(BagError, match=f"`vjepa-ros bag-from-npz OUT_BAG --episode {episode}`"):
        read_recording(episode)


def test_a_camera_slower_than_the_steps_gets_the_rate_that_fits(tmp_path):
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.recordings.rate_hint import slow_camera_hint

    frames, states, _ = synthetic_episode(7, size=16)
    times = np.arange(8) / 2.0  # [s]: a 2 Hz camera (and 2 Hz states)
    bag = write_bag(tmp_path / "slow", frames, states, times)
    with pytest.raises(EpisodeError, match=r"the camera runs at 2 Hz, slower than the 4 Hz "
                       r"steps: give --rate 2 \(or less\)"):
        load_segments(find_sources([bag])[0], DataConfig(frames_per_clip=8))
    dropped = {"no camera frame within the step tolerance": 3}
    stamps = np.arange(8) * SEC // 2
    assert slow_camera_hint(stamps, 2.0, dropped) == ""  # the camera fits the steps
    assert slow_camera_hint(stamps, 4.0, {"state gap": 3}) == ""  # not the camera's fault
