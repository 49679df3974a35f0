"""One command at a time per output folder or file (``out_lock``): the second is refused."""

import os
import signal
import subprocess
import sys

import pytest

from vjepa_ros.cli import main
from vjepa_ros.out_lock import LOCK_NAME, NOTE, holds, release_output, release_outputs
from vjepa_ros.out_paths import fresh_output_dir, new_output_dir, output_dir, output_file

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..",
                      "shared", "data", "franka_example_traj.npz")
HOLD = ("import sys; from vjepa_ros import out_paths; f = getattr(out_paths, sys.argv[1]); "
        "f(sys.argv[2]) if sys.argv[1] == 'new_output_dir' else f(sys.argv[2], create=False); "
        "print('held', flush=True); sys.stdin.read()")


@pytest.fixture
def holder():
    """Start a process that claims a path (out_paths' function by name); yield its starter."""
    started = []

    def hold(function: str, path) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLD, function, str(path)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


@pytest.mark.parametrize("argv, function, held", [
    (["train", "--data", SHARED, "--init", "demo", "--out", "OUT"], "output_dir", "OUT"),
    (["collect", "--out", "OUT", "--episodes", "1"], "output_dir", "OUT"),
    (["pretrain", "--data", SHARED, "--out", "OUT/enc.pt"], "output_file", "OUT/enc.pt"),
])
def test_a_second_command_on_a_held_output_is_refused_naming_the_holder(
        argv, function, held, holder, tmp_path, capsys):
    # two trains 3 s apart with one --out both said "written .../world_model.pt" (tester)
    out = tmp_path / "out"
    argv = [str(out) + a[3:] if a.startswith("OUT") else a for a in argv]
    shown = str(out) + held[3:]
    process = holder(function, shown)
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    option = "--out"
    assert err.startswith(f"vjepa-ros {argv[0]}: {option} {shown}: in use by another vjepa-ros "
                          f"command (pid {process.pid}: -c {function} {shown}); wait for it to "
                          f"end or give another {option}"), err
    assert "\n" not in err


def test_a_killed_holder_leaves_no_stale_lock(
        holder, tmp_path):
    out = tmp_path / "a" / "run"
    process = holder("output_dir", out)
    with pytest.raises(ValueError, match=f"pid {process.pid}"):
        output_dir(out)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # what the killed holder leaves: its lock file, which says what it is and that it is free
    left = (out / LOCK_NAME).read_text().splitlines()
    assert left[0] == f"{process.pid}: -c output_dir {out}" and left[1] == NOTE
    assert "killed" in NOTE and "may be deleted" in NOTE
    assert output_dir(out, create=False) == out  # the kernel dropped the dead holder's lock
    assert os.listdir(out) == [LOCK_NAME]
    assert (out / LOCK_NAME).read_text().splitlines()[0].startswith(f"{os.getpid()}: ")
    release_outputs()
    assert os.listdir(out) == []  # the lock file goes; the folder was not this claim's to remove


def test_files_and_bags_are_claimed_beside_and_fresh_folders_never_shared(holder, tmp_path):
    process = holder("new_output_dir", tmp_path / "bag")
    with pytest.raises(ValueError, match=rf"^bag {tmp_path}/bag: in use .*pid {process.pid}"):
        new_output_dir(tmp_path / "bag")
    assert not (tmp_path / "bag").exists()  # the recorder makes the bag folder itself
    process = holder("output_file", tmp_path / "enc.pt")
    with pytest.raises(ValueError, match=rf"^--out {tmp_path}/enc.pt: in use"):
        output_file(tmp_path / "enc.pt")
    output_file(tmp_path / "other.pt")  # another file in that folder is free
    first, second = fresh_output_dir("run", tmp_path), fresh_output_dir("run", tmp_path)
    assert first != second and first.is_dir() and second.is_dir()
    (second / "episode.npz").write_bytes(b"x")
    release_outputs()
    assert not first.exists() and sorted(os.listdir(second)) == ["episode.npz"]


def test_a_long_lived_process_releases_one_claim_and_keeps_the_others(tmp_path):
    # the planner node claims camera_check.output_dir per ~/camera_check call, for its length
    first, second = tmp_path / "made" / "check", tmp_path / "other"
    output_dir(first, create=False)
    output_dir(second, create=False)
    assert holds(first) and holds(second)
    release_output(first)
    assert not holds(first) and holds(second)
    assert not (tmp_path / "made").exists(), "the folders the claim made, empty, go with it"
    release_output(first)  # not held: nothing
    assert os.listdir(second) == [LOCK_NAME]
    release_outputs()
    assert not second.exists()
