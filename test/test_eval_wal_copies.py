"""A SQLite bag with a pending write-ahead log is merged into a temporary copy once per command.

``vjepa-ros eval`` opened the bag once to fail early and then read it: a 20 GB ``.db3`` whose
recorder was killed (its last messages only in ``-wal``) was copied and merged twice.
"""

import sqlite3

import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import sqlite_wal
from vjepa_ros.recordings.bag_writing import write_bag

pytestmark = pytest.mark.usefixtures("one_thread")


def _bag_with_pending_log(folder):
    """Return a SQLite bag whose newest message is only in its ``-wal`` (a killed recorder)."""
    frames, states, _ = synthetic_episode(24)
    bag = write_bag(folder, frames, states, storage="sqlite3")
    db = next(bag.glob("*.db3"))
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    row = connection.execute("SELECT id, topic_id, timestamp, data FROM messages ORDER BY "
                             "timestamp DESC LIMIT 1").fetchone()
    connection.execute("DELETE FROM messages WHERE id = ?", (row[0],))
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("INSERT INTO messages(topic_id, timestamp, data) VALUES (?, ?, ?)",
                       row[1:])
    connection.commit()
    # kept open: closing the last connection would checkpoint the log into the .db3
    return bag, db, connection


def test_eval_merges_a_pending_log_once(tmp_path, monkeypatch, capsys):
    bag, db, connection = _bag_with_pending_log(tmp_path / "bag")
    try:
        assert sqlite_wal.pending_wal(db) is not None
        merges = []
        real = sqlite_wal._merge

        def counted(*args, **kwargs):
            merges.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(sqlite_wal, "_merge", counted)
        code = main(["eval", str(bag), "--checkpoint", "demo", "--out", str(tmp_path / "out"),
                     "--goal-offset", "100000", "--quiet"])  # refused once the bag is read
        err = capsys.readouterr().err
    finally:
        connection.close()
    assert code == 1 and "--goal-offset 100000" in err, err
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"


def test_camera_check_merges_a_pending_log_once(tmp_path, monkeypatch, capsys):
    bag, db, connection = _bag_with_pending_log(tmp_path / "bag")
    try:
        merges = []
        real = sqlite_wal._merge
        monkeypatch.setattr(sqlite_wal, "_merge",
                            lambda *args, **kwargs: merges.append(args[0]) or real(*args,
                                                                                   **kwargs))
        code = main(["camera-check", str(bag), "--checkpoint", "demo", "--out",
                     str(tmp_path / "out"), "--start", "1000"])  # refused once the bag is read
        err = capsys.readouterr().err
    finally:
        connection.close()
    assert code in (1, 2) and "--start" in err, err
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"
