"""breaker55d: manipulation in the simulator and ``vjepa-ros run`` (last attacked session 53).

Attacked at commit 29438d5b (branch breaker55d = main): ``vjepa_ros/sim/`` (detectors, gripper,
expert, manipulation, manipulation_loop, task_run, run_command, run_loop, reach_media, reach)
and ``vjepa-ros run`` / ``vjepa-ros collect`` end to end with the oracle (32 px, few steps).

Each defect was a strict xfail asserting the right behaviour (fixed in fix55d; see each test's
docstring: input, what happened, what should happen). CPU, pybullet DIRECT, 32 px images;
seconds each.
"""

import re

import numpy as np
import pytest
from cli_runs import _stop_at_call

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task  # noqa: E402

SEED = 900000  # the first held-out seed (sim.choices.HELD_OUT_SEED_START)


def _run_command(argv, capsys) -> tuple[int, str]:
    """Run ``vjepa-ros ARGV`` in this process; return (exit status, stdout + stderr)."""
    from vjepa_ros.cli import main

    status = main(argv)
    printed = capsys.readouterr()
    return status, printed.out + printed.err


def test_a_stop_between_episodes_does_not_say_nothing_was_saved(tmp_path, monkeypatch, capsys):
    """Ctrl-C while episode 2 makes its sub-goal images: "nothing saved" after episode 1 saved.

    Input: ``vjepa-ros run --task grasp --world-model oracle --size 32 --episodes 2 --max-steps
    1 --out DIR``, Ctrl-C (KeyboardInterrupt) during seed 900001's ``setup_task`` (the clean
    expert's sub-goal motions: seconds, the longest part of a short episode's set-up). What
    happened: exit 130 with the last line ``vjepa-ros run: interrupted; nothing saved (no step
    done)``, while DIR holds episode 1's strip and GIF (its ``saved`` line printed above):
    ``run_loop.run_episodes`` fills ``stopped`` only for a stop inside ``run_task``, so a stop in
    the set-up (or while pictures are written) reaches ``cmd_run`` with ``stopped`` empty and
    ``_stopped_text`` words that as nothing at all. What should happen: the stop line says what
    the run did save (episode 1 of seed 900000, its files), never "nothing saved".
    """
    import vjepa_ros.sim.manipulation as manipulation

    _stop_at_call(monkeypatch, manipulation, "setup_task", 2)
    status, text = _run_command(
        ["run", "--task", "grasp", "--world-model", "oracle", "--size", "32", "--episodes", "2",
         "--seed", str(SEED), "--max-steps", "1", "--out", str(tmp_path)], capsys)
    assert status == 130
    assert (tmp_path / f"grasp_cup_{SEED}_strip.png").is_file()  # episode 1 was saved
    stop = [line for line in text.splitlines() if "interrupted" in line][-1]
    assert "nothing saved" not in stop, stop
    assert str(SEED) in stop, stop


@pytest.mark.parametrize("seed,episodes", [(SEED, 1), (SEED - 1, 2)],
                         ids=["held-out", "crossing-into-held-out"])
def test_collect_refuses_or_names_held_out_seeds(tmp_path, capsys, seed, episodes):
    """``collect --task grasp --seed 900000``: training data on the evaluation scenes, silently.

    Input: ``vjepa-ros collect --task grasp --seed 900000 --episodes 1 --width 32 --height 32``
    (and ``--seed 899999 --episodes 2``, whose second episode is seed 900000). What happened:
    exit 0, ``grasp_cup_900000.npz`` written, not a word: the README says training data uses
    seeds below 900000 and ``vjepa-ros run`` evaluates on 900000 and up by default
    (``HELD_OUT_SEED_START``), and a collected seed is exactly ``run``'s scene of that seed
    (``manipulation_sim_config(seed)`` + ``setup_task(seed)``: same object placement, place
    spot and sub-goal images), so a model trained on it is then "evaluated" on its own training
    scenes. ``sim/command.py`` checks ``--seed`` only against [0, 2**32 - 1]
    (``check_scene_seeds``). What should happen: refused (usage error naming ``--seed`` and the
    held-out range) or at least one line saying that these seeds are the held-out ones.
    """
    status, text = _run_command(
        ["collect", "--task", "grasp", "--seed", str(seed), "--episodes", str(episodes),
         "--width", "32", "--height", "32", "--out", str(tmp_path / "data")], capsys)
    assert re.search(r"held[- ]out", text), (status, text[-400:])


def test_the_end_tile_shows_the_scene_at_the_end_of_the_episode():
    """The final frame of a task episode shows the hand ~1.5 cm short of where it ended.

    Input: ``run_task`` (what ``vjepa-ros run`` runs), grasp, cup, seed 900000, the oracle,
    dense sub-goals, one planning step (``TaskLoopConfig(step_limit=1)``), 32 px, camera 4 Hz.
    What happened: ``ReachEpisode.final_frame`` (the strip's and GIF's ``end ok`` / ``end fail``
    tile, and a reach strip's ``end X cm``) is ``_SimDriver.frame``, the last frame of the 4 Hz
    camera schedule: rendered at t = 0.95 s while the episode ended at 1.167 s, the TCP 1.58 cm
    from where it ended (1.2-1.6 cm after 1-4 steps), so the last tile shows a hand still on
    its way and a reach caption's final distance belongs to another picture
    (``sim/reach.py`` ``run_reach_episode``: ``final_frame=driver.frame``). What should happen:
    the final frame is rendered when the episode ends (the scene ``final_distance``, the final
    ``SceneReading`` and the task's outcome were measured on).
    """
    from vjepa_ros.sim.manipulation_loop import TaskLoopConfig
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.sim.task_run import run_task

    cem = load_reach_config(None, {}).planner.to_cem()
    with Sim(manipulation_sim_config(SEED, "cup", 32, 32)) as sim:
        model = OracleWorldModel().attach(sim)
        setup = setup_task(sim, SEED, "grasp", dense=True)
        renders, render = [], sim.render

        def noted_render(*args, **kwargs):
            frame = render(*args, **kwargs)
            renders.append((sim.time, sim.ee_state()[:3].copy(), frame))
            return frame

        sim.render = noted_render
        run = run_task(sim, model, setup, cem, "cup", TaskLoopConfig(step_limit=1), seed=SEED)
        taken = [(t, xyz) for t, xyz, frame in renders if frame is run.episode.final_frame]
        assert taken, "the final frame is none the simulator rendered"
        when, tcp = taken[-1]
        gap = float(np.linalg.norm(sim.ee_state()[:3] - tcp))
        assert gap <= 0.003, f"final frame at t={when:.3f} s, episode end {sim.time:.3f} s, " \
            f"TCP {gap * 100:.2f} cm from the end"


def test_a_stopped_run_still_totals_the_episodes_it_finished(tmp_path, monkeypatch, capsys):
    """Ctrl-C in episode 3 of ``run --episodes 3``: episodes 1 and 2 ran, no totals line.

    Input: ``vjepa-ros run --task grasp --world-model oracle --size 32 --episodes 3 --max-steps
    1 --out DIR``, Ctrl-C (KeyboardInterrupt) as seed 900002's episode starts (``run_task``'s
    third call). What happened: exit 130, the last line ``vjepa-ros run: interrupted; nothing
    saved of seed 900002 (no step done)`` and no ``total: success ...`` line:
    ``run_loop.run_episodes`` prints the totals only after the last seed, so an evaluation of
    20 seeds stopped at the 15th
    (an hour of episodes) leaves the reader adding up 14 summary lines by hand, while a crashed
    episode is totalled (breaker53e). What should happen: the stop still prints the totals
    over the episodes that finished (``format_totals``), saying how many were asked for.
    """
    import vjepa_ros.sim.task_run as task_run

    _stop_at_call(monkeypatch, task_run, "run_task", 3)
    status, text = _run_command(
        ["run", "--task", "grasp", "--world-model", "oracle", "--size", "32", "--episodes", "3",
         "--seed", str(SEED), "--max-steps", "1", "--out", str(tmp_path)], capsys)
    assert status == 130
    assert text.count("saved        ") == 2  # episodes 1 and 2 finished, pictures saved
    assert re.search(r"total: success \d+/\d+", text), text[-500:]


@pytest.mark.parametrize("extra", [[], ["--subgoal-energy-threshold", "0"]],
                         ids=["threshold-default", "threshold-0"])
def test_run_refuses_an_energy_rule_with_no_energy_test(tmp_path, monkeypatch, capsys, extra):
    """``run --subgoal-rule energy --subgoal-patience 0``: runs the steps rule under its name.

    Input: ``vjepa-ros run --task pick-and-place --world-model oracle --size 32 --subgoal-rule
    energy --subgoal-patience 0`` (the energy threshold left at its default 0, "off", or given
    as 0). What happened: accepted (exit 0 after the episode), the header reads ``switching:
    energy (no energy test set; step counts as limits)``: no energy test is on, so every switch
    is the fixed (4, 10, 4) count's, which the user asked to replace. ``run`` refuses the energy
    rule where it switches nothing for another reason (a single sub-goal image:
    ``goal_switch_options.check_subgoal_rule``) and options the planner would not use; this
    one slips through (``goal_switch_configs`` only checks the energy options are given with
    the energy rule). What should happen: a usage error (exit 2) naming
    ``--subgoal-patience`` / ``--subgoal-energy-threshold``: the energy rule needs one of them.
    """
    import vjepa_ros.sim.run_command as run_command

    ran = []
    monkeypatch.setattr(run_command, "run_episodes", lambda *args, **kwargs: ran.append(1))
    status, text = _run_command(
        ["run", "--task", "pick-and-place", "--world-model", "oracle", "--size", "32",
         "--subgoal-rule", "energy", "--subgoal-patience", "0", *extra, "--out",
         str(tmp_path)], capsys)
    assert not ran and status == 2, (status, text[-300:])
    assert "--subgoal-patience" in text or "--subgoal-energy-threshold" in text, text[-300:]


@pytest.mark.parametrize("task", ["grasp", "pick-and-place"])
def test_the_never_closes_note_covers_the_box(task):
    """``run --object box --world-model oracle --subgoals dense --gripper-round-threshold 0.5``.

    Input: that command (``--task grasp``, seed 900000, 32 px). What happened: no note, and the
    hand never closes: ``grip cmd 0.00`` at all 23 steps, failure; with 0.3 it closes at step
    18 and grasps (SUCCESS after step 21). The box held in the 8 cm hand reads closedness 0.36
    (5 cm: 1 - 0.05/0.08 = 0.375), so the oracle's plans toward the ``closed`` and ``grasp``
    sub-goals ask for about that, and a round threshold above it rounds them to open.
    ``run_notes.setup_note`` warns about exactly this, but only for the cup (``object_kind ==
    "cup" and round_threshold > HELD_CUP_CLOSEDNESS`` 0.24): the same command with ``--object
    cup`` gets the note; 0.5, the natural rounding threshold, is the one a user tries first.
    What should happen: the note for whichever object is held whose closedness is below the
    threshold (the box above ~0.36), naming ``--gripper-round-threshold``.
    """
    from vjepa_ros.sim.run_notes import setup_note

    cup = setup_note(task, True, "planned", "oracle", "cup", 0.5)
    assert "--gripper-round-threshold" in cup  # the cup's case: the note is there
    box = setup_note(task, True, "planned", "oracle", "box", 0.5)
    assert "--gripper-round-threshold" in box and "box" in box, box
    assert setup_note(task, True, "planned", "oracle", "box", 0.25) == ""  # closes: no note
