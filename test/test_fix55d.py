"""fix55d: the families of breaker55d's defects (test_breaker55d.py holds the named inputs).

Held-out seeds: one rule for every command that takes scene seeds (collect refuses them for
every task and every crossing range; run, the reach demo and the benchmarks note training
seeds). The final frame: rendered when the episode ends, for reach too. The never-closes note:
every graspable kind by its measured held closedness. A stopped run: what it saved, wherever
the stop came, and the totals so far. The energy rule with no energy test: refused by the
node's settings too. ``Sim.preserved`` puts back a running gripper move. CPU, pybullet DIRECT,
32 px.
"""

import re

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from cli_runs import _stop_at_call  # noqa: E402  (Ctrl-C at a function's N-th call)

from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.choices import (  # noqa: E402
    HELD_OUT_SEED_START,
    check_training_seeds,
    training_seeds_note,
)

SEED = HELD_OUT_SEED_START


def _main(argv, capsys) -> tuple[int, str, str]:
    from vjepa_ros.cli import main

    status = main(argv)
    printed = capsys.readouterr()
    return status, printed.out, printed.err


# -- held-out seeds


@pytest.mark.parametrize("task", ["motion", "grasp", "reach-with-object", "pick-and-place"])
@pytest.mark.parametrize("seed, episodes", [(SEED, 1), (SEED + 5, 3), (SEED - 1, 2),
                                            (SEED - 10, 11), (0, SEED + 1)])
def test_collect_refuses_every_range_that_reaches_the_held_out_seeds(tmp_path, capsys,
                                                                     monkeypatch, task, seed,
                                                                     episodes):
    import vjepa_ros.sim.collector as collector
    import vjepa_ros.sim.manipulation as manipulation

    def started(*_args, **_kwargs):
        raise AssertionError("collect started on held-out seeds")

    monkeypatch.setattr(collector, "collect", started)
    monkeypatch.setattr(manipulation, "collect_manipulation", started)
    out = tmp_path / "data"
    status, _, err = _main(["collect", "--task", task, "--seed", str(seed), "--episodes",
                            str(episodes), "--width", "32", "--height", "32", "--out", str(out)],
                           capsys)
    assert status == 2 and not out.exists(), err
    line = err.strip()
    assert line.count("\n") == 0 and line.startswith(f"vjepa-ros collect: --seed {seed}"), line
    assert f"seeds {SEED} and up are the held-out" in line and f"below {SEED}" in line, line
    if seed < SEED:  # what fits: the count up to the held-out seeds
        assert f"the last would be {seed + episodes - 1}" in line, line
        assert f"--episodes at most {SEED - seed}" in line, line


def test_the_training_seeds_up_to_the_held_out_ones_are_taken():
    check_training_seeds(0, SEED)  # 0 .. 899999
    check_training_seeds(SEED - 1, 1)
    with pytest.raises(ValueError, match=r"^--seed-start 899999 with --seeds 2: "):
        check_training_seeds(SEED - 1, 2, "--seed-start", "--seeds")


@pytest.mark.parametrize("seed, count, words", [
    (SEED, 20, None),
    (SEED - 1, 1, "seed 899999 (from --seed) is a training seed"),
    (SEED - 2, 5, "seeds 899998..899999 (from --seed) are training seeds"),
    (0, 3, "seeds 0..2 (from --seed) are training seeds"),
])
def test_evaluations_on_training_seeds_get_a_note(seed, count, words):
    note = training_seeds_note(seed, count)
    if words is None:
        assert note == ""
    else:
        assert note.startswith(words) and "not held-out" in note, note
        assert f"held-out scenes are {SEED} and up" in note, note


def test_run_on_training_seeds_says_so_before_its_first_episode(tmp_path, capsys, monkeypatch):
    """``run --seed 899999 --episodes 2``: one note line; stopped in the first set-up."""
    import vjepa_ros.sim.manipulation as manipulation

    _stop_at_call(monkeypatch, manipulation, "setup_task", 1)
    status, out, err = _main(["run", "--task", "grasp", "--world-model", "oracle", "--size",
                              "32", "--seed", str(SEED - 1), "--episodes", "2", "--out",
                              str(tmp_path)], capsys)
    assert status == 130
    notes = [line for line in out.splitlines() if "training seed" in line]
    assert len(notes) == 1 and notes[0].startswith("note         seed 899999 (from --seed) is "
                                                   "a training seed"), out
    assert err.strip() == "vjepa-ros run: interrupted; nothing saved of seed 899999 (no step " \
                          "done)", err
    assert "total:" not in out  # no episode ended: no totals


# -- the final frame


def test_a_reach_episodes_final_frame_is_the_scene_at_its_end():
    """Reach (``run_reach_episode``, what ``reach`` and bench_reach run): its ``end X cm`` tile."""
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config, run_reach_episode
    from vjepa_ros.sim.reach_config import ReachConfig, load_reach_config

    config = load_reach_config(None, {})
    settings = config.sim
    settings.width = settings.height = 32
    with Sim(reach_sim_config(SEED, settings)) as sim:
        model = OracleWorldModel().attach(sim)
        goal = make_reach_goal(sim, SEED)
        episode = run_reach_episode(sim, model, goal, config.planner.to_cem(),
                                    ReachConfig(max_steps=2), seed=SEED)
        assert np.array_equal(episode.final_frame, sim.render())  # the scene now, at the end
        assert not any(episode.final_frame is step.frame for step in episode.steps)
        assert model.state_of(episode.final_frame)[:3] == pytest.approx(sim.ee_state()[:3],
                                                                         abs=1e-9)


# -- the never-closes note


def test_every_objects_held_closedness_is_what_the_hand_reads_holding_it():
    """The note's number: the clean expert's ``closed`` sub-goal, per kind (objects.py)."""
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.objects import GRASPABLES

    for kind, spec in GRASPABLES.items():
        with Sim(manipulation_sim_config(SEED, kind, 32, 32)) as sim:
            setup = setup_task(sim, SEED, "grasp", dense=True)
        closed = setup.goals[setup.names.index("closed")].state[6]
        assert spec.held_closedness() == pytest.approx(closed, abs=0.005), kind


@pytest.mark.parametrize("kind", ["cup", "box"])
@pytest.mark.parametrize("task", ["grasp", "pick-and-place"])
def test_the_never_closes_note_holds_for_every_object_at_its_own_closedness(kind, task):
    from vjepa_ros.sim.objects import graspable_spec
    from vjepa_ros.sim.run_notes import setup_note

    held = graspable_spec(kind).held_closedness()
    above = setup_note(task, True, "planned", "oracle", kind, held + 0.01)
    assert f"held {kind} read closedness {held:.2f}" in above, above
    assert "--gripper-round-threshold" in above and above.startswith(f"{task}: "), above
    assert setup_note(task, True, "planned", "oracle", kind, held - 0.01) == ""
    assert setup_note("reach-with-object", False, "planned", "oracle", kind, 0.9) == ""


# -- a stopped run


def test_a_stop_while_pictures_are_written_names_the_files_written(tmp_path, capsys,
                                                                    monkeypatch):
    """Ctrl-C after episode 1's strip is written, before its GIF: the strip is named."""
    import vjepa_ros.sim.reach_media as reach_media

    _stop_at_call(monkeypatch, reach_media, "save_gif", 1)
    status, out, err = _main(["run", "--task", "grasp", "--world-model", "oracle", "--size",
                              "32", "--episodes", "2", "--max-steps", "1", "--out",
                              str(tmp_path)], capsys)
    assert status == 130
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        f"grasp_cup_{SEED}_strip.png"]
    assert err.strip() == (f"vjepa-ros run: interrupted; seed {SEED} saved in {tmp_path}: 1 "
                           f"file (grasp_cup_{SEED}_strip.png)"), err
    total = [line for line in out.splitlines() if line.startswith("total:")]
    assert len(total) == 1 and re.match(r"total: success [01]/1 ", total[0]), out
    assert total[0].endswith("; stopped after 1 of 2 episodes (the totals are over those)")


def test_an_earlier_runs_stopped_pictures_are_named_and_replaced(tmp_path, capsys):
    """A rerun into ``--out``: the earlier stop's ``_stopped`` pictures of that seed go."""
    stale = [tmp_path / f"grasp_cup_{SEED}_stopped_strip.png",
             tmp_path / f"grasp_cup_{SEED}_stopped.gif"]
    for path in stale:
        path.write_bytes(b"an earlier run's")
    status, out, _ = _main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                            "--max-steps", "1", "--out", str(tmp_path)], capsys)
    assert status == 0
    note = next(line for line in out.splitlines() if "earlier run's" in line)
    assert f"grasp_cup_{SEED}_stopped_strip.png and grasp_cup_{SEED}_stopped.gif" in note, note
    assert not any(path.exists() for path in stale)
    assert (tmp_path / f"grasp_cup_{SEED}_strip.png").is_file()


def test_the_stop_text_words_each_case():
    from vjepa_ros.sim.run_stop import SavedPictures

    pictures = SavedPictures("runs")
    assert pictures.stop_text() == "nothing saved (no step done)"
    assert pictures.stop_text(7) == "nothing saved of seed 7 (no step done)"
    pictures.files += [(5, pictures.out_dir / "a.png"), (5, pictures.out_dir / "a.gif"),
                       (6, pictures.out_dir / "b.png"), (7, pictures.out_dir / "c.png")]
    assert pictures.stop_text(7, "steps 1-2 of seed 7 saved: runs/c.png") == (
        "seeds 5..6 saved in runs: 3 files (a.png, a.gif, b.png); steps 1-2 of seed 7 "
        "saved: runs/c.png")
    assert pictures.stop_text(8, "nothing saved of seed 8 (disk full)").endswith(
        "; seed 8: disk full, nothing of it saved")


# -- the energy rule without an energy test


def test_the_planner_nodes_settings_refuse_an_energy_rule_without_an_energy_test():
    from vjepa_ros.config import from_dict
    from vjepa_ros.robot.planner_config import PlannerNodeConfig, parameter_message

    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {"goals.rule": "energy", "goals.patience": 0})
    message = parameter_message(str(caught.value))
    assert "goals.energy_threshold" in message and "goals.patience" in message, message
    for fine in ({"goals.patience": 0, "goals.energy_threshold": 0.1},
                 {"goals.patience": 1}, {"goals.rule": "steps", "goals.patience": 0}):
        from_dict(PlannerNodeConfig, {"goals.rule": "energy", **fine})


def test_the_benchmarks_rules_refuse_it_too():
    """``bench_manipulation.py --subgoal-rule steps energy --subgoal-patience 0``."""
    import argparse

    from vjepa_ros.goal_switch_options import add_goal_switch_arguments, goal_switch_configs

    parser = argparse.ArgumentParser()
    add_goal_switch_arguments(parser, several=True)
    args = parser.parse_args(["--subgoal-rule", "steps", "energy", "--subgoal-patience", "0"])
    with pytest.raises(ValueError, match="--subgoal-energy-threshold and --subgoal-patience "
                                         "are both 0"):
        goal_switch_configs(args)


# -- Sim.preserved


def test_preserved_puts_back_whether_a_gripper_move_runs():
    """``_move_pending`` was not saved: a move's state leaked out of ``preserved`` both ways."""
    from vjepa_ros.sim.manipulation import manipulation_sim_config

    with Sim(manipulation_sim_config(SEED, "cup", 32, 32)) as sim:
        sim.step(50)
        assert not sim._move_running()  # the open hand arrived
        with sim.preserved():
            sim.set_gripper(1.0)  # a grasp
            sim.step(100)
            sim.set_gripper(0.0)  # an opening move, on its way
            assert sim._move_running()
        assert not sim._move_running()  # the arrived open hand again
        sim.set_gripper(1.0)
        sim.step(300)
        sim.set_gripper(0.0)  # opening from closed: runs until the fingers are there
        assert sim._move_running()
        with sim.preserved():
            sim.step(600)  # the move arrives inside
            assert not sim._move_running()
        assert sim._move_running()  # back to before: the fingers not there yet


# -- bench_manipulation.py stopped


def test_a_stopped_benchmark_keeps_the_rows_it_ran(tmp_path, monkeypatch, capsys):
    """Ctrl-C at the second seed of a row: the first one's row is printed and in ``--json``."""
    import importlib.util
    import json
    import sys
    from pathlib import Path

    from vjepa_ros.command_errors import run_script
    from vjepa_ros.saved_outputs import forget

    benchmarks = Path(__file__).resolve().parent.parent / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))
    spec = importlib.util.spec_from_file_location("bench_manipulation_stop",
                                                  benchmarks / "bench_manipulation.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    _stop_at_call(monkeypatch, bench, "run_expert", 2)
    rows_file = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", [
        "bench_manipulation.py", "--agents", "expert", "--seeds", "3", "--objects", "cup",
        "--tasks", "grasp", "--size", "32", "--seed-start", str(SEED - 1), "--json",
        str(rows_file)])
    forget()
    try:
        assert run_script(bench.main) == 130
    finally:
        forget()
    out, err = capsys.readouterr()
    assert "# note: seed 899999 (from --seed-start) is a training seed" in out, out
    assert "# stopped in expert/cup/grasp after 1 of 3 seeds: success " in out, out
    assert json.loads(rows_file.read_text())["expert/cup/grasp"][0]["seed"] == SEED - 1
    assert err.strip().startswith("bench_manipulation.py: interrupted; saved --json"), err
