"""Files a later run reads back are written whole or not at all (``vjepa_ros.atomic_files``)."""

import numpy as np
import pytest

from vjepa_ros.atomic_files import replacing, write_text


def _stopped_while_writing(target, *args, **kwargs):
    half = b"PK\x03\x04 half an archive"
    target.write(half) if hasattr(target, "write") else open(target, "wb").write(half)
    raise KeyboardInterrupt  # Ctrl-C mid-write


def test_a_write_stopped_midway_leaves_the_old_file_and_no_partial(tmp_path):
    path = write_text(tmp_path / "rows.json", "old")
    with pytest.raises(KeyboardInterrupt), replacing(path) as partial:
        _stopped_while_writing(partial)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["rows.json"]
    write_text(path, "new")
    assert path.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_an_episode_stopped_while_saved_leaves_no_truncated_file(tmp_path, monkeypatch):
    """``collect`` stopped mid-save left a truncated .npz that ``train`` then read."""
    from vjepa_ros.recordings.episode import Episode

    states = np.zeros((3, 7), np.float32)
    states[:, 2] = [0.3, 0.31, 0.32]
    episode = Episode.from_states(np.zeros((3, 8, 8, 3), np.uint8), states, [0.0, 0.1, 0.2])
    save = np.savez_compressed
    monkeypatch.setattr(np, "savez_compressed", _stopped_while_writing)
    with pytest.raises(KeyboardInterrupt):
        episode.save(tmp_path / "episode_000000.npz")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(np, "savez_compressed", save)
    path = episode.save(tmp_path / "episode_000000.npz")
    assert len(Episode.load(path)) == 3 and list(tmp_path.iterdir()) == [path]


def dead_pid() -> int:
    """Return the id of a process that has ended (a child run and waited for)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_the_wanted_partials_of_ended_processes_are_removed_and_said(tmp_path):
    """``kill -9`` mid-save left ``NAME.PID.partial`` files that nothing removed or named."""
    import os

    from vjepa_ros.atomic_files import remove_stale_partials

    dead, live = dead_pid(), os.getppid()
    names = [f"a.pt.{dead}.partial", f"b.pt.{dead}.partial", f"a.pt.{live}.partial",
             f"a.pt.{os.getpid()}.partial", f"other.txt.{dead}.partial", "a.pt.partial"]
    for name in names:
        (tmp_path / name).write_text("half")
    said = []
    removed = remove_stale_partials(tmp_path, lambda name: name.endswith(".pt"), said.append)
    assert [p.name for p in removed] == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
    assert said == [f"note: removed 2 partial file(s) of stopped runs in {tmp_path} "
                    f"({names[0]}, {names[1]})"]
    assert remove_stale_partials(tmp_path, lambda name: True, said.append) == \
        [tmp_path / names[4]] and len(said) == 2
    assert remove_stale_partials(tmp_path / "missing", lambda name: True) == []


def test_an_eval_report_removes_the_partial_report_of_a_killed_run(tmp_path, capsys):
    """``report.json.PID.partial`` of an eval killed while writing stayed beside the report."""
    from vjepa_ros.eval.report import write_report

    stale = tmp_path / f"report.json.{dead_pid()}.partial"
    stale.write_text("half")
    (tmp_path / "plot.png.1.partial").write_text("not the report's")
    write_report({"steps": 1}, tmp_path, plots=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png.1.partial", "report.json"]
    assert f"({stale.name})" in capsys.readouterr().out


def test_folder_scans_for_data_leave_partial_files_out(tmp_path):
    """A killed writer's ``x.mcap.PID.partial`` in a bag folder changed its cache identity."""
    from vjepa_ros.recordings.bag_files import walk_files
    from vjepa_ros.train.episodes import Source
    from vjepa_ros.train.feature_cache import source_identity

    bag = tmp_path / "bag"
    (bag / "sub").mkdir(parents=True)
    (bag / "x_0.mcap").write_bytes(b"data")
    before = source_identity(Source(bag, "bag"))
    (bag / "sub" / f"x_1.mcap.{dead_pid()}.partial").write_bytes(b"half of a big file")
    assert walk_files(bag) == [bag / "x_0.mcap"]
    assert source_identity(Source(bag, "bag"))["bytes"] == before["bytes"]


def test_a_directory_in_the_way_is_named_with_what_to_do_not_the_partial(tmp_path):
    """The replace failed with ``[Errno 21] Is a directory: 'r.json.PID.partial' -> ...``."""
    (tmp_path / "report.json").mkdir()
    with pytest.raises(OSError) as caught:
        write_text(tmp_path / "report.json", "{}")
    assert str(caught.value) == f"{tmp_path / 'report.json'} is a directory: remove or rename it"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no partial left


def test_an_immutable_file_in_the_way_is_named_with_what_to_do(tmp_path, monkeypatch):
    import errno
    import os

    path = write_text(tmp_path / "collector.json", "old")

    def immutable(src, dst):
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(src), str(dst))

    monkeypatch.setattr(os, "replace", immutable)
    with pytest.raises(OSError) as caught:
        write_text(path, "new")
    line = str(caught.value)
    assert line.startswith(f"cannot replace {path} (Operation not permitted): remove it or make "
                           "it writable") and "partial" not in line and "\n" not in line
    assert caught.value.errno == errno.EPERM
    assert path.read_text() == "old" and len(list(tmp_path.iterdir())) == 1
