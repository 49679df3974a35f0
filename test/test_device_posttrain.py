"""device_check.py's posttrain stage (device_posttrain.py) and the episode packer (device_pack.py).

The stage trains the demo world model longer on a lent GPU (issue 15); here it runs on the CPU:
tiny (3 steps) and through its probe, the packer round trip, and every refusal up front.
"""

import argparse
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from test_device_check import blocked_env, refusal

from benchmarks import device_check, device_pack

device_posttrain = device_check.posttrain  # the module device_check runs (benchmarks/: its path)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "device_check.py"


def blob_folders(tmp_path: Path) -> list[Path]:
    """Two folders of blob episodes (2 + 1, 8 frames of 64 px), as collect's outputs nest."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    first, second = tmp_path / "work" / "train" / "grasp_cup", tmp_path / "work" / "reach"
    write_blob_episodes(first, 2, frames=8, size=64)
    write_blob_episodes(second, 1, frames=8, size=64, seed=7)
    return [tmp_path / "work" / "train", second]


def packed(tmp_path: Path) -> Path:
    out = tmp_path / "episodes.tar.xz"
    assert device_pack.main(["--out", str(out), *map(str, blob_folders(tmp_path))]) == 0
    return out


def test_a_pack_unpacks_to_the_same_arrays_uncompressed_with_its_manifest(tmp_path, capsys):
    archive = packed(tmp_path)
    printed = capsys.readouterr().out
    assert "3 episodes, 24 frames" in printed and "B per frame" in printed
    assert "carry:" in printed and "fits" in printed
    folder = device_posttrain.unpacked(archive, tmp_path / "unpack")
    assert device_posttrain.unpacked(archive, tmp_path / "unpack") == folder  # once
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.npz"))
    assert names == ["reach/blob_0007.npz", "train/grasp_cup/blob_0000.npz",
                     "train/grasp_cup/blob_0001.npz"]
    for name in names:
        source = tmp_path / "work" / name
        with np.load(source) as before, np.load(folder / name) as after:
            assert sorted(before.files) == sorted(after.files)
            for key in before.files:
                np.testing.assert_array_equal(before[key], after[key])
        with tarfile.open(archive) as tar:  # stored uncompressed: xz sees across frames
            member = tar.extractfile(name).read()
        assert all(info.compress_type == 0 for info in
                   __import__("zipfile").ZipFile(io.BytesIO(member)).infolist())
    manifest = json.loads((folder / "pack.json").read_text())
    assert manifest["frames"] == 24 and manifest["folders"]["train"] == {"episodes": 2,
                                                                         "frames": 16}


def test_the_packer_refuses_in_one_line_and_leaves_nothing(tmp_path, capsys):
    folders = blob_folders(tmp_path)
    out = tmp_path / "p.tar.xz"
    other = tmp_path / "elsewhere" / "reach"  # a second folder named reach
    other.mkdir(parents=True)
    (other / "x.npz").write_bytes(b"")
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv, expected in [
        ([str(folders[1]), str(other)], "two folders named 'reach'"),
        ([str(empty)], "no episodes (.npz files)"),
        ([str(tmp_path / "missing")], "not a folder of episodes"),
    ]:
        with pytest.raises(SystemExit) as exited:
            device_pack.main(["--out", str(out), *argv])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, err
    with pytest.raises(SystemExit):
        device_pack.main(["--out", str(tmp_path / "p.zip"), str(folders[1])])
    assert "name it *.tar.xz" in capsys.readouterr().err
    (folders[0] / "grasp_cup" / "blob_0001.npz").write_bytes(b"PK damaged")
    code = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "device_pack.py"), "--out",
                           str(out), str(folders[0])], capture_output=True, text=True,
                          check=False)
    assert code.returncode != 0 and "Traceback" not in code.stderr
    assert "blob_0001.npz: not a readable episode .npz" in code.stderr.strip().splitlines()[-1]
    assert not out.exists() and not list(tmp_path.glob("p.tar.xz*"))  # no partial left
    out.write_bytes(b"")
    with pytest.raises(SystemExit):
        device_pack.main(["--out", str(out), str(folders[1])])
    assert "exists" in capsys.readouterr().err


def test_the_dry_run_posttrains_both_kinds_of_run_from_a_pack_without_ros_or_bags(tmp_path):
    archive = packed(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--stages", "posttrain",
                           "--posttrain-runs", "demo", "64x1x2", "--posttrain-data",
                           str(archive), "--out", str(out)], env=blocked_env(tmp_path),
                          capture_output=True, text=True, check=False, cwd=tmp_path,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    # only what the device tool brings back: the records and one world model per run
    assert sorted(p.name for p in out.iterdir()) == [
        "device_check.json", "device_check.log", "posttrain_64x1x2.pt", "posttrain_demo.pt"]
    record = json.loads((out / device_check.RESULTS).read_text())["stages"]["posttrain"]
    assert record["status"] == "done", record
    runs = {run["run"]: run for run in record["runs"]}
    assert set(runs) == {"demo", "64x1x2"}
    for run in runs.values():
        assert run["complete"] and run["steps_done"] == run["steps"] == 3
        assert run["val"]["jloss"] > 0 and run["copy_baseline"] > 0
        assert run["command"].startswith("vjepa-ros train --data ")
    assert "--init demo" in runs["demo"]["command"]
    assert "--predictor-dim 64 --depth 1 --heads 2" in runs["64x1x2"]["command"]
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.models.checkpoint import load_world_model

    packaged = load_world_model(world_model_path("demo"), need_predictor=True)
    trained = load_world_model(str(out / "posttrain_demo.pt"), need_predictor=True)
    new = load_world_model(str(out / "posttrain_64x1x2.pt"), need_predictor=True)
    before = dict(packaged.predictor.named_parameters())
    after = dict(trained.predictor.named_parameters())
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k].float(), after[k].float()) for k in before)  # trained
    assert new.predictor.predictor_embed.out_features == 64
    for name, param in packaged.encoder.named_parameters():  # the encoder stays frozen
        assert torch.equal(param.float(), dict(trained.encoder.named_parameters())[name].float())
    lines = [line for line in done.stdout.splitlines() if line.startswith("summary:   posttrain")]
    assert len(lines) == 2 and all("'nothing moves'" in line for line in lines), lines


def one_run(out: Path, data: Path, seconds: float, cap: int | None = None) -> tuple:
    """Run the stage's ``64x1x2`` run (batch 2, one CPU thread) with ``seconds`` left.

    Return ``(its record, its Context)``: the stage's real path, its probe included.
    """
    args = argparse.Namespace(out=str(out), posttrain_batch=2, posttrain_steps=cap)
    ctx = device_check.stages.Context("cpu", False, time.monotonic() + seconds, args)
    record = {"rows": [], "runs": []}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        device_posttrain.stage_posttrain_run(ctx, record, lambda: None, "64x1x2", data)
    finally:
        torch.set_num_threads(threads)
    return record["runs"][0], ctx


def test_the_probe_times_the_device_and_the_steps_are_capped(tmp_path):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 3, frames=8, size=64)
    run, _ = one_run(tmp_path, data, 600, cap=4)
    assert run["probe_s_per_step"] > 0  # timed over steps 10..40 of a probe trainer
    assert run["probe_val_s"] > 0  # and one validation on the run's split
    assert run["steps"] == run["steps_done"] == 4 and run["complete"] and not run["cut"]
    assert (tmp_path / "posttrain_64x1x2.pt").is_file()
    assert not list(tmp_path.glob(".posttrain*"))  # its work folder is not under --out


def test_past_the_deadline_the_run_is_cut_and_exported_as_it_is(tmp_path, monkeypatch):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 3, frames=8, size=64)
    monkeypatch.setattr(device_posttrain, "PROBE_STEPS", 3)
    monkeypatch.setattr(device_posttrain, "PROBE_WARM", 1)
    monkeypatch.setattr(device_posttrain, "fitted_steps", lambda rate, left, cap: 20)
    args = argparse.Namespace(out=str(tmp_path), posttrain_batch=2, posttrain_steps=None)
    ctx = device_check.stages.Context("cpu", False, time.monotonic() - 1, args)  # spent
    record = {"rows": [], "runs": []}
    device_posttrain.stage_posttrain_run(ctx, record, lambda: None, "64x1x2", data)
    (run,) = record["runs"]
    assert run["cut"] and not run["complete"]
    assert run["steps"] == 20 and run["steps_done"] == 1  # the step that ended past it
    assert (tmp_path / run["file"]).is_file()
    device_check.finish_status(record, 0, False)
    assert record["status"] == "partial"
    (line,) = [text for text in device_check.summary({"posttrain": record}) if "64x1x2" in text]
    assert "1/20 steps (cut at the deadline" in line


@pytest.mark.parametrize("rate, left, cap, expected", [
    (0.03, 300.0, None, 8800),  # (300 - 12 % of it) / 0.03
    (0.03, 300.0, 5000, 5000),
    (0.5, 100.0, None, 170),  # (100 - 15 s) / 0.5: the reserve's floor
    (1.0, -5.0, None, 1), (0.0, 100.0, None, 1),
])
def test_the_steps_fit_the_time_left_less_the_reserve(rate, left, cap, expected):
    assert device_posttrain.fitted_steps(rate, left, cap) == expected


def test_the_rest_of_the_budget_is_split_between_pretrain_and_posttrain():
    chosen = ["models", "pretrain", "posttrain"]
    assert device_check.stage_deadline("models", chosen, 400.0, 0.0, 390.0) == 60.0
    assert device_check.stage_deadline("pretrain", chosen, 400.0, 60.0, 390.0) == 225.0
    assert device_check.stage_deadline("posttrain", chosen, 400.0, 225.0, 390.0) == 390.0
    assert device_check.stage_deadline("posttrain", ["posttrain"], 400.0, 0.0, 390.0) == 390.0


def test_posttrain_is_run_only_when_named():
    assert "posttrain" not in device_check.parse_args(["--dry-run", "--out", "/tmp/x"]).stages


@pytest.mark.parametrize("runs, expected", [
    (["big"], "--posttrain-runs big: give demo"),
    (["256x6x5"], "the width a multiple of the heads"),
    (["256x0x4"], "must be positive"),
    (["demo", "DEMO"], "a run given twice"),
    (["demo", "64x1x1", "64x1x2", "64x2x2", "96x1x2", "96x2x2", "128x1x2"],
     "the device tool brings back 8"),
    (["384x4x6"], "18.9 MB file"),  # over the 16 MiB the device tool brings back
    (["64x1x16"], "too narrow for the 3D RoPE"),
])
def test_an_impossible_run_is_refused_up_front(tmp_path, capsys, runs, expected):
    err = refusal(capsys, ["--dry-run", "--stages", "posttrain", "--out", str(tmp_path / "o"),
                           "--posttrain-runs", *runs])
    assert expected in err
    assert not (tmp_path / "o").exists()


def damaged_tar(tmp_path: Path) -> Path:
    archive = packed(tmp_path)
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return cut


def bag_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "with_bag" / "run1"
    folder.mkdir(parents=True)
    (folder / "metadata.yaml").write_text("rosbag2_bagfile_information: {}\n")
    (folder / "run1_0.mcap").write_bytes(b"")
    return folder.parent


def escaping_tar(tmp_path: Path) -> Path:
    archive = tmp_path / "evil.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        info = tarfile.TarInfo("../outside.npz")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return archive


def not_an_archive(tmp_path: Path) -> Path:
    path = tmp_path / "episodes.zip"
    path.write_bytes(b"PK")
    return path


def damaged_episode(tmp_path: Path) -> Path:
    folders = blob_folders(tmp_path)
    (folders[1] / "blob_0007.npz").write_bytes(b"not a zip")
    return folders[1]


@pytest.mark.parametrize("make, expected", [
    (lambda tmp: tmp / "not_carried.tar.xz", "does not exist"),
    (damaged_tar, "cannot be unpacked"),
    (escaping_tar, "cannot be unpacked"),
    (not_an_archive, "give a folder of episode .npz files"),
    (bag_folder, "is a rosbag2 bag, which the GPU machine cannot read"),
    (damaged_episode, "blob_0007.npz"),
], ids=["missing", "truncated", "escaping", "zip", "bag", "damaged-episode"])
def test_unusable_posttrain_data_is_refused_before_any_stage(tmp_path, capsys, monkeypatch,
                                                             make, expected):
    data = make(tmp_path)
    out = tmp_path / "out"
    temporary = tmp_path / "tmp"  # this test's own: others unpack beside it under -n
    temporary.mkdir()
    monkeypatch.setattr(device_check.tempfile, "tempdir", str(temporary))
    capsys.readouterr()  # the packer's progress
    err = refusal(capsys, ["--allow-cpu", "--stages", "posttrain", "--posttrain-data",
                           str(data), "--out", str(out)])
    assert f"--posttrain-data {data}" in err and expected in err, err
    assert not out.exists() and not (tmp_path / "outside.npz").exists()
    assert not list(temporary.iterdir())  # its unpacking removed


def test_without_tqdm_the_stage_says_how_to_carry_it(tmp_path):
    env = blocked_env(tmp_path)
    (tmp_path / "block" / "sitecustomize.py").write_text(
        (tmp_path / "block" / "sitecustomize.py").read_text().replace(
            '"mcap_ros2"}', '"mcap_ros2", "tqdm"}'))
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--stages", "posttrain",
                           "--out", str(tmp_path / "out")], env=env, capture_output=True,
                          text=True, check=False, cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "needs tqdm" in done.stderr
    assert "pip download --no-deps tqdm -d .device_data/wheels" in done.stderr
    assert not (tmp_path / "out").exists()


def test_device_check_sh_puts_carried_wheels_on_the_path(tmp_path):
    """A pure-Python wheel in .device_data/wheels is importable by the script's Python."""
    import shutil

    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    (checkout / "benchmarks").mkdir()
    shutil.copy(ROOT / "scripts" / "device_check.sh", checkout / "scripts")
    (checkout / "benchmarks" / "device_check.py").write_text(
        "import sys, tqdm\nprint(tqdm.__file__)\nprint(sys.argv[1:])\n")
    wheels = checkout / ".device_data" / "wheels"
    wheels.mkdir(parents=True)
    wheel = wheels / "fakepkg-1.0-py3-none-any.whl"
    import zipfile

    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tqdm/__init__.py", "")  # stands in for the real one
    done = subprocess.run(["bash", str(checkout / "scripts" / "device_check.sh"), "--stages",
                           "posttrain"], capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(wheel / "tqdm" / "__init__.py"),
                                        "['--stages', 'posttrain']"]
