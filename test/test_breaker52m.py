"""breaker52m: fix52i (train's TCP point, --no-gripper models) and fix52e (--out), short round.

Attacked: 316ff497 (``robot.trained_model.tcp_note`` / ``gripper_rule``, ``config.data``'s
``tcp_xyz`` / ``tcp_rpy`` / ``no_gripper`` in ``world_model.pt``, where planning commands apply
them) and 4c173061 (``out_paths.unwritable``, ``overwritten_note``, ``after_saving``).

Defects (strict xfails until fix52m, which fixed them; the tests below assert the fixes):

1. The TCP warning exists in the planner node (its ROS log) and in eval on a joint-state bag
   only. ``vjepa-ros run`` plans in the simulator, whose end effector is the Franka Hand TCP
   (``sim.panda.FRANKA_HAND_TCP_OFFSET``, 0.1034 m), with a model that records it was labelled
   at 0.2 m, and says nothing.
2. ``vjepa-ros reach`` prints its notes (the camera size) but not this one; the planner node's
   warning goes into the child's temporary output (``node_processes.NodeProcess.output``),
   shown only when the node dies, so a normal reach never shows it. ``robot.trained_model``'s
   docstring says the rules apply where run's / reach's MPCSession plans.
3. ``vjepa-ros run`` with a --no-gripper model: the hand is held (pinned: no planner hand
   command), but ``gripper_rule``'s warning goes to ``ReachEpisode.log``, which run never
   prints, and the planner line still says ``gripper clip 0.75, round threshold 0.25, close
   from step 0`` (reach-with-object): the user reads a planned hand forced shut.
4. ``vjepa-ros eval`` with a --no-gripper model: the note is only in report.json
   (``summary_lines(input_notes=False)``), never printed; and, worded as eval's options, it
   advises ``set --subgoal-gripper hold or subgoal``: eval has no --subgoal-gripper, and
   run's refuses ``hold``.

Held up (pins): a model file without the new entries (every file written before fix52i, the
official ones) loads with ``trained_tcp`` None and ``trained_without_gripper`` False, no TCP
note, the switching settings returned unchanged; a --no-gripper model under ``subgoal`` or
``hold`` is left as set, with no note, and both fix the search's gripper delta at 0 with
``close_gripper`` off (``subgoal``'s hand comes from the captured sub-goals, not the weights);
``run`` with it over 2 steps of reach-with-object sends the hand no command (a model with the
gripper sends a close); eval prints the TCP note once, naming both points and --tcp-xyz; a TCP
record differing by less than 1e-6 gives no note; a record with one of the two entries missing
is refused naming the entry; a run stored before the setting resumes at the Franka Hand TCP
(the point its bags were labelled at) and refuses --tcp-xyz; ``run --out`` under a file and
under /proc (not writable even as root) give one line; reach's relative-checkpoint message
(checked by hand) names the working-directory path looked at and the file beside --config.

Not got to: config/train.yaml vs --tcp-xyz precedence, counting gripper commands over a whole
node run, the overwrite note's list for a stopped run's ``*_stopped_*`` pictures, Ctrl-C
exactly after eval's / camera-check's report, a read-only --out for every command (the tests
run as root, so chmod makes none; /proc stands in, for run only).
"""

from __future__ import annotations

import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ  # noqa: E402

TOOL = [0.0, 0.0, 0.2]  # a tool 0.2 m from the flange (breaker52i's)


def _model_file(folder, **data):
    """Save a tiny 64 px world model whose ``config["data"]`` holds ``data``; return its path."""
    import torch

    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.models.checkpoint import save_world_model

    torch.manual_seed(0)
    path = folder / "world_model.pt"
    save_world_model(path, build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2),
                     build_predictor(img_size=64, embed_dim=32, predictor_embed_dim=32,
                                     depth=1, num_heads=2), data=data or None)
    return path


def _tcp_lines(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if "tcp" in line.lower() and "0.2" in line and "0.1034" in line]


def test_run_warns_of_a_model_labelled_at_another_tcp(tmp_path, capsys, monkeypatch):
    """``vjepa-ros run`` with a model whose file records ``tcp_xyz`` [0, 0, 0.2].

    Input: a world_model.pt with ``config.data.tcp_xyz`` [0, 0, 0.2] (``train --tcp-xyz 0 0
    0.2``), ``run --task reach-with-object --size 64``, stopped at the first step. What
    happens: the lines printed before planning (world model, task, planner, notes) say nothing
    of the point; the simulator states the hand at the Franka Hand TCP (0.1034 m), so every
    planned motion is of another point than the model learnt. Expected: one note naming both
    points, as the node and eval print (``trained_model.tcp_note``).
    """
    from vjepa_ros.sim import task_run

    path = _model_file(tmp_path, tcp_xyz=TOOL, tcp_rpy=HAND_TCP_RPY, no_gripper=False)

    def stop(*args, **kwargs):
        raise RuntimeError("stopped before the first step")

    monkeypatch.setattr(task_run, "run_task", stop)
    assert main(["run", "--task", "reach-with-object", "--world-model", str(path), "--size",
                 "64", "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr()  # a raising episode: one crash line, a failure (breaker53e)
    assert "seed 900000: crashed (RuntimeError: stopped before the first step)" in printed.out
    assert len(_tcp_lines(printed.out)) == 1, printed.out


def test_reach_warns_of_a_model_labelled_at_another_tcp(tmp_path, capsys, monkeypatch):
    """``vjepa-ros reach --checkpoint`` a model whose file records ``tcp_xyz`` [0, 0, 0.2].

    Input: the same file, the nodes stopped before they start. What happens: reach prints its
    notes (``image_size_note``, ``overwritten_note``) but no TCP note; the planner node would
    log ``tcp_note``'s warning into ``NodeProcess.output``, a temporary file printed only when
    the node exits, so a normal reach never shows it. Expected: reach says it itself, one
    note naming both points (the simulator is the Franka Hand TCP, 0.1034 m).
    """
    pytest.importorskip("rclpy", reason="reach needs rclpy")
    from vjepa_ros.nodes import reach_demo

    path = _model_file(tmp_path, tcp_xyz=TOOL, tcp_rpy=HAND_TCP_RPY, no_gripper=False)

    def stop(*args):
        raise RuntimeError("stopped before the nodes start")

    monkeypatch.setattr(reach_demo, "demo_processes", stop)
    monkeypatch.setenv("ROS_DOMAIN_ID", "75")
    assert main(["reach", "--checkpoint", str(path), "--out", str(tmp_path / "o")]) == 1
    printed = capsys.readouterr()
    assert "stopped before the nodes start" in printed.err
    assert len(_tcp_lines(printed.out)) == 1, printed.out


# -- pins


def test_an_old_model_file_loads_as_before(tiny_world_model):
    """A file without ``tcp_xyz`` / ``no_gripper`` (every pre-fix52i file): no rule applies."""
    from vjepa_ros.models import load_world_model
    from vjepa_ros.models.checkpoint import read_checkpoint_file
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
    from vjepa_ros.robot.trained_model import gripper_rule, tcp_note

    data = read_checkpoint_file(tiny_world_model).get("config", {}).get("data") or {}
    assert not {"tcp_xyz", "tcp_rpy", "no_gripper"} & set(data)
    model = load_world_model(tiny_world_model, device="cpu", need_predictor=True)
    assert model.trained_tcp is None and model.trained_without_gripper is False
    assert tcp_note(model, TOOL, [0.3, 0.0, 0.0]) == ""
    switching = GoalSwitchConfig()
    assert gripper_rule(model, switching) == (switching, "")
    assert gripper_rule(model, None) == (None, "")


@pytest.mark.parametrize("gripper", ["hold", "subgoal"])
def test_a_no_gripper_model_keeps_hold_and_subgoal_without_a_note(tmp_path, gripper):
    """``subgoal``: the hand from the captured sub-goals, the search's delta fixed at 0."""
    import dataclasses

    from vjepa_ros.models import load_world_model
    from vjepa_ros.planning.config import preset
    from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig, planner_settings
    from vjepa_ros.robot.trained_model import gripper_rule

    path = _model_file(tmp_path, tcp_xyz=HAND_TCP_XYZ, tcp_rpy=HAND_TCP_RPY, no_gripper=True)
    model = load_world_model(path, device="cpu", need_predictor=True)
    assert model.trained_without_gripper is True
    switching = dataclasses.replace(GoalSwitchConfig(), gripper=gripper)
    assert gripper_rule(model, switching) == (switching, "")
    planned, note = gripper_rule(model, GoalSwitchConfig())
    assert planned.gripper == "hold" and note.count("goals.gripper") >= 2
    for rule in (switching, planned):  # the search's gripper delta fixed at 0, never closed
        cem = planner_settings(preset("paper", horizon=2, samples=8, iterations=1, topk=2,
                                      close_gripper=0), rule)
        assert (6, 0.0) in cem.fixed_axes and cem.close_gripper is None


def test_a_tcp_record_within_the_tolerance_gives_no_note_and_one_outside_names_both():
    from vjepa_ros.robot.trained_model import tcp_note

    class Model:
        trained_tcp = (tuple(HAND_TCP_XYZ), tuple(HAND_TCP_RPY))

    assert tcp_note(Model(), [0.0, 0.0, 0.1034 + 5e-7], HAND_TCP_RPY) == ""
    note = tcp_note(Model(), TOOL, HAND_TCP_RPY)
    assert "[0, 0, 0.1034]" in note and "[0, 0, 0.2]" in note and "robot.tcp_xyz" in note


def test_a_record_with_one_tcp_entry_is_refused_naming_it(tmp_path):
    from vjepa_ros.models import load_world_model
    from vjepa_ros.models.errors import CheckpointError

    path = _model_file(tmp_path, tcp_xyz=TOOL)
    with pytest.raises(CheckpointError, match="config.data.tcp_rpy must be 3 numbers"):
        load_world_model(path, device="cpu", need_predictor=True)


@pytest.mark.parametrize("where", ["file", "proc"])
def test_run_out_that_cannot_be_a_folder_is_one_line(where, tmp_path, capsys):
    if where == "file":
        (tmp_path / "f").write_text("x")
        out = tmp_path / "f" / "sub"
    else:
        out = "/proc/vjepa_breaker52m_out"
    assert main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--out" in err, err
    assert ("is a file" in err) if where == "file" else ("give a directory you can write" in err)


# -- a --no-gripper model in `vjepa-ros run` (the simulator's MPCSession)


def _no_gripper_run(tmp_path, capsys, monkeypatch) -> tuple[list[str], list[float]]:
    """Run reach-with-object 2 steps with a --no-gripper model; return (lines, hand commands)."""
    from vjepa_ros.sim import manipulation_loop

    path = _model_file(tmp_path, tcp_xyz=HAND_TCP_XYZ, tcp_rpy=HAND_TCP_RPY, no_gripper=True)
    commands: list[float] = []
    path_of = manipulation_loop.gripper_command_path

    def counted(sim, control):  # the planner's hand commands only (the expert's set-up not)
        send = path_of(sim, control)

        def command(closedness: float) -> None:
            commands.append(closedness)
            send(closedness)
        return command

    monkeypatch.setattr(manipulation_loop, "gripper_command_path", counted)
    assert main(["run", "--task", "reach-with-object", "--world-model", str(path), "--size",
                 "64", "--max-steps", "2", "--samples", "8", "--iterations", "1", "--topk", "2",
                 "--device", "cpu", "--threads", "1", "--out", str(tmp_path / "out")]) == 0
    return capsys.readouterr().out.splitlines(), commands


def test_run_never_commands_the_hand_of_a_no_gripper_model(tmp_path, capsys, monkeypatch):
    """reach-with-object plans with close_gripper 0 (the hand forced shut): held, not closed."""
    lines, commands = _no_gripper_run(tmp_path, capsys, monkeypatch)
    assert commands == [], commands
    assert any(line.startswith("seed 900000 ") for line in lines), lines


def test_run_says_the_gripper_of_a_no_gripper_model_is_held(tmp_path, capsys, monkeypatch):
    """``vjepa-ros run --task reach-with-object --world-model`` a --no-gripper model.

    Input: a world_model.pt with ``config.data.no_gripper`` true, 2 steps. What happens:
    ``gripper_rule`` holds the gripper (no hand command, checked above) and its warning goes
    to ``ReachEpisode.log``, which run never prints; the printed planner line says
    ``gripper clip 0.75, round threshold 0.25, close from step 0`` (the hand planned and forced
    shut from the first step), so the user reads a planned, closing hand that never moves.
    Expected: the rule's one line (``trained without the gripper ... held``), once, and the
    planner line saying the gripper is held (as ``planner_text`` words ``subgoal``).
    """
    lines, _ = _no_gripper_run(tmp_path, capsys, monkeypatch)
    held = [line for line in lines if "trained without the gripper" in line]
    planner = next(line for line in lines if line.startswith("planner "))
    assert len(held) == 1 and "close from step" not in planner, lines
    assert "gripper held" in planner and "--subgoal-gripper hold" not in held[0], lines


# -- a --no-gripper model in `vjepa-ros eval` (a joint-state bag)


def _joint_state_bag(path):
    """Write 40 frames at 8 Hz (64 px noise) with the arm turning from the ready pose."""
    import numpy as np

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    ready = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
    names = [f"panda_joint{i}" for i in range(1, 8)]
    rng, entries = np.random.default_rng(0), []
    for i in range(40):
        t = DEFAULT_START_NS + i * 125_000_000
        q = ready + np.r_[0.02, 0, 0.01, 0.02, 0, 0.03, 0] * i
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(names, q, t)))
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, t, m.image_message(
            rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), t, "cam")))
    write_messages(path, entries, "mcap")
    return path


def _no_gripper_eval(tmp_path, capsys) -> tuple[list[str], list[str]]:
    """Run eval (2 steps) with a --no-gripper model at the tool's point; return (lines, notes)."""
    import json

    model = _model_file(tmp_path, tcp_xyz=TOOL, tcp_rpy=HAND_TCP_RPY, no_gripper=True)
    bag = _joint_state_bag(tmp_path / "bag")
    assert main(["eval", str(bag), "--checkpoint", str(model), "--no-gripper", "--samples",
                 "8", "--iterations", "1", "--topk", "2", "--max-steps", "2", "--device",
                 "cpu", "--no-plots", "--quiet", "--out", str(tmp_path / "ev")]) == 0
    report = json.loads((tmp_path / "ev" / "report.json").read_text())
    return capsys.readouterr().out.splitlines(), report["recording"]["notes"]


def test_eval_prints_the_tcp_note_once_naming_both_points(tmp_path, capsys):
    lines, notes = _no_gripper_eval(tmp_path, capsys)
    (tcp,) = [line for line in lines if "end-effector point" in line]
    assert "[0, 0, 0.2]" in tcp and "[0, 0, 0.1034]" in tcp and "--tcp-xyz" in tcp
    assert any("trained without the gripper" in note for note in notes), notes


def test_eval_says_on_the_terminal_that_the_gripper_is_held(tmp_path, capsys):
    """``vjepa-ros eval BAG --checkpoint`` a --no-gripper model.

    Input: a joint-state bag, a world_model.pt with ``config.data.no_gripper`` true, 2 steps.
    What happens: ``evaluate_recording`` holds the gripper and puts ``gripper_rule``'s note
    into ``report["recording"]["notes"]``; eval prints its summary with
    ``input_notes=False``, so nothing on the terminal says the gripper was held (the scores
    are of a search that never moved the hand). The note, passed through eval's option names,
    reads ``--subgoal-gripper planned is held instead ...; set --subgoal-gripper hold or
    subgoal``: eval has no --subgoal-gripper (and run's refuses ``hold``). Expected: one
    printed note line, advising nothing eval cannot take.
    """
    lines, notes = _no_gripper_eval(tmp_path, capsys)
    held = [line for line in lines if "trained without the gripper" in line]
    (note,) = [note for note in notes if "trained without the gripper" in note]
    assert len(held) == 1 and "--subgoal-gripper" not in note, (lines, note)
    assert "--subgoal-gripper" not in held[0] and "goals.gripper" not in held[0], held


def test_resuming_a_run_stored_before_the_tcp_setting_keeps_the_hand_tcp(tmp_path):
    """A latest.pt train_config without data.topics.tcp_xyz / tcp_rpy (pre-fix52i run).

    Its bags were labelled at the hard-wired Franka Hand TCP: resumed as is, the config says
    that point (so the exported model records the truth); resumed with --tcp-xyz, refused.
    """
    import dataclasses

    from vjepa_ros.config import ConfigError
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.resume_checks import config_of_checkpoint, resume_config

    stored = dataclasses.asdict(make_config({"out": str(tmp_path / "run")}))
    for key in ("tcp_xyz", "tcp_rpy"):
        del stored["data"]["topics"][key]
    config = config_of_checkpoint({"train_config": stored})
    resumed = resume_config(config, {"steps": 10})
    assert list(resumed.data.topics.tcp_xyz) == HAND_TCP_XYZ
    assert list(resumed.data.topics.tcp_rpy) == HAND_TCP_RPY
    with pytest.raises(ConfigError, match="data.topics.tcp_xyz"):
        resume_config(config, {"data.topics.tcp_xyz": TOOL})
