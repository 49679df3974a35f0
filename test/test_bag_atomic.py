"""Bags (``record``, ``bag-from-npz``, ``recordings.bags``) are written whole or not at all.

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
from vjepa_ros.recordings.bags import read_recording, write_bag, write_messages

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


def test_the_parts_of_other_bags_killed_runs_left_are_removed_too(tmp_path, capsys):
    """Another bag's partial folder stayed forever (no later command writes that name).

    Removed when its process is gone, one line each; never a running process's (another
    recording into the same folder now), nor this process's, nor a partial file (another
    command's, ``atomic_files.replacing``).
    """
    stale = [tmp_path / f"other_bag.{DEAD_PID}.partial", tmp_path / f"run_2.{DEAD_PID}.partial"]
    (stale[0] / "other_bag").mkdir(parents=True)
    (stale[0] / "other_bag" / "other_bag_0.mcap").write_bytes(b"part")
    stale[1].mkdir()  # killed before the writer opened the bag
    kept = [tmp_path / f"live_bag.{os.getppid()}.partial",  # another recording, running
            tmp_path / f"own_bag.{os.getpid()}.partial",  # this process's
            tmp_path / f"report.json.{DEAD_PID}.partial"]  # a file: not a bag's
    kept[0].mkdir()
    kept[1].mkdir()
    kept[2].write_text("{")
    new_output_dir(tmp_path / "new_bag")
    assert [path.exists() for path in stale + kept] == [False, False, True, True, True]
    assert capsys.readouterr().out.splitlines() == [
        f"note: removed the partial folder {path.name} in {tmp_path}: the part of "
        f"{path.name.split('.')[0]} left by a stopped run (pid {DEAD_PID}, no longer running)"
        for path in stale]
