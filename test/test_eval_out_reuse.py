"""``vjepa-ros eval --out`` given again: another recording's, or another window's, report kept.

``eval bag --end 60 --out o`` then ``eval bag --start 60 --out o`` replaced the first part's
report with a note "this bag's earlier eval report: it is overwritten"; the window is part of
what was evaluated (as ``camera_check_out`` judges a camera check's folder). Windows are
compared by the frames with states they cover of the bag: ``--end 0`` and ``--end 1e300`` (or
the bag's length) were refused as two parts of it.
"""

import json

import pytest

from conftest import write_test_bag
from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.eval.out_reuse import REPORT, previous_report_note
from vjepa_ros.recordings.bags import read_recording


def _saved_report(folder, bag, **eval_settings):
    """Write a report.json as ``report.write_report`` does (the parts read back)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {**EvalConfig().__dict__, **eval_settings}
    report = {"recording": {"path": str(bag), "absolute_path": str(bag)}, "eval": settings}
    (folder / REPORT).write_text(json.dumps(report))


def test_another_window_of_the_same_bag_is_refused_and_the_same_one_overwritten(tmp_path):
    bag, out = tmp_path / "bag", tmp_path / "out"
    _saved_report(out, bag, end_s=60.0)
    with pytest.raises(ValueError) as refused:
        previous_report_note(out, bag, (60.0, 0.0))
    assert str(refused.value) == (
        f"--out {out} holds the eval report (and plots) of another part of this recording, 0 "
        f"to 60 s (this run: 60 s to its end): give another --out, or remove {out} to replace "
        "it")
    assert previous_report_note(out, bag, (0.0, 60.0)).endswith("it is overwritten")
    _saved_report(out, bag)  # the whole bag, then a part of it
    with pytest.raises(ValueError, match="another part of this recording, the whole recording "
                       r"\(this run: 5 to 9 s\)"):
        previous_report_note(out, bag, (5.0, 9.0))


def test_a_report_without_its_window_is_this_bags_and_a_bad_window_no_eval_report(tmp_path):
    bag, out = tmp_path / "bag", tmp_path / "out"
    out.mkdir()
    (out / REPORT).write_text(json.dumps({"recording": {"path": str(bag)}}))
    assert previous_report_note(out, bag, (5.0, 0.0)).endswith("it is overwritten")
    _saved_report(out, bag, start_s="soon")
    with pytest.raises(ValueError, match="holds a report.json that is not an eval report"):
        previous_report_note(out, bag, (5.0, 0.0))


@pytest.mark.parametrize("saved, this", [
    ((0.0, 0.0), (0.0, 1e300)),  # 0: its end; 1e300: past its end, so its end too
    ((0.0, 0.0), (0.0, 3.0)),  # the bag's last frame with states
    ((0.0, 60.0), (0.0, 0.0)),
    ((0.0, 1e300), (0.0, 60.0)),
    ((1.0, 1e300), (1.0, 0.0)),
    ((0.1, 0.0), (0.13, 0.0)),  # the same frames (from 0.25 s): compared as clipped times once
    ((1.0, 2.0), (0.9, 2.2)),
])
def test_windows_that_cover_the_same_frames_are_one_window(tmp_path, saved, this):
    """``--end 0`` then ``--end 1e300`` into one --out was refused as another part of the bag."""
    from vjepa_ros.eval.step_choice import covered_ns

    # 13 moving frames at 4 Hz: 0 to 3 s
    bag, out = write_test_bag(tmp_path / "bag", 13, moving=True), tmp_path / "out"
    recording = read_recording(bag)
    _saved_report(out, bag, start_s=saved[0], end_s=saved[1])
    assert previous_report_note(out, bag, this, lambda window: covered_ns(recording, *window)) \
        .endswith("it is overwritten")


@pytest.mark.parametrize("saved, this, words", [
    ((0.0, 0.0), (0.0, 2.0), "0 to 2 s"), ((0.0, 1e300), (1.0, 0.0), "1 s to its end"),
    ((0.0, 2.0), (0.0, 2.5), "0 to 2.5 s"), ((0.1, 0.0), (0.3, 0.0), "0.3 s to its end"),
])
def test_windows_that_cover_other_frames_are_refused(tmp_path, saved, this, words):
    from vjepa_ros.eval.out_reuse import window_words
    from vjepa_ros.eval.step_choice import covered_ns

    bag, out = write_test_bag(tmp_path / "bag", 13, moving=True), tmp_path / "out"
    recording = read_recording(bag)
    _saved_report(out, bag, start_s=saved[0], end_s=saved[1])
    with pytest.raises(ValueError) as refused:
        previous_report_note(out, bag, this, lambda window: covered_ns(recording, *window))
    assert str(refused.value) == (
        f"--out {out} holds the eval report (and plots) of another part of this recording, "
        f"{window_words(saved)} (this run: {words}): give another --out, or remove {out} to "
        "replace it")


@pytest.fixture
def model_not_loaded(monkeypatch):
    import vjepa_ros.demo

    def loaded(*args, **kwargs):
        raise AssertionError("the model loaded: the --out check let the run go on")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)


def test_eval_refuses_another_window_once_the_bag_is_read_and_takes_the_same_one(
        tmp_path, capsys, model_not_loaded):
    from vjepa_ros.cli import main

    bag, out = write_test_bag(tmp_path / "bag", 13, moving=True), tmp_path / "out"
    _saved_report(out, bag, end_s=0.0)
    assert main(["eval", str(bag), "--out", str(out), "--start", "1", "--horizon", "1"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros eval: --out {out} holds the eval report (and plots) of another part of this "
        f"recording, the whole recording (this run: 1 s to its end): give another --out, or "
        f"remove {out} to replace it")
    for end in ("0", "1e300", "60"):  # the whole recording each time: on to the model
        with pytest.raises(AssertionError, match="the model loaded"):
            main(["eval", str(bag), "--out", str(out), "--end", end, "--horizon", "1"])


def test_a_window_with_no_frame_says_so_not_another_part(tmp_path, capsys, model_not_loaded):
    """A window with no frame says so, not "another part of this recording".

    With a whole-bag report in --out, --start past the bag said "... (this run: 5 s to its
    end)" instead of the bag's span.
    """
    from vjepa_ros.cli import main

    bag, out = write_test_bag(tmp_path / "bag", 13, moving=True), tmp_path / "out"
    _saved_report(out, bag)
    assert main(["eval", str(bag), "--out", str(out), "--start", "5", "--horizon", "1"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros eval: {bag}: no camera frame with states from --start 5 s on: the bag has "
        "them from 0.00 to 3.00 s after its start: give a --start of at most 2.74 (a step "
        "needs 1 more after it at --rate 4)")


def test_another_recordings_report_is_refused_before_the_bag_is_read(tmp_path, capsys):
    from vjepa_ros.cli import main

    bag, out = tmp_path / "bag", tmp_path / "out"  # no bag: the refusal comes first
    _saved_report(out, tmp_path / "other_bag")
    assert main(["eval", str(bag), "--out", str(out)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros eval: --out {out} holds the eval report (and plots) of another recording, "
        f"{tmp_path / 'other_bag'}: give another --out, or remove {out} to replace it")
