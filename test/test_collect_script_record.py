"""Check collect_manipulation_episodes.sh's ``collected.txt`` record and a failed collect.

The record names the collect and its episodes by name, and any ``vjepa-ros collect`` into a
folder removes it: a folder emptied and collected again by hand (other options, or stopped at
the recorded count) is never kept as the recorded collect's. A collect that fails (every seed
SKIPPED: status 1, nothing saved) no longer stops the overnight script: the other folders are
collected, the last lines name the short and failed folders, and the status is 1 at the end.
"""

from __future__ import annotations

import pytest
from collect_script_harness import calls, run_collect
from test_script_folders import run_script

from vjepa_ros.cli import main


def test_a_record_of_other_episodes_is_collected_again(tmp_path):
    """The record names seeds 0 and 2; the folder holds 0 and 1 (as many): collected again."""
    gap = 'mkdir -p "$out"; touch "$out/grasp_cup_000000.npz" "$out/grasp_cup_000002.npz"\n'
    first = run_collect(tmp_path, gap)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "work" / "train" / "grasp_cup"
    record = (folder / "collected.txt").read_text().splitlines()
    assert record[1:] == ["grasp_cup_000000.npz", "grasp_cup_000002.npz"], record
    assert record[0].endswith(": 2 episodes"), record
    assert "short of the episodes asked" in first.stderr and \
        "train/grasp_cup (2 of 3 episodes)" in first.stderr, first.stderr
    (folder / "grasp_cup_000002.npz").rename(folder / "grasp_cup_000001.npz")
    again = run_collect(tmp_path, gap)
    assert again.returncode == 0 and len(calls(tmp_path)) == 2, again.stderr
    assert "+ kept" not in again.stderr
    kept = run_collect(tmp_path, gap)
    assert "+ kept" in kept.stderr and len(calls(tmp_path)) == 2, kept.stderr


@pytest.mark.parametrize("status", [0, 1])
def test_collect_removes_the_record_of_an_earlier_collect_when_it_starts(
        tmp_path, monkeypatch, status):
    """A hand-run collect into a recorded folder (its episodes removed) removes the record.

    Whether it then ends well or not (status 1: every seed skipped, here a RuntimeError): the
    episodes in the folder are not the recorded collect's.
    """
    import vjepa_ros.sim.manipulation as manipulation

    def collected(out, *args, **kwargs):
        assert not (tmp_path / "collected.txt").exists(), "the record outlived the start"
        if status:
            raise RuntimeError("no episode written: all 2 seeds skipped, seed 0: (test)")
        (tmp_path / "grasp_cup_000000.npz").write_bytes(b"")

    monkeypatch.setattr(manipulation, "collect_manipulation", collected)
    (tmp_path / "collected.txt").write_text("vjepa-ros collect --task grasp: 1 episodes\n"
                                            "grasp_cup_000000.npz\n")
    (tmp_path / "notes.txt").write_text("kept")
    assert main(["collect", "--out", str(tmp_path), "--task", "grasp", "--episodes", "2"]) \
        == status
    assert not (tmp_path / "collected.txt").exists()
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_a_refused_collect_leaves_the_record(tmp_path, monkeypatch):
    """A folder holding episodes is refused before anything changes: its record stays."""
    import vjepa_ros.sim.manipulation as manipulation

    monkeypatch.setattr(manipulation, "collect_manipulation",
                        lambda *args, **kwargs: pytest.fail("the simulator started"))
    (tmp_path / "collected.txt").write_text("record\n")
    (tmp_path / "grasp_cup_000000.npz").write_bytes(b"")
    assert main(["collect", "--out", str(tmp_path), "--task", "grasp", "--episodes", "1"]) == 1
    assert (tmp_path / "collected.txt").read_text() == "record\n"


# A collect that writes every episode asked, but for grasp with the box: every seed SKIPPED
# (nothing written, status 1); pick-and-place with the cup skips its first seed (status 0).
FAILING_CLI = ('#!/bin/sh\necho "args=$*"\nout=""; n=0; prev=""; task=""; obj=""\nfor a in "$@"; '
               'do [ "$prev" = "--out" ] && out="$a"; [ "$prev" = "--episodes" ] && n="$a"; '
               '[ "$prev" = "--task" ] && task="$a"; [ "$prev" = "--object" ] && obj="$a"; '
               'prev="$a"; done\n'
               'if [ "$task/$obj" = grasp/box ]; then echo "vjepa-ros collect: no episode '
               'written: all $n seeds skipped, seed 0: (test)" >&2; exit 1; fi\n'
               'mkdir -p "$out"; i=0; [ "$task/$obj" = pick-and-place/cup ] && i=1\n'
               'while [ "$i" -lt "$n" ]; do : > "$out/episode_$i.npz"; i=$((i + 1)); done\n')


def test_a_folder_whose_every_seed_is_skipped_does_not_stop_the_others(tmp_path):
    """All 12 folders are collected; the end names the failed and the short ones; status 1.

    Then a rerun keeps the 10 finished folders (the short ones by their record) and collects the
    failed ones again (here failing again: the same lines, status 1).
    """
    done = run_script(tmp_path, "collect_manipulation_episodes.sh", WORK="w",
                      fake_cli=FAILING_CLI)
    collects = [line for line in done.stdout.splitlines() if line.startswith("args=collect")]
    assert len(collects) == 12, done.stdout + done.stderr
    assert done.returncode == 1, done.stderr
    tail = done.stderr.splitlines()[-6:]
    assert tail == [
        "collect_manipulation_episodes.sh: short of the episodes asked (seeds SKIPPED: see "
        "their lines above):",
        "  train/pick-and-place_cup (59 of 60 episodes)",
        "  train2/pick-and-place_cup (39 of 40 episodes)",
        "collect_manipulation_episodes.sh: FAILED (see the lines of their collect; a rerun "
        "collects them again):",
        "  train/grasp_box (collect status 1, 0 of 60 episodes)",
        "  train2/grasp_box (collect status 1, 0 of 40 episodes)"], done.stderr
    work = (tmp_path / "caller" / "w").resolve()
    assert not (work / "train" / "grasp_box").exists()
    assert len(list((work / "train" / "pick-and-place_box").glob("*.npz"))) == 60
    again = run_script(tmp_path / "again", "collect_manipulation_episodes.sh", WORK=str(work),
                       fake_cli=FAILING_CLI)
    redone = [line for line in again.stdout.splitlines() if line.startswith("args=collect")]
    assert [line.split("--out ")[1] for line in redone] == [
        f"{work}/train/grasp_box", f"{work}/train2/grasp_box"], redone
    assert again.stderr.count("+ kept ") == 10 and again.returncode == 1, again.stderr
    assert again.stderr.splitlines()[-6:] == tail


def test_a_killed_collect_stops_the_script_at_once(tmp_path):
    """A collect stopped by a signal (130: Ctrl-C) ends the script there, with its status."""
    stopped = run_collect(tmp_path, "exit 130\n",
                          "collect grasp cup 3 0 train\ncollect grasp box 3 0 train")
    assert stopped.returncode == 130 and len(calls(tmp_path)) == 1, stopped.stderr
    assert "FAILED" not in stopped.stderr
