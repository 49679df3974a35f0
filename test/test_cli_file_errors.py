"""Option and settings-file errors of the ``vjepa-ros`` commands: where a value comes from, files.

A CEM setting the user did not give says where its value came from (default, config file); a
config file's error names the file and the key; a file that is no checkpoint, an empty, missing
or non-YAML settings file and a value that is no YAML are each one line. The ``run_command``
helper of ``test_cli_errors.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_cli_errors import run_command

from vjepa_ros.input_paths import CHECKPOINT_FORMAT

NEVER_MOVES = (": every planned gripper value lies within the clip, so all would round to 0 and "
               "the gripper could never move; lower the round threshold (published 0.25 with "
               "clip 0.75)")


@pytest.mark.parametrize("argv, message", [
    (["demo", "--topk", "1000"], "--topk (1000) must be less than --samples (64, the default "
     "without --checkpoint, for the small random model): use --samples >= 1001, or --topk <= 63"),
    (["eval", "BAG", "--out", "OUT", "--topk", "100"], "--topk (100) must be less than --samples "
     "(64, the default without --checkpoint, for the small random model): use --samples >= "
     "101, or --topk <= 63"),
    (["demo", "--checkpoint", "demo", "--topk", "500"],
     "--topk (500) must be less than --samples of preset 'notebook' (400): use --samples >= 501, "
     "or --topk <= 399"),
    (["demo", "--samples", "4"], "--topk of preset 'notebook' (10) must be less than --samples "
     "(4): use --samples >= 11, or --topk <= 3"),
    (["camera-check", "BAG", "--out", "OUT", "--topk", "65"],
     "--topk (65) must be less than --samples (64, this command's default): use --samples >= 66, "
     "or --topk <= 63"),
    # gripper_clip has no option: named as the setting, with where its value comes from
    (["demo", "--gripper-round-threshold", "0.75"], "--gripper-round-threshold (0.75) must be "
     f"below gripper_clip of preset 'notebook' (0.75){NEVER_MOVES}"),
    # config/reach_demo.yaml sets no gripper_clip: 0.75 is the default, not the file's (fix41c:
    # it said "gripper_clip of config/reach_demo.yaml (0.75)")
    (["run", "--task", "grasp", "--gripper-round-threshold", "0.9"],
     f"--gripper-round-threshold (0.9) must be below gripper_clip (0.75, the default: "
     f"config/reach_demo.yaml does not set it){NEVER_MOVES}"),
    (["eval", "BAG", "--out", "OUT", "--gripper-round-threshold", "1"],
     f"--gripper-round-threshold (1.0) must be below gripper_clip of preset 'paper' (0.75)"
     f"{NEVER_MOVES}"),
])
def test_a_cem_setting_the_user_did_not_give_says_where_its_value_comes_from(
        argv, message, tmp_path, capsys):
    err = run_command(argv, tmp_path, capsys, status=2)  # the options typed do not go together
    assert err == f"vjepa-ros {argv[0]}: {message}"


@pytest.mark.parametrize("text, status, message", [
    # an unknown key: the file, the key path and the closest name; a usage error (was: status 1,
    # "unknown ReachDemoConfig setting(s): plannr (known: ...)")
    ("plannr:\n  samples: 10\n", 2, "plannr: unknown setting (closest: planner)"),
    # (was: "unknown CEMParams setting(s): --sampels", a file key printed as an option)
    ("planner:\n  sampels: 10\n", 2, "planner.sampels: unknown setting (closest: samples)"),
    # a value the settings refuse: status 1 (README), named by its key (was: "--samples must
    # lie in ...", an option the user never typed)
    ("planner:\n  samples: 0\n", 1, "planner.samples must lie in [1, 100000], got 0"),
    ("planner:\n  samples: many\n", 1, "planner.samples: expected an integer, got 'many'"),
    # reach has --samples but no --topk: the file's values are named by their keys
    ("planner:\n  topk: 500\n", 1, "planner.topk (500) must be less than planner.samples (100)"),
    ("episode:\n  max_steps: 0\n", 1, "episode.max_steps must be an integer >= 1, got 0"),
    # what reach passes to the simulator node, refused before any node starts (was: the node's
    # "sim_node: camera.width/height must be 32..1024 px, got 0x128" after start-up,
    # naming neither the file nor the key)
    ("sim: {width: 0}\n", 1, "sim.width must lie in [32, 1024], got 0"),
    ("sim: {height: 2000}\n", 1, "sim.height must lie in [32, 1024], got 2000"),
    ("sim: {real_time_factor: -1}\n", 1, "sim.real_time_factor must lie in [0, 100], got -1.0"),
    ("sim: {shadows: 3}\n", 1, "sim.shadows: expected true/false, got 3"),
    ("episode: {camera_rate_hz: 5000}\n", 1,
     "episode.camera_rate_hz must lie in (0, 1000], got 5000.0"),
    ("goal_seed: 4294967296\n", 1, "goal_seed must lie in [0, 4294967295], got 4294967296"),
])
def test_an_error_of_a_config_file_names_the_file_and_the_key(text, status, message, tmp_path,
                                                              capsys):
    config = tmp_path / "reach.yaml"
    config.write_text(text)
    err = run_command(["reach", "--config", str(config), "--out", "OUT"], tmp_path, capsys,
                      status=status)
    assert err == f"vjepa-ros reach: {config}: {message}"


def test_a_topk_above_the_samples_says_how_to_fix_it_with_this_commands_options(tmp_path,
                                                                                capsys):
    """`reach` has no --topk: the fix is more samples or a --config file (was: no fix)."""
    err = run_command(["reach", "--samples", "5", "--out", "OUT"], tmp_path, capsys, status=2)
    assert err == ("vjepa-ros reach: topk of config/reach_demo.yaml (10) must be less than "
                   "--samples (5): use --samples >= 11, or a --config file with topk <= 4 in "
                   "its planner: section")
    err = run_command(["demo", "--samples", "4"], tmp_path, capsys, status=2)
    assert err.endswith("must be less than --samples (4): use --samples >= 11, or --topk <= 3")


NOT_A_CHECKPOINT = {  # a file given as the world model by mistake, and the short why
    "notes.txt": (b"the model is on the other machine\n", "not a torch.save file"),
    "empty.pt": (b"", "an empty file"),
    "settings.json": (b'{"encoder": "vitg"}', "not a torch.save file"),
}


@pytest.mark.parametrize("command, option, argv", [
    ("run", "--world-model", ["--task", "grasp", "--out", "OUT"]),
    ("demo", "--checkpoint", []),
    ("eval", "--checkpoint", ["GOOD_BAG", "--out", "OUT"]),
    ("reach", "--checkpoint", ["--out", "OUT"]),
    ("launch", "--checkpoint", []),
    ("train", "--init", ["--out", "OUT", "--data", "DATA"]),
])
def test_a_file_that_is_no_checkpoint_is_named_in_one_line_by_every_command(
        command, option, argv, tmp_path, capsys):
    """One loader (models/checkpoint.py) for every command: its message, after the option.

    Not torch's message; and ``reach``, ``demo``, ``launch`` once left the option out.
    """
    bag = tmp_path / "good_bag"
    if "GOOD_BAG" in argv:
        from vjepa_ros.recordings.bag_writing import write_bag

        frames = np.zeros((4, 32, 32, 3), np.uint8)
        states = np.tile(np.array([0.4, 0.0, 0.4, 3.14, 0.0, 0.0, 0.0]), (4, 1))
        states[:, 0] += 0.01 * np.arange(4)  # the arm moves: a still bag is refused first
        write_bag(bag, frames, states)
    for name, (content, why) in NOT_A_CHECKPOINT.items():
        model = tmp_path / name
        model.write_bytes(content)
        given = [str(bag) if a == "GOOD_BAG" else a for a in argv]
        err = run_command([command, *given, option, str(model)], tmp_path, capsys)
        assert err == (f"vjepa-ros {command}: {option} {model} is not a vjepa_ros checkpoint "
                       f"({why}): give {CHECKPOINT_FORMAT}"), err


@pytest.mark.parametrize("argv", [
    ["reach", "--out", "OUT", "--config", "FILE"],
    ["train", "--out", "OUT", "--data", "DATA", "--config", "FILE"],
    ["pretrain", "--out", "OUT/encoder.pt", "--data", "DATA", "--config", "FILE"],
    ["launch", "--params-file", "FILE"],
    ["camera-check", "BAG", "--out", "OUT", "--params-file", "FILE"],
])
def test_an_empty_list_or_scalar_settings_file_is_refused_naming_it(argv, tmp_path, capsys):
    """``vjepa-ros reach --config empty.yaml`` once ran with every default, without a word."""
    path = tmp_path / "settings.yaml"
    for text, problem in (("", "is empty (nothing but comments or blank lines)"),
                          ("# samples: 64\n", "is empty"), ("- samples\n", "YAML list"),
                          ("64\n", "YAML int")):
        path.write_text(text)
        err = run_command([str(path) if a == "FILE" else a for a in argv], tmp_path, capsys,
                          status=2)  # a usage error, as argparse's and the nodes' --ros-args
        assert err.startswith(f"vjepa-ros {argv[0]}: ") and str(path) in err, err
        assert problem in err, err


SETTINGS_FILE_COMMANDS = [  # every command that reads a YAML file the user names
    ["reach", "--out", "OUT", "--config", "FILE"],
    ["train", "--out", "OUT", "--data", "DATA", "--config", "FILE"],
    ["pretrain", "--out", "OUT/encoder.pt", "--data", "DATA", "--config", "FILE"],
    ["launch", "--params-file", "FILE"],
    ["camera-check", "BAG", "--out", "OUT", "--params-file", "FILE"],
]


@pytest.mark.parametrize("argv", SETTINGS_FILE_COMMANDS)
def test_a_missing_settings_file_is_a_usage_error(argv, tmp_path, capsys):
    """Exit status 2, as the node executables for ``--ros-args --params-file`` (it was 1)."""
    path = tmp_path / "missing.yaml"
    err = run_command([str(path) if a == "FILE" else a for a in argv], tmp_path, capsys,
                      status=2)
    assert err.startswith(f"vjepa-ros {argv[0]}: ") and f"{path} does not exist" in err, err


@pytest.mark.parametrize("argv", SETTINGS_FILE_COMMANDS)
def test_a_settings_file_that_is_no_yaml_or_no_text_is_one_line_with_line_and_column(
        argv, tmp_path, capsys):
    """PyYAML's five-line message (and a UnicodeDecodeError for a binary file) once came out."""
    path = tmp_path / "settings.yaml"
    for content, problem in (
            (b"planner:\n  samples: [1, 2\n  horizon: 3\n",
             "is not valid YAML (line 3, column 10: expected ',' or ']', but got ':'): fix that "
             "line; give "),
            (b"a: b: c\n", "is not valid YAML (line 1, column 5: mapping values are not allowed "
             "here): fix that line; give "),
            (b"\x80\x02PK\x03\x04 torch", "is not a text file: give ")):
        path.write_bytes(content)
        err = run_command([str(path) if a == "FILE" else a for a in argv], tmp_path, capsys,
                          status=2)
        assert err.startswith(f"vjepa-ros {argv[0]}: ") and f"{path} {problem}" in err, err


@pytest.mark.parametrize("argv, message", [
    (["launch", "-p", "planner.planner.samples:=[1"], "vjepa-ros launch: -p "
     "planner.planner.samples: '[1' is not a YAML value (column 3: expected ',' or ']', but got "
     "'<stream end>'); quote a string that holds YAML signs: -p 'NODE.name:=\"a: b\"'"),
    (["train", "--out", "OUT", "--data", "DATA", "--set", "steps=[1"], "vjepa-ros train: --set "
     "'steps=[1': value is not YAML (column 3: expected ',' or ']', but got '<stream end>'); "
     "quote a string that holds YAML signs"),
    # (column 3 of the value, as given: it was 6, of the value wrapped as 'v: [1')
    (["demo", "--encoder-arg", "num_heads=[1"], "vjepa-ros demo: --encoder-arg: not YAML/JSON "
     "(column 3: expected ',' or ']', but got '<stream end>'); write a mapping such as "
     "'{num_heads: 16, num_frames: 64}'"),
])
def test_a_value_that_is_no_yaml_is_one_line(argv, message, tmp_path, capsys):
    """``launch -p NODE.x:=[1`` ended in a traceback; ``--set`` printed PyYAML's five lines."""
    assert run_command(argv, tmp_path, capsys, status=2) == message.replace(
        "OUT", str(tmp_path / "out"))


@pytest.mark.parametrize("argv, given", [
    (["demo"], "--checkpoint"),
    (["eval", "BAG", "--out", "OUT"], "--checkpoint"),
    (["camera-check", "BAG", "--out", "OUT", "--random-weights"],
     "--checkpoint (or a --params-file with model.checkpoint)"),
])
def test_encoder_arg_without_a_checkpoint_is_a_usage_error(argv, given, tmp_path, capsys):
    """user32: options that do not go together exited 1 (after the bag was read, for eval)."""
    err = run_command([*argv, "--encoder-arg", "img_size=64"], tmp_path, capsys, status=2)
    assert err == (f"vjepa-ros {argv[0]}: --encoder-arg/--predictor-arg describe a {given}; "
                   "none given")
