"""A stopped ``vjepa-ros eval`` / ``camera-check`` saves what it measured, marked partial.

On a CPU the paper's defaults take ~39 min for a 16-frame bag; a Ctrl-C or SIGTERM 8 minutes in
said "nothing saved" and threw away the steps planned. The stop is injected into the planner's
``plan`` (where Ctrl-C lands on a real run) after some steps.
"""

import json

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import render_state_frames
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.terminate import Terminated

# a small search on the small random-weight model (no --checkpoint): seconds, not minutes
FAST = ["--samples", "8", "--iterations", "1", "--topk", "2", "--quiet"]
QUICK = [*FAST, "--no-plots", "--landscape-points", "0"]
STOPS = [(KeyboardInterrupt, "interrupted", 130), (Terminated, "terminated", 143)]
START = np.array([0.45, 0.0, 0.35, np.pi - 0.1, 0.05, 0.2, 0.0])


def _moving_bag(path, count=12):
    """Write a 4 Hz bag moving 1.25 cm a step along x, and along y every other step."""
    states = np.tile(START, (count, 1))
    states[:, 0] += np.arange(count) * 0.0125
    states[:, 1] += np.where(np.arange(count) % 2, 0.0125, 0.0)
    return str(write_bag(path, render_state_frames(states), states))


def _stop_after(monkeypatch, plans: int, stop, module="vjepa_ros.eval.evaluate"):
    """Make the planner raise ``stop`` at its plan number ``plans + 1`` (across searches)."""
    import importlib

    target = importlib.import_module(module)
    real, calls = target.build_planner, []

    def make_planner(*args, **kwargs):
        planner = real(*args, **kwargs)
        plan = planner.plan

        def stopping(*a, **k):
            calls.append(1)
            if len(calls) > plans:
                raise stop()
            return plan(*a, **k)
        planner.plan = stopping
        return planner
    monkeypatch.setattr(target, "build_planner", make_planner)


def _run(capsys, *argv):
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


@pytest.mark.parametrize("stop, word, status", STOPS)
def test_a_stopped_eval_writes_the_steps_measured_as_a_partial_report(
        tmp_path, monkeypatch, capsys, stop, word, status):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "out"
    _stop_after(monkeypatch, 4, stop)
    code, printed, err = _run(capsys, "eval", bag, *FAST, "--landscape-points", "3",
                              "--out", str(out))
    assert code == status, err
    # 12 frames at 4 Hz, horizon 1 (goal 1 step on): 11 steps chosen
    assert err.splitlines()[-1] == (
        f"vjepa-ros eval: {word}; partial report saved (4 of 11 steps; stopped ({word})): "
        f"{out}/energies.png, {out}/actions.png, {out}/landscape.png, {out}/report.json"), err
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] == {"steps_evaluated": 4, "steps_chosen": 11, "stopped": word,
                                 "text": f"4 of 11 steps; stopped ({word})"}
    assert [r["step"] for r in report["steps"]] == [0, 1, 2, 3]
    assert report["summary"]["steps_evaluated"] == 4
    assert report["landscape"]["step"] == 0  # the first step's, done before the stop
    assert f"partial       4 of 11 steps; stopped ({word})" in printed, printed
    assert "steps         4 evaluated of" in printed, printed


def test_an_eval_stopped_before_its_first_step_or_over_a_complete_report_saves_nothing(
        tmp_path, monkeypatch, capsys):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "out"
    _stop_after(monkeypatch, 0, KeyboardInterrupt)
    code, _, err = _run(capsys, "eval", bag, *QUICK, "--out", str(out))
    assert code == 130 and err.splitlines()[-1] == (
        f"vjepa-ros eval: interrupted; nothing saved (stopped before the first step was "
        f"evaluated; eval writes its report into {out}, partial when stopped later)"), err
    assert not (out / "report.json").exists()
    monkeypatch.undo()
    assert main(["eval", bag, *QUICK, "--out", str(out)]) == 0
    whole = (out / "report.json").read_text()
    capsys.readouterr()
    _stop_after(monkeypatch, 2, KeyboardInterrupt)  # a rerun stopped: the whole one stays
    code, _, err = _run(capsys, "eval", bag, *QUICK, "--out", str(out))
    assert code == 130 and err.splitlines()[-1] == (
        f"vjepa-ros eval: interrupted; nothing saved: {out}/report.json is an earlier complete "
        "run's, kept (the 2 of 11 steps measured are not written over it; give another --out "
        "to keep a partial one)"), err
    assert (out / "report.json").read_text() == whole
    # a partial report is replaced by the next stop's, and by a whole run
    (out / "report.json").unlink()
    monkeypatch.undo()
    _stop_after(monkeypatch, 2, KeyboardInterrupt)
    code, _, err = _run(capsys, "eval", bag, *QUICK, "--out", str(out))
    assert code == 130 and "partial report saved (2 of 11" in err, err
    monkeypatch.undo()
    assert main(["eval", bag, *QUICK, "--out", str(out)]) == 0
    assert "partial" not in json.loads((out / "report.json").read_text())


def _check(capsys, bag, out, *options):
    return _run(capsys, "camera-check", bag, "--random-weights", "--no-gripper", *FAST,
                *options, "--out", str(out))


@pytest.mark.parametrize("stop, word, status", STOPS)
def test_a_stopped_camera_check_saves_the_agreement_of_enough_motions_never_a_correction(
        tmp_path, monkeypatch, capsys, stop, word, status):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "check"
    _stop_after(monkeypatch, 6, stop)  # in the first search: 6 of its 11 motions
    code, printed, err = _check(capsys, bag, out)
    assert code == status, err
    assert err.splitlines()[-1] == (
        f"vjepa-ros camera-check: {word}; partial check saved (search 1 of 2: 6 of 11 steps; "
        f"stopped ({word}); the per-axis agreement of 6 motion(s), no planner_camera_check.yaml: "
        f"run the check to its end for one): {out}/camera_check.png, {out}/camera_check.json"), err
    report = json.loads((out / "camera_check.json").read_text())
    assert report["partial"]["search"] == 1 and report["partial"]["steps_evaluated"] == 6
    assert report["motions"] == 6 and report["steps_evaluated"] == 6
    assert report["headline"].startswith(f"PARTIAL (search 1 of 2: 6 of 11 steps; stopped "
                                         f"({word}); no planner_camera_check.yaml): ")
    assert report["check_of"]["recording"] == str(tmp_path / "bag")
    assert not (out / "planner_camera_check.yaml").exists()
    assert "sign agree    x " in printed and "correction    none written" in printed, printed


def test_a_camera_check_stopped_in_its_second_search_judges_the_whole_first(
        tmp_path, monkeypatch, capsys):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "check"
    _stop_after(monkeypatch, 11 + 2, KeyboardInterrupt, "vjepa_ros.eval.evaluate")
    code, _, err = _check(capsys, bag, out)
    assert code == 130 and "partial check saved (search 1 of 2 whole, search 2 of 2 (the test " \
        "that the search is strong enough): 2 of 11 steps; stopped (interrupted); the per-axis " \
        "agreement of 11 motion(s)" in err, err
    report = json.loads((out / "camera_check.json").read_text())
    assert report["motions"] == 11 and report["search"] is None  # not tested: no second search


def test_a_camera_check_stopped_before_enough_motions_saves_nothing_and_says_why(
        tmp_path, monkeypatch, capsys):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "check"
    _stop_after(monkeypatch, 2, KeyboardInterrupt)
    code, _, err = _check(capsys, bag, out)
    assert code == 130 and err.splitlines()[-1] == (
        "vjepa-ros camera-check: interrupted; nothing saved (search 1 of 2: 2 of 11 steps; "
        "stopped (interrupted)): the 2 motion(s) searched are not enough for a per-axis "
        "agreement: 2 executed motions of at least 1 cm, need 3 (the check's 11 steps have "
        "enough: let it run to its end)"), err
    assert not out.exists()
    monkeypatch.undo()  # a whole check, then a stopped rerun: the whole one stays
    assert main(["camera-check", bag, "--random-weights", "--no-gripper", *FAST, "--out",
                 str(out)]) == 0
    whole = {path.name: path.read_bytes() for path in out.iterdir()}
    capsys.readouterr()
    _stop_after(monkeypatch, 8, KeyboardInterrupt)
    code, _, err = _check(capsys, bag, out)
    assert code == 130 and err.splitlines()[-1] == (
        f"vjepa-ros camera-check: interrupted; nothing saved: {out}/camera_check.json is an "
        "earlier complete run's, kept (the 8 motion(s) measured are not written over it; give "
        "another --out to keep a partial one)"), err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == whole


def test_a_second_stop_while_the_partial_report_is_written_keeps_the_first_stops_status(
        tmp_path, monkeypatch, capsys):
    from vjepa_ros.eval import report

    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "out"

    def second_stop(*args, **kwargs):
        raise KeyboardInterrupt
    _stop_after(monkeypatch, 3, Terminated)
    monkeypatch.setattr(report, "write_report", second_stop)
    code, _, err = _run(capsys, "eval", bag, *QUICK, "--out", str(out))
    assert code == 143 and err.splitlines()[-1] == (
        "vjepa-ros eval: terminated; stopped again while writing the partial report (3 of 11 "
        f"steps; stopped (terminated)) into {out}: its plots may be missing and report.json "
        "missing or an earlier run's"), err
