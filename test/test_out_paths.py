"""Every command checks its output location before it works, with one line naming the option."""

import errno
import os
import tempfile
from pathlib import Path

import pytest

from vjepa_ros.cli import main
from vjepa_ros.out_lock import LOCK_NAME, release_outputs
from vjepa_ros.out_paths import output_dir, output_file


def test_output_dir_creates_parents_and_refuses_files_in_the_way(tmp_path):
    made = output_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for path in (blocker, blocker / "below"):
        with pytest.raises(ValueError, match=f"--out {path}: {blocker} is a file"):
            output_dir(path)


def test_output_dir_can_check_without_creating(tmp_path):
    path = output_dir(tmp_path / "later" / "run", create=False)
    assert sorted(os.listdir(path)) == [LOCK_NAME]  # made only to hold the claim
    release_outputs()  # the command's end: what it made and left empty goes
    assert not path.exists() and not path.parent.exists()
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        output_dir(tmp_path / "f" / "run", create=False)


def test_checking_without_creating_tries_for_real_and_leaves_nothing(tmp_path, monkeypatch):
    # /proc: access() says writable to root, yet nothing can be made there (tester, session 12)
    if Path("/proc/self").is_dir():
        with pytest.raises(ValueError, match=r"^--out /proc/nope/run: cannot create it in /proc"):
            output_dir("/proc/nope/run", create=False)
        with pytest.raises(ValueError) as caught:  # the kernel's ENOENT: /proc is there (user52u)
            output_dir("/proc/nope", create=False)
        assert "No such file" not in str(caught.value), caught.value
    before = sorted(tmp_path.iterdir())
    assert output_dir(tmp_path / "a" / "b", create=False) == tmp_path / "a" / "b"
    release_outputs()
    assert sorted(tmp_path.iterdir()) == before  # the probe folder is gone

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    with pytest.raises(ValueError, match="Read-only file system"):
        output_dir(tmp_path / "c", "--out-dir", create=False)


def test_output_file_refuses_a_directory_and_creates_the_folder(tmp_path):
    with pytest.raises(ValueError, match="is a directory; give a file name"):
        output_file(tmp_path)
    path = output_file(tmp_path / "new" / "encoder.pt")
    assert path.parent.is_dir() and not path.exists()



def test_an_existing_folder_that_cannot_be_written_is_refused_for_root_too(tmp_path, monkeypatch):
    # os.access passes for root on /proc, /sys or a read-only mount: bench_manipulation.py --json
    # /proc/x.json ran the whole benchmark, then lost it in a traceback
    with pytest.raises(ValueError, match=r"^--json /proc: not writable \(.*\); give a directory"):
        output_file("/proc/x.json", "--json")
    (tmp_path / "mount").mkdir()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    with pytest.raises(ValueError, match="mount: not writable .Read-only file system"):
        output_file(tmp_path / "mount" / "results.json", "--json")


@pytest.mark.parametrize("command", [
    ["collect", "--task", "motion", "--episodes", "1"],
    ["collect", "--task", "grasp", "--episodes", "1"],
    ["eval", "missing.mcap"],
    ["pretrain", "--data", "missing"],
    ["reach"],
])
def test_commands_refuse_a_file_as_output_before_working(tmp_path, capsys, command):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    out = blocker / "enc.pt" if command[0] == "pretrain" else blocker
    assert main([*command, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{blocker} is a file" in err and err.count("\n") == 1


def test_an_existing_folder_that_cannot_be_written_is_not_said_to_be_created(tmp_path,
                                                                             monkeypatch):
    """``--out ro`` (there, not writable) said "cannot create it in ro"."""
    ro = tmp_path / "ro"
    ro.mkdir()

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    with pytest.raises(ValueError) as caught:
        output_dir(ro, create=False)
    assert str(caught.value) == (f"--out {ro}: cannot write in it (Permission denied); give a "
                                 "directory you can write")
    with pytest.raises(ValueError, match=rf"^--out {ro / 'new'}: cannot create it in {ro} "):
        output_dir(ro / "new", create=False)  # a folder still to be made: as before
