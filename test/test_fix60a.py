"""fix60a: the family of breaker60a's defects in the bag and episode readers, beyond its cases.

Clock steps (``recordings.clock_steps``): a step early in the bag keeps the later part; a
frame's latency that varies, or a few frames late, is no step; a step back of the camera's
clock is cut as well. Finger messages on the arm's topic (``TopicTimes.split``): on one clock,
no note. NaN messages: left out with a note naming them (every one: refused). A message of 9
names and 7 positions is said so, not "without positions"; a negative finger is not called
millimetres. Quaternion columns: the rule's edges (an identity row with a closed hand is no
quaternion).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_breaker60a import ARM, CAMERA, FINGERS, recording, split_topic_bag

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.clock_steps import find_step
from vjepa_ros.robot.state_ranges import finger_problem, quaternion_columns_problem


def test_a_step_early_in_the_bag_keeps_the_later_part(tmp_path):
    """A camera clock stepped 1 s forward 4 s into a 20 s bag: the part after it is read."""
    bag = write_messages(tmp_path / "bag", recording(20.0, camera_step=(4.0, 1.0)))
    rec = read_recording(bag)
    first = (rec.image_times[0] - DEFAULT_START_NS) / 1e9
    assert first >= 4.0 + 1.0 - 1e-6, first  # stamps after the step run 1 s ahead
    assert (rec.state_times[0] - DEFAULT_START_NS) / 1e9 >= 4.0 - 1e-6
    assert any(f"{CAMERA}'s clock stepped forward by 1.00 s 4.00 s" in note
               and "the part after it read" in note for note in rec.notes), rec.notes


def test_a_camera_clock_stepping_back_is_cut_too(tmp_path):
    """A 1 Hz camera's clock stepped 0.6 s back late in the bag (stamps still rising): cut.

    (A step back past the previous frame's stamp is refused as stamps stepping back.)
    """
    bag = write_messages(tmp_path / "bag",
                         recording(30.0, camera_hz=1.0, camera_step=(22.0, -0.6)))
    rec = read_recording(bag)
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 22.0
    assert any("clock stepped back by 0.60 s 22.00 s" in note for note in rec.notes), rec.notes


def test_latency_jitter_and_a_few_late_frames_are_no_step():
    """Offsets varying by 100 ms, 4 frames 0.9 s late, a stalled camera's burst: no step."""
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.05, 0.05, 400)
    assert find_step(jitter) is None
    late = jitter.copy()
    late[200:204] -= 0.9  # a burst held up in a queue, then on time again
    assert find_step(late) is None
    stalled = jitter.copy()  # a camera stalled 1 s: 30 queued frames, then on time again
    stalled[200:230] -= np.linspace(1.0, 0.0, 30)
    assert find_step(stalled) is None
    stepped = jitter.copy()
    stepped[300:] += 0.6
    index, size = find_step(stepped)
    assert index == 300 and size == pytest.approx(0.6, abs=0.06)


def test_fingers_apart_on_the_arm_topic_on_one_clock_read_without_a_note(tmp_path):
    """Finger messages apart on /joint_states on the arm's clock: no clock note, read right."""
    rec = read_recording(split_topic_bag(tmp_path / "bag", 0))
    assert not any("finger messages" in note for note in rec.notes), rec.notes
    at = (rec.state_times - DEFAULT_START_NS) / 1e9
    assert rec.states[np.searchsorted(at, 2.25), 6] == pytest.approx(0.5, abs=0.1)


def _with_arm_positions(entries, change):
    """Return ``entries`` with the merged /joint_states message k's positions ``change(k, p)``."""
    out, k = [], 0
    for topic, msgtype, t, msg in entries:
        if topic == "/joint_states":
            names, positions = change(k, list(msg.name), list(msg.position))
            msg = m.joint_state_message(names, positions, m.stamp_ns(msg.header))
            k += 1
        out.append((topic, msgtype, t, msg))
    return out


def test_a_nan_joint_message_is_left_out_with_a_note(tmp_path):
    """One /joint_states message with a NaN joint: left out and named, the bag read."""
    def nan_at_100(k, names, positions):
        return names, [np.nan if k == 100 and i == 2 else p for i, p in enumerate(positions)]

    bag = write_messages(tmp_path / "bag", _with_arm_positions(recording(6.0), nan_at_100))
    rec = read_recording(bag)
    assert np.isfinite(rec.states).all()
    assert any("1 message(s) with NaN or inf joint positions left out (message(s) 100" in note
               and "--start/--end" in note for note in rec.notes), rec.notes


def test_every_joint_message_nan_is_refused(tmp_path):
    """Every /joint_states message NaN: refused naming the first message."""
    bag = write_messages(tmp_path / "bag", _with_arm_positions(
        recording(3.0), lambda k, names, positions: (names, [np.nan] * len(positions))))
    with pytest.raises(BagError, match="NaN or inf"):
        read_recording(bag)


def test_nine_names_seven_positions_are_said_as_such(tmp_path):
    """Messages naming arm and fingers but giving 7 positions: said so, not 'no positions'."""
    bag = write_messages(tmp_path / "bag", _with_arm_positions(
        recording(3.0), lambda k, names, positions: (names, positions[:7])))
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    words = str(caught.value)
    assert "9 names, 7 positions" in words and "without positions" not in words, words


def test_a_negative_finger_is_not_called_millimetres():
    words = finger_problem(FINGERS, [-0.02, 0.01])
    assert "never negative" in words and "millimetres" not in words, words
    assert "millimetres" in finger_problem(FINGERS, [30.0, 30.0])


def test_quaternion_rule_edges():
    """Euler + closedness held at zero angles, closed (a unit norm): not taken for a quaternion."""
    rows = np.tile([0.4, 0.0, 0.3, 0.0, 0.0, 0.0, 1.0], (10, 1))
    assert quaternion_columns_problem(rows) == ""
    rows[:, 3:6] = [np.pi, 0.0, 0.1]  # a Franka's hand pointing down: no unit norm
    assert quaternion_columns_problem(rows) == ""
    quat = np.tile([0.4, 0.0, 0.3, 0.99875, 0.0, 0.0, 0.049979], (10, 1))
    assert "quaternion" in quaternion_columns_problem(quat)



@pytest.mark.parametrize("topic", ["/fr3_gripper/joint_states", "/joint_states"])
def test_a_gripper_clock_stepping_late_is_refused(tmp_path, topic):
    """The gripper driver's clock stepped 1 s forward 13 s into 20 s: refused, naming it.

    On its own topic or as finger messages apart on the arm's: its closedness is read onto the
    states, so no part of it can be left out alone; refused naming the step, --stamps receive
    and --no-gripper.
    """
    entries = []
    for name, msgtype, t, msg in recording(20.0):
        if name != "/joint_states":
            entries.append((name, msgtype, t, msg))
            continue
        entries.append((name, msgtype, t, m.joint_state_message(ARM, list(msg.position)[:7], t)))
        s = (t - DEFAULT_START_NS) / 1e9
        if round(s * 50) % 5 == 0:  # fingers at 10 Hz, their clock 1 s ahead from 13 s on
            stamp = t + (1_000_000_000 if s >= 13.0 else 0)
            entries.append((topic, msgtype, t + 1000,
                            m.joint_state_message(FINGERS, [0.03, 0.03], stamp)))
    bag = write_messages(tmp_path / "bag", sorted(entries, key=lambda entry: entry[2]))
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    words = str(caught.value)
    assert "clock stepped forward by 1.00 s 13.0" in words and "--no-gripper" in words, words
    assert "--stamps receive" in words and topic in words, words
