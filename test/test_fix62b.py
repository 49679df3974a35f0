"""fix62b: clock steps under 0.5 s where the offsets allow it; frames that do not decode.

breaker62b #2: a header clock step under ``clock_steps.STEP_S`` (ntpd's 0.3 s) paired every later
frame with the wrong state. ``clock_steps.step_threshold`` now measures the offsets' own jitter
and finds steps from 0.1 s where they are steady, the 0.5 s rule kept where they jitter; a
latency that rises or jitters (stamps right) is still no step.

breaker62b #5: one frame that does not decode (a JPEG cut short, raw data short of its size) is
read as a frame never recorded, in eval and train: the steps that need it dropped, one note
naming the bag, topic, message and stamp; a bag none of whose frames decode is refused in one
line; a frame of an encoding the model cannot use (depth) is still refused.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_breaker60a import ARM, CAMERA, FINGERS, frame, joints_at, recording
from test_breaker62b import _entries, _frame

from vjepa_ros.cli import main
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.clock_steps import STEP_LEAST_S, STEP_S, find_step, step_threshold
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.segments import bag_segments

S = 10**9


def _clock_notes(rec):
    return [note for note in rec.notes if "clock stepped" in note or "stamps moved" in note]


# -- #2: a clock step under 0.5 s


@pytest.mark.parametrize("size", [0.3, -0.3, 0.15])
def test_a_small_step_of_steady_offsets_is_found(size):
    """Offsets jittering by 2 ms step by 0.15-0.3 s at message 60 of 120: found there."""
    offsets = np.random.default_rng(1).normal(0.0, 0.002, 120)
    offsets[60:] += size
    assert find_step(offsets) == (60, pytest.approx(size, abs=0.01))


def test_the_threshold_follows_the_measured_jitter():
    """Steady offsets: STEP_LEAST_S; 30 ms of jitter: about 8 x 30 ms; 0.1 s: STEP_S."""
    rng = np.random.default_rng(2)
    assert step_threshold(rng.normal(0.0, 0.001, 500)) == STEP_LEAST_S
    assert step_threshold(rng.normal(0.0, 0.03, 500)) == pytest.approx(0.24, abs=0.03)
    assert step_threshold(rng.normal(0.0, 0.1, 500)) == STEP_S
    step = rng.normal(0.0, 0.03, 500)
    step[250:] += 0.2  # under 8 x the jitter: no step
    assert find_step(step) is None
    assert find_step(np.full(5, 0.3)) is None  # too few to tell


@pytest.mark.parametrize("device", ["joints", "camera"])
@pytest.mark.parametrize("camera_hz", [4.0, 30.0])
def test_a_0_3_s_clock_step_in_a_bag_is_cut_and_named(tmp_path, device, camera_hz):
    """A camera's or the arm's clock stepped 0.3 s forward 13 s into 20 s: cut, named."""
    bag = write_messages(tmp_path / "bag", recording(
        20.0, camera_hz=camera_hz, **{f"{device}_step": (13.0, 0.3)}))
    rec = read_recording(bag)
    said = _clock_notes(rec)
    stepped = "/joint_states" if device == "joints" else CAMERA
    assert len(said) == 1 and said[0].startswith(
        f"{stepped}'s clock stepped forward by 0.30 s 13."), said
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0


def _jittery_bag(path, latency, seed=5):
    """Write a 15 Hz camera received ``latency(s)`` + N(0, 15 ms) after its stamps, 50 Hz arm."""
    rng = np.random.default_rng(seed)
    entries = []
    for k in range(301):
        t = DEFAULT_START_NS + int(k * S / 15)
        late = max(0.005, latency(k / 15) + rng.normal(0.0, 0.015))
        entries.append((CAMERA, m.IMAGE, t + int(late * S), m.image_message(frame(k), t, "c")))
    for k in range(1001):
        t = DEFAULT_START_NS + int(k * S / 50)
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(
            ARM + FINGERS, [*joints_at(k / 50), 0.03, 0.03], t)))
    return write_messages(path, sorted(entries, key=lambda entry: entry[2]))


@pytest.mark.parametrize("latency", [
    lambda s: 0.04,  # jitter alone
    lambda s: 0.04 if s < 8 else 0.34,  # a link 0.3 s slower from 8 s on
    lambda s: 0.04 + 0.3 * min(1.0, max(0.0, s - 8)),  # latency rising 0.3 s over 1 s
    lambda s: 0.34 if s < 8 else 0.04,  # a queue drained at 8 s
], ids=["jitter", "slower", "rising", "drained"])
def test_latency_that_jitters_or_changes_by_0_3_s_is_no_step(tmp_path, latency):
    """Frames whose stamps are right, received with 15 ms jitter and a 0.3 s change: all read."""
    rec = read_recording(_jittery_bag(tmp_path / "bag", latency))
    assert not _clock_notes(rec), rec.notes
    assert len(rec.image_times) == 301 and len(rec.state_times) == 1001


# -- #5: frames that do not decode


def _cut_jpeg(lost):
    def image(k, stamp):
        message = m.compressed_image_message(_frame(k), stamp, "cam", "jpeg")
        if k in lost:
            message.data = message.data[: len(message.data) // 3]
        return message
    return image


def _short_raw(lost):
    def image(k, stamp):
        message = m.image_message(_frame(k), stamp, "cam")
        if k in lost:
            message.data = message.data[:-100]
        return message
    return image


def _bag(path, image, compressed):
    entries = _entries(image=image)
    if compressed:
        entries = [(f"{CAMERA}/compressed", m.COMPRESSED_IMAGE, t, msg) if topic == CAMERA
                   else (topic, kind, t, msg) for topic, kind, t, msg in entries]
    return write_messages(path, entries)


def _eval(bag, out, capsys):
    status = main(["eval", str(bag), "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--no-plots", "--quiet", "--out", str(out)])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("make, compressed", [(_cut_jpeg, True), (_short_raw, False)],
                         ids=["cut-jpeg", "short-raw"])
@pytest.mark.parametrize("lost", [{12}, {0}], ids=["mid", "first"])
def test_eval_drops_the_steps_of_a_frame_that_does_not_decode(tmp_path, capsys, make,
                                                              compressed, lost):
    """Eval plans every step but those from or toward the lost frame, and names it."""
    bag = _bag(tmp_path / "bag", make(lost), compressed)
    status, err = _eval(bag, tmp_path / "ev", capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "ev" / "report.json").read_text())
    (k,) = lost
    planned = {record["step"] for record in report["steps"]}
    assert not planned & {k, k - 1}  # its own step, and the one whose goal it is
    assert len(planned) == 19 - len({k, k - 1} & set(range(19)))
    said = [note for note in report["recording"]["notes"] if "did not decode" in note]
    assert len(said) == 1 and f"message {k + 1} (counting from 1)" in said[0], said
    assert str(bag) in said[0] and f"{(DEFAULT_START_NS + k * S // 4) / 1e9:.3f}" in said[0]


def test_train_drops_the_steps_of_a_frame_that_does_not_decode(tmp_path):
    """Train's segments leave the lost frame's step out, the run cut there, noted once."""
    bag = _bag(tmp_path / "bag", _cut_jpeg({6}), True)
    segments, notes = bag_segments(bag, DataConfig(frames_per_clip=4))
    assert [len(segment.states) for segment in segments] == [6, 13]
    said = [note for note in notes if "did not decode" in note]
    assert len(said) == 1 and "message 7 (counting from 1)" in said[0], notes
    assert "1 of 20 steps" in said[0]


@pytest.mark.parametrize("make, compressed", [(_cut_jpeg, True), (_short_raw, False)],
                         ids=["cut-jpeg", "short-raw"])
def test_a_bag_none_of_whose_frames_decode_is_refused_in_one_line(tmp_path, capsys, make,
                                                                  compressed):
    """Every frame lost: eval and train refuse in one line naming the topic and the frames."""
    bag = _bag(tmp_path / "bag", make(set(range(20))), compressed)
    status, err = _eval(bag, tmp_path / "ev", capsys)
    assert status == 1 and "no frame decodes: 20 frames on" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()[-1]) > 40
    status = main(["train", "--data", str(bag), "--init", "demo", "--steps", "1",
                   "--batch-size", "2", "--frames-per-clip", "4", "--quiet", "--device", "cpu",
                   "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 1 and "did not decode" in err and "Traceback" not in err, err


def test_a_depth_frame_mid_bag_is_still_refused(tmp_path, capsys):
    """A driver relaunched in depth mode from frame 13: the topic refused, not 8 frames lost."""
    def image(k, stamp):
        message = m.image_message(_frame(k), stamp, "cam")
        if k >= 12:
            message.encoding, message.step = "16UC1", 128
            message.data = np.zeros(48 * 128, np.uint8)
        return message

    status, err = _eval(_bag(tmp_path / "bag", image, False), tmp_path / "ev", capsys)
    assert status == 1 and "'16UC1' frames" in err, err
