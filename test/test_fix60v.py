"""fix60v: the family of review60b's defects in the clock-step cut and the NaN joint readings.

Clock steps (``recordings.clock_steps``): a latency that rises or falls mid-bag, a camera or the
states stalled at the start or anywhere, a slow camera whose latency rises by less than its
frame interval: no step, every frame read by its stamps. A clock that steps is named right
whichever stream is faster, and the cut's note counts what it left out truly (no frame kept
outside the states kept). A gripper published on change (uneven stamps): its latency rising is
no refusal; its clock stepping is noted, not refused. NaN fingers: the arm of those messages
read, no "other joints" note; fingers NaN throughout refused naming ``--no-gripper`` (merged
or on a gripper topic of their own), read with it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_breaker60a import ARM, CAMERA, FINGERS, recording
from test_review60b import _camera_bag

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording

MS = 1_000_000
S = 10**9


def _clock_notes(rec):
    return [note for note in rec.notes if "clock stepped" in note or "stamps moved" in note]


def _latency(before_s, after_s, at_s):
    return lambda s, t: t + int((before_s if s < at_s else after_s) * S)


def _drain(until_s, backlog_s):
    """Frames ``backlog_s`` late until ``until_s``, then the queue drains (in order, 50 ms)."""
    drained = until_s + backlog_s
    return lambda s, t: t + int(backlog_s * S) if s < until_s else max(
        t + 50 * MS, DEFAULT_START_NS + int((drained + (s - until_s) * 0.01) * S))


def _stall(from_s, to_s):
    """Frames captured in [from_s, to_s) held and delivered at ``to_s``, else 30 ms late."""
    def receipt(s, t):
        held = from_s <= s < to_s
        return (DEFAULT_START_NS + int(to_s * S) if held else t) + 30 * MS
    return receipt


@pytest.mark.parametrize("receipt, seconds, camera_hz", [
    (_latency(0.05, 0.75, 8.0), 20.0, 15.0),  # a link's latency rising mid-bag
    (_drain(12.0, 0.9), 20.0, 15.0),  # a queue that drains
    (_latency(0.9, 0.05, 12.0), 20.0, 15.0),  # a slow route left: frames received reordered
    (_stall(10.0, 12.0), 20.0, 15.0),  # a camera stalled 2 s mid-bag
    (_stall(0.0, 1.5), 20.0, 15.0),  # stalled 1.5 s at the start
    (_latency(0.05, 0.75, 15.0), 30.0, 1.0),  # a 1 Hz camera: the rise under its interval
], ids=["rising", "draining", "reordered", "stall-mid", "stall-start", "slow-camera"])
def test_latency_changes_and_stalls_are_no_step(tmp_path, receipt, seconds, camera_hz):
    """Frames whose stamps are right, whatever their receipt does, are all read, states too."""
    bag, count = _camera_bag(tmp_path / "bag", receipt, seconds=seconds, camera_hz=camera_hz)
    rec = read_recording(bag)
    assert not _clock_notes(rec), rec.notes
    assert len(rec.image_times) == count
    assert len(rec.state_times) == int(seconds * 50) + 1


def test_states_stalled_at_the_start_are_no_step(tmp_path):
    """The states of the first second delivered at once at 1 s (stamps right): no step."""
    entries = [(topic, kind, max(t, DEFAULT_START_NS + S) if topic == "/joint_states" else t,
                msg) for topic, kind, t, msg in recording(20.0)]
    rec = read_recording(write_messages(tmp_path / "bag", sorted(entries,
                                                                 key=lambda e: e[2])))
    assert not _clock_notes(rec), rec.notes
    assert len(rec.image_times) == 81 and len(rec.state_times) == 1001


@pytest.mark.parametrize("device", ["joints", "camera"])
@pytest.mark.parametrize("joints_hz, camera_hz", [(50.0, 4.0), (10.0, 30.0), (30.0, 30.0),
                                                  (4.0, 15.0)])
def test_the_clock_that_stepped_is_named_and_the_cut_counted(tmp_path, device, joints_hz,
                                                               camera_hz):
    """A clock stepped 1 s forward 13 s into 20 s: named at any relative rate, counts true."""
    bag = write_messages(tmp_path / "bag", recording(
        20.0, camera_hz=camera_hz, joints_hz=joints_hz, **{f"{device}_step": (13.0, 1.0)}))
    rec = read_recording(bag)
    said = _clock_notes(rec)
    stepped = "/joint_states" if device == "joints" else CAMERA
    assert len(said) == 1 and said[0].startswith(
        f"{stepped}'s clock stepped forward by 1.00 s 13."), said
    frames, states = map(int, re.search(r"\((\d+) frame\(s\), (\d+) state\(s\)\)",
                                        said[0]).groups())
    assert frames == int(20 * camera_hz) + 1 - len(rec.image_times), said
    assert states == int(20 * joints_hz) + 1 - len(rec.state_times), said
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0
    assert rec.image_times[0] >= rec.state_times[0] and rec.image_times[-1] <= rec.state_times[-1]


def _uneven_fingers(step_s=0.0, late_s=0.0):
    """Finger messages published on change, 0.2-2.5 s apart over 30 s, 3 ms after their stamp.

    From 15 s on, their stamps run ``step_s`` ahead (a clock step) or arrive ``late_s`` later.
    Returns (stamp, received, closedness) triples.
    """
    at = np.cumsum(np.random.default_rng(3).uniform(0.2, 2.5, 40))
    out = []
    for k, s in enumerate(at[at < 29.5]):
        stamp = DEFAULT_START_NS + int((s + (step_s if s >= 15.0 else 0.0)) * S)
        received = DEFAULT_START_NS + int((s + 0.003 + (late_s if s >= 15.0 else 0.0)) * S)
        out.append((stamp, received, 0.7 if k % 2 else 0.0))
    return out


def _gripper_bag(path, fingers):
    """Write a 4 Hz camera and 100 Hz poses over 30 s (the clock tests' bag) with ``fingers``."""
    from test_recordings_clocks41 import _at, _pose_bag

    return _pose_bag(path, _at(range(25, 30001, 250), 0, 10), _at(range(0, 30101, 10)), fingers,
                     lambda ms: [0.4 + 0.1 * np.sin(ms / 1e3), 0.0, 0.4, np.pi, 0.0, 0.0])


def test_an_uneven_gripper_arriving_later_is_read(tmp_path):
    """A gripper published on change whose messages arrive 0.8 s later from 15 s on: read.

    Its stamps' pace cannot tell this from its clock stepping back: noted at most, not refused.
    """
    rec = read_recording(_gripper_bag(tmp_path / "bag", _uneven_fingers(late_s=0.8)))
    assert not [note for note in rec.notes
                if re.search(r"'s clock stepped (forward|back)", note)], rec.notes
    assert len(rec.state_times) > 2900


def test_an_uneven_gripper_clock_step_is_noted_not_refused(tmp_path):
    """A gripper published on change whose clock steps 1 s forward: noted (can't be told)."""
    rec = read_recording(_gripper_bag(tmp_path / "bag", _uneven_fingers(step_s=1.0)))
    said = [note for note in rec.notes if "stamps moved by 1.00 s" in note]
    assert said and "--stamps receive" in said[0], rec.notes


def _merged_fingers_nan(seconds=4.0):
    """Return a 4 Hz camera and merged /joint_states at 50 Hz, fingers NaN on every message."""
    bag_entries = []
    for topic, kind, t, msg in recording(seconds):
        if topic == "/joint_states":
            msg = m.joint_state_message(ARM + FINGERS, [*list(msg.position)[:7], np.nan, np.nan],
                                        m.stamp_ns(msg.header))
        bag_entries.append((topic, kind, t, msg))
    return bag_entries


def _gripper_topic_nan(seconds=4.0, fingers=FINGERS):
    """Arm alone on /joint_states, the fingers NaN on /franka_gripper/joint_states at 10 Hz."""
    out = []
    for topic, kind, t, msg in recording(seconds):
        if topic != "/joint_states":
            out.append((topic, kind, t, msg))
            continue
        out.append((topic, kind, t, m.joint_state_message(ARM, list(msg.position)[:7], t)))
        if round((t - DEFAULT_START_NS) / 1e9 * 50) % 5 == 0:
            out.append(("/franka_gripper/joint_states", kind, t + 1000,
                        m.joint_state_message(fingers, [np.nan, np.nan], t)))
    return sorted(out, key=lambda entry: entry[2])


def _other_prefix_hand_nan():
    """Return _gripper_topic_nan's, the fingers of another prefix (read as the hand)."""
    return _gripper_topic_nan(fingers=[f"left_{name}" for name in FINGERS])


@pytest.mark.parametrize("entries", [_merged_fingers_nan, _gripper_topic_nan,
                                     _other_prefix_hand_nan],
                         ids=["merged", "gripper-topic", "other-prefix"])
def test_fingers_nan_throughout_are_refused_naming_no_gripper(tmp_path, entries):
    """Every finger reading NaN: refused naming the topic and --no-gripper; read with it."""
    bag = write_messages(tmp_path / "bag", entries())
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    words = str(caught.value)
    assert "--no-gripper" in words and "NaN or inf on every message" in words, words
    assert ("/joint_states" if entries is _merged_fingers_nan
            else "/franka_gripper/joint_states") in words, words
    rec = read_recording(bag, BagTopics(no_gripper=True))
    assert len(rec.state_times) == 201 and np.all(rec.states[:, 6] == 0.0)
    assert not [note for note in rec.notes if "about other joints" in note], rec.notes


def test_nan_fingers_leave_the_arm_read_and_nan_arms_are_no_other_joints(tmp_path):
    """Fingers NaN on every 5th message: every arm state read; an arm NaN: no 'other joints'."""
    bag, _ = _camera_bag(tmp_path / "fingers", lambda s, t: t, seconds=10.0, camera_hz=4.0,
                         finger=lambda k: np.nan if k % 5 == 0 else 0.03)
    rec = read_recording(bag)
    assert len(rec.state_times) == 501
    said = [note for note in rec.notes if "the finger joints of 101 message(s)" in note]
    assert said and "their arm joints read" in said[0], rec.notes
    entries = recording(4.0)
    nan_arm = [(topic, kind, t, m.joint_state_message(
        ARM + FINGERS, [np.nan, *list(msg.position)[1:]], m.stamp_ns(msg.header)))
        if topic == "/joint_states" and t == DEFAULT_START_NS + 60 * 20 * MS else
        (topic, kind, t, msg) for topic, kind, t, msg in entries]
    rec = read_recording(write_messages(tmp_path / "arm", nan_arm))
    assert len(rec.state_times) == 200
    assert not [note for note in rec.notes if "about other joints" in note], rec.notes
