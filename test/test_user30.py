"""user30: a roboticist's first runs of eval / camera-check / train on the field recordings.

Each test is a defect found by running the README's commands on ../shared/data/field; each was a
strict xfail that failed there, unmarked with its fix (session 30).
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_DATA
from vjepa_ros.cli import main

FIELD = SHARED_DATA / "field"
FAST_PLAN = ["--checkpoint", "demo", "--samples", "11", "--iterations", "1",
             "--landscape-points", "0", "--quiet", "--no-plots"]


def _field(name):
    path = FIELD / name
    if not path.is_dir():
        pytest.fail(f"field recording missing: {path} (../shared must sit beside the repository)")
    return str(path)


def test_eval_never_gives_one_camera_frame_to_two_steps(tmp_path, capsys):
    # camera-8uc3: 4 Hz camera, the arm moves +1 cm every 0.25 s throughout
    out = tmp_path / "eval"
    args = ["eval", _field("camera-8uc3"), "--rate", "6", "--max-steps", "3", *FAST_PLAN,
            "--out", str(out)]
    status = main(args)
    err = capsys.readouterr().err.strip()
    gap = re.search(r"give --max-state-gap ([0-9.]+)$", err)
    if status != 0 and gap:  # the poses come at the camera's 4 Hz (fix50b): follow its advice
        assert "\n" not in err, err
        status = main([*args, "--max-state-gap", gap.group(1)])
        err = capsys.readouterr().err.strip()
    if status != 0:  # refused (no step pair has frames of its own): one line, the rate to give
        assert "\n" not in err and "--rate 4" in err, err
        return
    steps = json.loads((out / "report.json").read_text())["steps"]
    times = [step["time_s"] for step in steps]
    assert len(set(times)) == len(times), times  # each step its own frame
    for step in steps:  # a moving arm: each evaluated step spans two different frames
        assert np.linalg.norm(step["executed_action"][:3]) > 1e-3, step


def test_eval_at_a_rate_above_the_cameras_says_the_camera_is_slower(tmp_path, capsys):
    status = main(["eval", _field("camera-8uc3"), "--rate", "10", "--checkpoint", "demo",
                   "--out", str(tmp_path / "eval")])
    err = capsys.readouterr().err.strip()
    assert status == 1 and "\n" not in err, err
    assert "camera runs at 4 Hz" in err and "--rate 4" in err, err
    assert "less than 2 mm a step" not in err, err


def test_train_tells_a_val_recording_that_is_a_training_recording_in_another_storage(
        tmp_path, capsys):
    mcap, db3 = _field("killed-no-metadata-mcap"), _field("killed-no-metadata-db3")
    status = main(["train", "--data", mcap, "--val", db3, "--out", str(tmp_path / "run"),
                   "--init", "demo", "--steps", "1", "--frames-per-clip", "4", "--threads", "1",
                   "--quiet"])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    # refused, or at least a note: one line naming both folders (the same frames and states)
    assert any("killed-no-metadata-mcap" in line and "killed-no-metadata-db3" in line
               for line in lines), (status, lines)


def test_a_fine_tuned_model_keeps_the_frame_sizes_its_init_was_trained_on(tmp_path, capsys):
    from vjepa_ros.models.checkpoint import check_checkpoint
    from vjepa_ros.sim.reach_config import demo_model_path

    demo_sizes = check_checkpoint(demo_model_path()).trained_frame_sizes
    assert demo_sizes and (128, 128) in [tuple(s) for s in demo_sizes], demo_sizes
    run = tmp_path / "run"
    assert main(["train", "--data", _field("joint-states-split"), "--out", str(run), "--init",
                 "demo", "--steps", "1", "--val-fraction", "0", "--threads", "1",
                 "--quiet"]) == 0, capsys.readouterr().err
    sizes = [tuple(s) for s in check_checkpoint(run / "world_model.pt").trained_frame_sizes]
    assert (48, 64) in sizes and (128, 128) in sizes, sizes


def test_train_never_gives_one_camera_frame_to_two_steps(tmp_path, capsys):
    status = main(["train", "--data", _field("joint-states-split"), "--rate", "6", "--out",
                   str(tmp_path / "run"), "--init", "demo", "--steps", "1", "--val-fraction",
                   "0", "--threads", "1", "--quiet"])
    captured = capsys.readouterr()
    if status != 0:  # refused: one line that says the camera is slower than --rate
        err = captured.err.strip()
        assert "\n" not in err and "--rate 4" in err, err
        return
    data = [line for line in captured.out.splitlines() if line.startswith("data train")]
    assert data and int(data[0].split(" frames")[0].split()[-1]) <= 12, data  # 12 recorded


def test_a_model_trained_from_a_runs_latest_keeps_both_runs_frame_sizes(tmp_path, capsys):
    # review30: latest.pt recorded no frame sizes, so --init RUN/latest.pt (what the --resume
    # data-change refusal advises) dropped the sizes the first run had kept from the demo
    from vjepa_ros.models.checkpoint import check_checkpoint

    first = tmp_path / "first"
    assert main(["train", "--data", _field("joint-states-split"), "--out", str(first), "--init",
                 "demo", "--steps", "1", "--val-fraction", "0", "--threads", "1",
                 "--quiet"]) == 0, capsys.readouterr().err
    latest = [tuple(s) for s in check_checkpoint(first / "latest.pt").trained_frame_sizes]
    assert (128, 128) in latest and (48, 64) in latest, latest


def test_the_inits_frame_sizes_are_read_once_per_run_not_at_every_save(tmp_path, capsys,
                                                                       monkeypatch):
    # an init is up to ~12 GB (ViT-g): every latest.pt save re-read it, and an init moved or
    # rewritten while the run trained changed what the later saves recorded
    import shutil

    from vjepa_ros.models import checkpoint
    from vjepa_ros.sim.reach_config import demo_model_path

    init = tmp_path / "init.pt"
    shutil.copy(demo_model_path(), init)
    reads = []
    original = checkpoint.check_checkpoint

    def counted(path, *args, **kwargs):
        if Path(path) == init:
            reads.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(checkpoint, "check_checkpoint", counted)
    run = tmp_path / "run"
    assert main(["train", "--data", _field("joint-states-split"), "--out", str(run), "--init",
                 str(init), "--steps", "3", "--set", "save_every=1", "--val-fraction", "0",
                 "--threads", "1", "--quiet"]) == 0, capsys.readouterr().err
    assert len(reads) <= 2, f"{len(reads)} reads of the init (one to load it, one for sizes)"
    sizes = [tuple(s) for s in checkpoint.check_checkpoint(run / "latest.pt").trained_frame_sizes]
    assert (128, 128) in sizes and (48, 64) in sizes, sizes


def test_eval_report_times_count_from_the_bags_start_and_name_the_frame_offset_bound(
        tmp_path, capsys):
    """``time_s`` counted from --start (a step at 0.5 s read 0.0), ``max_frame_offset_s`` 0.0.

    ``time_s`` is on the clock of --start / --end (the bag's first frame or state): a step's
    ``time_s`` given as --start starts there. ``eval.max_frame_offset_s`` is the bound in
    effect (half a step at --rate 4), ``recording.largest_frame_offset_s`` the one measured.
    """
    out = tmp_path / "eval"
    assert main(["eval", _field("camera-8uc3"), "--start", "0.5", "--max-steps", "2", *FAST_PLAN,
                 "--out", str(out)]) == 0, capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    times = [step["time_s"] for step in report["steps"]]
    assert 0.5 <= times[0] < 0.75 and times[1] > times[0], times  # it read 0.0
    assert report["eval"]["max_frame_offset_s"] == pytest.approx(0.125)
    measured = report["recording"]["largest_frame_offset_s"]
    assert 0 <= measured <= 0.125, measured
