"""A SQLite bag with a pending write-ahead log is merged into a temporary copy once per command.

``vjepa-ros eval`` opened the bag once to fail early and then read it: a 20 GB ``.db3`` whose
recorder was killed (its last messages only in ``-wal``) was copied and merged twice.
"""

import pytest

from conftest import write_killed_sqlite_bag
from vjepa_ros.cli import main
from vjepa_ros.recordings import sqlite_wal

pytestmark = pytest.mark.usefixtures("one_thread")


def _counted_merges(monkeypatch) -> list:
    """Return the list every merge of a .db3 with its log appends its file to."""
    merges, real = [], sqlite_wal._merge

    def counted(*args, **kwargs):
        merges.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite_wal, "_merge", counted)
    return merges


def test_eval_merges_a_pending_log_once(tmp_path, monkeypatch, capsys):
    bag = write_killed_sqlite_bag(tmp_path)
    assert sqlite_wal.pending_wal(next(bag.glob("*.db3"))) is not None
    merges = _counted_merges(monkeypatch)
    code = main(["eval", str(bag), "--checkpoint", "demo", "--out", str(tmp_path / "out"),
                 "--goal-offset", "100000", "--quiet"])  # refused once the bag is read
    err = capsys.readouterr().err
    assert code == 1 and "--goal-offset 100000" in err, err
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"


def test_camera_check_merges_a_pending_log_once(tmp_path, monkeypatch, capsys):
    bag = write_killed_sqlite_bag(tmp_path)
    merges = _counted_merges(monkeypatch)
    code = main(["camera-check", str(bag), "--checkpoint", "demo", "--out",
                 str(tmp_path / "out"), "--start", "1000"])  # refused once the bag is read
    err = capsys.readouterr().err
    assert code in (1, 2) and "--start" in err, err
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"
