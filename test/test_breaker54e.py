"""breaker54e: what ``vjepa-ros train`` reads from a lab's recordings (bags and .npz episodes).

Attacked (main 6761720e): ``vjepa_ros/train/episodes.py`` (``find_sources``, ``load_segments``:
what reaches the trainer), ``recordings/`` (``bags``, ``bag_arm_states``, ``bag_gripper``,
``resample``, ``mcap_salvage``), ``robot/joint_states.py`` (the names it reads) and
``train/objective.py`` / ``features.py`` against ../shared/docs/vjepa2-ac-facts.md; the
recordings of ../shared/data/field/ and bags and episodes of their kinds written here.

Each check computes the expected states here (scipy Euler angles of the written quaternions, the
project's FK of the written joints in the right order, closedness 1 - width / 0.08) and reads
them through ``find_sources`` + ``load_segments``, as ``train`` does.

Defects (strict xfails until fix54e fixed them), by harm:

1. A camera that repeats its picture with fresh stamps (a hung driver re-publishing its last
   image, a slow camera behind a faster republisher, a simulator rendering slower than it
   publishes) is trained on silently: byte-identical frame pairs labelled with the arm's 1 cm
   motion, no note (9 of 16 transitions here; 12 of 16 for a 1 Hz picture at 4 Hz). The camera
   check has the stale-frame rule (``eval/camera_check_unchanged``); ``segments.step_segments``
   has none.
2. An arm's gripper whose finger joints carry another prefix than its arm joints (arm
   ``fr3_joint1..7``, hand ``panda_finger_joint1/2`` on its own topic, as a gripper node launched
   with its default arm_id publishes; or ``left_fr3_`` arm with ``fr3_`` fingers) is refused
   with "no finger joints ... on /fr3_gripper/joint_states" (they are there) and "name the topic
   with --gripper-topic"; naming it is refused again ("it holds no finger joints"): only
   --no-gripper, which drops the gripper, gets through (``robot/joint_states._finger_group``
   ties the fingers to the arm's prefix; ``bag_gripper.gripper_closedness``).
3. A Robotiq 2F-85 hand (DROID's own gripper, facts §4), whose JointState is ``finger_joint``
   (or ``robotiq_85_left_knuckle_joint``), is refused advising ``--gripper-topic``, which no
   topic of the bag can pass (the width-topic rule of fix52f: a fix the bag cannot take is not
   advised), without naming the joint it found.
4. An arm whose JointState names are ``joint1..7`` (MuJoCo Menagerie's Panda, some simulator
   bridges) is refused with "the bag has no other arm state: record the arm's /joint_states or
   its end-effector pose": /joint_states is recorded, and no option can name such joints
   (``bag_arm_states.joints_to_ee``, ``topic_choice.arm_topic_fix``).

Held up (pins below, or probed and left out): a 30 Hz camera with 100 Hz poses near roll = pi,
quaternions of alternating sign: states equal scipy's Euler angles to 1e-6, actions equal
R_{k+1} R_k^T's; joint states reversed, shuffled per message, with extra joints, namespaced
(``fr3/fr3_joint1``), ``left_fr3_`` / ``panda_`` prefixes, fingers merged, split or one finger:
FK of the right joints; sim-time header stamps with wall-clock receipt; a sim clock reset (one
line with --stamps receive); a 4 Hz camera dropping one frame (two segments, no clip across);
a camera 30 -> 10 Hz; 80 ms camera latency; non-unit quaternions (one line naming the message);
a db3 cut short (one line with the sqlite3 .recover command); an MCAP chunk with a CRC and
flipped bytes (refused naming the corruption); the field recordings (joint-states-split read by
FK with closedness 0.0625 k; killed db3/mcap read with a note; truncated-mcap's note counts the
loss). Not defects: bytes flipped in an MCAP written without chunk CRCs (rosbags' writer) or a
db3 (no checksum to tell), a 5 or 6 fps camera at 4 Hz (frame-to-frame actions of 0.2/0.4 s,
consistent with their frames, by design since breaker44i).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from train_bags import (
    CAMERA,
    FR3,
    GRIPPER,
    T0,
    _expected_joint_states,
    _joint_bag,
    _picture,
    _read,
)

POSE = "/franka_robot_state_broadcaster/current_pose"


def _pose(time_ns: int, xyz, quat):
    from vjepa_ros.recordings import messages as m

    types = m.typestore().types
    pose = types["geometry_msgs/msg/Pose"](
        position=types["geometry_msgs/msg/Point"](x=xyz[0], y=xyz[1], z=xyz[2]),
        orientation=types["geometry_msgs/msg/Quaternion"](x=quat[0], y=quat[1], z=quat[2],
                                                          w=quat[3]))
    return types[m.POSE_STAMPED](header=m.make_header(time_ns, "base"), pose=pose)


# -- 1. a camera repeating its picture


def _sliding_bag(path: Path, picture_of) -> Path:
    """Write 17 frames at 4 Hz, poses and an open hand at 100 Hz; return the bag.

    Frame k shows ``_picture(picture_of(k))``; the hand slides +x 4 cm/s (1 cm a step).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = []
    for k in range(17):
        time = T0 + k * 250_000_000
        entries.append((CAMERA, m.IMAGE, time,
                        m.image_message(_picture(picture_of(k)), time, "camera")))
    down = Rotation.from_euler("xyz", [np.pi, 0.0, 0.0]).as_quat()
    for k in range(401):
        time = T0 + k * 10_000_000
        entries.append((POSE, m.POSE_STAMPED, time, _pose(time, [0.4 + 0.0004 * k, 0, 0.3], down)))
        entries.append((GRIPPER, m.JOINT_STATE, time, m.joint_state_message(
            ["fr3_finger_joint1", "fr3_finger_joint2"], [0.04, 0.04], time)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _sliding_npz(path: Path, picture_of) -> Path:
    """Write the same as an .npz episode: 17 frames at 4 Hz, states 1 cm apart in x."""
    states = np.zeros((17, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(17)
    states[:, 2], states[:, 3] = 0.3, np.pi
    frames = np.stack([_picture(picture_of(k)) for k in range(17)])
    np.savez(path, observations=frames, states=states, timestamps=np.arange(17) * 0.25)
    return path


REPEATS = {
    "hung driver (frames 4..12 repeat frame 3)": lambda k: 3 if 4 <= k <= 12 else k,
    "1 Hz picture republished at 4 Hz": lambda k: 4 * (k // 4),
}


@pytest.mark.parametrize("kind", ["bag", "npz"])
@pytest.mark.parametrize("repeat", list(REPEATS))
def test_a_repeated_picture_under_a_moving_arm_never_reaches_the_trainer(repeat, kind,
                                                                         tmp_path):
    """The arm moves 1 cm a step while the camera sends the same pixels again.

    Input: 17 frames at 4 Hz whose pictures repeat (byte for byte) over several steps, poses
    sliding 1 cm a step. Now: one segment of 17 frames, 9 (12) transitions of two identical
    frames labelled dx = +0.01 m, notes empty. Right: such a transition never reaches the trainer
    (the model would learn that moving changes nothing), and a note (or a one-line refusal)
    names the source's camera and that its picture repeated.
    """
    from vjepa_ros.train.episodes import EpisodeError

    picture_of = REPEATS[repeat]
    path = (_sliding_bag(tmp_path / "bag", picture_of) if kind == "bag"
            else _sliding_npz(tmp_path / "ep.npz", picture_of))
    try:
        segments, notes = _read(path, frames_per_clip=3)
    except EpisodeError as exc:  # a refusal is right too: one line naming the source
        assert path.name in str(exc) and "\n" not in str(exc)
        return
    stale = [(segment.name, k) for segment in segments for k in range(len(segment) - 1)
             if np.array_equal(segment.frames[k], segment.frames[k + 1])
             and abs(float(segment.actions[k, 0])) > 0.005]
    assert not stale, f"identical frames under a 1 cm motion reach the trainer: {stale}"
    assert any(path.name in note for note in notes), notes


def test_a_camera_of_new_pictures_keeps_every_step(tmp_path):
    """Pin (the test above's other side): every frame new, every step kept, states 1 cm apart."""
    segments, notes = _read(_sliding_bag(tmp_path / "bag", lambda k: k), frames_per_clip=3)
    assert [len(segment) for segment in segments] == [17] and notes == []
    np.testing.assert_allclose(segments[0].actions[:, 0], 0.01, atol=1e-6)
    np.testing.assert_allclose(segments[0].states[:, 0], 0.4 + 0.01 * np.arange(17), atol=1e-6)


# -- joint-state bags: arm and hand names


def _assert_joint_states(segments) -> None:
    assert [len(segment) for segment in segments] == [13]
    np.testing.assert_allclose(segments[0].states, _expected_joint_states(), atol=1e-5)


@pytest.mark.parametrize("arm, fingers, apart, reverse", [
    ([f"panda_joint{i}" for i in range(1, 8)], ["panda_finger_joint1", "panda_finger_joint2"],
     False, False),
    (FR3, ["fr3_finger_joint1", "fr3_finger_joint2"], False, True),
    ([f"fr3/fr3_joint{i}" for i in range(1, 8)], ["fr3/fr3_finger_joint1"], False, False),
    (FR3, ["fr3_finger_joint1", "fr3_finger_joint2"], True, False),
])
def test_joint_names_of_one_prefix_read_by_fk(arm, fingers, apart, reverse, tmp_path):
    """Pin: prefixed, listed last first, namespaced, one finger, fingers on their own topic.

    Each is the FK of the right joints with closedness t / 3 at every frame.
    """
    _assert_joint_states(_read(_joint_bag(tmp_path / "bag", arm, fingers, fingers_apart=apart,
                                          reverse=reverse))[0])


# -- 2. a hand whose finger joints carry another prefix than the arm's

OTHER_HAND = {
    "fr3 arm, panda_ hand": (FR3, ["panda_finger_joint1", "panda_finger_joint2"]),
    "left_fr3_ arm, fr3_ hand": ([f"left_fr3_joint{i}" for i in range(1, 8)],
                                 ["fr3_finger_joint1", "fr3_finger_joint2"]),
}


@pytest.mark.parametrize("case", list(OTHER_HAND))
def test_the_named_gripper_topic_of_the_one_hand_is_read(case, tmp_path):
    """One arm, one hand on its own topic whose joint names carry another prefix.

    Input: /joint_states of the arm (50 Hz), GRIPPER of the hand's two finger joints (a gripper
    node launched with its own default arm_id), ``--gripper-topic GRIPPER``. Now: "gripper topic
    /fr3_gripper/joint_states: it holds no finger joints (<prefix>finger_joint1/2)". Right: the
    topic the user named holds this bag's only hand: its closedness is read (t / 3 here).
    """
    arm, fingers = OTHER_HAND[case]
    path = _joint_bag(tmp_path / "bag", arm, fingers, fingers_apart=True)
    _assert_joint_states(_read(path, topics={"gripper": GRIPPER})[0])


@pytest.mark.parametrize("case", list(OTHER_HAND))
def test_a_hand_of_another_prefix_is_read_or_named(case, tmp_path):
    """The same bag without --gripper-topic: read, or refused naming the fingers it found.

    Now: "no gripper state: no finger joints (<prefix>finger_joint1/2) on
    /fr3_gripper/joint_states, /joint_states; name the topic with --gripper-topic": the topic
    holds them, and naming it is refused (the test above). Right: read as above, or one line
    that names the finger joints found and a fix that reads them (not --gripper-topic).
    """
    from vjepa_ros.train.episodes import EpisodeError

    arm, fingers = OTHER_HAND[case]
    path = _joint_bag(tmp_path / "bag", arm, fingers, fingers_apart=True)
    try:
        segments, _ = _read(path)
    except EpisodeError as exc:
        text = str(exc)
        assert fingers[0] in text and "name the topic with --gripper-topic" not in text, text
        return
    _assert_joint_states(segments)


# -- 3. a Robotiq hand (DROID's)


@pytest.mark.parametrize("joint", ["finger_joint", "robotiq_85_left_knuckle_joint"])
@pytest.mark.parametrize("apart", [True, False])
def test_a_robotiq_hand_is_read_or_refused_with_a_fix_that_works(joint, apart, tmp_path):
    """A Franka arm with a Robotiq 2F-85 (DROID's hardware): the hand's joint is an angle.

    Input: the arm's joints on /joint_states, the Robotiq's ``finger_joint`` (ros-industrial
    URDF) or ``robotiq_85_left_knuckle_joint`` (ros2_robotiq_gripper) with it or on its own
    topic. Now: "no finger joints (<prefix>finger_joint1/2) on ...; name the topic with
    --gripper-topic, or pass --no-gripper"; --gripper-topic cannot pass (no topic holds Franka
    finger names). Right: read (closedness from the knuckle angle), or one line that names the
    joint found as not read and advises only what reads the bag (--no-gripper, re-recording).
    """
    from vjepa_ros.train.episodes import EpisodeError

    path = _joint_bag(tmp_path / "bag", FR3, [joint], fingers_apart=apart)
    try:
        segments, _ = _read(path)
    except EpisodeError as exc:
        text = str(exc)  # the joint by its name (not the "<prefix>finger_joint1/2" pattern)
        assert re.search(rf"\b{joint}\b(?![12])", text) and "--gripper-topic" not in text, text
        return
    assert [len(segment) for segment in segments] == [13]
    np.testing.assert_allclose(segments[0].states[:, :6], _expected_joint_states()[:, :6],
                               atol=1e-5)


# -- 4. arm joints named joint1..7


def test_arm_joints_without_a_robot_name_are_not_advised_to_be_recorded(tmp_path):
    """MuJoCo Menagerie's Panda names its joints joint1..7 and finger_joint1/2.

    Now: "/joint_states: no message holds the 7 arm joints (...; names there: finger_joint1, ...,
    joint7); the bag has no other arm state: record the arm's /joint_states or its end-effector
    pose with the camera". Right: read by FK (the arm is a Panda), or one line that says these
    names are not read as a Franka's and what does read them; never advice to record the topic
    the bag holds.
    """
    from vjepa_ros.train.episodes import EpisodeError

    path = _joint_bag(tmp_path / "bag", [f"joint{i}" for i in range(1, 8)],
                      ["finger_joint1", "finger_joint2"], fingers_apart=False)
    try:
        segments, _ = _read(path)
    except EpisodeError as exc:
        assert "record the arm's /joint_states" not in str(exc), str(exc)
        return
    _assert_joint_states(segments)


# -- pins: poses, clocks, damage


def test_poses_near_roll_pi_with_flipping_quaternion_signs_read_exactly(tmp_path):
    """A 30 Hz camera, 100 Hz poses whose roll crosses pi and quaternion sign alternates.

    Each step's state is the written pose at its frame's time (scipy's extrinsic xyz Euler
    angles), its action R_{k+1} R_k^T's Euler angles (facts §4), to 1e-5.
    """
    import torch

    from vjepa_ros.planning.pose import state_difference
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    def truth(seconds):
        rotation = Rotation.from_euler("xyz", [np.pi - 0.02, 0.1 * np.sin(seconds),
                                               0.3 * seconds])
        return np.array([0.4 + 0.04 * seconds, 0.02 * seconds, 0.3]), rotation

    entries = []
    for k in range(91):
        time = T0 + round(k * 1e9 / 30)
        entries.append((CAMERA, m.IMAGE, time, m.image_message(_picture(k), time, "camera")))
    for k in range(301):
        time = T0 + k * 10_000_000
        xyz, rotation = truth(k / 100)
        quat = rotation.as_quat() * (-1 if k % 2 else 1)
        entries.append((POSE, m.POSE_STAMPED, time, _pose(time, xyz, quat)))
        entries.append((GRIPPER, m.JOINT_STATE, time, m.joint_state_message(
            ["fr3_finger_joint1", "fr3_finger_joint2"], [0.02, 0.02], time)))
    entries.sort(key=lambda entry: entry[2])
    (segment,), _ = _read(write_messages(tmp_path / "bag", entries))
    shown = [next(k for k in range(91) if np.array_equal(_picture(k), f)) for f in segment.frames]
    expected = []
    for seconds in np.array(shown) / 30:
        xyz, rotation = truth(seconds)
        expected.append([*xyz, *rotation.as_euler("xyz"), 0.5])
    expected = np.array(expected)
    wrapped = (segment.states[:, 3:6] - expected[:, 3:6] + np.pi) % (2 * np.pi) - np.pi
    np.testing.assert_allclose(segment.states[:, :3], expected[:, :3], atol=1e-5)
    np.testing.assert_allclose(wrapped, 0, atol=1e-5)
    actions = state_difference(torch.tensor(expected[:-1]), torch.tensor(expected[1:])).numpy()
    np.testing.assert_allclose(segment.actions, actions, atol=1e-5)


def test_the_field_joint_states_split_recording_reaches_the_trainer_by_fk():
    """../shared/data/field/joint-states-split: 12 frames, closedness 0.0625 k, actions s ⊖ s."""
    import torch

    from conftest import SHARED_DATA
    from vjepa_ros.planning.pose import state_difference

    shared = SHARED_DATA if SHARED_DATA.is_dir() else Path("/work/shared/data")  # a worktree's
    path = shared / "field" / "joint-states-split"
    (segment,), _ = _read(path)
    assert len(segment) == 12
    np.testing.assert_allclose(segment.states[:, 6], 0.0625 * np.arange(12), atol=1e-6)
    actions = state_difference(torch.tensor(segment.states[:-1], dtype=torch.float64),
                               torch.tensor(segment.states[1:], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(segment.actions, actions, atol=1e-6)
