"""The bag reader on the families of breaker41b's recordings (fix41b).

- a topic on another clock (header stamps against the recorder's receive times): the camera or a
  gripper seconds off the states' is refused naming it and ``--stamps receive``, a clear but
  smaller offset noted; latency, sim time (at any rate) and receive times equal to the stamps
  pass silently;
- a driver's JointState with every arm joint exactly 0 is no reading: left out with one note at
  any stream rate, wherever it falls, its fingers too;
- ``--joint-prefix`` given as a launch argument's prefix (``right_``) reads the one arm whose
  prefix begins with it; advice on a two-arm bag names both arms, never "leave it out";
- a latched gripper message stamped long before the recording is held from its receipt; a
  gripper on another clock is still refused.
"""

import numpy as np
import pytest

from conftest import camera_entries

MS = 1_000_000
READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


def _sliding(ms):
    """Return the TCP sliding 10 cm/s along x, hand down."""
    return [0.4 + ms / 1e3 * 0.1, 0.0, 0.4, np.pi, 0.0, 0.0]


def _pose_bag(path, frames, poses, fingers=(), pose_at=_sliding):
    """Write a bag of camera frames, poses and finger JointStates.

    Each of ``frames``, ``poses``, ``fingers``: (stamp [ns], received [ns]) pairs (fingers:
    with a closedness third). Returns the bag's path.
    """
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import (
        DEFAULT_START_NS,
        WRITTEN_GRIPPER_TOPIC,
        write_messages,
    )
    from vjepa_ros.robot.joint_states import finger_position
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, names = BagTopics(), FrankaKinematics().finger_names
    images, _, _ = synthetic_episode(len(frames))
    entries = []
    for i, (stamp, received) in enumerate(frames):
        entries.append((topics.image, m.IMAGE, received,
                        m.image_message(images[i], stamp, "camera")))
    for stamp, received in poses:
        pose = np.asarray(pose_at((received - DEFAULT_START_NS) / MS), dtype=float)
        entries.append((topics.pose, m.POSE_STAMPED, received,
                        m.pose_message(pose, stamp, "base")))
    for stamp, received, closed in fingers:
        finger = finger_position(closed)
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, received,
                        m.joint_state_message(names, [finger, finger], stamp)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _at(ms_list, stamp_ms=0.0, latency_ms=2.0, start=None):
    """Return (stamp, received) [ns] pairs: taken at ``ms``, stamped ``stamp_ms`` off."""
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    start = DEFAULT_START_NS if start is None else start
    return [(start + int((ms + stamp_ms) * MS), DEFAULT_START_NS + int((ms + latency_ms) * MS))
            for ms in ms_list]


FRAME_MS = list(range(25, 6001, 250))
POSE_MS = list(range(0, 6101, 10))


def _clock_notes(recording):
    return [note for note in recording.notes if "states' clock" in note]


def _read(bag, **topics):
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    return read_recording(bag, BagTopics(**topics))


# --- a topic on another clock -----------------------------------------------------------------

@pytest.mark.parametrize("offset_ms", [1500, -1500, 1100, -5000, 60_000])
def test_a_camera_seconds_off_the_states_clock_is_refused_naming_it(tmp_path, offset_ms):
    from vjepa_ros.recordings.bag_files import BagError

    bag = _pose_bag(tmp_path / "off", _at(FRAME_MS, offset_ms, 10), _at(POSE_MS))
    # a minute off shares no time with the states: check_overlap's refusal, naming both spans
    told = (r"/camera/camera/color/image_raw's header stamps lie .* s (ahead of|behind) the "
            r"states' clock .*--stamps receive" if abs(offset_ms) < 6000 else
            r"/camera/camera/color/image_raw: .* do not overlap .*--stamps receive")
    with pytest.raises(BagError, match=told):
        _read(bag)


@pytest.mark.parametrize("offset_ms", [400, -600, 900])
def test_a_camera_a_fraction_of_a_second_off_gets_a_note(tmp_path, offset_ms):
    bag = _pose_bag(tmp_path / "off", _at(FRAME_MS, offset_ms, 10), _at(POSE_MS))
    notes = _clock_notes(_read(bag))
    assert len(notes) == 1 and "--stamps receive" in notes[0], notes


@pytest.mark.parametrize("latency_ms", [0, 30, 120, 300])
def test_a_frames_real_latency_passes_silently(tmp_path, latency_ms):
    bag = _pose_bag(tmp_path / "late", _at(FRAME_MS, 0, latency_ms), _at(POSE_MS))
    assert not _clock_notes(_read(bag))


def test_the_states_own_latency_counts_against_the_cameras(tmp_path):
    """States received 250 ms late (a busy recorder), frames 20 ms: no clock was off."""
    bag = _pose_bag(tmp_path / "late", _at(FRAME_MS, 0, 20), _at(POSE_MS, 0, 250))
    assert not _clock_notes(_read(bag))


@pytest.mark.parametrize("rate", [1.0, 0.5, 2.0])
def test_a_sim_time_bag_passes_at_any_real_time_factor(tmp_path, rate):
    """Header stamps on /clock (from 100 s), received on the wall clock; sim time at ``rate``."""
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    def sim(ms_list, latency_ms):  # sim time ms, received when the wall clock got there
        return [(100 * 10**9 + ms * MS, DEFAULT_START_NS + int((ms / rate + latency_ms) * MS))
                for ms in ms_list]

    bag = _pose_bag(tmp_path / "sim", sim(FRAME_MS, 15), sim(POSE_MS, 1),
                    fingers=[(*pair, 0.25) for pair in sim(POSE_MS[::5], 2)],
                    pose_at=lambda ms: _sliding(ms / 3))
    recording = _read(bag)
    assert not _clock_notes(recording)
    assert np.allclose(recording.states[:, 6], 0.25)


def test_receive_times_equal_to_the_stamps_pass(tmp_path):
    bag = _pose_bag(tmp_path / "same", _at(FRAME_MS, 0, 0), _at(POSE_MS, 0, 0))
    assert not _clock_notes(_read(bag))


def test_stamps_receive_reads_a_camera_on_another_clock(tmp_path):
    bag = _pose_bag(tmp_path / "off", _at(FRAME_MS, 1500, 10), _at(POSE_MS))
    recording = _read(bag, stamps="receive")
    assert not _clock_notes(recording)
    assert len(recording.image_times) == len(FRAME_MS)


def test_states_timed_by_receipt_and_a_camera_off_by_seconds_are_refused(tmp_path):
    """The states' stamps unset (timed by receive times); the camera's stamps 1.5 s ahead."""
    from vjepa_ros.recordings.bag_files import BagError

    poses = [(0, received) for _, received in _at(POSE_MS)]
    bag = _pose_bag(tmp_path / "unset", _at(FRAME_MS, 1500, 10), poses)
    with pytest.raises(BagError, match="--stamps receive"):
        _read(bag)


@pytest.mark.parametrize("offset_ms", [1500, -1500])
def test_a_gripper_seconds_off_the_states_clock_is_refused(tmp_path, offset_ms):
    from vjepa_ros.recordings.bag_files import BagError

    fingers = [(*pair, 0.5) for pair in _at(POSE_MS[::10], offset_ms, 3)]
    bag = _pose_bag(tmp_path / "off", _at(FRAME_MS, 0, 10), _at(POSE_MS), fingers)
    with pytest.raises(BagError, match=r"/franka_gripper/joint_states's header stamps lie .* "
                       r"--stamps receive"):
        _read(bag)


# --- a latched gripper message ------------------------------------------------------------------

@pytest.mark.parametrize("before_s", [0.8, 5, 30, 3600])
def test_a_latched_gripper_message_is_held_however_old(tmp_path, before_s):
    """One message received at the start, stamped ``before_s`` earlier: the hand 3/4 closed."""
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    latched = [(DEFAULT_START_NS - int(before_s * 1e9), DEFAULT_START_NS, 0.75)]
    bag = _pose_bag(tmp_path / "latched", _at(FRAME_MS, 0, 10), _at(POSE_MS), latched)
    recording = _read(bag)
    assert np.allclose(recording.states[:, 6], 0.75), recording.states[[0, -1], 6]
    assert any("one message" in note for note in recording.notes), recording.notes
    if before_s > 1:
        assert any("latched" in note for note in recording.notes), recording.notes


def test_a_latched_message_then_changes_on_the_robots_clock(tmp_path):
    """Latched (closed 3/4, 30 s old), then the hand opens at 3 s: held, then open."""
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    latched = (DEFAULT_START_NS - 30 * 10**9, DEFAULT_START_NS + 5 * MS, 0.75)
    opened = [(*pair, 0.0) for pair in _at([3000], 0, 3)]
    bag = _pose_bag(tmp_path / "latched", _at(FRAME_MS, 0, 10), _at(POSE_MS),
                    [latched, *opened])
    recording = _read(bag)
    times = (recording.state_times - recording.state_times[0]) / 1e9
    assert np.allclose(recording.states[times < 2.9, 6], 0.75)
    assert np.allclose(recording.states[times > 3.1, 6], 0.0)
    assert not _clock_notes(recording), recording.notes


def test_of_several_latched_messages_the_newest_is_held(tmp_path):
    """A transient-local history of three: stamped 60, 40 and 30 s before, all received at once."""
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    latched = [(DEFAULT_START_NS - s * 10**9, DEFAULT_START_NS + k * MS, closed)
               for k, (s, closed) in enumerate([(60, 0.1), (40, 0.4), (30, 0.75)])]
    bag = _pose_bag(tmp_path / "history", _at(FRAME_MS, 0, 10), _at(POSE_MS), latched)
    recording = _read(bag)
    assert np.allclose(recording.states[:, 6], 0.75)
    assert any("2 older latched" in note for note in recording.notes), recording.notes


def test_a_gripper_on_a_clock_30_s_behind_is_still_refused(tmp_path):
    """Every finger message (10 Hz) stamped 30 s before its receipt: another clock, not latched."""
    from vjepa_ros.recordings.bag_files import BagError

    fingers = [(*pair, 0.75) for pair in _at(POSE_MS[::10], -30_000, 3)]
    bag = _pose_bag(tmp_path / "behind", _at(FRAME_MS, 0, 10), _at(POSE_MS), fingers)
    with pytest.raises(BagError, match="--stamps receive"):
        _read(bag)


@pytest.mark.parametrize("case", ["mid_recording", "ahead"])
def test_one_old_message_not_received_at_the_start_is_no_latched_one(tmp_path, case):
    """Received at 3 s but stamped 30 s before; or received at the start but stamped 30 s ahead."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    one = ((DEFAULT_START_NS - 27 * 10**9, DEFAULT_START_NS + 3 * 10**9, 0.75)
           if case == "mid_recording" else
           (DEFAULT_START_NS + 30 * 10**9, DEFAULT_START_NS, 0.75))
    bag = _pose_bag(tmp_path / case, _at(FRAME_MS, 0, 10), _at(POSE_MS), [one])
    with pytest.raises(BagError, match="--stamps receive"):
        _read(bag)


# --- all-zero arm joint states ----------------------------------------------------------------

def _joint_bag(path, state_ms, zero_ms=(), split=False, names_prefix=""):
    """Write a bag: a 4 Hz camera and /joint_states at ``state_ms`` (ready pose, hand open).

    ``zero_ms``: all-zero messages (arm and fingers) at those times; ``split``: arm and finger
    joints as separate messages (franka_ros), the zero one the arm's only.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, kinematics = BagTopics(), FrankaKinematics()
    arm, fingers = list(kinematics.joint_names), list(kinematics.finger_names)
    frame_ms = list(range(25, 4001, 250))
    entries = camera_entries(frame_ms)

    def state(ms, joints, hand):
        t = DEFAULT_START_NS + ms * MS
        if split:
            entries.append((topics.joint_states, m.JOINT_STATE, t + 5,
                            m.joint_state_message(arm, joints, t)))
            if hand is not None:
                entries.append((topics.joint_states, m.JOINT_STATE, t + 6,
                                m.joint_state_message(fingers, hand, t)))
        else:
            entries.append((topics.joint_states, m.JOINT_STATE, t + 5, m.joint_state_message(
                arm + fingers, [*joints, *(hand if hand is not None else [0.0, 0.0])], t)))

    for ms in zero_ms:
        state(ms, [0.0] * 7, None)
    for ms in state_ms:
        state(ms, READY, [0.04, 0.04])
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _zero_notes(recording):
    return [note for note in recording.notes if "every arm joint at exactly 0" in note]


@pytest.mark.parametrize("period_ms", [500, 200, 100, 10])
def test_an_all_zero_first_joint_state_is_left_out_at_any_rate(tmp_path, period_ms):
    from vjepa_ros.recordings.bags import read_recording

    truth = read_recording(_joint_bag(tmp_path / "truth", list(range(period_ms, 4101,
                                                                     period_ms))))
    recording = read_recording(_joint_bag(tmp_path / "zero", list(range(period_ms, 4101,
                                                                        period_ms)), zero_ms=[0]))
    assert len(_zero_notes(recording)) == 1, recording.notes
    np.testing.assert_allclose(recording.states, truth.states)
    assert len(recording.state_times) == len(truth.state_times)


def test_all_zero_messages_mid_recording_are_left_out_too(tmp_path):
    """A driver restarted at 2 s: two all-zero messages before its readings resume."""
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_joint_bag(tmp_path / "restart", list(range(0, 4101, 100)),
                                          zero_ms=[0, 2050, 2060]))
    notes = _zero_notes(recording)
    assert len(notes) == 1 and "3 message(s)" in notes[0], recording.notes
    assert np.allclose(recording.states[:, 0], recording.states[0, 0])
    assert np.allclose(recording.states[:, 6], 0.0)  # the zeros' fingers closed no hand


def test_an_all_zero_arm_message_of_a_split_stream_keeps_the_finger_messages(tmp_path):
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_joint_bag(tmp_path / "split", list(range(200, 4101, 200)),
                                          zero_ms=[0], split=True))
    assert len(_zero_notes(recording)) == 1, recording.notes
    assert np.allclose(recording.states[:, 6], 0.0)
    assert np.ptp(recording.states[:, 0]) < 1e-9


def test_a_recording_of_zero_arm_messages_only_is_refused(tmp_path):
    from vjepa_ros.recordings.bag_files import BagError

    with pytest.raises(BagError, match=r"/joint_states: every one of its 3 arm messages has every "
                       r"joint at exactly 0: the driver never read the arm"):
        _read(_joint_bag(tmp_path / "never", [], zero_ms=[0, 1000, 2000]))


def test_the_zero_rule_lives_with_the_joint_ranges():
    from vjepa_ros.robot.state_ranges import arm_unread

    assert arm_unread(np.zeros(7)) is True
    assert arm_unread(READY) is False
    assert arm_unread(np.full(7, 1e-9)) is False  # a reading near zero is a reading
    assert arm_unread(-np.zeros(7)) is True
    np.testing.assert_array_equal(arm_unread(np.stack([np.zeros(7), READY])), [True, False])


# --- --joint-prefix given short -----------------------------------------------------------------

def _two_arm_bag(path, arm_names=("left_fr3_", "right_fr3_")):
    """Write a bag: a 4 Hz camera and a merged 100 Hz /joint_states of two arms.

    The first arm's wrist turning, its hand open; the second's joint 1 at +0.3 rad, its hand
    3/4 closed.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    own = [f"joint{i}" for i in range(1, 8)] + ["finger_joint1", "finger_joint2"]
    first, second = arm_names
    names = [first + name for name in own] + [second + name for name in own]
    frame_ms = list(range(25, 3001, 250))
    entries = camera_entries(frame_ms)
    for ms in range(0, 3101, 10):
        t = DEFAULT_START_NS + ms * MS
        one = READY + [0, 0, 0, 0, 0, 0, ms / 1e3 * 0.2]
        two = READY + [0.3, 0, 0, 0, 0, 0, 0]
        entries.append((BagTopics().joint_states, m.JOINT_STATE, t + 5, m.joint_state_message(
            names, [*one, 0.04, 0.04, *two, 0.01, 0.01], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


@pytest.mark.parametrize(("given", "closed"), [("right_", 0.75), ("right", 0.75), ("left_", 0.0),
                                               ("right_fr3_", 0.75), ("left_fr3_", 0.0)])
def test_a_launch_prefix_reads_the_arm_it_begins(tmp_path, given, closed):
    recording = _read(_two_arm_bag(tmp_path / "two"), joint_prefix=given)
    assert np.allclose(recording.states[:, 6], closed)
    taken = [note for note in recording.notes if "--joint-prefix" in note]
    assert len(taken) == (0 if given.endswith("fr3_") else 1), recording.notes


def test_a_prefix_of_neither_arm_lists_both_and_never_leave_it_out(tmp_path):
    from vjepa_ros.recordings.bag_files import BagError

    with pytest.raises(BagError) as info:
        _read(_two_arm_bag(tmp_path / "two"), joint_prefix="robot2_")
    message = str(info.value)
    assert "--joint-prefix left_fr3_ or --joint-prefix right_fr3_" in message, message
    assert "leave it out" not in message, message


def test_a_prefix_two_arms_begin_with_is_refused_naming_both(tmp_path):
    from vjepa_ros.recordings.bag_files import BagError

    bag = _two_arm_bag(tmp_path / "two", ("robot_left_fr3_", "robot_right_fr3_"))
    with pytest.raises(BagError, match=r"--joint-prefix robot_ names no joint, and 2 prefixes "
                       r".*--joint-prefix robot_left_fr3_ or --joint-prefix robot_right_fr3_"):
        _read(bag, joint_prefix="robot_")


def test_a_short_prefix_on_a_one_arm_bag_reads_it(tmp_path):
    recording = _read(_joint_bag(tmp_path / "one", list(range(0, 4101, 100))), joint_prefix="pan")
    assert any("reading panda_joint1..7" in note for note in recording.notes), recording.notes
