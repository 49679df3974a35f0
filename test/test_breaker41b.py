"""Breaker41b: eval / train readers on recordings a lab plausibly produces.

Each test was a strict xfail of a defect found (what SHOULD happen is asserted), fixed in
session 41 (recordings/topic_clocks.py, state_ranges.arm_unread,
bag_joint_prefixes.resolve_joint_prefix).
"""

import numpy as np
import pytest
from test_breaker40b import _steps

from conftest import camera_entries

MS = 1_000_000


def _write(path, frame_ms, pose_ms, pose_at, finger_ms=None, finger_at=None, camera_clock_ms=0,
           camera_latency_ms=10, finger_received_ms=None):
    """Write a bag: camera frames, PoseStamped and finger JointStates at the times given [ms].

    Poses at ``pose_ms`` (``pose_at(ms)`` -> [6] xyz, rpy), finger JointStates at ``finger_ms``
    (``finger_at(ms)`` [m], default 0.04: open).

    ``camera_clock_ms``: how far the camera machine's clock is ahead of the robot's (its frames'
    header stamps); the recorder (on the robot's clock) receives each frame
    ``camera_latency_ms`` after it was taken. ``finger_received_ms``: when the recorder got
    the finger messages (default 3 ms after each stamp). Times are from the bag's start.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import (
        DEFAULT_START_NS,
        WRITTEN_GRIPPER_TOPIC,
        write_messages,
    )
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, kinematics = BagTopics(), FrankaKinematics()
    finger_ms = pose_ms if finger_ms is None else finger_ms
    entries = camera_entries(frame_ms, camera_latency_ms * MS, camera_clock_ms * MS)
    for ms in pose_ms:
        t = DEFAULT_START_NS + int(ms * MS)
        pose = np.asarray(pose_at(ms), dtype=float)
        entries.append((topics.pose, m.POSE_STAMPED, t + 2 * MS, m.pose_message(pose, t, "base")))
    for ms in finger_ms:
        t = DEFAULT_START_NS + int(ms * MS)
        finger = 0.04 if finger_at is None else finger_at(ms)
        received = t + 3 * MS if finger_received_ms is None else \
            DEFAULT_START_NS + finger_received_ms * MS
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, received,
                        m.joint_state_message(kinematics.finger_names, [finger, finger], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _sliding(ms):
    """Return the TCP sliding 10 cm/s along x, hand down."""
    return [0.4 + ms / 1e3 * 0.1, 0.0, 0.4, np.pi, 0.0, 0.0]


@pytest.mark.parametrize("clock_ms", [1500, -1500])
def test_a_camera_clock_seconds_off_the_robots_is_not_paired_silently(tmp_path, clock_ms):
    """A camera on a second PC without NTP/PTP: its clock 1.5 s ahead of (behind) the robot's.

    Both clocks are epoch clocks, so the spans overlap and ``check_overlap`` passes;
    the recorder (on the robot's PC) receives each frame 10 ms after it was taken, while the
    states arrive 2 ms after their stamps: the frames' header stamps lie 1.5 s off their
    receive times (ahead of them: stamped in the future), the states' do not.

    Now: no note, no error; every step's frame is paired with the state 1.5 s away: the TCP
    slides 10 cm/s, so each step's state is 15 cm off where the arm was in its frame (step 0:
    x 0.5525 for a frame taken at x 0.4025). Should: refused (or at least noted) naming the
    camera topic's clock offset and --stamps receive, which times every message on the
    recorder's one clock (the pairing then off by the 10 ms latency only).
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _write(tmp_path / "offset", list(range(25, 6001, 250)), list(range(0, 6101, 10)),
                 _sliding, camera_clock_ms=clock_ms)
    try:
        recording = read_recording(bag)
    except BagError as exc:
        assert "--stamps receive" in str(exc), exc
        return
    told = [note for note in recording.notes if "--stamps receive" in note]
    steps, _ = _steps(recording)
    assert told, (recording.notes, steps.states[steps.valid][:3, 0])


READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


def _joint_bag(path, state_ms, first_zero_ms=None):
    """Write a bag: a 4 Hz camera (25, 275, ... ms) and /joint_states (arm and fingers merged).

    The arm holds the ready pose, the hand open, at ``state_ms``; ``first_zero_ms``: a driver's
    all-zero message (every joint and finger 0) at that time, before its first reading.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, kinematics = BagTopics(), FrankaKinematics()
    names = kinematics.joint_names + kinematics.finger_names
    frame_ms = list(range(25, 4001, 250))
    entries = camera_entries(frame_ms)
    if first_zero_ms is not None:
        t = DEFAULT_START_NS + first_zero_ms * MS
        entries.append((topics.joint_states, m.JOINT_STATE, t + 5,
                        m.joint_state_message(names, [0.0] * 9, t)))
    for ms in state_ms:
        t = DEFAULT_START_NS + ms * MS
        entries.append((topics.joint_states, m.JOINT_STATE, t + 5,
                        m.joint_state_message(names, [*READY, 0.04, 0.04], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def test_an_all_zero_first_joint_state_of_a_5_hz_stream_reaches_no_step(tmp_path):
    """/joint_states at 5 Hz, the arm still; the driver's first message, all zero, 0.2 s early.

    A throttled republisher or a slow driver: the arm holds the ready pose, the hand open.

    Eval at --max-state-gap 0.25 (what its own hint advises for a 5 Hz stream). At 10 Hz the
    zero message is left out as stray (test_breaker40b); at 5 Hz the step zero -> ready (0.40 m,
    0.79 rad in 0.2 s) is under 3 m/s x 0.2 s + 1 cm and 5 rad/s x 0.2 s + 0.05 rad, so it is no
    fast step, nothing is noted, and the zero pose is a kept state.

    Now: step 0 (the frame at 25 ms) is valid with a state interpolated between the zero pose
    and the ready pose (x 0.115, z 0.781, yaw 0.69 rad where the TCP is at x 0.307, z 0.487,
    yaw 0): its action to step 1 moves 19 cm, 29 cm down and turns 0.69 rad, a motion no arm
    made. Should: the all-zero message (no reading of the arm: every joint 0, joint 4 past its
    range's end at -0.07 rad) reaches no step: step 0 dropped or given the ready pose.
    """
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording

    bag = _joint_bag(tmp_path / "zero", list(range(200, 4101, 200)), first_zero_ms=0)
    recording = read_recording(bag)
    steps, _, _ = valid_steps(recording, EvalConfig(max_state_gap_s=0.25), 1, 1)
    truth = read_recording(_joint_bag(tmp_path / "truth", list(range(200, 4101, 200)))).states[0]
    valid = steps.states[steps.valid]
    assert np.abs(valid[:, :3] - truth[:3]).max() < 0.01, (recording.notes, valid[:2])


def _bimanual_bag(path):
    """Write a bag: a 4 Hz camera and a bimanual /joint_states (joint_state_publisher merged).

    Each message holds left_fr3_joint1..7 and fingers (the left wrist turning 0.2 rad/s, hand
    open) and right_fr3_joint1..7 and fingers (joint 1 at +0.3 rad, hand 3/4 closed), 100 Hz.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    topics = BagTopics()
    own = [f"fr3_joint{i}" for i in range(1, 8)] + ["fr3_finger_joint1", "fr3_finger_joint2"]
    names = [f"left_{name}" for name in own] + [f"right_{name}" for name in own]
    frame_ms = list(range(25, 3001, 250))
    entries = camera_entries(frame_ms)
    for ms in range(0, 3101, 10):
        t = DEFAULT_START_NS + ms * MS
        left = READY + [0, 0, 0, 0, 0, 0, ms / 1e3 * 0.2]
        right = READY + [0.3, 0, 0, 0, 0, 0, 0]
        entries.append((topics.joint_states, m.JOINT_STATE, t + 5, m.joint_state_message(
            names, [*left, 0.04, 0.04, *right, 0.01, 0.01], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def test_a_short_joint_prefix_on_a_bimanual_bag_is_told_its_own_arms_prefix(tmp_path):
    """A bimanual bag read with --joint-prefix right_ (the robot's launch argument's prefix).

    Both arms' joints in one /joint_states (left_fr3_*, right_fr3_*); the user wants the right.

    Now: "--joint-prefix right_ names none of them: give --joint-prefix left_fr3_ (or leave it
    out: the prefix is found from the names)": following it reads the LEFT arm's states
    and hand (silently the other arm: a wrist turning, an open hand, where the right arm holds
    still with its hand 3/4 closed), and leaving it out is refused (joints of more than one arm).
    The message itself names the joints "<prefix>fr3_joint1..7". Should: read the right arm
    (right_ + fr3_joint1..7: its hand 3/4 closed), or advise --joint-prefix right_fr3_ (the
    found prefix the given one begins), never the other arm's alone, nor leaving it out.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    bag = _bimanual_bag(tmp_path / "two_arms")
    try:
        recording = read_recording(bag, BagTopics(joint_prefix="right_"))
    except BagError as exc:
        message = str(exc)
    else:
        assert np.allclose(recording.states[:, 6], 0.75), recording.states[[0, -1]]
        return
    assert "--joint-prefix right_fr3_" in message, message
    assert "leave it out" not in message, message


def test_a_latched_gripper_message_from_before_the_recording_is_held(tmp_path):
    """A latched on-change gripper message, stamped 30 s before the recording, is held.

    A gripper that publishes on change with transient_local durability (latched): the hand
    closed to 3/4 half a minute before `ros2 bag record` started and stayed so. The recorder
    gets the latched message when it subscribes, at the bag's start; its header stamp is when
    the hand last changed, 30 s earlier. The pose topic is 100 Hz, the camera 4 Hz.

    Now: BagError "the gripper topic ... and the states ... do not overlap in time (timed by
    header) ... if a camera stamps frames on its own device clock ...: --stamps receive ...; or
    pass --no-gripper to use closedness 0": no camera is involved, and --no-gripper trains a
    3/4 closed hand as open. Only a latched message stamped under 1 s before the states is
    held (README: "a latched one just before them overlaps"). Should: its closedness (0.75)
    held for every state, with the one-message note, as for one stamped 0.8 s before (a
    message received inside the recording, stamped before it, is a latched state, not another
    clock); or a refusal that says so.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _write(tmp_path / "on_change", list(range(25, 3001, 250)), list(range(0, 3101, 10)),
                 _sliding, finger_ms=[-30000], finger_at=lambda ms: 0.01, finger_received_ms=0)
    try:
        recording = read_recording(bag)
    except BagError as exc:
        assert "latched" in str(exc) and "--no-gripper" not in str(exc), exc
        return
    assert np.allclose(recording.states[:, 6], 0.75), recording.states[[0, -1], 6]
