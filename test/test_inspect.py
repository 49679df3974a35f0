"""``vjepa-ros inspect``: what eval and train read from recordings, without a model (user59w).

eval printed its topic lines only after the model loaded and steps were planned; ``inspect``
prints them (and train's segments) reading each recording with eval's and train's own readers,
never importing torch. Checked on the field bags, a ``record`` bag, an ``.npz``, damaged bags.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.inspect_data import encoding_words
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.episode import Episode

REPO_ROOT = Path(__file__).resolve().parents[1]
FIELD = REPO_ROOT.parent / "shared" / "data" / "field"
EXAMPLE = REPO_ROOT / "vjepa_ros" / "data" / "franka_example_traj.npz"  # no actions array
needs_field = pytest.mark.skipif(not FIELD.is_dir(), reason="no shared field recordings")


def _inspect(capsys, *argv) -> tuple[int, str, str]:
    status = main(["inspect", *map(str, argv)])
    out = capsys.readouterr()
    return status, out.out, out.err


@needs_field
def test_an_8uc3_bag_says_its_streams_and_that_its_frames_are_read_as_bgr(capsys):
    status, out, _ = _inspect(capsys, FIELD / "camera-8uc3")
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].startswith(f"bag           {FIELD / 'camera-8uc3'} (mcap, compression none")
    assert "frames 6 on /camera/camera/color/image_raw (4 Hz), states 6 from " \
        "/franka_robot_state_broadcaster/current_pose (pose, 4 Hz), gripper: " \
        "/franka_gripper/joint_states" in lines[1]
    assert "frames        64x48 px (Image, 8UC3: read as BGR" in out
    assert "eval          5 steps to plan of 6 at 4 Hz (6 valid" in out
    # six steps, clips of 8: train leaves it out, with the clip length that keeps it
    assert "train         left out " in out and "--frames-per-clip 6" in out
    status, out, _ = _inspect(capsys, FIELD / "camera-8uc3", "--frames-per-clip", "4")
    assert "train         1 segment, 6 steps at 4 Hz in 1 demonstration (clips of 4" in out


@needs_field
def test_a_split_joint_state_bag_is_read_by_kinematics_with_the_fingers_as_gripper(capsys):
    status, out, _ = _inspect(capsys, FIELD / "joint-states-split", "--json")
    assert status == 0
    (entry,) = json.loads(out)["sources"]
    rec = entry["eval"]["recording"]
    assert (rec["state_source"], rec["state_topic"], rec["gripper_source"]) == \
        ("joint_states", "/joint_states", "/joint_states")
    assert (rec["frames"], rec["states"], rec["grid_steps"]) == (12, 60, 12)
    assert rec["state_rate_hz"] == pytest.approx(20, rel=0.05)
    assert rec["gripper_closedness"]["max"] > 0.5  # the finger messages were read
    assert entry["train"]["steps"] == 12 and entry["train"]["segments"][0]["steps"] == 12


@needs_field
def test_a_rate_faster_than_the_camera_is_eval_s_refusal_naming_its_option(capsys):
    status, out, _ = _inspect(capsys, FIELD / "joint-states-split", "--rate", "10")
    assert status == 0  # a refusal is part of the answer: the bag was read
    (refusal,) = [line for line in out.splitlines() if line.startswith("eval ")]
    assert refusal.startswith("eval          refuses it: ") and "at --rate 10" in refusal
    assert "give --rate 4 (or less)" in refusal and "rate_hz" not in refusal
    assert "train         left out " in out and "at 10 Hz" in out


@needs_field
def test_a_truncated_bag_gets_its_damage_note_and_exit_status_0_as_eval(capsys):
    status, out, err = _inspect(capsys, FIELD / "truncated-mcap")
    assert status == 0, err
    damage = [line for line in out.splitlines()
              if line.startswith("note") and "is damaged (recorder killed mid-write?)" in line]
    assert len(damage) == 1 and "lost messages spanning 0.75 s" in damage[0]
    # train: the damage, not the clip length, took the rest
    assert "train         left out " in out and "intact copy" in out


def test_an_unreadable_bag_is_one_line_status_1_and_the_other_paths_still_read(tmp_path,
                                                                                 capsys):
    broken = tmp_path / "broken.mcap"
    broken.write_bytes(b"\x89MCAP0\r\n" + os.urandom(300))
    good = tmp_path / "ep.npz"
    frames, states, _ = synthetic_episode(11, size=32)  # 12 frames
    Episode.from_states(frames, states, np.arange(len(frames)) / 4.0).save(good)
    status, out, err = _inspect(capsys, broken, good)
    assert status == 1
    assert err.startswith(f"vjepa-ros inspect: {broken}") and err.count("\n") == 1, err
    assert "Traceback" not in out + err
    assert f"episode       {good} (.npz" in out
    assert "train         1 segment, 12 steps at 4 Hz in 1 demonstration" in out


def test_a_record_bag_says_the_hand_its_metadata_records(tmp_path, capsys):
    bag = tmp_path / "rec"
    assert main(["record", str(bag), "--frames", "12", "--width", "64", "--height", "64"]) == 0
    capsys.readouterr()
    status, out, _ = _inspect(capsys, bag, "--json")
    assert status == 0
    (entry,) = json.loads(out)["sources"]
    assert "full opening" in entry["hand"] and "custom_data" in entry["hand"]
    assert entry["eval"]["refuses"] == "" and entry["eval"]["planned_steps"] >= 10
    assert entry["train"]["steps"] == 12
    assert entry["eval"]["frames"]["width"] == 64


def test_a_missing_path_or_a_symlink_loop_is_named_as_eval_names_it(tmp_path, capsys):
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    status, out, err = _inspect(capsys, tmp_path / "gone", loop, "--json")
    assert status == 1 and err == ""
    gone, looped = json.loads(out)["sources"]
    assert "gone" in gone["error"] and "does not exist" in gone["error"]
    assert "is a symlink loop (it cannot be resolved)" in looped["error"]


def test_options_are_checked_as_eval_checks_them(capsys):
    status, _, err = _inspect(capsys, "x", "--rate", "0")
    assert status == 2 and "--rate" in err
    status, _, err = _inspect(capsys, "x", "--frames-per-clip", "1")
    assert status == 2 and "--frames-per-clip" in err
    status, _, err = _inspect(capsys, "x", "--no-gripper", "--gripper-topic", "/g")
    assert status == 2 and "--no-gripper" in err


@pytest.mark.parametrize("encoding, words", [
    ("8UC3", "read as BGR"), ("rgb8", "read as RGB"), ("bgra16", "16-bit scaled to 8, alpha"),
    ("16UC1", "refused"), ("yuv422_yuy2", "YUV"), ("bayer_rggb8", "Bayer"), ("jpeg", "compressed"),
])
def test_each_encoding_is_said_as_the_decoder_reads_it(encoding, words):
    assert words in encoding_words(encoding)


@needs_field
def test_inspect_never_imports_torch(tmp_path):
    """In a fresh interpreter: bags, .npz files with and without actions: torch never loaded."""
    episode = tmp_path / "ep.npz"
    frames, states, _ = synthetic_episode(10, size=32)
    from vjepa_ros.recordings.episode import actions_from_states

    times = np.arange(len(frames)) / 4.0
    Episode(frames, states, actions_from_states(states), times).save(episode)
    code = ("import sys; from vjepa_ros.cli import main; "
            f"status = main(['inspect', {str(FIELD / 'joint-states-split')!r}, "
            f"{str(FIELD / 'camera-8uc3')!r}, {str(episode)!r}, {str(EXAMPLE)!r}]); "
            "print('LOADED', [m for m in ('torch', 'matplotlib') if m in sys.modules]); "
            "sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout, result.stdout
    assert "train         1 segment" in result.stdout
    # the packaged example stores no actions: its episode computes none while inspected
    assert f"episode       {EXAMPLE} (.npz" in result.stdout


@needs_field
def test_train_segments_compute_their_actions_when_first_read_as_before(tmp_path):
    """Segments hold no actions until read (inspect never reads them): then s_{k+1} ⊖ s_k."""
    from vjepa_ros.recordings.episode import actions_from_states
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import Source, load_segments

    (segment,), _ = load_segments(Source(FIELD / "joint-states-split", "bag"), DataConfig())
    assert segment._actions is None
    actions = segment.actions
    assert actions.shape == (len(segment) - 1, 7) and actions.dtype == np.float32
    np.testing.assert_array_equal(actions, actions_from_states(segment.states))
    assert np.abs(actions[:, :3]).max() > 0  # the arm moved: not a zero placeholder
    assert segment.actions is actions  # computed once


def test_an_episode_computes_its_actions_when_first_read_and_checks_those_given(tmp_path):
    from vjepa_ros.recordings.episode import actions_from_states

    frames, states, _ = synthetic_episode(7, size=16)
    times = np.arange(len(frames)) / 4.0
    episode = Episode.from_states(frames, states, times)
    assert episode._actions is None
    np.testing.assert_array_equal(episode.actions, actions_from_states(episode.states))
    saved = Episode.load(episode.save(tmp_path / "ep.npz"))  # the actions as saved
    assert saved._actions is not None
    np.testing.assert_array_equal(saved.actions, episode.actions)
    with pytest.raises(ValueError, match=r"episode actions must have shape \[7, 7\]"):
        Episode(frames, states, np.zeros((3, 7)), times)
    with pytest.raises(ValueError, match="actions contain NaN"):
        Episode(frames, states, np.full((7, 7), np.nan), times)


@needs_field
def test_the_output_docs_cli_shows_is_what_inspect_prints(capsys, monkeypatch):
    """docs/cli.md's example as printed today; a line shortened there with '…': its ends."""
    text = (REPO_ROOT / "docs" / "cli.md").read_text()
    block = text.split("$ vjepa-ros inspect field/camera-8uc3", 1)[1].split("$ echo $?", 1)[0]
    shown = block.splitlines()[1:]
    assert len(shown) >= 18, shown
    monkeypatch.chdir(FIELD.parent)  # the paths printed as typed: field/...
    status, out, _ = _inspect(capsys, "field/camera-8uc3", "field/joint-states-split",
                              "field/truncated-mcap", EXAMPLE)
    printed = out.replace(str(EXAMPLE), "vjepa_ros/data/franka_example_traj.npz").splitlines()
    assert status == 0 and len(printed) == len(shown), (printed, shown)
    for doc, line in zip(shown, printed, strict=True):
        if "…" in doc:  # shortened: its parts in order
            parts = [part.strip() for part in doc.split("…")]
            assert line.startswith(parts[0]) and line.endswith(parts[-1]), (doc, line)
        else:
            assert line == doc


def test_a_killed_file_compressed_bag_is_unpacked_once_for_eval_s_reading_and_train_s(
        tmp_path, monkeypatch, capsys):
    """A ``.zstd`` data file without metadata.yaml, read directly: unpacked once, removed after.

    Its kind's other member, a ``.db3`` with a pending log, is test_eval_wal_copies'. (With its
    metadata.yaml the ``rosbags`` reader unpacks the file itself at each opening.)
    """
    from vjepa_ros.recordings import data_file_parts
    from vjepa_ros.recordings.bag_writing import write_bag

    frames, states, _ = synthetic_episode(9, size=32)  # 10 frames
    bag = write_bag(tmp_path / "bag", frames, states, compression="file")
    (bag / "metadata.yaml").unlink()
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)  # TMPDIR read again
    unpacked, real = [], data_file_parts._unpack_zstd
    monkeypatch.setattr(data_file_parts, "_unpack_zstd",
                        lambda *args: unpacked.append(args[0]) or real(*args))
    status, out, err = _inspect(capsys, bag)
    assert status == 0, err
    assert "compression zstd file" in out.splitlines()[0], out
    assert "train         1 segment, 10 steps" in out, out
    assert len(unpacked) == 1, f"the .zstd was unpacked {len(unpacked)} times"
    assert list(temp.iterdir()) == [], "the unpacked copy is removed after"


def test_what_finding_the_sources_skipped_is_said_in_lines_and_in_json(tmp_path, capsys):
    """A folder with a Mac's ``._`` resource fork beside an episode: the skip said either way."""
    frames, states, _ = synthetic_episode(11, size=32)
    Episode.from_states(frames, states, np.arange(len(frames)) / 4.0).save(tmp_path / "ep.npz")
    (tmp_path / "._ep.npz").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    status, out, _ = _inspect(capsys, tmp_path)
    assert status == 0 and "macOS resource forks" in out.splitlines()[0], out
    status, out, _ = _inspect(capsys, tmp_path, "--json")
    found = json.loads(out)
    assert status == 0 and len(found["sources"]) == 1, out
    (note,) = found["notes"]
    assert note.startswith(f"skipped {tmp_path / '._ep.npz'}: macOS resource forks"), note
