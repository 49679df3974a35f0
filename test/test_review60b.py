"""review60b: a review of base60r1..base60r2 (feat60inspect, mend60a, mend60c, fix60a, fix60c).

Defects found in what those merges brought, each failing at base60r2 for the reason its
docstring gives (strict xfails until fix60v fixed them):

1. fix60a's clock-step cut (``recordings/clock_steps.py``) takes frames whose stamps are right but
   that arrive later from some moment on (a slow link, a queue: the late arrival
   ``--max-clock-offset`` exists for) for a camera clock stepping back, and leaves out the part
   before that moment, even when the user gave ``--max-clock-offset`` for late frames;
2. fix60a's gripper clock-step refusal (``clock_steps.refuse_own_step``) judges a latched
   (transient local) gripper history together with the live messages after it: a history of
   three or more, received at once when the recorder subscribed, reads as the gripper's clock
   stepping forward by the history's age, and the bag is refused (base60r1 read it, holding the
   newest latched message, as ``topic_clocks.latched_messages`` means to);
3. a camera stalled for the bag's first second, its queued frames delivered at once (stamps
   right), is said to be a camera clock step forward, and the states of that second are left
   out while every frame is kept (the note says "0 frame(s)" left out): the same stall mid-bag
   is no step (fix60a's own test), the first frames are left without states;
4. fix60a's NaN joint messages left out: a merged /joint_states message whose fingers alone are
   NaN (the arm read) is counted again as a message "about other joints", a false note;
5. the same family: fingers NaN on every merged message (a ros2_control gripper whose state
   interface was never written publishes NaN), the arm read on every one: refused even with
   ``--no-gripper``, which reads no finger, and the refusal names no way to read the bag;
6. the clock named in a clock step's note: the states' clock stepping forward, states slower
   than the camera (joints at 10 Hz, camera at 30 Hz; a 4 Hz pose, 15 Hz camera), is said to
   be the camera's clock stepping back (``clock_step`` looks for the states' jump only between
   the two frames around the step, which the interpolated offsets place before that jump).

Held (not repeated here): the five field recordings (/work/shared/data/field) and two simulator
bags (``vjepa-ros record``, 40 frames) read by ``vjepa-ros inspect`` with no clock-step or
quaternion note; the simulator's and the synthetic episodes' states (roll near ±π) pass the
quaternion rule; a 15 Hz camera whose latency rises 0.05 -> 0.3 s is no step; the same stall
8 s in is no step; ``inspect`` imports neither torch nor rclpy; ``fixed_axes`` refusal agrees
with ``plan_from_mean``'s rounding (|g| < threshold).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_breaker60a import ARM, CAMERA, FINGERS, frame, joints_at, recording

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording

MS = 1_000_000


def _camera_bag(path, receipt, seconds=20.0, camera_hz=15.0, joints_hz=50.0,
                finger=lambda k: 0.03):
    """Write a 15 Hz camera stamped at capture (right), received at ``receipt(s, stamp)``.

    ``receipt``: the capture time [s] from the start and its stamp [ns] -> the receive time
    [ns]. Merged /joint_states at 50 Hz, received as stamped, both fingers at ``finger(k)`` [m]
    in message k, the arm finite. Returns (bag, frames written).
    """
    entries = []
    count = int(seconds * camera_hz) + 1
    for k in range(count):
        t = DEFAULT_START_NS + int(k * 1e9 / camera_hz)
        entries.append((CAMERA, m.IMAGE, receipt(k / camera_hz, t),
                        m.image_message(frame(k), t, "cam")))
    for k in range(int(seconds * joints_hz) + 1):
        t = DEFAULT_START_NS + int(k * 1e9 / joints_hz)
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(
            ARM + FINGERS, [*joints_at(k / joints_hz), finger(k), finger(k)], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries), count


def test_frames_that_arrive_later_mid_bag_are_not_cut_as_a_clock_step(tmp_path):
    """Frames whose stamps are right but arrive 0.6 s later from 8 s on are all read.

    What the user does: records 20 s of a 15 Hz camera over a slow link (Wi-Fi, a republisher's
    queue): every frame arrives 1.2 s after its capture stamp, and from 8 s on (another stream
    shares the link) 1.8 s after. Its header stamps are right, so, as the reader's own note and
    the README advise, they run ``vjepa-ros eval`` with ``--max-clock-offset 2.5``
    (``BagTopics.max_clock_offset_s``: "raise it for frames that arrive late with their stamps
    right").
    What happens: the offsets change by 0.6 s at one frame, which ``clock_steps.find_step``
    takes for the camera's clock stepping back: the 120 frames before 8 s and their states are
    left out, with a note calling it an NTP/chrony clock step whose only way to read the whole
    bag is ``--stamps receive`` (pairing every frame with a state 1.2-1.8 s later).
    What should happen: all 301 frames read by their header stamps (a camera clock that steps
    back cannot be told from later arrival here: its stamps never step back; with
    ``--max-clock-offset`` given, the user said frames arrive late), at most a note.
    """
    bag, count = _camera_bag(tmp_path / "late",
                             lambda s, t: t + int((1.2 if s < 8.0 else 1.8) * 1e9))
    rec = read_recording(bag, BagTopics(max_clock_offset_s=2.5))
    assert not [note for note in rec.notes if "clock stepped" in note], rec.notes
    assert len(rec.image_times) == count, (len(rec.image_times), count)


def _pose_bag_with_fingers(path, fingers):
    """Camera at 4 Hz, poses at 100 Hz (the clock tests' bag) and the given finger messages."""
    from test_recordings_clocks41 import FRAME_MS, POSE_MS, _at, _pose_bag

    return _pose_bag(path, _at(FRAME_MS, 0, 10), _at(POSE_MS), fingers)


@pytest.mark.parametrize("live", ["stream", "on_change"])
def test_a_latched_gripper_history_then_live_messages_is_read(tmp_path, live):
    """A transient-local gripper history of three, then the live messages, is read.

    What the user does: records a bag whose gripper topic is transient local with a history
    (depth 10): when the recorder subscribes it receives the hand's last three states at once,
    stamped 150, 100 and 50 s before (closed 0.6, open, closed 0.75), then the live messages on
    the robot's clock (a 10 Hz stream, or a message at each of eight changes, published on
    change).
    What happens: ``refuse_own_step`` finds the offsets change by 50 s between the history and
    the live messages and refuses the bag: "/franka_gripper/joint_states's clock stepped forward
    by 50.00 s ... --stamps receive, or --no-gripper".
    What should happen: read as base60r1 read it (``topic_clocks.latched_messages`` takes the
    history as a whole, its newest held until the first live message): 0.75 at the start.
    """
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS as START

    history = [(START - age * 10**9, START + k * MS, closed)
               for k, (age, closed) in enumerate([(150, 0.6), (100, 0.0), (50, 0.75)])]
    if live == "stream":  # 10 Hz from 20 ms on, the hand opening at 3 s
        later = [(START + ms * MS, START + (ms + 3) * MS, 0.75 if ms < 3000 else 0.0)
                 for ms in range(20, 6001, 100)]
    else:  # one message a change, published on change
        later = [(START + ms * MS, START + (ms + 3) * MS, closed)
                 for ms, closed in [(300, 0.0), (1000, 0.7), (1700, 0.0), (2400, 0.7),
                                    (3100, 0.0), (3800, 0.7), (4500, 0.0), (5200, 0.7)]]
    rec = read_recording(_pose_bag_with_fingers(tmp_path / live, history + later))
    times = (rec.state_times - rec.state_times[0]) / 1e9
    assert np.allclose(rec.states[times < 0.01, 6], 0.75), rec.states[:3, 6]


def test_a_camera_stalled_at_the_start_is_no_clock_step(tmp_path):
    """The first second's frames, queued by a stalled camera and delivered at once, are read.

    What the user does: records 20 s; the camera driver (just launched, USB settling) holds its
    first second of 15 Hz frames and delivers them in one burst at 1 s, each stamped at capture
    (right); every later frame arrives 30 ms after its stamp.
    What happens: ``clock_steps.find_step`` finds the offsets (latency 1.0 s falling to 0) step
    by 0.6 s at the burst: "the camera's clock stepped forward by 0.60 s 1.03 s after the bag's
    start ... the frames and states before it are left out (0 frame(s))": every frame is kept
    (the burst's are received at the step), the states of the first second are left out, so
    the first 15 frames have no state.
    What should happen: as the same stall 8 s in (fix60a's "a stalled camera's burst ... is no
    step"): no clock-step note, the states from the bag's start read.
    """
    stall_end = DEFAULT_START_NS + 10**9  # the first second's frames arrive when it ends
    bag, count = _camera_bag(tmp_path / "stalled", lambda s, t: max(t, stall_end) + 30 * MS)
    rec = read_recording(bag)
    assert not [note for note in rec.notes if "clock stepped" in note], rec.notes
    assert len(rec.image_times) == count
    assert (rec.state_times[0] - DEFAULT_START_NS) / 1e9 < 0.05, \
        (rec.state_times[0] - DEFAULT_START_NS) / 1e9


def _nan_finger_bag(path, nan_every):
    """Write a 4 Hz camera and 10 s of /joint_states, the fingers NaN every ``nan_every``-th."""
    return _camera_bag(path, lambda s, t: t, seconds=10.0, camera_hz=4.0,
                       finger=lambda k: np.nan if k % nan_every == 0 else 0.03)[0]


def test_nan_finger_messages_are_not_called_other_joints(tmp_path):
    """A NaN finger glitch on merged /joint_states gets its note, not an 'other joints' one too.

    What the user does: ``vjepa-ros eval`` on a bag whose merged /joint_states (arm and fingers
    in one message, 50 Hz) has NaN finger positions on every fifth message (the gripper driver's
    glitch), the arm finite on all.
    What happens: the 101 messages are noted as "left out" for NaN (fix60a), and noted again as
    "101 message(s) on /joint_states about other joints ignored": they name this arm's joints
    (``read_series`` gives them an empty ``JointReading``, which counts as foreign).
    What should happen: one note on the NaN messages; no message about this arm counted as
    about other joints.
    """
    rec = read_recording(_nan_finger_bag(tmp_path / "glitch", 5))
    assert any("NaN or inf joint positions left out" in note for note in rec.notes), rec.notes
    assert not [note for note in rec.notes if "about other joints" in note], rec.notes


def test_fingers_nan_throughout_are_read_with_no_gripper(tmp_path):
    """Fingers NaN on every merged /joint_states message: ``--no-gripper`` reads the arm.

    What the user does: records with a gripper configured in ros2_control whose state interface
    is never written (not connected): the joint_state_broadcaster publishes NaN for both finger
    joints on every message, the arm's 7 joints right. ``eval`` refuses it ("message 1 ...:
    finger joint positions contain NaN or inf", no fix named); the user passes ``--no-gripper``
    (data.topics.no_gripper), which reads no gripper.
    What happens: the same refusal: every message is left out for its fingers, arm and all.
    What should happen: the arm's 501 states read, closedness 0 (``--no-gripper``'s note).
    """
    rec = read_recording(_nan_finger_bag(tmp_path / "nan", 1), BagTopics(no_gripper=True))
    assert len(rec.state_times) == 501, len(rec.state_times)


@pytest.mark.parametrize("joints_hz, camera_hz", [(10.0, 30.0), (4.0, 15.0)])
def test_a_state_clock_step_names_the_states_clock(tmp_path, joints_hz, camera_hz):
    """The robot PC's clock steps 1 s forward 13 s in: the note names /joint_states's clock.

    What the user does: records 20 s of a 30 Hz camera and /joint_states at 10 Hz (a 15 Hz
    camera and 4 Hz states alike); 13 s in, the robot PC's chrony steps its clock 1 s forward
    (the states' header stamps jump 1 s between two consecutive messages).
    What happens: the part before is read, with a note that "/camera/...'s clock stepped back
    by 1.00 s", sending the user to the camera PC's clock.
    What should happen: "/joint_states's clock stepped forward by 1.00 s", as with states faster
    than the camera (50 Hz states, 4 Hz camera: named right), and as docs/evaluation.md says
    ("the clock that stepped told by the states' own stamps").
    """
    bag = write_messages(tmp_path / "bag", recording(20.0, camera_hz=camera_hz,
                                                     joints_hz=joints_hz,
                                                     joints_step=(13.0, 1.0)))
    rec = read_recording(bag)
    said = [note for note in rec.notes if "clock stepped" in note]
    assert said and said[0].startswith("/joint_states's clock stepped forward by 1.00 s"), said
