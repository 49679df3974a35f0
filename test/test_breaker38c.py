"""Breaker38c: session 38's bag-reading rules tried with more legitimate recordings.

Each test fails on the code it was written against (strict xfail); the reason says what a lab
user met. Bags are written message by message (``write_messages``); no ROS install is needed.
"""

import numpy as np
import pytest
from test_breaker38b import ARM, CAMERA, FINGERS, HOME, POSE, WALL_NS  # the same bag layout

from vjepa_ros.recordings.bag_files import BagError

GRIPPER = "/franka_gripper/joint_states"


def _frame(index: int) -> np.ndarray:
    image = np.zeros((32, 32, 3), np.uint8)
    image[..., 0] = (index * 7) % 255
    image[index % 32, :, 1] = 255
    return image


def _closedness_at(recording, start_ns: int, seconds: float) -> float:
    index = np.searchsorted(recording.state_times, start_ns + int(seconds * 1e9))
    return float(recording.states[index, 6])


@pytest.mark.parametrize("latched", [False, True])
def test_a_gripper_that_publishes_on_change_holds_its_closedness(tmp_path, latched):
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.recordings.bags import read_recording

    # 10 s, system clock: a 4 Hz camera, 20 Hz poses; the gripper publishes only when it
    # changes: open (at 0 s, or latched from 300 s before the recording, received at its
    # start), closed at 2 s, open again at 6 s. bag_stamps.gripper_overlap: "a gripper that
    # publishes on change ...: its closedness is held between its messages".
    start = WALL_NS - 20_000_000  # stamped 20 ms before receipt
    entries = []
    for i in range(40):
        t = i / 4
        entries.append((CAMERA, m.IMAGE, WALL_NS + int(t * 1e9) + 2_000_000,
                        m.image_message(_frame(i), start + int(t * 1e9), "cam")))
    for i in range(200):
        t = i / 20
        state = np.array([0.4 + 0.05 * np.sin(t), 0.0, 0.4, np.pi, 0.0, 0.0, 0.0])
        entries.append((POSE, m.POSE_STAMPED, WALL_NS + int(t * 1e9) + 1_000_000,
                        m.pose_message(state, start + int(t * 1e9), "fr3_link0")))
    for t, width in ((-300.0 if latched else 0.0, 0.04), (2.0, 0.0), (6.0, 0.04)):
        received = WALL_NS + max(0, int(t * 1e9)) + 500_000
        entries.append((GRIPPER, m.JOINT_STATE, received,
                        m.joint_state_message(FINGERS, [width, width], start + int(t * 1e9))))
    entries.sort(key=lambda entry: entry[2])
    recording = read_recording(write_messages(tmp_path / "bag", entries))
    assert recording.gripper_source == GRIPPER
    # now: 0.5 / 1.0 (latched) at 1 s, 0.75 at 3 s, 0.25 at 5 s
    got = [round(_closedness_at(recording, start, s), 2) for s in (1.0, 3.0, 5.0, 8.0)]
    assert got == [0.0, 1.0, 1.0, 0.0], got


def test_a_sim_paused_at_the_start_is_read_or_refused_naming_the_fallback(tmp_path):
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.recordings.bags import read_recording

    # A simulator started paused at sim time 5.0 s; a state publisher on a wall timer stamps
    # /joint_states with the (paused) sim time, the renderer publishes no frames until the run
    # starts at 6 s of the recording; then 4 s of camera (10 Hz) and states (50 Hz) on the sim
    # clock. The recorder's receive times are the wall clock.
    def sim_ns(t):
        return int((5.0 + max(0.0, t - 6.0)) * 1e9)

    entries = []
    for i in range(100):
        t = i / 10
        if t >= 6.0:
            entries.append((CAMERA, m.IMAGE, WALL_NS + int(t * 1e9) + 2_000_000,
                            m.image_message(_frame(i), sim_ns(t), "cam")))
    for i in range(500):
        t = i / 50
        q = HOME + 0.3 * np.sin(t) * np.array([1, 1, 0, 1, 0, 1, 0])
        entries.append(("/joint_states", m.JOINT_STATE, WALL_NS + int(t * 1e9) + 300_000,
                        m.joint_state_message(ARM + FINGERS, [*q, 0.04, 0.04], sim_ns(t))))
    entries.sort(key=lambda entry: entry[2])
    bag = write_messages(tmp_path / "paused", entries)
    try:
        recording = read_recording(bag)
    except BagError as exc:  # now: "... (/joint_states: 1700000000.000..) ... (timed by header);
        # if a camera stamps frames on its own device clock ..." - nothing says the states fell
        # back to receive times because their stamps stood still
        assert "/joint_states" in str(exc) and "stand still" in str(exc), str(exc)
        return
    # read: the frames paired with the states of their sim time (both on the sim clock)
    assert len(recording.image_times) == 40
    assert abs(int(recording.state_times[-1]) - int(recording.image_times[-1])) < 100_000_000
