"""benchmarks/device_check.py: the one-shot GPU check, kept working on a CPU.

See docs/device_check.md. The GPU machine it is written for has torch but no rclpy,
pybullet, rosbags or mcap: the dry run here blocks those imports, as that machine lacks them.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from benchmarks import device_check  # repository root on sys.path: conftest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "device_check.py"
BLOCKER = '''
import importlib.abc
import sys


class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"rclpy", "pybullet", "pybullet_data", "rosbags", "mcap",
                                  "mcap_ros2"}:
            raise ImportError(f"{name} is blocked: the GPU machine has none")
        return None


sys.meta_path.insert(0, Blocked())
'''


def blocked_env(tmp_path: Path) -> dict:
    block = tmp_path / "block"
    block.mkdir()
    (block / "sitecustomize.py").write_text(BLOCKER)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(block), str(ROOT)]),
            "CUDA_VISIBLE_DEVICES": ""}


def test_dry_run_gives_every_stage_numbers_without_ros_pybullet_or_bags(tmp_path):
    env = blocked_env(tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import rclpy"], env=env, capture_output=True,
                           text=True, check=False)
    assert "blocked" in probe.stderr  # the blocker is in force in the script's process
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--in-process", "--out",
                           str(out)], env=env, capture_output=True, text=True, check=False,
                          cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    results = json.loads((out / device_check.RESULTS).read_text())
    assert results["env"]["device"] == "cpu" and results["env"]["python"]
    stages = results["stages"]
    assert list(stages) == list(device_check.DEFAULT_STAGES)  # posttrain: when named
    for name, record in stages.items():
        assert record["status"] == "done", (name, record)
        assert record["seconds"] >= 0
    models = {row["what"]: row for row in stages["models"]["rows"]}
    assert set(models) == {"encoder", "pred-full", "pred-step", "rollout-cache",
                           "rollout-recompute"}
    assert all(row["ms"] > 0 for row in models.values())
    (plan,) = stages["planner"]["rows"]
    assert set(plan["seconds"]) == {"fast", "fast-1call", "reference"}
    assert all(t > 0 for times in plan["seconds"].values() for t in times)
    assert plan["tflop_fast"] > 0
    (train,) = stages["train"]["rows"]
    assert train["step_s"] > 0 and train["encode_ms"] > 0 and train["clips_s"] > 0
    runs = stages["pretrain"]["runs"]
    assert [run["seed"] for run in runs] == [0, 1, 2, 3]
    for run in runs:
        assert run["complete"] and run["steps_done"] == run["steps"] == 2
        assert math.isfinite(run["loss_last"]) and run["monitors_end"]["effective_rank"] > 0
        encoder = torch.load(out / run["file"], map_location="cpu", weights_only=False)
        assert encoder["pretrain"]["trained_steps"] == 2 and encoder["pretrain"]["seed"] == run[
            "seed"]
    # what the device tool brings back: at most 8 files
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [device_check.RESULTS, device_check.LOG] + [run["file"] for run in runs])
    log = (out / device_check.LOG).read_text()
    for name in device_check.DEFAULT_STAGES:
        assert f"== {name}: done" in log
    assert "monitor step" in log  # the stages' own lines, not only the script's
    assert "summary:   pretrain seed 3 batch 2: 2/2 steps" in log
    assert "summary:   plan tiny S8 H1 I1 k2: fast" in log
    assert "seed 0: " in log and "2 steps take" in log  # the estimate of a run's time


def test_without_cuda_it_says_so_and_exits_1(tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_check.main(["--out", str(tmp_path)]) == 1
    assert "no CUDA device" in capfd.readouterr().out
    results = json.loads((tmp_path / device_check.RESULTS).read_text())
    assert "--allow-cpu" in results["error"] and results["stages"] == {}


def pretrain_args(data=None, **given) -> argparse.Namespace:
    return argparse.Namespace(**{"pretrain_data": data, "pretrain_config": None,
                                 "pretrain_steps": None, "pretrain_batch": None, **given})


def test_pretrain_without_data_is_skipped_with_the_way_to_make_it(tmp_path):
    args = pretrain_args()
    assert "docs/device_check.md" in device_check.stages.pretrain_data_problem(args)
    args.pretrain_data = str(tmp_path)  # a folder without episodes: not carried
    assert "was it carried" in device_check.stages.pretrain_data_problem(args)


def refusal(capsys, argv) -> str:
    """Run device_check.main(argv); return its one-line refusal (exit status 2, no traceback)."""
    with pytest.raises(SystemExit) as exited:
        device_check.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


WHOLE = "give a whole number from"


@pytest.mark.parametrize("option, value, expected", [
    ("--pretrain-batch", "100000000", f"{WHOLE} 1 to 4096 (clips per step"),  # ~4.9 TB, 23 s in
    ("--pretrain-batch", "-1", WHOLE), ("--pretrain-batch", "1e8", WHOLE),
    ("--pretrain-seeds", "99999999999999999999", f"{WHOLE} 0 to 4294967295"),  # OverflowError
    ("--pretrain-seeds", "-1", WHOLE), ("--pretrain-seeds", "nan", WHOLE),
    ("--pretrain-steps", "100000000000000000000", f"{WHOLE} 1 to 1000000"),
    ("--pretrain-steps", "inf", WHOLE),
    ("--peak-tflops", "1e300", "give a number from 1 to 100000 (TFLOPS)"),
    ("--peak-tflops", "nan", "give a number from 1"), ("--peak-tflops", "-inf", "give a number"),
])
def test_a_count_outside_its_range_is_refused_up_front_naming_the_range(capsys, option, value,
                                                                         expected):
    with pytest.raises(SystemExit) as exited:  # (the old code ran the stage: parse_args passed)
        device_check.parse_args(["--dry-run", "--stages", "models", option, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {option}: {value!r}: {expected}" in err, err


@pytest.mark.parametrize("value", ["100000", "-1"])  # 100000 was a segfault in OpenBLAS
def test_threads_outside_the_one_rule_is_refused_as_every_commands(capsys, value):
    """--threads takes 0..1024 as every command's (vjepa_ros/threads.py), refused in one line."""
    with pytest.raises(SystemExit) as exited:
        device_check.parse_args(["--dry-run", "--stages", "models", "--threads", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--threads {value}: must lie in [0, 1024]" in err, err


def test_threads_zero_is_the_default_and_the_help_says_it(capsys):
    """--threads 0 is left out (the rule's default); the help names OMP_NUM_THREADS."""
    assert device_check.parse_args(["--dry-run", "--threads", "0"]).threads is None
    assert device_check.parse_args(["--dry-run", "--threads", "3"]).threads == 3
    with pytest.raises(SystemExit):
        device_check.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(0 or left out: OMP_NUM_THREADS when set, else all cores but one" in text


@pytest.mark.parametrize("budget", ["nan", "inf", "1e9", "541"])
def test_a_budget_that_is_not_a_finite_time_within_one_device_call_is_refused(
        tmp_path, capsys, budget):
    err = refusal(capsys, ["--dry-run", "--in-process", "--stages", "models", "--out",
                           str(tmp_path), "--budget-s", budget])
    assert f"--budget-s {budget}" in err.replace("1e+09", "1e9") and "give" in err
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_an_out_that_cannot_be_a_folder_is_refused_in_one_line_naming_it(tmp_path, capsys):
    file = tmp_path / "a_file"
    file.write_text("x")
    for out in (file, file / "below"):
        err = refusal(capsys, ["--dry-run", "--in-process", "--stages", "models", "--out",
                               str(out)])
        assert f"--out {out}: {file} is a file" in err and "give a directory" in err


def broken_episodes(tmp_path: Path) -> Path:
    """Write a folder of 2 episodes, one of them damaged (not an .npz archive); return it."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=8, size=64)
    (data / "blob_0001.npz").write_bytes(b"not a zip")
    return data


@pytest.mark.parametrize("tiny", [False, True], ids=["real", "dry-run"])
@pytest.mark.parametrize("problem", ["missing", "damaged"])
def test_unusable_pretrain_data_is_refused_before_any_stage(tmp_path, capsys, tiny, problem):
    data = tmp_path / "not_carried" if problem == "missing" else broken_episodes(tmp_path)
    out = tmp_path / "out"
    threads = torch.get_num_threads()
    try:  # the old code ran the stage here (--dry-run: on blob episodes instead)
        err = refusal(capsys, ["--dry-run" if tiny else "--allow-cpu", "--in-process",
                               "--stages", "pretrain", "--pretrain-seeds", "0",
                               "--pretrain-data", str(data), "--out", str(out)])
    finally:
        torch.set_num_threads(threads)
    assert f"--pretrain-data {data}" in err
    assert ("does not exist" if problem == "missing" else "blob_0001.npz is not an .npz") in err
    assert not out.exists()


def test_the_dry_run_pretrains_on_the_given_data_and_says_so(tmp_path, capfd):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=8, size=64)
    out = tmp_path / "out"
    threads = torch.get_num_threads()
    try:
        assert device_check.main(["--dry-run", "--in-process", "--stages", "pretrain",
                                  "--pretrain-seeds", "0", "--pretrain-data", str(data),
                                  "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
    record = json.loads((out / device_check.RESULTS).read_text())["stages"]["pretrain"]
    assert record["data"] == str(data.resolve())
    assert record["runs"][0]["frames"] == 16  # its 2 episodes of 8 frames, not 3 blob ones
    assert f"pretrain: episodes of --pretrain-data {data.resolve()}" in capfd.readouterr().out


def test_the_loss_summary_shows_the_first_and_last_step_of_a_short_run(tmp_path):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=8, size=64)
    args = pretrain_args(out=str(tmp_path), pretrain_steps=3)
    ctx = device_check.stages.Context("cpu", True, time.monotonic() + 1000, args)
    record = {"rows": [], "runs": [], "status": "done", "reason": None}
    device_check.stages.stage_pretrain_seed(ctx, record, lambda: None, 0, data)
    (run,) = record["runs"]
    losses = torch.load(tmp_path / run["file"], map_location="cpu",
                        weights_only=False)["pretrain_loss"]
    assert len(losses) == 3 and losses[0] != losses[-1]
    assert run["loss_first"] == pytest.approx(losses[0], abs=1e-5)
    assert run["loss_last"] == pytest.approx(losses[-1], abs=1e-5)
    (line,) = [text for text in device_check.summary({"pretrain": record}) if "seed 0" in text]
    assert f"loss {losses[0]:.4f} (step 1) -> {losses[-1]:.4f} (step 3)" in line, line
    assert "3/3 steps" in line
    ends = device_check.stages.loss_ends([4.0, 3.0, 2.0, 1.0])  # windows never overlap
    assert (ends["loss_window"], ends["loss_first_mean"], ends["loss_last_mean"]) == (2, 3.5, 1.5)


def test_a_stage_process_that_fails_on_bad_data_says_so_in_one_line(tmp_path, capfd):
    data = broken_episodes(tmp_path)  # damaged after the parent's check, say
    result = tmp_path / "child.json"
    threads = torch.get_num_threads()
    try:
        code = device_check.main(["--child", "pretrain", "--child-json", str(result),
                                  "--child-deadline-s", "100", "--device-name", "cpu",
                                  "--child-seed", "0", "--child-data", str(data), "--out",
                                  str(tmp_path), "--tiny", "--allow-cpu"])
    finally:
        torch.set_num_threads(threads)
    assert code == 1
    captured = capfd.readouterr()
    printed = (captured.out + captured.err).strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("failed: EpisodeError: "), printed
    assert "blob_0001.npz" in printed[0]
    assert json.loads(result.read_text())["status"] == "failed"


def test_a_failed_item_is_recorded_and_the_next_one_still_runs(tmp_path):
    ctx = device_check.stages.Context("cpu", True, time.monotonic() + 1000, argparse.Namespace())
    record, saves = {"rows": []}, []

    def broken():
        raise RuntimeError("CUDA out of memory")

    device_check.stages.measured(record, lambda: saves.append(1), ctx, "first", broken)
    device_check.stages.measured(record, lambda: saves.append(1), ctx, "second",
                          lambda: record["rows"].append({"ms": 1.0}))
    assert record["rows"] == [{"item": "first", "error": "RuntimeError: CUDA out of memory"},
                              {"ms": 1.0}]
    assert len(saves) == 2
    device_check.finish_status(record, 0, False)
    assert record["status"] == "partial" and "1 item(s) failed" in record["reason"]


def test_a_spent_budget_skips_items_and_stops_pretraining_with_its_encoder_saved(tmp_path):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=8, size=64)
    args = argparse.Namespace(pretrain_steps=3, pretrain_batch=None, pretrain_config=None,
                              out=str(tmp_path))
    ctx = device_check.stages.Context("cpu", True, time.monotonic() - 1, args)  # already past
    record = {"rows": [], "runs": []}
    device_check.stages.measured(record, lambda: None, ctx, "late item", lambda: None)
    assert record["skipped"] == ["late item"]
    device_check.stages.stage_pretrain_seed(ctx, record, lambda: None, 5, data)
    (run,) = record["runs"]
    assert run["stopped"] == "budget reached" and not run["complete"]
    assert run["steps_done"] == 1 and run["steps"] == 3  # cut at its first monitor step
    saved = torch.load(tmp_path / run["file"], map_location="cpu", weights_only=False)
    assert saved["pretrain"]["trained_steps"] == 1
    device_check.finish_status(record, 0, False)
    assert record["status"] == "partial" and "late item" in record["reason"]


def test_a_child_past_its_deadline_is_stopped_and_its_lines_kept(tmp_path, monkeypatch):
    import device_runs  # device_check's children and records (benchmarks/: on sys.path)

    monkeypatch.setattr(device_runs, "GRACE_S", 0.0)
    log = device_check.Log(tmp_path / "log.txt")
    child = [sys.executable, "-c", "import time; print('measured', flush=True); time.sleep(60)"]
    quick = [sys.executable, "-c", "print('quick')"]
    outcome = device_check.run_children({"slow": child, "fast": quick}, 0.5, log)
    assert outcome["fast"] == (0, False)
    code, late = outcome["slow"]
    assert late and code != 0
    text = (tmp_path / "log.txt").read_text()
    assert "[slow] measured" in text and "[fast] quick" in text
    record = {"rows": [{"ms": 1.0}]}
    device_check.finish_status(record, code, late)
    assert record["status"] == "timeout" and record["rows"] == [{"ms": 1.0}]
