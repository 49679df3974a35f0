"""benchmarks/bench_jump_streams.py: random arm streams, their truth, the jump rule's table."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import bench_jump_streams as bench  # repository root on sys.path: conftest
from benchmarks.jump_streams import EVENTS, RESETS, Stream
from vjepa_ros.robot.jump_watch import JumpWatch

ROOT = Path(__file__).resolve().parent.parent


def run_main(monkeypatch, capsys, *argv: str) -> str:
    monkeypatch.setattr(sys, "argv", ["bench_jump_streams.py", *argv])
    assert bench.main() == 0
    return capsys.readouterr().out


def package_copy(folder: Path) -> Path:
    """Copy this checkout's vjepa_ros (its top-level modules and robot/) under ``folder``."""
    package = folder / "vjepa_ros"
    package.mkdir(parents=True)
    for source in (ROOT / "vjepa_ros").glob("*.py"):
        shutil.copy(source, package)
    shutil.copytree(ROOT / "vjepa_ros" / "robot", package / "robot",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_truth_is_a_new_world_for_the_resets_alone():
    assert set(RESETS) == {kind for kind in EVENTS if "reset" in kind or kind == "rehome"}
    assert len(set(EVENTS)) == len(EVENTS) == 24


def test_a_stream_is_the_same_for_its_seed_and_labels_every_state():
    first, again, other = Stream(3), Stream(3), Stream(4)
    assert first.events == again.events and len(first.states) == len(again.states)
    assert all(a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2] == b[2] and a[3] == b[3]
               for a, b in zip(first.states, again.states, strict=True))
    assert [s[1][:3].tolist() for s in other.states[:50]] != \
        [s[1][:3].tolist() for s in first.states[:50]]
    labels = [s[3] for s in first.states]
    assert labels == sorted(labels) and set(labels) == {-1, *range(len(first.events))}
    assert 3 <= len(first.events) <= 6 and set(first.events) <= set(EVENTS)


def test_a_glitch_after_a_gap_is_no_new_world_and_the_current_rule_says_so():
    stream = Stream(86)  # 10 Hz, untimed: a 0.9 s gap, a state 17 cm off, then the arm's own
    assert stream.events[0] == "gap_glitch" and "gap_glitch" not in RESETS
    rows = list(bench.verdicts(JumpWatch, stream.states))
    glitch = next(i for i, s in enumerate(stream.states) if s[3] == 0)
    assert np.linalg.norm(stream.states[glitch][1][:3] - stream.states[glitch - 1][1][:3]) > 0.15
    assert rows[glitch][0] == "" and rows[glitch + 1][0]  # it passes; the way back is a jump
    asked = [row for row, state in zip(rows, stream.states, strict=True)
             if state[3] == 0 and row[1]]
    assert len(asked) == 1 and asked[0][2] is None  # the hold ended: no new world
    assert bench.new_worlds(JumpWatch, stream)[0] is False


def test_a_few_seeds_print_the_table_with_a_baseline(monkeypatch, capsys, tmp_path):
    ours = sys.modules["vjepa_ros.robot.jump_watch"]
    baseline = bench.watch_class(package_copy(tmp_path / "base"))
    assert Path(baseline.problem.__code__.co_filename).is_relative_to(tmp_path)
    assert baseline is not JumpWatch
    assert sys.modules["vjepa_ros.robot.jump_watch"] is ours  # this checkout's is back
    out = run_main(monkeypatch, capsys, "--seeds", "4", "--seed0", "84",
                   "--baseline", str(tmp_path / "base"))
    lines = out.splitlines()
    assert lines[0].startswith("# jump rule on 4 random streams (seeds 84..87)")
    assert lines[1] == ("| event | events | truth | wrong current | wrong baseline | "
                        "only current right | only baseline right |")
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in lines[3:] if line.startswith("| ")]
    total = rows.pop()
    assert total[0] == "total"
    kinds = [Stream(seed).events for seed in range(84, 88)]
    assert int(total[1]) == sum(len(events) for events in kinds)
    assert sum(int(row[1]) for row in rows) == int(total[1])
    for kind, count, truth, wrong, wrong_base, only_current, only_base in rows:
        assert int(count) == sum(events.count(kind) for events in kinds)
        assert truth == ("new world" if kind in RESETS else "no new world")
        assert wrong == wrong_base and only_current == only_base == "0"  # the same code
    assert "current: " in out and "baseline: " in out and "resets missed" in out


def test_a_replay_prints_each_states_problem_and_landed(monkeypatch, capsys):
    out = run_main(monkeypatch, capsys, "--event", "gap_glitch", "--seed", "86")
    assert "# event 0 (gap_glitch): truth no new world; judged current right" in out
    assert "current: jumps 0.141 m in 100 ms" in out
    assert "current: no jump; landed(): None" in out
    out = run_main(monkeypatch, capsys, "--event", "reset_stale", "--seed", "0")
    assert "# event 1 (reset_stale): truth new world; judged current right" in out
    assert "# event 2 (reset_stale): truth new world; judged current wrong" in out  # each one


@pytest.mark.parametrize("argv, message", [
    (["--event", "glitch"], "--event KIND and --seed S go together"),
    (["--seeds", "0"], "--seeds 0: must be >= 1"),
])
def test_bad_options_are_one_line(monkeypatch, capsys, argv, message):
    monkeypatch.setattr(sys, "argv", ["bench_jump_streams.py", *argv])
    with pytest.raises(SystemExit) as caught:
        bench.main()
    err = capsys.readouterr().err
    assert caught.value.code == 2 and message in err and err.count("\n") == 1, err


def test_a_baseline_without_the_package_or_a_missing_event_says_what_to_do(
        monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="no vjepa_ros/robot/jump_watch.py in it; make one"):
        bench.watch_class(tmp_path)
    monkeypatch.setattr(sys, "argv", ["bench_jump_streams.py", "--event", "burst",
                                      "--seed", "86"])
    with pytest.raises(ValueError, match="--event burst: seed 86's stream has none; its "
                                         "events: gap_glitch, hand_reset"):
        bench.main()
