"""``vjepa-ros eval --out`` given again: another recording's, or another window's, report kept.

``eval bag --end 60 --out o`` then ``eval bag --start 60 --out o`` replaced the first part's
report with a note "this bag's earlier eval report: it is overwritten"; the window is part of
what was evaluated (as ``camera_check_out`` judges a camera check's folder).
"""

import json

import pytest

from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.eval.out_reuse import REPORT, previous_report_note


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


def test_eval_passes_its_window_and_refuses_another_before_the_bag_is_read(tmp_path, capsys):
    from vjepa_ros.cli import main

    bag, out = tmp_path / "bag", tmp_path / "out"  # no bag: the refusal comes first
    _saved_report(out, bag, end_s=60.0)
    assert main(["eval", str(bag), "--out", str(out), "--start", "60"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros eval: --out {out} holds the eval report (and plots) of another part of this "
        f"recording, 0 to 60 s (this run: 60 s to its end): give another --out, or remove {out} "
        "to replace it")
    assert main(["eval", str(bag), "--out", str(out), "--end", "60"]) == 1  # the same window
    assert "bag not found" in capsys.readouterr().err
