"""Every ``vjepa-ros`` command's option errors: one line, the command's prefix, the option named.

Bad values of the search-method options (``--method``'s ``--icem-*``, ``--mppi-*``,
``--refine-*``) once left the commands as a bare ``SystemExit`` without the ``vjepa-ros CMD:``
prefix, and the commands built on ``load_reach_config`` named ``refine.lr`` instead of
``--refine-lr``. Each case here is refused before any model, bag or simulator is loaded, and
leaves no output directory behind (``eval``, ``collect`` and ``pretrain`` once created it before
checking the rest).
Where a value comes from, and settings and checkpoint files: ``test_cli_file_errors.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.input_paths import CHECKPOINT_FORMAT

SEARCH_OPTIONS = [
    (["--refine-lr", "-1"], "--refine-lr must lie in (0, 1], got -1.0"),
    (["--refine-steps", "-2"], "--refine-steps must lie in [0, 1000], got -2"),
    (["--icem-noise-beta", "-1"], "--icem-noise-beta must lie in [0, 8], got -1.0"),
    (["--mppi-temperature", "0"], "--mppi-temperature must lie in (0, inf), got 0.0"),
    (["--mppi-noise-sigma", "-0.5"], "--mppi-noise-sigma must lie in (0, 10], got -0.5"),
    (["--mppi-noise-sigma", "inf"], "--mppi-noise-sigma must lie in (0, 10], got inf"),
    (["--refine-steps", "2", "--refine-lr", "nan"],
     "--refine-lr must lie in (0, 1], got nan"),
    (["--icem-population-decay", "inf"],
     "--icem-population-decay must lie in [1, 10], got inf"),
]
# A setting of another method than the one in force would do nothing: a usage error (status 2),
# whether --method was given or the method is the default (was: taken and ignored without it).
IDLE_SEARCH_OPTIONS = [
    (["--method", "cem", "--icem-noise-beta", "3"],
     "--icem-noise-beta is for --method icem, and this run plans with --method cem: use "
     "--method icem or leave --icem-noise-beta out"),
    (["--method", "icem", "--mppi-temperature", "0.5"],
     "--mppi-temperature is for --method mppi, and this run plans with --method icem: use "
     "--method mppi or leave --mppi-temperature out"),
    (["--icem-noise-beta", "2"],
     "--icem-noise-beta is for --method icem, and this run plans with --method cem: use "
     "--method icem or leave --icem-noise-beta out"),
    (["--mppi-temperature", "2", "--icem-noise-beta", "3"],
     "--icem-noise-beta is for --method icem, and this run plans with --method cem: use "
     "--method icem or leave --icem-noise-beta out"),
    # named as typed (was: by its positive name, --mppi-shift-warm-start, not typed)
    (["--no-mppi-shift-warm-start"],
     "--no-mppi-shift-warm-start is for --method mppi, and this run plans with --method cem: "
     "use --method mppi or leave --no-mppi-shift-warm-start out"),
    (["--method", "icem", "--no-mppi-normalize-costs"],
     "--no-mppi-normalize-costs is for --method mppi, and this run plans with --method icem: "
     "use --method mppi or leave --no-mppi-normalize-costs out"),
]
RATE = "must be a step rate in 0.1..100 Hz (DROID: 4), got "  # every --rate refusal
COMMANDS = {  # the arguments each command needs before its options
    "demo": [],
    "eval": ["BAG", "--out", "OUT"],
    "camera-check": ["BAG", "--out", "OUT"],
    "run": ["--task", "grasp", "--out", "OUT"],
    "reach": ["--out", "OUT"],
}


def run_command(argv, tmp_path, capsys, status: int = 1) -> str:
    """Run ``vjepa-ros ARGV`` in-process; return its one stderr line (exit status ``status``).

    BAG: a missing bag; OUT: the output path (OUT/x: a file in it), never to exist; DATA: an
    empty folder. Status 2: a usage error (config.UsageError: an option refused), 1: any other
    refusal (a file, the data).
    """
    out, data = tmp_path / "out", tmp_path / "data"
    data.mkdir(exist_ok=True)
    names = {"BAG": str(tmp_path / "bag"), "DATA": str(data)}
    argv = [names.get(a, a.replace("OUT", str(out), 1) if a.split("/")[0] == "OUT" else a)
            for a in argv]
    assert main(argv) == status
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert not out.exists(), f"{argv[0]} left its output behind: {err}"
    return err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("option, message", SEARCH_OPTIONS)
def test_search_method_option_errors_carry_the_command_prefix_and_the_option(
        command, option, message, tmp_path, capsys):
    err = run_command([command, *COMMANDS[command], *option], tmp_path, capsys, status=2)
    assert err == f"vjepa-ros {command}: {message}"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("option, message", IDLE_SEARCH_OPTIONS)
def test_a_search_option_of_a_method_not_in_force_is_a_usage_error(
        command, option, message, tmp_path, capsys):
    err = run_command([command, *COMMANDS[command], *option], tmp_path, capsys, status=2)
    assert err == f"vjepa-ros {command}: {message}"


# Files each command would refuse (exit status 1): a missing world model, an --out that is a file.
FILE_PROBLEMS = [
    ("demo", ["--checkpoint", "MISSING"]),
    ("eval", ["BAG", "--out", "AFILE", "--checkpoint", "MISSING"]),
    ("camera-check", ["BAG", "--out", "AFILE", "--checkpoint", "MISSING"]),
    ("camera-check", ["BAG", "--out", "OUT", "--params-file", "PARAMS"]),  # its model.checkpoint
    ("run", ["--task", "grasp", "--out", "AFILE", "--world-model", "MISSING"]),
    ("reach", ["--out", "AFILE", "--checkpoint", "MISSING"]),
]


@pytest.mark.parametrize("command, files", FILE_PROBLEMS)
def test_an_option_refused_whatever_the_files_is_refused_before_the_files(
        command, files, tmp_path, capsys):
    """A usage error (status 2) comes before the files' errors (status 1).

    ``run --world-model missing.pt --method cem --mppi-temperature 1`` said the file was
    missing, and once it was there, that the option was wrong.
    """
    (tmp_path / "afile").write_text("a file, not a folder")
    (tmp_path / "params.yaml").write_text(
        f"vjepa_planner:\n  ros__parameters:\n    model:\n      checkpoint: {tmp_path}/no.pt\n")
    names = {"MISSING": str(tmp_path / "missing.pt"), "AFILE": str(tmp_path / "afile"),
             "PARAMS": str(tmp_path / "params.yaml")}
    argv = [command, *(names.get(a, a) for a in files), "--method", "cem",
            "--mppi-temperature", "1"]
    err = run_command(argv, tmp_path, capsys, status=2)
    assert err == f"vjepa-ros {command}: --mppi-temperature is for --method mppi, and this run " \
        "plans with --method cem: use --method mppi or leave --mppi-temperature out"
    run_command(argv[:-4], tmp_path, capsys, status=1)  # the files alone: refused (status 1)


@pytest.mark.parametrize("argv, message, status", [  # 2: a usage error, 1: the files
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "--rate", 2),
    (["eval", "BAG", "--out", "OUT", "--goal", "/nonexistent/goal.png"], "goal.png", 1),
    (["eval", "BAG", "--out", "OUT"], "bag not found", 1),
    (["collect", "--out", "OUT", "--width", "8"], "--width", 2),
    (["collect", "--out", "OUT", "--frames", "1"], "--frames", 2),
    (["collect", "--out", "OUT", "--episodes", "0"], "--episodes", 2),
    (["pretrain", "--out", "OUT/encoder.pt", "--data", "DATA", "--batch-size", "0"],
     "--batch-size", 2),
    (["pretrain", "--out", "OUT/encoder.pt", "--data", "/nonexistent/clips"],
     "/nonexistent/clips does not exist", 1),
    (["train", "--out", "OUT", "--data", "/nonexistent/bags"], "--encoder FILE", 2),  # none
    (["train", "--out", "OUT", "--data", "/nonexistent/bags", "--init", "demo"],
     "/nonexistent/bags does not exist", 1),
])
def test_a_refused_command_leaves_no_output_directory(argv, message, status, tmp_path, capsys):
    err = run_command(argv, tmp_path, capsys, status)
    assert err.startswith(f"vjepa-ros {argv[0]}: ") and message in err, err


# A float option of absurd size (1e300) or not finite was taken where only a lower bound was
# checked: eval --min-motion 1e300 scored no motion, train --lr 1e300 trained to NaN,
# --set predictor.mlp_ratio=inf overflowed the predictor's width. Each float setting has a
# declared range (config.param's range=, checked by config.check_range), named in its refusal.
ABSURD_FLOATS = [
    (["eval", "BAG", "--out", "OUT", "--min-motion", "1e300"],
     "--min-motion must lie in [0, 0.2], got 1e+300"),
    (["camera-check", "BAG", "--out", "OUT", "--min-motion", "inf"],
     "--min-motion must lie in (0, 0.2], got inf"),  # was "a length > 0 [m]", no upper bound
    (["camera-check", "BAG", "--out", "OUT", "--min-motion", "1e300"],
     "--min-motion must lie in (0, 0.2], got 1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--lr", "1e300"],
     "--lr must lie in (0, 1], got 1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--weight-decay", "1e300"],
     "--weight-decay must lie in [0, 1], got 1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "optim.eps=.inf"],
     "optim.eps must lie in (0, 1], got inf"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "optim.start_lr=1e300"],
     "optim.start_lr must lie in [0, 1], got 1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "predictor.mlp_ratio=1e300"],
     "predictor.mlp_ratio must lie in (0, 16], got 1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--set",
      "data.topics.gripper_max_width=1e300"],
     "data.topics.gripper_max_width must lie in (0, 0.08], got 1e+300"),  # as given (mend59a)
    # negative numbers argparse (3.10-3.12) took for options: "expected one argument"
    (["camera-check", "BAG", "--out", "OUT", "--min-motion", "-1e-3"],
     "--min-motion must lie in (0, 0.2], got -0.001"),
    (["eval", "BAG", "--out", "OUT", "--min-motion", "-1E300"],
     "--min-motion must lie in [0, 0.2], got -1e+300"),
    (["train", "--out", "OUT", "--data", "DATA", "--lr", "-inf"],
     "--lr must lie in (0, 1], got -inf"),
    (["train", "--out", "OUT", "--data", "DATA", "--weight-decay", "-1."],
     "--weight-decay must lie in [0, 1], got -1"),
]


@pytest.mark.parametrize("argv, message", ABSURD_FLOATS)
def test_an_absurd_float_is_refused_naming_the_option_and_its_range(argv, message, tmp_path,
                                                                   capsys):
    err = run_command(argv, tmp_path, capsys, status=2)  # typed: a usage error
    assert err.startswith(f"vjepa-ros {argv[0]}: {message}"), err


@pytest.mark.parametrize("argv, message", [
    (["demo", "--maxnorm", "inf"], "--maxnorm must lie in (0, 0.2], got inf"),
    (["demo", "--gripper-round-threshold", "nan"],
     "--gripper-round-threshold must lie in [0, 1], got nan"),
    (["demo", "--close-gripper", "-5"], "--close-gripper must be -1 (never) or a rollout step"),
    (["run", "--task", "grasp", "--out", "OUT", "--close-gripper", "-2"],
     "--close-gripper must be -1 (never) or a rollout step"),
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "--rate must be a step rate in 0.1..100 Hz"),
    (["eval", "BAG", "--out", "OUT", "--rate", "inf"], f"--rate {RATE}inf"),
    (["eval", "BAG", "--out", "OUT", "--rate", "1e308"], f"--rate {RATE}1e+308"),
    (["eval", "BAG", "--out", "OUT", "--rate", "1e-300"], f"--rate {RATE}1e-300"),
    (["eval", "BAG", "--out", "OUT", "--rate", "nan"], f"--rate {RATE}nan"),
    (["eval", "BAG", "--out", "OUT", "--goal-offset", "-1"], "--goal-offset must be >= 0, got -1"),
    (["eval", "BAG", "--out", "OUT", "--max-steps", "-2"], "--max-steps must be >= 0, got -2"),
    (["eval", "BAG", "--out", "OUT", "--landscape-points", "1"],
     "--landscape-points must be 0 (none) or 2..101, got 1"),
    (["eval", "BAG", "--out", "OUT", "--landscape-points", "100000"],
     "--landscape-points must be 0 (none) or 2..101, got 100000"),
    (["eval", "BAG", "--out", "OUT", "--min-motion", "-0.1"],
     "--min-motion must lie in [0, 0.2], got -0.1"),
    (["eval", "BAG", "--out", "OUT", "--min-motion", "nan"],
     "--min-motion must lie in [0, 0.2], got nan"),
    (["camera-check", "BAG", "--out", "OUT", "--rate", "-4"], f"--rate {RATE}-4"),
    (["camera-check", "BAG", "--out", "OUT", "--rate", "inf"], f"--rate {RATE}inf"),
    (["train", "--out", "OUT", "--data", "DATA", "--rate", "inf"], f"--rate {RATE}inf"),
    (["train", "--out", "OUT", "--data", "DATA", "--rate", "1e-300"], f"--rate {RATE}1e-300"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--rate", "0"], f"--rate {RATE}0"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--rate", "nan"], f"--rate {RATE}nan"),
    (["collect", "--out", "OUT", "--width", "8"], "--width/--height must be 32..1024 px"),
    (["collect", "--out", "OUT", "--task", "grasp", "--height", "4"],
     "--width/--height must be 32..1024 px"),
    # as run --size (sim.config.CAMERA_SIZE_PX): record --width 100000 once wrote a bag
    (["collect", "--out", "OUT", "--width", "100000"], "--width/--height must be 32..1024 px"),
    (["record", "OUT", "--height", "2000"], "--width/--height must be 32..1024 px, got 128x2000"),
    (["collect", "--out", "OUT", "--frames", "1"], "--frames must be >= 2, got 1"),
    (["collect", "--out", "OUT", "--episodes", "0"], "--episodes 0: must be >= 1"),
    (["collect", "--out", "OUT", "--seed", "-1"], "--seed -1: must be >= 0"),
    (["record", "OUT", "--seed", "-3"], "--seed -3: must be >= 0"),
    (["record", "OUT", "--width", "10"], "--width/--height must be 32..1024 px"),
    (["record", "OUT", "--width", "100000"], "--width/--height must be 32..1024 px"),
    (["record", "OUT", "--frames", "0"], "--frames must be >= 2, got 0"),
    (["bag-from-npz", "OUT", "--rate", "0"], f"--rate {RATE}0"),
    (["bag-from-npz", "OUT", "--rate", "1e308"], f"--rate {RATE}1e+308"),
    (["reach", "--out", "OUT", "--max-steps", "0"], "--max-steps must be an integer >= 1, got 0"),
    (["reach", "--out", "OUT", "--goal-seed", "-1"], "--goal-seed must be an integer >= 0"),
    (["reach", "--out", "OUT", "--goal-seed", "4294967296"],
     "--goal-seed must lie in [0, 4294967295], got 4294967296"),  # the simulator's seeds
    (["train", "--out", "OUT", "--data", "DATA", "--lr", "-1"],
     "--lr must lie in (0, 1], got -1.0"),
    (["train", "--out", "OUT", "--data", "DATA", "--steps", "0"], "--steps must be >= 1, got 0"),
    (["train", "--out", "OUT", "--data", "DATA", "--batch-size", "0"],
     "--batch-size must be >= 1"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "optim.lr=-1"],
     "optim.lr must lie in (0, 1], got -1"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--batch-size", "0"],
     "--batch-size must lie in [1, inf), got 0"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--steps", "-1"],
     "--steps must lie in [0, inf), got -1"),
    (["pretrain", "--out", "OUT/e.pt", "--data", "DATA", "--threads", "-1"],
     "--threads -1: must lie in [0, 1024]"),
])
def test_errors_name_the_option_the_user_gave_not_the_setting_behind_it(argv, message, tmp_path,
                                                                         capsys):
    err = run_command(argv, tmp_path, capsys, status=2)  # an option refused: a usage error
    assert err.startswith(f"vjepa-ros {argv[0]}: {message}"), err


@pytest.mark.parametrize("command", ["demo", "bag-from-npz"])
def test_a_bad_episode_file_is_one_line_naming_it_and_the_format(command, tmp_path, capsys):
    text = tmp_path / "notes.npz"
    text.write_text("not numpy")
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    lacking = tmp_path / "lacking.npz"
    np.savez(lacking, frames=np.zeros((2, 4, 4, 3)))
    floats = tmp_path / "floats.npz"  # frames in 0..1: once cast to black uint8 without a word
    np.savez(floats, observations=np.full((2, 4, 4, 3), 0.5, np.float32),
             states=np.zeros((2, 7), np.float32))
    head = [command] if command == "demo" else [command, "OUT"]
    for path, why in ((tmp_path / "missing.npz", "does not exist"), (tmp_path, "is a folder"),
                      (text, "is not an .npz archive"), (single, "holds one array"),
                      (lacking, "missing arrays ['observations', 'states']"),
                      (floats, "episode frames must be uint8 [T, H, W, 3], got float32")):
        err = run_command([*head, "--episode", str(path)], tmp_path, capsys)
        assert err.startswith(f"vjepa-ros {command}: ") and str(path) in err and why in err
        assert path in (lacking, floats) or "give an .npz with observations [T, H, W, 3]" in err
        assert "allow_pickle" not in err, "numpy's advice to unpickle is none for an episode"


@pytest.mark.parametrize("argv, parts", [
    (["train", "--data", "/nonexistent/a"],
     ["out: give an output directory (--out DIR)", "--data: /nonexistent/a does not exist",
      # says how to make an encoder.pt (the README's first train example uses one) and --init demo
      "encoder: give the frozen encoder's checkpoint (--encoder FILE: an official file, or the "
      "seeded small one that 'vjepa-ros pretrain --data DIR --steps 0 --out encoder.pt' writes), "
      "or an AC file to start from whose encoder is used (--init FILE; --init demo: the packaged "
      "demo model)"]),
    (["train", "--out", "OUT", "--data", "/nonexistent/a", "DATA", "/nonexistent/b",
      "--encoder", "/nonexistent/e.pt", "--init", "/nonexistent/i.pt"],
     ["--data: /nonexistent/a does not exist", "--data: /nonexistent/b does not exist",
      "--encoder: /nonexistent/e.pt does not exist", "--init: /nonexistent/i.pt does not exist: "
      "give " + CHECKPOINT_FORMAT]),
    (["train", "--out", "OUT", "--val", "/nonexistent/v", "--encoder", "/nonexistent/e.pt"],
     ["data.train: give episode directories or files (--data)",
      "--val: /nonexistent/v does not exist", "--encoder: /nonexistent/e.pt does not exist"]),
])
def test_train_names_every_missing_input_in_one_line(argv, parts, tmp_path, capsys):
    # an option not given (--out, --data, an encoder) makes it a usage error: status 2 (cli31)
    usage = any(part.startswith(("out:", "data.train:", "encoder: give")) for part in parts)
    err = run_command(argv, tmp_path, capsys, status=2 if usage else 1)
    assert err == "vjepa-ros train: " + "; ".join(parts)


BAG_PATH_COMMANDS = [  # a bag read or written (LOOP: the path)
    ["eval", "LOOP", "--out", "OUT"],
    ["camera-check", "LOOP", "--out", "OUT"],
    ["train", "--out", "OUT", "--data", "LOOP", "--init", "demo"],
    ["pretrain", "--out", "OUT/encoder.pt", "--data", "LOOP"],
    ["record", "LOOP", "--frames", "4"],
    ["bag-from-npz", "LOOP"],
]


@pytest.mark.parametrize("argv, status", [
    (["demo", "--checkpoint", "LOOP"], 1),
    (["reach", "--config", "LOOP"], 2),  # a settings file: a usage error
    (["reach", "--out", "LOOP"], 1),
    (["train", "--out", "OUT", "--data", "LOOP", "--encoder", "LOOP"], 1),
    *((argv, 1) for argv in BAG_PATH_COMMANDS),
])
def test_a_symlink_loop_is_named_as_one_not_as_missing(argv, status, tmp_path, capsys):
    """It said "does not exist"; ``reach --out LOOP`` ran the episode, then failed to save."""
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    err = run_command([str(loop) if a == "LOOP" else a for a in argv], tmp_path, capsys, status)
    assert f"{loop} is a symlink loop (it cannot be resolved)" in err, err
    assert "does not exist" not in err and "not found" not in err, err


@pytest.mark.parametrize("argv", BAG_PATH_COMMANDS)
def test_a_bag_path_that_links_to_nothing_is_named_so(argv, tmp_path, capsys):
    """``eval`` and ``camera-check`` said "bag not found", ``record`` "exists already (a file)"."""
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    err = run_command([str(link) if a == "LOOP" else a for a in argv], tmp_path, capsys)
    assert f"{link} is a broken symlink (to {tmp_path / 'gone'}, which does not exist)" in err, \
        err
    assert "not found" not in err and "exists already" not in err, err


@pytest.mark.parametrize("argv, option", [
    (["run", "--world-model", ""], "--world-model"),
    (["reach", "--checkpoint", ""], "--checkpoint"),
    (["launch", "--params-file", ""], "--params-file"),
    (["eval", "BAG", "--image-topic", ""], "--image-topic"),
    (["camera-check", "BAG", "--pose-topic", " "], "--pose-topic"),
    (["train", "--data", "DATA", "--gripper-topic", ""], "--gripper-topic"),
    # an empty --goal once planned toward the future frame without a word (then exit 1)
    (["eval", "BAG", "--out", "OUT", "--goal", ""], "--goal"),
    (["launch", "--checkpoint", "demo", "--camera-topic", ""], "--camera-topic"),
])
def test_an_empty_value_is_refused_in_one_line_not_taken_as_the_default(argv, option, tmp_path,
                                                                        capsys):
    """'' once meant the default (or '.' for --world-model): a usage error naming the option."""
    with pytest.raises(SystemExit) as exit_:
        run_command(argv, tmp_path, capsys, status=2)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros {argv[0]}: error: argument {option}: an empty value")
    assert "or leave the option out for its default" in err and "\n" not in err


@pytest.mark.parametrize("option, name, problem", [
    ("--camera-topic", "bad topic", "must not contain characters other than"),
    ("--target-topic", "/x//y", "must not contain repeated '/'"),
    ("--joint-states-topic", "js/", "must not end with a forward slash"),
])
def test_launch_names_the_option_of_a_bad_topic_before_rcl(option, name, problem, tmp_path,
                                                           capsys):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    err = run_command(["launch", "--checkpoint", "demo", option, name], tmp_path, capsys,
                      status=2)
    assert err.startswith(f"vjepa-ros launch: {option} {name!r} is not a valid ROS topic name (")
    assert problem in err and "remap" not in err


@pytest.mark.parametrize("command, option, zero", [
    ("eval", "--max-steps", "0, the default: all"),
    ("camera-check", "--max-steps", "0, the default: all"),
    ("eval", "--goal-offset", "0, the default: the planner horizon"),
])
def test_what_0_means_is_in_the_help(command, option, zero, capsys):
    """--max-steps 0 evaluates every step and --goal-offset 0 is the horizon: the help says so."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    start = help_text.rindex(f"{option} ")  # the option's entry, after the usage
    assert zero in help_text[start:start + 160]


@pytest.mark.parametrize("where, status", [("--set", 2), ("--config", 1)])
def test_a_value_of_the_wrong_type_is_a_usage_error_where_typed_on_the_command_line(
        where, status, tmp_path, capsys):
    """A ``--set`` value of the wrong type is a usage error, a ``--config`` file's is not.

    ``--set optim.lr=abc`` exited 1 where argparse's ``--lr abc`` exits 2 (README: typed on the
    command line, a usage error); from a --config file it is a value refused, status 1.
    """
    config = tmp_path / "train.yaml"
    config.write_text("optim:\n  lr: abc\n")
    given = ["--set", "optim.lr=abc"] if where == "--set" else ["--config", str(config)]
    err = run_command(["train", "--out", "OUT", "--data", "DATA", *given], tmp_path, capsys,
                      status=status)
    named = f"{config}: " if where == "--config" else ""
    assert err == f"vjepa-ros train: {named}optim.lr: expected a number, got 'abc'"


def _commands_with_a_list_option_and_a_positional():
    """Yield (command, its first nargs='+' option, its required positionals) of every command."""
    import argparse

    from vjepa_ros.cli import build_parser

    commands = next(a for a in build_parser()._actions
                    if isinstance(a, argparse._SubParsersAction))
    for name, parser in commands.choices.items():
        lists = [a for a in parser._actions if a.option_strings and a.nargs == "+"]
        needed = [a for a in parser._actions if not a.option_strings and a.required
                  and a.nargs is None]
        if lists and needed:
            yield name, lists[0].option_strings[-1], [a.dest for a in needed]


LIST_OPTION_CASES = list(_commands_with_a_list_option_and_a_positional())


def test_there_are_commands_with_a_list_option_before_a_positional():
    assert "eval" in [case[0] for case in LIST_OPTION_CASES]


@pytest.mark.parametrize("command,option,positionals", LIST_OPTION_CASES)
def test_a_list_option_that_took_the_positional_is_named_in_the_line(command, option,
                                                                      positionals, capsys):
    """``eval --gripper-topic /a /b BAG`` reads BAG as a topic: the line says what happened."""
    values = ["a", "b", *(p.upper() for p in positionals)]
    with pytest.raises(SystemExit) as stopped:
        main([command, option, *values])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1, err
    assert f"the following arguments are required: {', '.join(positionals)} ({option} took " \
        f"{' '.join(values)}: give the {', '.join(positionals)} before {option}, or end its " \
        f"list with --) (run vjepa-ros {command} --help for its options)" in err


def test_a_missing_positional_without_a_list_option_gets_no_hint(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--gripper-topic", "/a"])
    err = capsys.readouterr().err
    assert "required: bag (run vjepa-ros eval --help" in err and "took" not in err
