"""Breaker40c: the mended stray-state rule (``recordings.stray_states``, commit a91c809) attacked.

Each test was a strict xfail of a defect found (what SHOULD happen is asserted), fixed in session
40 (``stray_states.check_sources``: the whole state's fast steps counted, a stream of stray runs
that agree refused; a gripper topic's glitches judged at its own times):

- a second publisher that differs from the arm's pose by under the xyz jump limit but turned (a
  flange pose beside the TCP pose, 10.3 cm and 45° apart, at 20 Hz) is never refused: the
  refusal (``state_jumps.check_state_jumps``) counts xyz jumps only, the stray rule judges the
  whole state: half the states are left out as "stray" (if the flange's message comes first,
  all of the arm's) and the steps are paired with the flange's poses;
- a finger glitch on a gripper topic slower than the state topic is interpolated onto the
  states' times (a ramp of small steps): no step is "faster than a hand", and the glitch
  reaches a valid step;
- alternating publishers at 1 kHz: ``stray_states`` takes ~6 s CPU per minute of recording
  before the refusal (a 10-minute bag: a minute).
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from test_breaker40b import _steps

MS = 1_000_000


def _write(path, pose_ms, pose_at, finger_ms=None, finger_at=None, frame_ms=None):
    """Write a bag: a 4 Hz camera (25, 275, ... ms), poses, finger JointStates.

    Poses at ``pose_ms`` (``pose_at(i, ms)`` -> [6] xyz, rpy), finger JointStates at
    ``finger_ms`` (default the poses'; ``finger_at(ms)`` [m], default 0.04: open).
    """
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import (
        DEFAULT_START_NS,
        WRITTEN_GRIPPER_TOPIC,
        write_messages,
    )
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, kinematics = BagTopics(), FrankaKinematics()
    frame_ms = list(range(25, 3001, 250)) if frame_ms is None else frame_ms
    finger_ms = pose_ms if finger_ms is None else finger_ms
    frames, _, _ = synthetic_episode(len(frame_ms))
    entries = []
    for i, ms in enumerate(frame_ms):
        t = DEFAULT_START_NS + ms * MS
        entries.append((topics.image, m.IMAGE, t + 1, m.image_message(frames[i], t, "camera")))
    for i, ms in enumerate(pose_ms):
        t = DEFAULT_START_NS + int(ms * MS)
        pose = np.asarray(pose_at(i, ms), dtype=float)
        entries.append((topics.pose, m.POSE_STAMPED, t + 5, m.pose_message(pose, t, "base")))
    for ms in finger_ms:
        t = DEFAULT_START_NS + int(ms * MS)
        finger = 0.04 if finger_at is None else finger_at(ms)
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, t + 6,
                        m.joint_state_message(kinematics.finger_names, [finger, finger], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _tcp(ms):
    """Return the TCP's pose: hand down, moving 4 cm/s in x."""
    return np.array([0.4 + ms / 1e3 * 0.04, 0.0, 0.4, np.pi, 0.0, 0.0])


def _flange(ms):
    """Return the flange's pose: 10.34 cm above the TCP along the tool axis, turned 45°."""
    tcp = _tcp(ms)
    rotation = Rotation.from_euler("xyz", tcp[3:])
    xyz = tcp[:3] - rotation.apply([0.0, 0.0, 0.1034])
    return np.concatenate([xyz, (rotation * Rotation.from_euler("z", np.pi / 4)).as_euler("xyz")])


def test_a_flange_pose_alternating_with_the_tcp_pose_at_20_hz_is_refused(tmp_path):
    """/pose at 20 Hz from two publishers, alternating: the flange's and the TCP's.

    The flange lies 10.34 cm from the TCP (under 3 m/s x 50 ms + 1 cm: no xyz jump) and is
    turned 45° about the tool axis (over 5 rad/s x 50 ms + 0.05 rad: a fast orientation change
    at every step). The flange's message comes first.

    Now: read with "30 stray state(s) left out ... (a glitch, or one message of another
    publisher)": every TCP message is "stray", the 30 flange poses kept, and every step valid,
    paired with the flange's pose (z 0.50 m where the TCP is at 0.40, yaw 45° off). Should:
    BagError, two publishers on the topic (as for xyz jumps on over 10 % of the steps).
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _write(tmp_path / "two", list(range(25, 3001, 50)),
                 lambda i, ms: _flange(ms) if i % 2 == 0 else _tcp(ms))
    with pytest.raises(BagError, match="two publishers"):
        recording = read_recording(bag)
        steps, _ = _steps(recording)
        print(recording.notes, steps.states[steps.valid, 2])


def test_a_one_in_five_flange_pose_at_20_hz_is_refused_as_two_publishers(tmp_path):
    """Every 5th /pose message (20 %) is the flange's, the rest the TCP's, at 20 Hz.

    Now: read, "12 stray state(s) left out": the refusal (over 10 % of the steps) never runs,
    since no step's xyz jumps. Should: BagError naming two publishers, as the same share of a
    second publisher whose xyz jumps is.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _write(tmp_path / "fifth", list(range(25, 3001, 50)),
                 lambda i, ms: _flange(ms) if i % 5 == 2 else _tcp(ms))
    with pytest.raises(BagError, match="two publishers"):
        print(read_recording(bag).notes)


def test_a_finger_glitch_on_a_slower_gripper_topic_reaches_no_step(tmp_path):
    """One finger message reading 0 on a 20 Hz gripper topic beside a 200 Hz pose reaches no step.

    The gripper open throughout, but the finger message at 1275 ms (frame 5's stamp) reads 0.

    Now: no note; the closedness at the 200 Hz states ramps 0 -> 1 -> 0 over 100 ms in steps
    of 0.1 (under the 0.2 + 5/s x 5 ms per step), and step 5 is valid with closedness 1.0
    between 0.0 and 0.0: a hand closing and reopening in 0.1 s, scored by eval. Should: the
    finger glitch left out (judged at the gripper topic's own times, as a pose bag whose
    fingers come with each state is), step 5's closedness 0 (or step 5 dropped).
    """
    from vjepa_ros.recordings.bags import read_recording

    bag = _write(tmp_path / "fingers", list(range(25, 3001, 5)), lambda i, ms: _tcp(ms),
                 finger_ms=list(range(25, 3001, 50)),
                 finger_at=lambda ms: 0.0 if ms == 1275 else 0.04)
    steps, every = _steps(read_recording(bag))
    assert not steps.valid[5] or steps.states[5, 6] < 0.5, steps.states[:, 6]


def test_alternating_publishers_at_1_khz_are_refused_without_judging_each_run():
    """A 1 kHz state topic, two publishers alternating (10 cm apart), for 30 s: 30000 states.

    Was: ~3 s of CPU in ``stray_states`` (a Python loop over every run's windows; ~60 s for a
    10-minute bag) before the refusal. Now a topic whose steps are mostly too fast is no few
    glitches: ``stray_states`` judges no run (more than ``FAST_SHARE`` of its steps too fast) and
    ``check_sources`` refuses it from the count of fast steps alone. (Its time is no test
    assertion: the suite's machines are shared.)
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.stray_states import check_sources, stray_states

    times = np.arange(30_000, dtype=np.int64) * MS
    states = np.tile([0.4, 0.0, 0.4, np.pi, 0.0, 0.0, 0.0], (len(times), 1))
    states[::2, 2] += 0.1
    assert not stray_states(times, states).any()
    with pytest.raises(BagError, match="29999 of 29999 steps .* two publishers"):
        check_sources("bag", "/pose", times, states)


def test_a_driver_beside_a_faster_simulator_is_refused_not_its_states_made_stray(tmp_path):
    """/pose: a simulator left running at 1 kHz, and the arm's driver at 30 Hz, 10 cm apart.

    The two-publishers refusal names this case ("a simulator beside the driver"). Each of the
    driver's messages is one state between the simulator's, so each is a "stray" run, counted
    once: 90 events of 3090 steps (3 %), under the 10 % refusal. Now: read, with "95 stray
    state(s) left out ... (a glitch, or one message of another publisher)": all 90 of the arm's
    real states among them, every step paired with the simulator's pose (y 0.0 where the arm is at
    y 0.1). Should: refused (BagError, two publishers): 90 "glitches" 33 ms apart that agree
    with each other, a whole second stream of states, are no glitches.
    """
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    sim_ms = [float(ms) for ms in range(25, 3001)]
    driver_ms = [25.5 + 33.3 * k for k in range(90)]
    pose_ms = sorted(sim_ms + driver_ms)
    driver = set(driver_ms)

    def pose(i, ms):
        return _tcp(ms) + ([0.0, 0.1, 0, 0, 0, 0] if ms in driver else 0.0)

    bag = _write(tmp_path / "sim", pose_ms, pose, finger_ms=list(range(25, 3001, 50)))
    with pytest.raises(BagError, match="two publishers"):
        recording = read_recording(bag)
        print(recording.notes, recording.states[:3, 1])
