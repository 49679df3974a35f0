"""Every ``vjepa-ros`` command's exit status: 2 for a usage error, 1 for a failure at work.

argparse's convention, for every command alike (README, "Every command"): a usage error (an
option missing, out of its range, of another method, options that do not go together) exits 2,
whether argparse or the command refuses it; a file that cannot be read, a missing bag, no data,
a planner that refuses exit 1. ``bag-from-npz``, ``record``, ``collect``, ``run`` and ``reach``
answered the usage errors they check themselves with 1, the others some of them. Each misuse
here is refused before any model, bag or simulator is loaded, in one line naming the option.
"""

from __future__ import annotations

import pytest

from vjepa_ros.cli import main

USAGE = [  # (argv, the start of the line after "vjepa-ros CMD: ")
    (["check", "--verbose"], "error: unrecognized arguments: --verbose"),
    (["demo", "--iterations", "0"], "--iterations must lie in [1, 1000], got 0"),
    (["demo", "--device", "tpu"], "--device: unknown device 'tpu'"),
    (["demo", "--samples", "4"], "--topk of preset 'notebook' (10) must be less than --samples"),
    (["launch", "--params-file", "MISSING.yaml"], "--params-file"),
    (["launch"], "the planner's parameter 'model.checkpoint' is empty: give --checkpoint"),
    # two checkpoints: --checkpoint took it quietly, the missing file its failure (cli31)
    (["launch", "--checkpoint", "MISSING.pt", "-p", "planner.model.checkpoint:=demo"],
     "--checkpoint MISSING.pt and -p planner.model.checkpoint:=demo name different world"),
    (["launch", "--checkpoint", "demo", "--node", "image_publisher"],  # its image: none
     "--node image_publisher needs parameter 'path', the image file to publish: give -p "
     "image_publisher.path:=PATH"),
    (["launch", "--checkpoint", "demo", "--node", "bag_player", "-p", "bag_player.bag:="],
     "--node bag_player needs parameter 'bag'"),
    (["launch", "--checkpoint", "demo", "--node", "sim", "-p", "sim.real_time_factor:=-1"],
     "sim: -p sim.real_time_factor must lie in [0, 100]"),
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "--rate must be a step rate"),
    (["inspect", "BAG", "--rate", "0"], "--rate must be a step rate"),
    (["eval", "BAG", "--out", "OUT", "--topk", "100"], "--topk (100) must be less than"),
    (["bag-from-npz", "OUT", "--rate", "0"], "--rate must be a step rate"),
    (["record", "OUT", "--seed", "-3"], "--seed -3: must be >= 0"),
    (["run", "--task", "grasp", "--out", "OUT", "--seed", "4294967295", "--episodes", "2"],
     "--seed 4294967295 with --episodes 2: the seeds must lie in [0, 4294967295]"),
    (["record", "OUT", "--width", "10"], "--width/--height must be 32..1024 px"),
    (["camera-check", "BAG", "--out", "OUT", "--horizon", "2"], "--horizon 2: the camera check"),
    (["camera-check", "BAG", "--out", "OUT", "--rate", "-4"], "--rate must be a step rate"),
    # options that do not go together: refused before the (missing) bag is looked at
    (["camera-check", "BAG", "--out", "OUT", "--checkpoint", "demo", "--random-weights"],
     "--random-weights: does not apply with --checkpoint demo, whose weights load"),
    (["collect", "--out", "OUT", "--episodes", "0"], "--episodes 0: must be >= 1"),
    (["collect", "--out", "OUT", "--task", "grasp", "--frames", "8"],
     "--frames is for --task motion"),
    (["collect", "--out", "OUT", "--width", "8"], "--width/--height must be 32..1024 px"),
    (["reach", "--out", "OUT", "--max-steps", "0"], "--max-steps must be an integer >= 1"),
    (["planner", "goal-pose", "0.4", "0.1"], "goal-pose takes X Y Z or X Y Z R P Y, not 2"),
    (["reach", "--out", "OUT", "--samples", "5"],
     "topk of config/reach_demo.yaml (10) must be less"),
    (["reach", "--out", "OUT", "--device", "tpu"], "--device: unknown device 'tpu'"),
    (["run", "--task", "grasp", "--out", "OUT", "--close-gripper", "-2"],
     "--close-gripper must be -1 (never) or a rollout step"),
    (["run", "--task", "grasp", "--out", "OUT", "--episodes", "0"], "--episodes 0: must be >= 1"),
    (["run", "--task", "grasp", "--out", "OUT", "--world-model", "oracle", "--device", "cpu"],
     "--device is for a learned world model"),
    (["train", "--out", "OUT", "--data", "DATA", "--lr", "-1"], "--lr must lie in (0, 1]"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "optim.lr=-1"],
     "optim.lr must lie in (0, 1]"),
    (["train", "--data", "DATA", "--resume"], "--resume needs --out DIR"),
    (["train", "--data", "DATA", "--init", "demo"], "out: give an output directory (--out DIR)"),
    (["train", "--out", "OUT", "--data", "DATA"], "encoder: give the frozen encoder's"),
    (["train", "--out", "OUT", "--data", "DATA", "--val", "DATA", "--init", "demo"],
     "--val DATA is in --data too"),
    (["train", "--out", "OUT", "--data", "DATA", "--val", "DATA/sub", "--init", "demo"],
     "--val DATA/sub lies inside --data DATA"),
    (["train", "--out", "OUT", "--data", "DATA/sub", "--val", "DATA", "--init", "demo"],
     "--val DATA holds --data DATA/sub"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--batch-size", "0"],
     "--batch-size must lie in [1, inf), got 0"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--threads", "-1"],
     "--threads -1: must lie in [0, 1024]"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--rate", "0"],
     "--rate must be a step rate"),
]

FAILURES = [  # refused at work: a missing or unusable file, no data
    (["demo", "--checkpoint", "MISSING.pt"], "--checkpoint"),
    (["launch", "--checkpoint", "MISSING.pt"], "--checkpoint"),
    (["planner", "goal-image", "MISSING"], "MISSING"),  # before ROS starts: one line
    (["eval", "BAG", "--out", "OUT"], "bag not found"),
    (["inspect", "MISSING"], "MISSING"),  # one line, before any model
    (["bag-from-npz", "OUT", "--episode", "MISSING.npz"], "--episode"),
    (["record", "AFILE"], "AFILE"),
    (["camera-check", "BAG", "--out", "OUT", "--checkpoint", "demo"], "bag not found"),
    (["collect", "--out", "AFILE"], "--out"),
    (["reach", "--out", "OUT", "--checkpoint", "MISSING.pt"], "--checkpoint"),
    (["reach", "--out", "AFILE"], "--out"),
    (["run", "--task", "grasp", "--out", "OUT", "--world-model", "MISSING.pt"], "--world-model"),
    (["train", "--out", "OUT", "--data", "MISSING", "--init", "demo"], "--data"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "MISSING"], "MISSING"),
]


def _path(word: str, tmp_path) -> str:
    """Return the path a placeholder word stands for (see :func:`exit_status`), else the word."""
    names = {"OUT": tmp_path / "out", "AFILE": tmp_path / "afile", "DATA": tmp_path / "data",
             "BAG": tmp_path / "bag"}
    head, _, rest = word.partition("/")
    if word.startswith("MISSING"):
        return str(tmp_path / word.lower())
    return str(names[head] / rest if rest else names[head]) if head in names else word


def _prog(argv: list[str]) -> str:
    """Return the prefix of the command's lines: ``vjepa-ros CMD`` (``planner``: with its verb)."""
    return "vjepa-ros " + " ".join(argv[:2] if argv[0] == "planner" else argv[:1])


def exit_status(argv: list[str], tmp_path, capsys) -> tuple[int, str]:
    """Run ``vjepa-ros ARGV`` in-process (as the console script); return (status, stderr line).

    OUT: an output path never made; AFILE: a file; DATA: an empty folder; BAG, MISSING*: paths
    that do not exist. argparse's own errors end in SystemExit, as under the console script.
    """
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "afile").write_text("a file, not a folder")
    try:
        status = main([_path(word, tmp_path) for word in argv])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists(), f"left its output behind: {err}"
    return status, err


@pytest.mark.parametrize("argv, message", USAGE, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else "")
def test_a_usage_error_exits_2_in_one_line(argv, message, tmp_path, capsys):
    status, err = exit_status(argv, tmp_path, capsys)
    assert status == 2, err
    message = " ".join(_path(word, tmp_path) for word in message.split(" "))  # DATA: its path
    assert err.startswith(f"{_prog(argv)}: {message}"), err


@pytest.mark.parametrize("argv, named", FAILURES, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else "")
def test_a_failure_at_work_exits_1_in_one_line(argv, named, tmp_path, capsys):
    status, err = exit_status(argv, tmp_path, capsys)
    assert status == 1, err
    assert err.startswith(f"{_prog(argv)}: "), err
    shown = {"AFILE": str(tmp_path / "afile"), "MISSING": str(tmp_path / "missing")}
    assert shown.get(named, named) in err, err


def test_every_command_has_a_usage_error_and_a_failure_here():
    """A command added to ``vjepa-ros`` gets rows here (``check`` fails only without config/)."""
    import argparse

    from vjepa_ros.cli import build_parser

    commands = next(a for a in build_parser()._actions
                    if isinstance(a, argparse._SubParsersAction)).choices
    assert set(commands) == {argv[0] for argv, _ in USAGE}
    assert set(commands) - {"check"} == {argv[0] for argv, _ in FAILURES}
