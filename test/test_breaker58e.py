"""breaker58e: what ``vjepa-ros train`` makes of a lab's recordings, fifth round.

Rounds before, not repeated: test_breaker56e.py, 54e, 54m, 52i, 49h. Attacked (base58 18063dfa):
``recordings/bags.py`` (which state topic a bag's states come from), ``train/segments.py``,
``train/npz_episode.py``, ``recordings/episode_file.py`` (``episode_timestamps``),
``robot/state_ranges.py`` (``states_problem``), ``train/model_records.py``, by hand
computation: bags and ``.npz`` episodes whose states are known, read as ``train`` reads them
(``find_sources`` + ``load_segments``).

Defects (strict xfails), by harm:

1. A bag holding both the arm's joint states and a pose topic whose point is not
   ``--tcp-xyz`` / ``--tcp-rpy`` (franka_robot_state_broadcaster's ``current_pose`` is the
   robot's configured end effector: the flange when no hand is set in Desk, a tool's TCP, the
   hand's point without its -45 deg mount) is trained on the pose topic's point (state source
   ``auto``: the pose when recorded), silently: the flange pose lies 10.3 cm above the TCP for
   a hand pointing down, a 0.2 m tool's 9.7 cm below it, a frame without the hand's mount is
   45 deg off in yaw. The joints to tell it are in the same bag. ``world_model.pt`` then
   records ``tcp_xyz`` [0, 0, 0.1034] (the point joint-state bags would have been labelled at),
   and the planner, whose default ``robot.state_source`` is ``joint_states`` (FK at
   ``robot.tcp_xyz``), plans with the TCP's states and no warning.
2. An ``.npz`` whose ``states`` are the arm's 7 joint positions (a converter that took a
   dataset's ``joint_position`` for its ``cartesian_position``) passes every state check (joint
   2 read as y = -0.785 m, joint 4 as a roll of -2.356 rad, joint 7 as closedness 0.785) and is
   trained on as end-effector poses, no note.
3. ``timestamps`` saved as float32 epoch seconds (1.7e9 s, resolution 128 s: every stamp of a
   recording one value) are refused as "equal the one before (whole seconds?): save each
   frame's time in seconds, with its fraction", advice the file already follows: the cause is
   float32, the fix float64 (or seconds since the first frame).

4. ``world_model.pt`` records the TCP, rate, crop, frame sizes and ``no_gripper`` of its
   training data, not ``data.topics.gripper_max_width``, the opening its closedness was
   divided by: a run at 0.07 m (a hand homed narrower) trained an open hand as closedness 0,
   which a planner at ``robot.gripper_max_width`` 0.08 reads as 0.125, and nothing says so.
5. ``--init`` of a model that records another TCP (a 0.2 m tool, the flange) than this run's
   ``--tcp-xyz`` gets no note, where another step rate (``init_rate_note``) and another crop
   (``init_crop_note``) do: its states and actions were another point's.

Held up (probed, not pinned here but for 1's other side): a bag whose pose topic is at the
TCP train is set to (``--tcp-xyz`` default, the Franka Hand) reads the pose and FK alike; an
``.npz`` with states [T, 8] (xyz + quaternion + gripper) or [T, 6] is refused naming the shape
it needs; frames [T, 3, H, W] refused naming the layout it reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from train_bags import CAMERA, FR3, POSE, READY, T0, _picture, _read

JOINT_RATE = np.array([0.1, 0.05, -0.1, 0.1, 0.2, -0.1, 0.05])  # [rad/s] the written motion


def _pose_message(time_ns: int, state: np.ndarray):
    from vjepa_ros.recordings import messages as m

    types = m.typestore().types
    quat = Rotation.from_euler("xyz", state[3:6]).as_quat()
    pose = types["geometry_msgs/msg/Pose"](
        position=types["geometry_msgs/msg/Point"](x=state[0], y=state[1], z=state[2]),
        orientation=types["geometry_msgs/msg/Quaternion"](x=quat[0], y=quat[1], z=quat[2],
                                                          w=quat[3]))
    return types[m.POSE_STAMPED](header=m.make_header(time_ns, "fr3_link0"), pose=pose)


def _kinematics(tcp_xyz, tcp_rpy):
    from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig

    return FrankaKinematics(RobotConfig(tcp_xyz=list(tcp_xyz), tcp_rpy=list(tcp_rpy)))


def _joints(seconds) -> np.ndarray:
    return READY + JOINT_RATE * np.asarray(seconds, float)[..., None]


def _joints_and_pose_bag(path: Path, pose_tcp: tuple) -> Path:
    """13 frames at 4 Hz; the arm's joints and fingers and a pose topic at 50 Hz.

    The pose topic publishes the FK of the same joints at ``pose_tcp`` ((xyz, rpy) from the
    flange): the driver's end effector. The hand is open throughout.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    published = _kinematics(*pose_tcp)
    entries = []
    for k in range(13):
        time = T0 + k * 250_000_000
        entries.append((CAMERA, m.IMAGE, time, m.image_message(_picture(k), time, "camera")))
    for k in range(151):
        time = T0 + k * 20_000_000
        arm = _joints(k / 50)
        entries.append(("/joint_states", m.JOINT_STATE, time, m.joint_state_message(
            [*FR3, "fr3_finger_joint1", "fr3_finger_joint2"], [*arm, 0.04, 0.04], time)))
        entries.append((POSE, m.POSE_STAMPED, time,
                        _pose_message(time, published.ee_pose(arm[None])[0])))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _tcp_states() -> np.ndarray:
    """[13, 6]: the written joints' FK at train's default TCP (the Franka Hand's) per frame."""
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    return _kinematics(HAND_TCP_XYZ, HAND_TCP_RPY).ee_pose(_joints(np.arange(13) * 0.25))


def _angles_close(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    return bool((np.abs((a - b + np.pi) % (2 * np.pi) - np.pi) <= atol).all())


# -- 1. a pose topic at another point than --tcp-xyz, beside the joints that tell it

OTHER_POINTS = {
    "flange (no hand set in Desk)": ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    "a tool 0.2 m from the flange": ([0.0, 0.0, 0.2], [0.0, 0.0, -np.pi / 4]),
    "the hand's point without its -45 deg mount": ([0.0, 0.0, 0.1034], [0.0, 0.0, 0.0]),
}


@pytest.mark.parametrize("case", list(OTHER_POINTS))
def test_a_pose_topic_at_another_point_than_the_tcp_is_not_trained_on_silently(case, tmp_path):
    """The bag's joints give the TCP's states; its pose topic another point's.

    Input: 13 frames at 4 Hz, fr3 joints (READY + a slow motion) and an open hand on
    /joint_states, and the FK of the same joints at the driver's end effector on the pose
    topic, at 50 Hz; train's default TCP (the Franka Hand, which the planner's
    robot.tcp_xyz / tcp_rpy defaults to too). Now: one segment of 13 steps at the pose
    topic's point (10.3 cm above the TCP for the flange), no note. Right: the states at
    the TCP (FK of the joints), or a refusal / note naming the pose topic that says it
    disagrees with the joints' FK at the TCP and what to give (--tcp-xyz/--tcp-rpy or
    --state-source joint_states).
    """
    from vjepa_ros.train.episodes import EpisodeError

    path = _joints_and_pose_bag(tmp_path / "bag", OTHER_POINTS[case])
    try:
        segments, notes = _read(path, frames_per_clip=3)
    except EpisodeError as exc:
        text = str(exc)
        assert POSE in text and "\n" not in text, text
        assert re.search(r"--tcp-(xyz|rpy)|--state-source joint_states", text), text
        return
    states = np.concatenate([segment.states for segment in segments])
    expected = _tcp_states()[:len(states)]
    if np.allclose(states[:, :3], expected[:, :3], atol=1e-4) and \
            _angles_close(states[:, 3:6], expected[:, 3:6], 1e-4):
        return  # read at the TCP, by its joints
    assert any(POSE in note and re.search(r"--tcp-(xyz|rpy)|--state-source joint_states", note)
               for note in notes), (notes, states[0, :6], expected[0])


def test_a_pose_topic_at_the_tcp_is_read_as_its_joints_fk(tmp_path):
    """Pin (the other side): a pose topic at the Franka Hand's TCP: read as FK, no note."""
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    path = _joints_and_pose_bag(tmp_path / "bag", (HAND_TCP_XYZ, HAND_TCP_RPY))
    (segment,), notes = _read(path, frames_per_clip=3)
    assert notes == []
    expected = _tcp_states()
    np.testing.assert_allclose(segment.states[:, :3], expected[:, :3], atol=1e-5)
    assert _angles_close(segment.states[:, 3:6], expected[:, 3:6], 1e-5)


# -- 2. joint positions saved as the states of an .npz

JOINT_STARTS = {
    "Franka's ready pose": READY,
    "a pose turned 0.4 rad at joint 1, wrist raised": READY + np.array(
        [0.4, 0.2, 0.0, 0.3, 0.0, -0.2, 0.0]),
}


# mend59d: noted (recordings.joint_columns.joint_like_note: several signs agree; a usual pose
# inside every joint's range alone is not noted: test_npz_pose_states.py).
@pytest.mark.parametrize("start", list(JOINT_STARTS))
def test_joint_positions_saved_as_states_are_not_trained_as_poses(start, tmp_path):
    """17 frames at 4 Hz, ``states`` = a Franka's joint positions (rad) from a usual start.

    Now: one segment of 17 steps, read as xyz = joints 1-3, Euler angles = joints 4-6,
    closedness = joint 7, no note. Right: refused (one line naming the file and that its
    states look like joint positions, and what to give: end-effector poses, or a bag of
    the joint states train reads by FK) or read with a note naming the file saying so.
    """
    from vjepa_ros.train.episodes import EpisodeError

    seconds = np.arange(17) * 0.25
    states = JOINT_STARTS[start] + JOINT_RATE * seconds[:, None]
    path = tmp_path / "ep.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(17)]), states=states,
             timestamps=seconds)
    try:
        _, notes = _read(path, frames_per_clip=3)
    except EpisodeError as exc:
        text = str(exc)
        assert path.name in text and "\n" not in text and re.search(r"joint", text), text
        return
    assert any(path.name in note and re.search(r"joint", note) for note in notes), notes


# -- 3. float32 epoch timestamps


@pytest.mark.parametrize("rate_hz", [4.0, 30.0])
def test_float32_epoch_timestamps_are_refused_for_their_dtype(rate_hz, tmp_path):
    """An episode's frame times saved as float32 epoch seconds (1.7e9 + k / rate).

    float32 holds 1.7e9 to the nearest 128 s: every stamp of the episode one value. Now:
    "16 of its 17 timestamps equal the one before (whole seconds?): save each frame's time
    in seconds, with its fraction". Right: one line naming the file that says float32 and
    to save them as float64 (or as seconds since the first frame).
    """
    from vjepa_ros.train.episodes import EpisodeError

    seconds = 1.7e9 + np.arange(17) / rate_hz
    states = np.zeros((17, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(17)
    states[:, 2], states[:, 3] = 0.3, np.pi
    path = tmp_path / "ep.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(17)]), states=states,
             timestamps=seconds.astype(np.float32))
    with pytest.raises(EpisodeError) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert path.name in text and "\n" not in text, text
    assert "float32" in text and re.search(r"float64|since the first", text), text


# -- 4. the gripper width closedness was computed with, unrecorded


@pytest.mark.parametrize("width", [0.07, 0.085])
def test_the_exported_model_records_the_gripper_width_of_its_closedness(width, tmp_path):
    """A run at ``data.topics.gripper_max_width`` 0.07 (a hand homed narrower) or 0.085.

    Its states' closedness is 1 - opening / width; the planner computes it with
    robot.gripper_max_width (default 0.08): an open hand of 0.07 m is 0 in training and
    0.125 to the planner. Now: config["data"] holds aspect_ratio_range, tcp_xyz, tcp_rpy,
    no_gripper, rate_hz: no width. Right: the width recorded (as tcp_xyz is), so a planner at
    another robot.gripper_max_width can say so.
    """
    import torch

    from vjepa_ros.models.encoder import EncoderConfig, VisionEncoder
    from vjepa_ros.models.predictor import ACPredictor, PredictorConfig
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.features import FeatureBank
    from vjepa_ros.train.trainer import Trainer

    torch.manual_seed(0)
    encoder = VisionEncoder(EncoderConfig(embed_dim=16, depth=1, num_heads=1, img_size=32))
    predictor = ACPredictor(PredictorConfig(embed_dim=16, predictor_embed_dim=24, depth=1,
                                            num_heads=1, img_size=32))
    bank = FeatureBank(torch.randn(12, 4, 16).half(), torch.zeros(12, 7), torch.zeros(12, 7),
                       torch.tensor([0]), torch.tensor([12]), ["rec0"])
    config = make_config({"out": str(tmp_path / "run"), "steps": 1, "batch_size": 2,
                          "eval_every": 0, "save_every": 0, "progress": False, "device": "cpu",
                          "data.frames_per_clip": 3, "data.topics.gripper_max_width": width})
    Trainer(config, encoder, predictor, bank, None).train()
    raw = torch.load(tmp_path / "run" / "world_model.pt", map_location="cpu",
                     weights_only=False)
    recorded = raw["config"].get("data", {})
    widths = [value for key, value in recorded.items() if "width" in key]
    assert widths == [pytest.approx(width)], recorded


# -- 5. --init from a model labelled at another TCP


@pytest.mark.parametrize("tcp", [[0.0, 0.0, 0.2], [0.0, 0.0, 0.0]])
def test_an_init_labelled_at_another_tcp_is_noted(tcp, tmp_path):
    """--init a world_model.pt trained at tcp_xyz ``tcp`` (a 0.2 m tool; the flange).

    This run labels joint-state bags at the Franka Hand's TCP (the default): the init's
    states and actions were another point's, as an init of another step rate's are
    another duration's (``init_rate_note``) and another crop's (``init_crop_note``). Now:
    no note. Right: a note naming the init file and both TCPs (its world_model.pt then
    records the new one).
    """
    import torch

    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.predictor_init import init_predictor
    from vjepa_ros.train.synthetic import TINY_ENCODER

    torch.manual_seed(0)
    encoder = build_encoder(**TINY_ENCODER)
    predictor = build_predictor(embed_dim=32, predictor_embed_dim=24, depth=1, num_heads=1,
                                img_size=32, patch_size=8)
    init = save_world_model(tmp_path / "tool_model.pt", encoder, predictor, data={
        "tcp_xyz": tcp, "tcp_rpy": list(HAND_TCP_RPY), "rate_hz": 4.0,
        "aspect_ratio_range": [0.75, 1.35], "no_gripper": False})
    config = make_config({"out": str(tmp_path / "run"), "predictor.init": str(init),
                          "data.train": [str(tmp_path)]})
    notes: list[str] = []
    init_predictor(config, encoder, notes)
    assert any(str(init) in note and re.search(r"tcp", note, re.I) for note in notes), notes
