"""Bags (``record``, ``bag-from-npz``, ``bag_writing``) are written whole or not at all.

A write that failed midway (a full disk, an image that cannot be encoded) or a process killed
while writing left a shorter bag at the final name, which later read as a whole recording.
"""

from __future__ import annotations

import errno
import os

import pytest

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.out_paths import new_output_dir
from vjepa_ros.recordings import messages
from vjepa_ros.recordings.bag_writing import write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording

DEAD_PID = 99999999  # above any pid_max: no such process


def _disk_full_after(calls: int, real):
    count = []

    def write(*args, **kwargs):
        count.append(1)
        if len(count) > calls:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)
    return write


def test_a_bag_whose_write_fails_midway_leaves_nothing_at_its_name(tmp_path, monkeypatch):
    frames, states, _ = synthetic_episode(6)
    monkeypatch.setattr(messages, "pose_message", _disk_full_after(3, messages.pose_message))
    with pytest.raises(OSError, match="No space left"):
        write_bag(tmp_path / "bag", frames, states)
    assert sorted(os.listdir(tmp_path)) == []  # no bag, no partial folder
    monkeypatch.undo()
    assert len(read_recording(write_bag(tmp_path / "bag", frames, states)).states) == 7


def test_a_bag_of_messages_whose_entries_fail_midway_leaves_nothing(tmp_path):
    def entries():
        yield ("/joint_states", messages.JOINT_STATE, 1,
               messages.joint_state_message(["j"], [0.0], 1))
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(OSError, match="Input/output"):
        write_messages(tmp_path / "bag", entries())
    assert sorted(os.listdir(tmp_path)) == []


def test_the_part_of_a_bag_a_killed_run_left_is_removed_before_the_new_one(tmp_path, capsys):
    """Named as a folder (was "1 partial file(s)"), with the process that left it."""
    stale = tmp_path / f"new_bag.{DEAD_PID}.partial"
    (stale / "new_bag").mkdir(parents=True)
    (stale / "new_bag" / "new_bag.mcap").write_bytes(b"part")
    live = tmp_path / f"new_bag.{os.getppid()}.partial"  # a live process's: being written
    live.mkdir()
    assert new_output_dir(tmp_path / "new_bag") == tmp_path / "new_bag"
    assert not stale.exists() and live.exists()
    assert capsys.readouterr().out == (
        f"note: removed the partial folder {stale.name} in {tmp_path}: the part of new_bag left "
        f"by a stopped run (pid {DEAD_PID}, no longer running)\n")


def test_folders_named_like_other_names_partials_are_never_removed(tmp_path, capsys):
    """Only the partial of the bag being written is cleaned; others are not known to be bags.

    A person's ``thesis_data.424242.partial/raw/notes.txt``, or a bag another host writes on a
    shared disk (its PID is not visible here), was removed with "no longer running".
    """
    others = [tmp_path / f"thesis_data.{DEAD_PID}.partial", tmp_path / f"run_2.{DEAD_PID}.partial"]
    (others[0] / "raw").mkdir(parents=True)
    (others[0] / "raw" / "notes.txt").write_text("keep me")
    others[1].mkdir()
    new_output_dir(tmp_path / "new_bag")
    assert all(path.exists() for path in others)
    assert (others[0] / "raw" / "notes.txt").read_text() == "keep me"
    assert capsys.readouterr().out == ""
