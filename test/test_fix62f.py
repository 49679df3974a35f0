"""fix62f: sub-0.5 s clock steps against latency drops; inspect of frames that do not deserialize.

breaker62d #2's family: a stream whose backlog is dropped (stamps right) is read whole, no note
(``clock_steps.latency_drop``: its stamps end no further ahead of the other stream's than that
one's latency), while a clock stepped forward under 0.5 s that leaves its stamps ahead is still
cut; a gripper's such step is noted, never the whole bag refused. breaker62d #5's family:
``Recording.frame_encoding`` reads the first camera message that deserializes (one cut short
is a lost frame, as ``iter_frames`` reads it); none does: inspect's one line, no traceback.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest
from test_breaker60a import CAMERA
from test_breaker62b import GRIPPER
from test_breaker62d import _clock_notes, _first_frame_damaged, _gripper_bag, _timed_bag

from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS
from vjepa_ros.recordings.bags import read_recording


def _inspect(bag, *args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["inspect", str(bag), *args])
    return status, out.getvalue(), err.getvalue()


def test_inspect_names_the_encoding_of_the_first_frame_that_deserializes(tmp_path):
    """The first three camera messages cut short: the frames' encoding is the fourth's, read."""
    bag = _first_frame_damaged(tmp_path / "bag", lambda ordinal: ordinal < 3)
    status, out, _ = _inspect(bag, "--json")
    report = json.loads(out)["sources"][0]["eval"]
    assert status == 0 and report["frames"]["encoding"] == "rgb8", report["frames"]
    assert (report["frames"]["width"], report["frames"]["height"]) == (64, 48)
    said = [note for note in report["recording"]["notes"] if "did not decode" in note]
    assert len(said) == 1 and "3 frames on" in said[0], said


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
def test_inspect_of_a_bag_none_of_whose_frames_deserialize_is_one_line(tmp_path, json_out):
    """Every camera message cut short: status 1, 'no frame decodes' in one line, no traceback."""
    bag = _first_frame_damaged(tmp_path / "bag", lambda ordinal: True)
    status, out, err = _inspect(bag, *(["--json"] if json_out else []))
    said = out if json_out else err
    assert status == 1 and "no frame decodes: 20 frames on" in said, (out, err)
    assert "Traceback" not in out + err
    if not json_out:
        assert len(err.strip().splitlines()) == 1, err


# -- breaker62d #2's family: latency drops with messages dropped against clocks stepped forward


def _camera(hz, late, step=0.0, at=10.0, seconds=20.0):
    """Return (stamp, receipt) [s] of a camera ``late(t)`` s late; its clock +``step`` from ``at``.

    ``late(t)`` None: the frame dropped (a backlog skipped).
    """
    camera = []
    for k in range(int(seconds * hz) + 1):
        t = k / hz
        if late(t) is not None:
            camera.append((t + (step if t >= at - 1e-9 else 0.0), t + late(t)))
    return camera


def _drop(before, after, at=10.0):
    """Return late(t): ``before`` s until ``at``, the backlog between dropped, ``after`` then."""
    return lambda t: None if at - before + after <= t < at else before if t < at else after


@pytest.mark.parametrize("camera, state_late", [
    (_camera(15, _drop(0.45, 0.03)), None),  # 0.42 s dropped at 15 Hz: just under STEP_S
    (_camera(10, _drop(0.3, 0.05)), lambda t: 0.06),  # states 60 ms late themselves
    (_camera(4, lambda t: 0.08), _drop(0.4, 0.02)),  # the states' 0.38 s backlog, camera 80 ms
], ids=["camera-0.42s-15hz", "camera-states-late", "states-0.38s"])
def test_latency_drops_under_0_5_s_are_read_whole(tmp_path, camera, state_late):
    """A camera's or the arm's backlog dropped at 10 s (stamps right): every message read, no note.

    The stream's stamps jump forward by the backlog while its receipts keep pace, as a clock
    stepped forward would; its stamps end no further ahead of the other stream's than that
    stream's own latency (``clock_steps.latency_drop``).
    """
    rec = read_recording(_timed_bag(tmp_path / "bag", camera, state_late=state_late))
    assert not _clock_notes(rec), rec.notes
    assert len(rec.image_times) == len(camera)


@pytest.mark.parametrize("size, camera_late", [(0.15, 0.01), (0.45, 0.01), (0.3, 0.1)])
def test_camera_clock_steps_forward_under_0_5_s_are_still_cut(tmp_path, size, camera_late):
    """A camera clock stepped ``size`` s forward at 13 s, stamps then ahead of the states': cut.

    With the camera 0.1 s late, a 0.3 s step leaves its stamps 0.2 s ahead: over half the step.
    """
    camera = _camera(10, lambda t: camera_late, size, at=13.0)
    rec = read_recording(_timed_bag(tmp_path / "bag", camera))
    said = _clock_notes(rec)
    assert len(said) == 1 and said[0].startswith(
        f"{CAMERA}'s clock stepped forward by {size:.2f} s 13."), said
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0


def test_an_arm_clock_step_forward_of_0_2_s_is_still_cut(tmp_path):
    """The arm's clock stepped 0.2 s forward at 13 s (its states received 1 ms late): cut."""
    camera = _camera(4, lambda t: 0.01)
    rec = read_recording(_timed_bag(tmp_path / "bag", camera,
                                    lambda t: t + (0.2 if t >= 13 else 0.0)))
    said = _clock_notes(rec)
    assert len(said) == 1 and said[0].startswith(
        "/joint_states's clock stepped forward by 0.20 s 13."), said
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0


def test_a_gripper_clock_step_under_0_5_s_is_noted_not_refused(tmp_path):
    """A gripper clock stepped 0.3 s forward at 10 s: every frame read, a note naming both causes.

    The same step of 0.6 s is still refused (the whole bag), naming --no-gripper.
    """
    rec = read_recording(_gripper_bag(tmp_path / "bag", 10, 0.02, step=0.3))
    said = _clock_notes(rec)
    assert len(rec.image_times) == 81 and len(said) == 1, rec.notes
    assert said[0].startswith(f"{GRIPPER}'s clock stepped forward by 0.30 s 10.")
    assert "backlog" in said[0] and "--stamps receive" in said[0] and "--no-gripper" in said[0]
    with pytest.raises(BagError, match="clock stepped forward by 0.60 s.*--no-gripper"):
        read_recording(_gripper_bag(tmp_path / "bag6", 10, 0.02, step=0.6))
