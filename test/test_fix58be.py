"""fix58be: the end-effector point and gripper width a recording is read at, one rule.

A bag's pose topic is compared with its one arm's joints' FK at ``--tcp-xyz`` / ``--tcp-rpy``
(``recordings.pose_point``): another point fixed on the flange is read by the joints (auto) or
kept with a note (``--state-source pose``); the same point is read as before; poses that move
apart from the joints are no point of this arm. A pose-only bag given another point says it is
not applied. The gripper width: recorded by train, read back, warned about by the planner and
eval, noted for an ``--init``, and eval's ``--gripper-max-width`` in the planner's range.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from test_breaker58e import _joints, _joints_and_pose_bag, _kinematics, _tcp_states
from train_bags import POSE, _read

from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

TOOL = ([0.0, 0.0, 0.2], [0.0, 0.0, -np.pi / 4])  # a tool 0.2 m from the flange, hand-mounted
FLANGE = ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])


def _ee(tcp, seconds):
    return _kinematics(*tcp).ee_pose(_joints(seconds))


def _offset(pose_tcp, joint_tcp, moving=True):
    from vjepa_ros.recordings.pose_point import point_offset

    seconds = np.arange(0, 3, 0.02)
    ns = (seconds * 1e9).astype(np.int64)
    pose = _ee(pose_tcp, seconds)
    if not moving:  # the pose slides 5 cm while the joints stand at the start
        pose[:, 0] += 0.05 * seconds / seconds[-1]
    from scipy.spatial.transform import Rotation

    quaternions = Rotation.from_euler("xyz", pose[:, 3:6]).as_quat()
    joint_seconds = seconds[:-1:3] + 0.007  # stamped between the poses
    joint_ee = _ee(joint_tcp, joint_seconds if moving else 0 * joint_seconds)
    return point_offset(ns, quaternions, pose[:, :3], (joint_seconds * 1e9).astype(np.int64),
                        joint_ee)


@pytest.mark.parametrize("pose_tcp", [FLANGE, TOOL, ([0.0, 0.0, 0.1034], [0.0, 0.0, 0.0]),
                                      ([0.0, 0.0, 0.1134], HAND_TCP_RPY)],
                         ids=["flange", "tool", "hand unmounted", "1 cm longer"])
def test_another_point_on_the_flange_is_told_from_the_joints(pose_tcp):
    from vjepa_ros.recordings.pose_point import another_point, same_point

    offset = _offset(pose_tcp, (HAND_TCP_XYZ, HAND_TCP_RPY))
    assert another_point(offset) and not same_point(offset), offset


def test_the_same_point_agrees_and_a_pose_moving_apart_is_no_point_of_the_arm():
    from vjepa_ros.recordings.pose_point import another_point, same_point

    hand = (HAND_TCP_XYZ, HAND_TCP_RPY)
    offset = _offset(hand, hand)  # poses interpolated 7 ms off the joints' stamps
    assert same_point(offset) and offset[0] < 1e-4 and offset[1] < 1e-4, offset
    assert same_point(_offset(TOOL, TOOL))
    apart = _offset(hand, hand, moving=False)
    assert not same_point(apart) and not another_point(apart), apart


def test_nothing_to_compare_outside_the_poses_span():
    from vjepa_ros.recordings.pose_point import another_point, point_offset, same_point

    ns = np.array([0, 10], np.int64)
    offset = point_offset(ns, np.array([[0, 0, 0, 1.0]] * 2), np.zeros((2, 3)),
                          np.array([20, 30], np.int64), np.zeros((2, 6)))
    assert offset is None and not same_point(offset) and not another_point(offset)


def test_a_pose_topic_at_the_given_tool_is_read_and_at_that_point(tmp_path):
    """--tcp-xyz/--tcp-rpy at the tool the driver publishes: the poses, no note, at_tcp."""
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    path = _joints_and_pose_bag(tmp_path / "bag", TOOL)
    recording = read_recording(path, BagTopics(tcp_xyz=TOOL[0], tcp_rpy=TOOL[1]))
    assert recording.state_source == "pose" and recording.at_tcp
    assert not [note for note in recording.notes if POSE in note], recording.notes
    (segment,), notes = _read(path, frames_per_clip=3,
                              topics={"tcp_xyz": TOOL[0], "tcp_rpy": TOOL[1]})
    np.testing.assert_allclose(segment.states[:, :3], _ee(TOOL, np.arange(13) * 0.25)[:, :3],
                               atol=1e-5)


def test_auto_reads_the_joints_at_the_point_and_says_so(tmp_path):
    from vjepa_ros.recordings.bags import read_recording

    path = _joints_and_pose_bag(tmp_path / "bag", FLANGE)
    recording = read_recording(path)
    assert recording.state_source == "joint_states" and recording.at_tcp
    assert recording.state_topic == "/joint_states"
    note, = [note for note in recording.notes if POSE in note]
    assert "103.4 mm" in note and "--tcp-xyz / --tcp-rpy" in note and "\n" not in note, note
    expected = _tcp_states()
    states = np.interp(recording.image_times[:13], recording.state_times, recording.states[:, 2])
    np.testing.assert_allclose(states, expected[:, 2], atol=1e-5)


def test_state_source_pose_keeps_the_poses_with_a_note(tmp_path):
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    path = _joints_and_pose_bag(tmp_path / "bag", TOOL)
    recording = read_recording(path, BagTopics(state_source="pose"))
    assert recording.state_source == "pose" and not recording.at_tcp
    note, = [note for note in recording.notes if POSE in note]
    assert "--state-source joint_states" in note and "read as asked" in note, note


@pytest.mark.parametrize("tcp", [TOOL, FLANGE, (HAND_TCP_XYZ, HAND_TCP_RPY)])
def test_a_pose_only_bag_says_another_point_is_not_applied(tcp, tmp_path):
    from vjepa_ros.recordings.pose_point import point_not_applied_note

    note = point_not_applied_note(POSE, *tcp)
    if tcp[0] == HAND_TCP_XYZ:
        assert note == ""  # the driver's own point with the hand set in Desk
        return
    assert f"tcp_xyz [{', '.join(f'{v:g}' for v in tcp[0])}] m" in note and "not applied" in note
    assert POSE in note and "/joint_states" in note and "\n" not in note


def test_eval_takes_the_gripper_width_in_the_planners_range():
    from vjepa_ros.config import UsageError
    from vjepa_ros.eval.bag_options import add_topic_arguments, topics_from_args

    parser = argparse.ArgumentParser()
    add_topic_arguments(parser)
    assert topics_from_args(parser.parse_args([])).gripper_max_width == 0.08
    assert topics_from_args(parser.parse_args(["--gripper-max-width", "0.07"])
                            ).gripper_max_width == 0.07
    for wrong in ("0.1", "0", "nan"):  # wider than the Franka Hand opens: never fully open
        with pytest.raises(UsageError, match="--gripper-max-width must lie in"):
            topics_from_args(parser.parse_args(["--gripper-max-width", wrong]))


def test_the_recorded_width_is_read_back_and_noted(tmp_path):
    """The train record reaches the model, a bad entry is refused, an init of another noted."""
    import torch

    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.models.checkpoint import CheckpointError, load_world_model
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.robot.trained_model import recording_rules
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.predictor_init import init_predictor
    from vjepa_ros.train.synthetic import TINY_ENCODER

    torch.manual_seed(0)
    encoder = build_encoder(**TINY_ENCODER)
    predictor = build_predictor(embed_dim=32, predictor_embed_dim=24, depth=1, num_heads=1,
                                img_size=32, patch_size=8)
    data = {"tcp_xyz": list(HAND_TCP_XYZ), "tcp_rpy": list(HAND_TCP_RPY), "rate_hz": 4.0,
            "aspect_ratio_range": [0.75, 1.35], "no_gripper": False, "gripper_max_width": 0.07}
    path = save_world_model(tmp_path / "narrow.pt", encoder, predictor, data=data)
    model = load_world_model(path, device="cpu")
    assert model.trained_gripper_max_width == pytest.approx(0.07)
    recording = type("Recording", (), {"state_source": "pose", "at_tcp": True})()
    _, width, _ = recording_rules(model, recording, BagTopics())
    assert "0.07 m" in width and "--gripper-max-width" in width and "0.125" in width, width
    assert recording_rules(model, recording, BagTopics(gripper_max_width=0.07))[1] == ""
    assert recording_rules(model, recording, BagTopics(no_gripper=True))[1] == ""
    notes: list[str] = []
    init_predictor(make_config({"out": str(tmp_path / "run"), "predictor.init": str(path),
                                "data.train": [str(tmp_path)]}), encoder, notes)
    assert [note for note in notes if str(path) in note and "0.07 m" in note and
            "gripper_max_width 0.08" in note], notes
    bad = save_world_model(tmp_path / "bad.pt", encoder, predictor,
                           data={**data, "gripper_max_width": -1})
    with pytest.raises(CheckpointError, match="gripper_max_width must be a positive number"):
        load_world_model(bad, device="cpu")


def test_train_records_the_point_only_when_some_state_was_labelled_at_it(tmp_path):
    """58b: a run of pose-only bags records no tcp_xyz (it labelled nothing); joints: recorded."""
    from train_bags import _pose_bag

    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.model_records import model_data

    pose_only = _pose_bag(tmp_path / "pose", lambda k: "fr3_link0")
    segments, notes = _read(pose_only, frames_per_clip=3)
    assert segments and not any(segment.at_tcp for segment in segments)
    assert not [note for note in notes if "not applied" in note]  # the Franka Hand's TCP
    _, notes = _read(pose_only, frames_per_clip=3, topics={"tcp_xyz": [0.0, 0.0, 0.2]})
    assert [note for note in notes if "tcp_xyz [0, 0, 0.2] m" in note and "not applied" in note]
    joints = _joints_and_pose_bag(tmp_path / "joints", FLANGE)
    assert all(segment.at_tcp for segment in _read(joints, frames_per_clip=3)[0])
    config = make_config({"out": str(tmp_path / "run")})
    assert "tcp_xyz" not in model_data(config, None, None, at_tcp=False)
    recorded = model_data(config, None, None)
    assert recorded["tcp_xyz"] == list(HAND_TCP_XYZ) and recorded["gripper_max_width"] == 0.08
