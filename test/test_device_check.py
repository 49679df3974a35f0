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
    assert list(stages) == list(device_check.STAGES)
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
        assert math.isfinite(run["loss_last50"]) and run["monitors_end"]["effective_rank"] > 0
        encoder = torch.load(out / run["file"], map_location="cpu", weights_only=False)
        assert encoder["pretrain"]["trained_steps"] == 2 and encoder["pretrain"]["seed"] == run[
            "seed"]
    # what the device tool brings back: at most 8 files
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [device_check.RESULTS, device_check.LOG] + [run["file"] for run in runs])
    log = (out / device_check.LOG).read_text()
    for name in device_check.STAGES:
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


def test_pretrain_without_data_is_skipped_with_the_way_to_make_it(tmp_path):
    args = argparse.Namespace(pretrain_data=None)
    assert "docs/device_check.md" in device_check.stages.pretrain_data_problem(args)
    args.pretrain_data = str(tmp_path)  # a folder without episodes: not carried
    assert "was it carried" in device_check.stages.pretrain_data_problem(args)


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
    monkeypatch.setattr(device_check, "GRACE_S", 0.0)
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
