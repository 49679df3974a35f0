"""``vjepa-ros collect --out``: a folder of earlier episodes is refused; a stop says what it saved.

Collecting 2 episodes into a folder of episodes 0-4 replaced 0-1, kept 2-4 and wrote a
``collector.json`` listing 2 (exit 0); stopped before its first episode, collect said "0 of 2
episodes saved in FOLDER" for a folder that did not exist.
"""

from __future__ import annotations

import pytest

from vjepa_ros.cli import main


def _no_simulation(*args, **kwargs):
    raise AssertionError("the simulator started")


@pytest.mark.parametrize("task, name", [("motion", "episode_000003.npz"),
                                        ("grasp", "grasp_cup_000000.npz")])
def test_a_folder_that_holds_episodes_is_refused_before_any_simulation(task, name, tmp_path,
                                                                       monkeypatch, capsys):
    import vjepa_ros.sim.collector as collector
    import vjepa_ros.sim.manipulation as manipulation

    monkeypatch.setattr(collector, "collect", _no_simulation)
    monkeypatch.setattr(manipulation, "collect_manipulation", _no_simulation)
    out = tmp_path / "col_term"
    out.mkdir()
    (out / name).write_bytes(b"earlier run")
    (out / "episode_000004.npz").write_bytes(b"earlier run")
    assert main(["collect", "--out", str(out), "--task", task, "--episodes", "2"]) == 1
    err = capsys.readouterr().err
    assert err == (f"vjepa-ros collect: --out {out} holds 2 episode files already "
                   f"({sorted([name, 'episode_000004.npz'])[0]}, ...); collect does not "
                   "overwrite them: give another --out, or remove the folder\n")
    assert (out / name).read_bytes() == b"earlier run"


def test_a_folder_without_episodes_is_used(tmp_path, monkeypatch):
    import vjepa_ros.sim.collector as collector

    calls = []
    monkeypatch.setattr(collector, "collect", lambda out, *args, **kwargs: calls.append(out))
    out = tmp_path / "notes"
    out.mkdir()
    (out / "README.txt").write_text("not an episode")
    assert main(["collect", "--out", str(out), "--episodes", "1"]) == 0
    assert calls == [str(out)]


@pytest.mark.parametrize("written, line", [
    (0, "interrupted; nothing saved (0 of 2 episodes)"),
    (1, "interrupted; 1 of 2 episodes saved in OUT"),
])
def test_a_stopped_collect_names_the_folder_only_when_it_saved_something(
        written, line, tmp_path, monkeypatch, capsys):
    import vjepa_ros.sim.collector as collector

    out = tmp_path / "col_early"

    def stopped(out_dir, episodes, seed, *args, **kwargs):
        if written:
            out.mkdir(exist_ok=True)  # made by the check, to hold its lock (out_lock)
            (out / "episode_000000.npz").write_bytes(b"")
        raise KeyboardInterrupt

    monkeypatch.setattr(collector, "collect", stopped)
    assert main(["collect", "--out", str(out), "--episodes", "2"]) == 130
    assert capsys.readouterr().err == f"vjepa-ros collect: {line.replace('OUT', str(out))}\n"


def test_one_episode_file_is_named_alone(tmp_path, monkeypatch, capsys):
    import vjepa_ros.sim.collector as collector

    monkeypatch.setattr(collector, "collect", _no_simulation)
    out = tmp_path / "one"
    out.mkdir()
    (out / "episode_000000.npz").write_bytes(b"earlier run")
    assert main(["collect", "--out", str(out), "--episodes", "2"]) == 1
    assert capsys.readouterr().err == (
        f"vjepa-ros collect: --out {out} holds 1 episode file already (episode_000000.npz); "
        "collect does not overwrite it: give another --out, or remove the folder\n")


def test_partial_episodes_of_a_killed_collect_are_removed_and_said(tmp_path, monkeypatch,
                                                                   capsys):
    """Each ``kill -9`` while an episode was saved left one more ``*.npz.PID.partial``."""
    import os

    from test_atomic_files import dead_pid

    import vjepa_ros.sim.collector as collector

    monkeypatch.setattr(collector, "collect", lambda *args, **kwargs: None)
    out = tmp_path / "col"
    out.mkdir()
    dead, live = dead_pid(), os.getppid()
    for name in [f"episode_000001.npz.{dead}.partial", f"episode_000002.npz.{live}.partial",
                 f"notes.txt.{dead}.partial"]:
        (out / name).write_bytes(b"half")
    assert main(["collect", "--out", str(out), "--episodes", "1"]) == 0
    assert f"note: removed 1 partial file(s) of stopped runs in {out} (episode_000001.npz." \
        f"{dead}.partial)" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [f"episode_000002.npz.{live}.partial",
                                                     f"notes.txt.{dead}.partial"]
