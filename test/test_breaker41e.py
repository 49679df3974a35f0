"""breaker41e: fix41b's clock-offset and latched-gripper rules on legitimate recordings.

Each test asserts what SHOULD happen; each failed on f72c2b5 (fixed by fix41e).

- a simulator running faster than real time (a headless Gazebo / MuJoCo data run) with the
  camera's ordinary transport latency (150-300 ms of wall clock): the clock check measures the
  offset in sim seconds against wall-clock receive times, so the latency is multiplied by the
  real-time factor and the bag is refused as a camera on another clock;
- frames that really arrived late (a slow Wi-Fi link, a republisher's queue, a recorder behind
  under load; header stamps right): refused with only "another clock" and ``--stamps receive``,
  the advice that would pair each frame with the state received with it, 1.2 s later;
- a latched gripper message the recorder received 2.5 s after the states' first (its publisher
  matched late), followed by the hand's change on the robot's clock: refused as a gripper
  16 s behind, a median of two messages that matches neither;
- ``--joint-prefix right_`` (or ``right_fr3_``) on a bag whose right arm has its own JointState
  topic: told to give the left arm's prefix or leave the option out, never the right arm's topic.
"""

import re

import numpy as np
import pytest
from test_recordings_clocks41 import (
    FRAME_MS,
    MS,
    POSE_MS,
    READY,
    _at,
    _clock_notes,
    _pose_bag,
    _read,
    _sliding,
)

from conftest import camera_entries


def _sim(ms_list, latency_ms, rate):
    """(stamp, received) [ns]: sim time (from 100 s) at ``ms``, received on the wall clock.

    The simulator runs ``rate`` times faster than the wall clock; ``latency_ms``: wall-clock
    milliseconds from publishing to the recorder's receipt.
    """
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    return [(100 * 10**9 + ms * MS, DEFAULT_START_NS + int((ms / rate + latency_ms) * MS))
            for ms in ms_list]


@pytest.mark.parametrize(("rate", "latency_ms"), [(4.0, 300), (8.0, 150)])
def test_a_faster_than_real_time_sim_bag_with_ordinary_latency_is_read(tmp_path, rate,
                                                                        latency_ms):
    """Sim stamps on /clock for every topic (one clock: paired by stamp, exact), wall receipts.

    The frames reach the recorder ``latency_ms`` of wall clock after they are published (a
    640x480 frame through a bridge), the poses 1 ms: the same latency passes silently at
    1x (test_recordings_clocks41); no clock is off.
    """
    bag = _pose_bag(tmp_path / "sim", _sim(FRAME_MS, latency_ms, rate), _sim(POSE_MS, 1, rate),
                    pose_at=lambda ms: _sliding(ms / rate))
    recording = _read(bag)
    assert not _clock_notes(recording), recording.notes
    assert len(recording.image_times) == len(FRAME_MS)


def test_frames_that_arrived_late_are_not_sent_to_stamps_receive_without_a_word(tmp_path):
    """Frames stamped right, received 1.2 s late (a slow Wi-Fi link); poses received in 2 ms.

    The reader cannot tell this from a camera clock 1.2 s behind, so the refusal may stand (a
    camera 1.5 s behind is refused in test_recordings_clocks41), but it must say that late
    arrival gives the same offset and that --stamps receive is then wrong.
    """
    from vjepa_ros.recordings.bag_files import BagError

    bag = _pose_bag(tmp_path / "wifi", _at(FRAME_MS, 0, 1200), _at(POSE_MS))
    try:  # refused, or read with a note: either way the words on late arrival
        said = " ".join(_clock_notes(_read(bag)))
    except BagError as exc:
        said = str(exc).split(": ", 1)[1]  # after the bag's path
    assert re.search(r"\b(arrived late|received late|latency|queue)", said), said


def test_a_latched_gripper_message_received_late_then_a_change_on_the_robots_clock(tmp_path):
    """Latched 3/4 closed (stamped 30 s before the recording), received at 2.5 s; open at 4 s.

    The change is stamped on the states' clock (2 ms latency): the gripper's clock is the
    robot's; its first message is the hand's state when the recorder matched it.
    """
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    latched = (DEFAULT_START_NS - 30 * 10**9, DEFAULT_START_NS + 2500 * MS, 0.75)
    opened = [(*pair, 0.0) for pair in _at([4000], 0, 3)]
    bag = _pose_bag(tmp_path / "late_match", _at(FRAME_MS, 0, 10), _at(POSE_MS),
                    [latched, *opened])
    recording = _read(bag)
    times = (recording.state_times - recording.state_times[0]) / 1e9
    assert np.allclose(recording.states[(times > 2.6) & (times < 3.9), 6], 0.75)
    assert np.allclose(recording.states[times > 4.1, 6], 0.0)


def _arms_on_two_topics(path):
    """Write a bag: a 4 Hz camera, the left arm on /joint_states, the right on its own topic."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    own = [f"joint{i}" for i in range(1, 8)] + ["finger_joint1", "finger_joint2"]
    entries = camera_entries(list(range(25, 3001, 250)))
    for ms in range(0, 3101, 10):
        t = DEFAULT_START_NS + ms * MS
        for topic, prefix in (("/joint_states", "left_fr3_"),
                              ("/right/joint_states", "right_fr3_")):
            entries.append((topic, m.JOINT_STATE, t + 5, m.joint_state_message(
                [prefix + name for name in own], [*READY, 0.01, 0.01], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


@pytest.mark.parametrize("given", ["right_", "right_fr3_"])
def test_a_prefix_of_an_arm_on_another_topic_names_that_topic(tmp_path, given):
    from vjepa_ros.recordings.bag_files import BagError

    with pytest.raises(BagError) as info:
        _read(_arms_on_two_topics(tmp_path / "two_topics"), joint_prefix=given)
    message = str(info.value)
    assert "/right/joint_states" in message, message
    assert "leave it out" not in message and "give --joint-prefix left_fr3_" not in message, \
        message
