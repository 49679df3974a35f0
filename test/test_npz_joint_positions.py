"""An ``.npz`` episode's ``joint_positions`` and ``states`` that look like joints (mend59d).

``recordings.joint_columns``: joints [T, 7] / [T, 9] read by forward kinematics at the run's TCP
(as joint-state bags are), checked against ``states`` beside them; ``states`` [T, 9] refused
naming ``joint_positions``; 7-wide ``states`` that read as joints noted, poses never.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from train_bags import READY, _picture, _read

from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig

COUNT = 17
RATE = np.array([0.1, 0.05, -0.1, 0.1, 0.2, -0.1, 0.05])  # [rad/s]
SECONDS = np.arange(COUNT) * 0.25
JOINTS = READY + RATE * SECONDS[:, None]
FINGERS = np.linspace(0.04, 0.01, COUNT)  # [m] each finger: closedness 0 -> 0.75


def _save(path, **arrays):
    np.savez(path, observations=np.stack([_picture(k) for k in range(COUNT)]),
             timestamps=SECONDS, **arrays)
    return path


def _fk(joints, tcp_xyz=(0, 0, 0.1034), tcp_rpy=(0, 0, -np.pi / 4)):
    return FrankaKinematics(RobotConfig(tcp_xyz=list(tcp_xyz), tcp_rpy=list(tcp_rpy))).ee_pose(
        joints)


def _angles_close(a, b, tol):
    turned = Rotation.from_euler("xyz", a).inv() * Rotation.from_euler("xyz", b)
    return turned.magnitude().max() < tol


def test_joints_with_fingers_are_read_by_forward_kinematics(tmp_path):
    path = _save(tmp_path / "ep.npz", joint_positions=np.c_[JOINTS, FINGERS, FINGERS])
    (segment,), notes = _read(path, frames_per_clip=3)
    expected = _fk(JOINTS)
    np.testing.assert_allclose(segment.states[:, :3], expected[:, :3], atol=1e-5)
    assert _angles_close(segment.states[:, 3:6], expected[:, 3:6], 1e-5)
    np.testing.assert_allclose(segment.states[:, 6], 1 - 2 * FINGERS / 0.08, atol=1e-5)
    assert not any("joint" in note for note in notes), notes


def test_joints_are_read_at_the_runs_tcp(tmp_path):
    path = _save(tmp_path / "ep.npz", joint_positions=np.c_[JOINTS, FINGERS, FINGERS])
    tool = {"tcp_xyz": [0.0, 0.0, 0.2], "tcp_rpy": [0.0, 0.0, 0.0]}
    (segment,), _ = _read(path, frames_per_clip=3, topics=tool)
    np.testing.assert_allclose(segment.states[:, :3], _fk(JOINTS, (0, 0, 0.2), (0, 0, 0))[:, :3],
                               atol=1e-5)


def test_joints_beside_agreeing_states_take_the_closedness_of_the_states(tmp_path):
    closedness = np.linspace(0, 1, COUNT)
    states = np.c_[_fk(JOINTS), closedness].astype(np.float32)
    path = _save(tmp_path / "ep.npz", joint_positions=JOINTS, states=states)
    (segment,), _ = _read(path, frames_per_clip=3)
    np.testing.assert_allclose(segment.states[:, 6], closedness, atol=1e-6)


@pytest.mark.parametrize("tcp", [((0, 0, 0), (0, 0, 0)), ((0, 0, 0.1034), (0, 0, 0))],
                         ids=["flange", "hand without its -45 deg mount"])
def test_states_at_another_point_than_the_joints_are_refused(tcp, tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    states = np.c_[_fk(JOINTS, *tcp), np.zeros(COUNT)]
    path = _save(tmp_path / "ep.npz", joint_positions=JOINTS, states=states)
    with pytest.raises((EpisodeError, ValueError)) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert "ep.npz" in text and "joint_positions" in text and "disagree" in text, text
    assert "--tcp-xyz" in text and "\n" not in text



def test_states_and_fingers_within_the_closedness_tolerance_are_read(tmp_path):
    """fix59r2 (review59r c): agreeing closedness (float32, a tick apart) is no refusal."""
    from vjepa_ros.recordings.joint_columns import AGREE_CLOSEDNESS

    closedness = 1 - 2 * FINGERS / 0.08 + 0.8 * AGREE_CLOSEDNESS * np.sin(np.arange(COUNT))
    states = np.c_[_fk(JOINTS), np.clip(closedness, 0, 1)].astype(np.float32)
    path = _save(tmp_path / "ep.npz", joint_positions=np.c_[JOINTS, FINGERS, FINGERS],
                 states=states)
    (segment,), _ = _read(path, frames_per_clip=3)
    np.testing.assert_allclose(segment.states[:, 6], 1 - 2 * FINGERS / 0.08, atol=1e-6)


@pytest.mark.parametrize("stated", ["binary command", "reversed", "another opening", "nan"])
def test_states_closedness_off_the_fingers_is_refused_naming_the_columns(stated, tmp_path):
    """fix59r2 (review59r c): with joints [T, 9] and states, the closedness is compared too.

    Before, the states' closedness column was replaced by the fingers' and never looked at:
    a file whose two disagree (a command saved as closedness, 1 - c, another hand's opening)
    trained on one of them silently. A NaN in the states beside the joints is refused too.
    """
    from vjepa_ros.train.episodes import EpisodeError

    fingers = 1 - 2 * FINGERS / 0.08  # 0 .. 0.75
    closedness = {"binary command": (fingers > 0.3).astype(float), "reversed": 1 - fingers,
                  "another opening": np.clip(1 - 2 * FINGERS / 0.1, 0, 1),
                  "nan": np.where(np.arange(COUNT) == 4, np.nan, fingers)}[stated]
    states = np.c_[_fk(JOINTS), closedness]
    path = _save(tmp_path / "ep.npz", joint_positions=np.c_[JOINTS, FINGERS, FINGERS],
                 states=states)
    with pytest.raises((EpisodeError, ValueError)) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert "ep.npz" in text and "\n" not in text, text
    if stated == "nan":
        assert "NaN or inf (frame 4)" in text, text
        return
    assert "closedness (column 6) and joint_positions disagree" in text, text
    assert "the fingers (columns 7, 8)" in text, text
    assert "disagree at frame" in text and "gripper_max_width" in text, text


def test_joints_without_fingers_or_states_are_refused(tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    path = _save(tmp_path / "ep.npz", joint_positions=JOINTS)
    with pytest.raises((EpisodeError, ValueError), match=r"ep\.npz.*\[T, 9\]"):
        _read(path, frames_per_clip=3)


@pytest.mark.parametrize("joints", [np.degrees(JOINTS), np.c_[JOINTS, FINGERS * 1e3, FINGERS],
                                    JOINTS[:, :6]], ids=["degrees", "millimetres", "6 wide"])
def test_joints_in_other_units_or_shapes_are_refused(joints, tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    path = _save(tmp_path / "ep.npz", joint_positions=joints)
    with pytest.raises((EpisodeError, ValueError), match=r"ep\.npz.*joint_positions"):
        _read(path, frames_per_clip=3)


def test_states_nine_wide_are_refused_naming_joint_positions(tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    path = _save(tmp_path / "ep.npz", states=np.c_[JOINTS, FINGERS, FINGERS])
    with pytest.raises((EpisodeError, ValueError)) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert "ep.npz" in text and "joint_positions" in text and "\n" not in text, text


def test_the_example_reader_reads_joints_and_notes_joint_like_states(tmp_path):
    from vjepa_ros.example_episode import load_example

    example = load_example(_save(tmp_path / "j.npz",
                                 joint_positions=np.c_[JOINTS, FINGERS, FINGERS][None]))
    np.testing.assert_allclose(example.states[:, :3], _fk(JOINTS)[:, :3], atol=1e-5)
    assert not example.notes
    example = load_example(_save(tmp_path / "s.npz", states=JOINTS[None]))
    assert any("s.npz" in note and "joint_positions" in note for note in example.notes)


def _random_joint_motions(rng, count):
    """Smooth joint motions near the ready pose, inside Panda's limits, 4 Hz."""
    from vjepa_ros.robot.state_ranges import PANDA_JOINT_LIMITS, states_problem

    lower, upper = PANDA_JOINT_LIMITS.T
    out = []
    while len(out) < count:
        speed = rng.uniform(-0.3, 0.3, 7) + np.cumsum(rng.normal(0, 0.1, (COUNT, 7)), 0) * 0.25
        joints = READY + rng.uniform(-0.6, 0.6, 7) + np.cumsum(speed, 0) * 0.25
        if ((joints >= lower) & (joints <= upper)).all() and not states_problem(joints):
            out.append(joints)
    return out


def test_reachable_hand_down_poses_are_never_noted_and_joints_mostly_are():
    """FK of random joint motions, hand down within 45 deg: no note; their joints: a note.

    Measured at scale in README.md, "Data" of train (mend59d).
    """
    from vjepa_ros.recordings.joint_columns import joint_like_note

    rng = np.random.default_rng(3)
    kinematics = FrankaKinematics()
    poses = 0
    for joints in _random_joint_motions(rng, 400):
        pose = kinematics.ee_pose(joints)
        tilt = np.arccos(np.clip(-np.cos(pose[:, 4]) * np.cos(pose[:, 3]), -1, 1))
        if tilt.max() <= np.pi / 4 and pose[:, 2].min() > 0:
            poses += 1
            assert not joint_like_note("ep.npz", np.c_[pose, np.full(COUNT, 0.5)])
    assert poses > 10
    noted = [bool(joint_like_note("ep.npz", q)) for q in _random_joint_motions(rng, 60)]
    assert np.mean(noted) > 0.5, np.mean(noted)
