"""fix41e: the families of breaker41e's clock, latched-gripper and prefix defects.

- a lone latched gripper message a fraction of a second old (0.4-1 s) is held, with no "clock
  may be off" note;
- frames that arrived late: ``--max-clock-offset`` (``data.topics.max_clock_offset_s``) keeps
  their header stamps, noted; stamps ahead are never latency, refused whatever it says; the
  option in eval / camera-check / train, refused outside its range naming it;
- the states' stamp rate (a sim's real-time factor) measured robustly: jitter and a late state
  move it little, 1x stays exactly 1.
"""

import numpy as np
import pytest
from test_recordings_clocks41 import FRAME_MS, MS, POSE_MS, _at, _clock_notes, _pose_bag, _read


@pytest.mark.parametrize("before_s", [0.5, 0.7, 0.95])
def test_a_lone_latched_message_under_a_second_old_gets_no_clock_note(tmp_path, before_s):
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    latched = [(DEFAULT_START_NS - int(before_s * 1e9), DEFAULT_START_NS + 3 * MS, 0.75)]
    recording = _read(_pose_bag(tmp_path / "young", _at(FRAME_MS, 0, 10), _at(POSE_MS), latched))
    assert np.allclose(recording.states[:, 6], 0.75)
    assert not _clock_notes(recording), recording.notes
    assert not any("clock may be off" in note for note in recording.notes), recording.notes


def test_a_gripper_a_fraction_of_a_second_behind_throughout_is_still_noted(tmp_path):
    """Every message 0.6 s behind, 10 Hz: one offset over the whole recording is a clock."""
    fingers = [(*pair, 0.5) for pair in _at(POSE_MS[::10], -600, 3)]
    recording = _read(_pose_bag(tmp_path / "behind", _at(FRAME_MS, 0, 10), _at(POSE_MS),
                                fingers))
    notes = _clock_notes(recording)
    assert len(notes) == 1 and "/franka_gripper/joint_states" in notes[0], recording.notes
    assert not any("latched" in note for note in recording.notes), recording.notes


def test_max_clock_offset_keeps_the_header_stamps_of_frames_that_arrived_late(tmp_path):
    bag = _pose_bag(tmp_path / "wifi", _at(FRAME_MS, 0, 1200), _at(POSE_MS))
    recording = _read(bag, max_clock_offset_s=1.5)
    expected = np.array([stamp for stamp, _ in _at(FRAME_MS, 0, 1200)])
    np.testing.assert_array_equal(recording.image_times, expected)  # header stamps, not receipt
    (note,) = _clock_notes(recording)
    assert "--max-clock-offset 1.5" in note and "arrived late" in note, note


def test_the_refusal_of_late_frames_names_the_option_that_keeps_them(tmp_path):
    from vjepa_ros.recordings.bag_files import BagError

    bag = _pose_bag(tmp_path / "wifi", _at(FRAME_MS, 0, 2500), _at(POSE_MS))
    with pytest.raises(BagError) as caught:
        _read(bag, max_clock_offset_s=1.5)
    said = str(caught.value)
    assert "wifi" in said and "/camera/camera/color/image_raw" in said, said
    assert "--stamps receive" in said and "--max-clock-offset 2.6" in said, said
    assert len(said.splitlines()) == 1


def test_stamps_ahead_are_refused_whatever_max_clock_offset_says(tmp_path):
    from vjepa_ros.recordings.bag_files import BagError

    bag = _pose_bag(tmp_path / "ahead", _at(FRAME_MS, 1500, 10), _at(POSE_MS))
    with pytest.raises(BagError) as caught:
        _read(bag, max_clock_offset_s=5.0)
    said = str(caught.value)
    assert "ahead of" in said and "--stamps receive" in said, said
    assert "--max-clock-offset" not in said and "arrived late" not in said, said


def test_the_option_in_eval_camera_check_and_train(tmp_path):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.config import UsageError
    from vjepa_ros.eval.bag_options import topics_from_args
    from vjepa_ros.train.command_options import overrides_from_args

    parser = build_parser()
    for command in ("eval", "camera-check"):
        args = parser.parse_args([command, "bag", "--max-clock-offset", "2.5"])
        assert topics_from_args(args).max_clock_offset_s == 2.5
        assert topics_from_args(parser.parse_args([command, "bag"])).max_clock_offset_s == 1.0
        with pytest.raises(UsageError, match=r"--max-clock-offset must lie in \[1, 3600\] s"):
            topics_from_args(parser.parse_args([command, "bag", "--max-clock-offset", "0.5"]))
    args = parser.parse_args(["train", "--data", "d", "--max-clock-offset", "2"])
    assert overrides_from_args(args)["data.topics.max_clock_offset_s"] == 2.0


def test_the_stamp_rate_is_robust_and_exactly_one_on_one_clock():
    from vjepa_ros.recordings.topic_clocks import stamp_rate

    rng = np.random.default_rng(0)
    wall = np.arange(0, 6_000, 10) * MS
    jitter = rng.integers(0, 3 * MS, len(wall))
    assert stamp_rate(wall, wall + jitter) == 1.0
    late = wall + jitter
    late[100] += 400 * MS  # one state received 0.4 s late
    for rate in (0.5, 4.0, 8.0):
        measured = stamp_rate((wall * rate).astype(np.int64), np.sort(late))
        assert abs(measured / rate - 1) < 0.02, (rate, measured)
    assert stamp_rate(wall[:2], wall[:2]) == 1.0
    assert stamp_rate(np.zeros(len(wall), np.int64), wall) == 1.0  # stamps standing: not 0
