"""Breaker39: session 39's posttrain stage, packer, collection scripts and jump rule, as used.

Each test fails on the code it was written against (strict xfail) and asserts what should happen;
the reason says what went wrong. The posttrain stage runs on the CPU (--dry-run, or its probe with
tiny settings); the bags are written message by message (``write_messages``); the collection
script runs the real ``vjepa-ros collect`` for one episode.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

from benchmarks import device_check, device_pack
from conftest import REPO_ROOT

device_posttrain = device_check.posttrain  # the module device_check runs

MS = 1_000_000


def blobs(folder: Path, count: int, frames: int = 8, size: int = 64, seed: int = 0) -> Path:
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(folder, count, frames=frames, size=size, seed=seed)
    return folder


def parsed_or_refused(argv):
    """``device_check.parse_args(argv)``: its exit status when refused, else 0 (tmp removed)."""
    try:
        args = device_check.parse_args(argv)
    except SystemExit as exc:
        return exc.code
    if getattr(args, "posttrain_tmp", None):
        shutil.rmtree(args.posttrain_tmp, ignore_errors=True)
    return 0


# ------------------------------------------------------------------ posttrain: up-front checks


def _one_episode(tmp: Path) -> Path:
    return blobs(tmp / "one", 1)


def _one_usable(tmp: Path) -> Path:  # one episode a clip long, two too short for a clip
    blobs(tmp / "onelong", 1)
    return blobs(tmp / "onelong", 2, frames=2, seed=5)


def _all_short(tmp: Path) -> Path:
    return blobs(tmp / "short", 3, frames=2)


@pytest.mark.parametrize("make", [_one_episode, _one_usable, _all_short],
                         ids=["one-episode", "one-usable", "all-short"])
def test_episodes_the_stage_cannot_train_on_are_refused_up_front(tmp_path, make):
    data = make(tmp_path)
    code = parsed_or_refused(["--allow-cpu", "--stages", "posttrain", "--posttrain-data",
                              str(data), "--out", str(tmp_path / "out")])
    assert code == 2


@pytest.mark.parametrize("run", ["64x1x16", "256x6x64"])
def test_a_run_whose_heads_are_too_narrow_for_rope_is_refused_up_front(tmp_path, run):
    code = parsed_or_refused(["--dry-run", "--stages", "posttrain", "--posttrain-runs", run,
                              "--out", str(tmp_path / "out")])
    assert code == 2


@pytest.mark.parametrize("run", ["384x4x6", "320x6x5", "25600x6x4"])
def test_a_run_whose_model_cannot_come_back_is_refused_up_front(tmp_path, run):
    code = parsed_or_refused(["--dry-run", "--stages", "posttrain", "--posttrain-runs", run,
                              "--out", str(tmp_path / "out")])
    assert code == 2


def test_more_files_than_the_device_tool_brings_back_are_refused_up_front(tmp_path):
    code = parsed_or_refused(["--dry-run", "--stages", "pretrain", "posttrain",
                              "--pretrain-seeds", "0", "1", "2", "3", "4", "5",
                              "--posttrain-runs", "demo", "64x1x2",
                              "--out", str(tmp_path / "out")])
    assert code == 2


def test_a_stage_named_twice_is_refused(tmp_path):
    code = parsed_or_refused(["--dry-run", "--stages", "posttrain", "posttrain",
                              "--out", str(tmp_path / "out")])
    assert code == 2


# ------------------------------------------------------------------ posttrain: the deadline


def test_a_run_past_its_deadline_is_cut_within_seconds_not_a_chunk_later(tmp_path, monkeypatch):
    from test_device_posttrain import one_run

    data = blobs(tmp_path / "episodes", 3)
    # a probe too fast: steps for 150 s at its rate, whatever the time left (a chunk ~15 s)
    monkeypatch.setattr(device_posttrain, "fitted_steps", lambda rate, left, cap: int(150 / rate))
    run, _ = one_run(tmp_path, data, 1.0)
    assert run["cut"] and (tmp_path / run["file"]).is_file()
    # the deadline passed during the probe: the run stops at its first step past it, not at the
    # end of a chunk (CHUNKS parts of the planned steps). Counted in steps, not seconds: the
    # trainer's build and the export after the deadline take 2-8 s by the machine's load.
    chunk = run["steps"] // device_posttrain.CHUNKS
    assert chunk > 1 and run["steps_done"] <= 1, (chunk, run["steps_done"])


# ------------------------------------------------------------------ the packer


@pytest.mark.parametrize("given", [".", ".."])
def test_a_folder_given_as_dot_packs_relative_names(tmp_path, monkeypatch, given):
    work = tmp_path / "work"
    blobs(work / "train" / "grasp_cup", 2)
    blobs(work / "reach", 1, seed=7)
    monkeypatch.chdir(work / "train")
    out = tmp_path / "p.tar.xz"
    try:
        device_pack.main(["--out", str(out), given])
    except SystemExit as exc:  # refused in one line: as good
        assert exc.code == 2
        return
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert all(name and not name.startswith("/") and ".." not in PurePosixPath(name).parts
               for name in names), names
    folder = device_posttrain.unpacked(out, tmp_path / "unpack")  # the stage can read it
    assert len(list(folder.rglob("*.npz"))) == (2 if given == "." else 3)


def test_episodes_behind_a_symlinked_folder_are_packed(tmp_path):
    from vjepa_ros.train.episodes import find_sources

    blobs(tmp_path / "elsewhere" / "grasp", 4)
    lab = blobs(tmp_path / "lab", 1, seed=9)
    (lab / "grasp_link").symlink_to(tmp_path / "elsewhere" / "grasp", target_is_directory=True)
    assert len(find_sources([lab])) == 5  # what training on the folder reads
    out = tmp_path / "p.tar.xz"
    assert device_pack.main(["--out", str(out), str(lab)]) == 0
    with tarfile.open(out) as tar:
        packed = [name for name in tar.getnames() if name.endswith(".npz")]
    assert len(packed) == 5, packed


def test_the_carry_line_counts_untracked_files_that_travel(tmp_path, monkeypatch, capsys):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "tracked.txt").write_bytes(b"x" * 1000)
    (checkout / "init_s0.pt").write_bytes(os.urandom(2 * 2**20))  # untracked, not ignored
    git = ["git", "-C", str(checkout)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "tracked.txt"], check=True)
    monkeypatch.setattr(device_pack, "ROOT", checkout)
    monkeypatch.setattr(device_pack, "CARRY_BYTES", 2**20)  # 1 MiB: the pack + tracked fit
    folder = blobs(tmp_path / "reach", 1)
    assert device_pack.main(["--out", str(tmp_path / "p.tar.xz"), str(folder)]) == 0
    (line,) = [text for text in capsys.readouterr().out.splitlines()
               if text.startswith("carry:")]
    assert "does NOT fit" in line, line


# ------------------------------------------------------------------ the collection scripts


def test_a_rerun_keeps_a_complete_manipulation_folder(tmp_path):
    from test_bootstrap_venv import make_checkout, make_fake_venv

    checkout = make_checkout(tmp_path / "clone")
    text = (REPO_ROOT / "scripts" / "collect_manipulation_episodes.sh").read_text()
    loop = text.index("for object in cup box; do")
    (checkout / "scripts" / "collect_manipulation_episodes.sh").write_text(
        text[:loop] + "collect grasp cup 1 0 train\n")  # one real episode, not 740
    venv = make_fake_venv(tmp_path / "venv")
    cli = venv / "bin" / "vjepa-ros"  # the real command line of this checkout
    cli.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; from vjepa_ros.cli "
                   "import main; sys.exit(main(sys.argv[1:]))' \"$@\"\n")
    cli.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VJEPA_VENV": str(venv),
           "VJEPA_TORCH": "skip", "PYTHON": sys.executable, "PYTHONPATH": str(REPO_ROOT),
           "WORK": str(tmp_path / "work"), "ROS_DOMAIN_ID": "81", "ROS_LOCALHOST_ONLY": "1",
           "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}

    def collect():
        return subprocess.run(["bash", str(checkout / "scripts" /
                                           "collect_manipulation_episodes.sh")],
                              env=env, capture_output=True, text=True, timeout=300)

    first = collect()
    folder = tmp_path / "work" / "train" / "grasp_cup"
    assert first.returncode == 0, first.stderr[-3000:]
    (episode,) = folder.glob("*.npz")
    written = episode.stat().st_mtime_ns
    again = collect()
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"+ kept {folder}" in again.stderr, again.stderr[-3000:]
    assert episode.exists() and episode.stat().st_mtime_ns == written


# ------------------------------------------------------------------ steps across a state jump


def _jump_at_a_repeated_stamp_bag(path: Path) -> Path:
    """Write a bag whose pose jumps between two messages of one header stamp.

    3 s: a 4 Hz camera at 25, 275, ... ms; 20 Hz poses moving 4 cm/s in x; at 1300 ms two
    poses of one stamp, the second 0.9 m further in y (a simulator reset published with the
    stamp of the pose before it); 0.9 m further from then on.
    """
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import (
        DEFAULT_START_NS,
        WRITTEN_GRIPPER_TOPIC,
        write_messages,
    )
    from vjepa_ros.robot.kinematics import FrankaKinematics

    topics, fingers = BagTopics(), FrankaKinematics().finger_names
    frames, _, _ = synthetic_episode(11)
    entries = []
    for i, frame in enumerate(frames):
        t = DEFAULT_START_NS + (25 + 250 * i) * MS
        entries.append((topics.image, m.IMAGE, t, m.image_message(frame, t, "camera")))

    def pose(ms: int, jumped: bool):
        return np.array([0.4 + ms / 1e3 * 0.04, 0.9 if jumped else 0.0, 0.4, np.pi, 0, 0, 0])

    for ms in range(0, 3001, 50):
        t = DEFAULT_START_NS + ms * MS
        if ms == 1300:
            entries.append((topics.pose, m.POSE_STAMPED, t + 1,
                            m.pose_message(pose(ms, False), t, "base")))
        entries.append((topics.pose, m.POSE_STAMPED, t + 2,
                        m.pose_message(pose(ms, ms >= 1300), t, "base")))
        entries.append((WRITTEN_GRIPPER_TOPIC, m.JOINT_STATE, t + 3,
                        m.joint_state_message(fingers, [0.04, 0.04], t)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def test_a_jump_between_two_poses_of_one_stamp_reaches_no_step(tmp_path):
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.recordings.bags import read_recording
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    bag = _jump_at_a_repeated_stamp_bag(tmp_path / "bag")
    recording = read_recording(bag)
    assert any("the steps across them are left out" in note for note in recording.notes)
    steps, every, _ = valid_steps(recording, EvalConfig(), 1, 1)
    y = steps.states[:, 1]
    half_way = [k for k in np.flatnonzero(steps.valid) if 0.05 < y[k] < 0.85]
    moves = {k: round(float(y[k + 1] - y[k]), 3) for k in every}
    problems = {"half-way states": half_way,
                "scored jumps": {k: d for k, d in moves.items() if abs(d) > 0.2}}
    (source,) = find_sources([bag])
    segments, _ = load_segments(source, DataConfig(frames_per_clip=2))
    problems["trained actions"] = [round(float(a), 3) for s in segments
                                   for a in np.abs(s.actions[:, :3]).max(axis=1) if a > 0.2]
    assert not any(problems.values()), problems


def test_a_clean_step_after_an_invalid_one_is_kept():
    from test_state_jump_steps import FRAMES, dense

    from vjepa_ros.recordings.resample import resample
    from vjepa_ros.recordings.state_jumps import jump_intervals

    times, states = dense(1100.0)  # the jump between steps 4 (1000 ms) and 5 (1250 ms)
    frames = np.delete(FRAMES, 4)  # no frame for step 4
    steps = resample(frames, times, states, 4.0,
                     jumps_ns=jump_intervals(times, states[:, :3]))
    assert not steps.valid[4]
    assert steps.valid[5], steps.dropped


def test_the_packer_names_the_bags_it_leaves_out(tmp_path, capsys):
    from conftest import write_test_bag

    folder = blobs(tmp_path / "mb", 2)
    write_test_bag(folder / "run1", frames=8)
    try:
        device_pack.main(["--out", str(tmp_path / "p.tar.xz"), str(folder)])
    except SystemExit as exc:  # refused: as good, if it names the bag
        assert exc.code == 2
    captured = capsys.readouterr()
    assert "run1" in captured.out + captured.err, captured


def test_the_recorded_command_repeats_with_a_space_in_a_path(tmp_path):
    import argparse
    import shlex

    data = blobs(tmp_path / "my episodes", 3)
    args = argparse.Namespace(out=str(tmp_path), posttrain_batch=2, posttrain_steps=1)
    ctx = device_check.stages.Context("cpu", True, time.monotonic() + 600, args)  # tiny
    record = {"rows": [], "runs": []}
    device_posttrain.stage_posttrain_run(ctx, record, lambda: None, "64x1x2", data)
    (run,) = record["runs"]
    words = shlex.split(run["command"])
    assert words[words.index("--data") + 1] == str(data), run["command"]
