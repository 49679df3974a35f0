"""A SQLite bag with a pending write-ahead log is merged into a temporary copy once per command.

``vjepa-ros eval`` opened the bag once to fail early and then read it: a 20 GB ``.db3`` whose
recorder was killed (its last messages only in ``-wal``) was copied and merged twice; the bag
player merged it at every opening: 11 copies over three loops.
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


def test_playback_merges_a_pending_log_once_per_pass_and_once_with_shared_copies(
        tmp_path, monkeypatch):
    # iter_bag opened the bag twice (its topics, then its messages) and the bag player once
    # more for its topics and again at every loop: each opening copied and merged the .db3
    from vjepa_ros.eval.playback import bag_contents, iter_bag
    from vjepa_ros.recordings.temp_copies import TempCopies

    bag = write_killed_sqlite_bag(tmp_path)
    merges = _counted_merges(monkeypatch)
    messages = list(iter_bag(bag))
    assert len(merges) == 1, f"one pass merged {len(merges)} times"
    assert len(messages) == 18, "the 3 messages only in the log are read too (6 × 3 topics)"
    copies = TempCopies()
    contents = bag_contents(bag, copies=copies)
    assert sum(info.count for info in contents.topics.values()) == 18
    for _ in range(2):  # a looping player's passes
        assert len(list(iter_bag(bag, copies=copies))) == 18
    assert len(merges) == 2, "the player's openings share one merged copy"
    copies.close()


def test_bag_player_node_merges_a_pending_log_once_over_its_loops(context, tmp_path,
                                                                   monkeypatch):
    import time

    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.bag_player import BagPlayer

    bag = write_killed_sqlite_bag(tmp_path)
    merges = _counted_merges(monkeypatch)
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("rate", value=50.0),
        Parameter("loop", value=True), Parameter("start_delay_s", value=0.0)])
    try:
        deadline = time.monotonic() + 60.0  # only a failing run waits this long
        while player.published < 3 * 18 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert player.published >= 3 * 18 and player.error is None, "three loops played"
    finally:
        player.destroy_node()
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"


def test_inspect_merges_a_pending_log_once_for_eval_s_reading_and_train_s(tmp_path,
                                                                            monkeypatch, capsys):
    # inspect reads a bag as eval does, then as train does: one merged copy for both, and the
    # copy's folder removed once the bag is read
    bag = write_killed_sqlite_bag(tmp_path)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)  # TMPDIR read again
    merges = _counted_merges(monkeypatch)
    code = main(["inspect", str(bag), "--frames-per-clip", "4"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "bag           " in out and "frames 6 on " in out, out  # the log's messages read
    assert "train         1 segment, 6 steps" in out, out
    assert len(merges) == 1, f"the .db3 and its log were copied {len(merges)} times"
    assert list(temp.iterdir()) == [], "the merged copy is removed after"
