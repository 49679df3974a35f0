"""``vjepa-ros`` checks its options before importing torch, pybullet or rclpy.

Each case runs in a fresh interpreter (as the console script does): the command refuses one bad
option in one line, and the heavy libraries are still unloaded at that point, so the error comes
in well under a second instead of after seconds of imports (timed by
``benchmarks/bench_cli_startup.py``, never asserted here).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "pybullet", "rclpy", "scipy", "matplotlib", "rosbags")
PROBE = """
import contextlib, io, json, os, sys
from vjepa_ros.cli import main
results = []
for argv, cwd in json.loads(sys.argv[1]):
    os.chdir(cwd)
    os.environ["HOME"] = cwd  # ROS logs there
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    loaded = [m for m in %r if m in sys.modules]
    results.append({"code": code, "err": err.getvalue(), "loaded": loaded})
print(json.dumps(results))
""" % (HEAVY,)


ROS_ENV = ("ROS_DOMAIN_ID", "ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_LOCALHOST_ONLY")


def probe_all(cases: list[tuple[list[str], Path]]) -> list[dict]:
    """Run ``vjepa-ros ARGV`` in CWD for each case, one after another in one fresh interpreter.

    One interpreter for all cases: the heavy libraries are looked for after each case, and
    ``sys.modules`` only grows, so a case that loads one is still caught (and every case after
    it fails too); the interpreter start-up and the light imports are paid once, not per case.
    """
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin",
           **{name: os.environ[name] for name in ROS_ENV if name in os.environ}}  # network rule
    cases = [(argv, str(cwd)) for argv, cwd in cases]
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(cases)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def probe(argv: list[str], cwd: Path) -> dict:
    return probe_all([(argv, cwd)])[0]


BAD_OPTIONS = [
    (["--help"], ""),
    (["demo", "--refine-lr", "-1"], "vjepa-ros demo: --refine-lr must lie in (0, 1]"),
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "vjepa-ros eval: --rate must be a step rate"),
    (["eval", "BAG", "--out", "OUT"], "vjepa-ros eval: bag not found: "),
    (["camera-check", "BAG", "--out", "OUT", "--fine-deg", "200"],
     "vjepa-ros camera-check: --fine-deg must be an angle in (0, 180)"),
    (["collect", "--out", "OUT", "--width", "8"], "vjepa-ros collect: --width/--height"),
    (["run", "--task", "grasp", "--refine-lr", "-1"],
     "vjepa-ros run: --refine-lr must lie in (0, 1]"),
    (["train", "--out", "OUT", "--data", "OUT", "--steps", "0"],
     "vjepa-ros train: --steps must be >= 1"),
    # Device and dtype names: before torch, which knows only whether the device is here.
    (["demo", "--device", "bogus"],
     "vjepa-ros demo: --device: unknown device 'bogus': use cpu, cuda, cuda:N or mps"),
    (["eval", "BAG", "--out", "OUT", "--dtype", "f8"], "vjepa-ros eval: --dtype: unknown dtype"),
    (["camera-check", "BAG", "--device", "cuda:x"],
     "vjepa-ros camera-check: --device: unknown device 'cuda:x'"),
    (["run", "--task", "grasp", "--device", "tpu"], "vjepa-ros run: --device: unknown device"),
    (["run", "--task", "grasp", "--dtype", "half-ish"], "vjepa-ros run: --dtype: unknown dtype"),
    (["reach", "--device", "gpu"], "vjepa-ros reach: --device: unknown device 'gpu'"),
    (["train", "--out", "OUT", "--data", "OUT", "--device", "meta"],
     "vjepa-ros train: --device: unknown device 'meta'"),
    # pretrain's settings (PretrainConfig) are checked without torch.
    (["pretrain", "--data", "FILE", "--out", "OUT/e.pt", "--steps", "-1"],
     "vjepa-ros pretrain: --steps must lie in [0, inf), got -1"),
    (["pretrain", "--data", "FILE", "--out", "OUT/e.pt", "--batch-size", "0"],
     "vjepa-ros pretrain: --batch-size must lie in [1, inf), got 0"),
    # A CEM value the user did not give is named with where it comes from, as demo names it.
    (["demo", "--samples", "4"], "vjepa-ros demo: --topk of preset 'notebook' (10) must be "
     "less than --samples (4)"),
    (["run", "--task", "grasp", "--samples", "4"], "vjepa-ros run: --topk of "
     "config/reach_demo.yaml (10) must be less than --samples (4)"),
    # reach has no --topk option: its setting is named as such, not as an option it lacks
    (["reach", "--samples", "4"], "vjepa-ros reach: topk of config/reach_demo.yaml (10) must "
     "be less than --samples (4)"),
    # vjepa-ros planner: what was typed, refused before rclpy loads (feat59call)
    (["planner", "goal-pose", "0.4", "0.1"],
     "vjepa-ros planner goal-pose: goal-pose takes X Y Z or X Y Z R P Y, not 2 numbers"),
    (["planner", "enable", "--node", "/arm 1/vjepa_planner"],
     "vjepa-ros planner enable: --node '/arm 1/vjepa_planner': no ROS namespace"),
    (["planner", "status", "--timeout", "0"],
     "vjepa-ros planner status: --timeout 0.0: give a number of seconds above 0"),
    (["planner", "param", "set", "planner.samples"],
     "vjepa-ros planner param set: param set takes NAME VALUE pairs, got 1 word(s)"),
    (["planner", "goal-image", "a.png", "b.png", "--steps", "3"],
     "vjepa-ros planner goal-image: --steps gives 1 counts for 2 files: give one per file"),
]


@pytest.mark.parametrize("argv, message", BAD_OPTIONS)
def test_a_bad_option_is_refused_before_the_heavy_libraries_load(argv, message, light_results):
    # an option refused: a usage error (2); a missing bag: 1
    assert_refused_light(argv, message, light_results, 1 if "bag not found" in message else 2)


# Input paths: MISSING does not exist, FOLDER and FILE do (a folder, a file).
MISSING_PATHS = [
    (["demo", "--episode", "MISSING"], "vjepa-ros demo: --episode MISSING does not exist: give"),
    (["demo", "--episode", "FOLDER"], "vjepa-ros demo: --episode FOLDER is a folder: give"),
    (["demo", "--checkpoint", "MISSING"],
     "vjepa-ros demo: --checkpoint MISSING does not exist: give a file written by vjepa-ros "
     "train or Meta's V-JEPA 2-AC checkpoint (~/.cache/torch/hub/checkpoints/vjepa2-ac-vitg.pt "
     "once torch.hub has loaded it; else download "
     "https://dl.fbaipublicfiles.com/vjepa2/vjepa2-ac-vitg.pt)"),
    (["demo", "--checkpoint", "FOLDER"], "vjepa-ros demo: --checkpoint FOLDER is a folder"),
    (["eval", "FOLDER", "--out", "OUT", "--checkpoint", "MISSING"],
     "vjepa-ros eval: --checkpoint MISSING does not exist"),
    (["run", "--task", "grasp", "--world-model", "MISSING"],
     "vjepa-ros run: --world-model MISSING does not exist: give"),
    (["run", "--task", "pick-and-place", "--world-model", "FOLDER"],
     "vjepa-ros run: --world-model FOLDER is a folder"),
    (["reach", "--checkpoint", "MISSING"], "vjepa-ros reach: --checkpoint MISSING does not exist: "
     "give a file written by vjepa-ros train"),
    (["reach", "--checkpoint", "FOLDER"], "vjepa-ros reach: --checkpoint FOLDER is a folder: give "
     "a file written by vjepa-ros train or Meta's V-JEPA 2-AC checkpoint"),
    (["bag-from-npz", "OUT", "--episode", "MISSING"],
     "vjepa-ros bag-from-npz: --episode MISSING does not exist"),
    (["pretrain", "--data", "FILE", "MISSING", "--out", "OUT/e.pt"],
     "vjepa-ros pretrain: --data MISSING does not exist: give"),
    (["train", "--out", "OUT", "--data", "MISSING", "--encoder", "FILE"],
     "vjepa-ros train: --data: MISSING does not exist"),
    (["train", "--out", "OUT", "--data", "FILE", "--init", "MISSING"],
     "vjepa-ros train: --init: MISSING does not exist: give a file written by vjepa-ros train "
     "or Meta's V-JEPA 2-AC checkpoint"),
    (["launch", "--checkpoint", "MISSING"], "vjepa-ros launch: --checkpoint MISSING does not "
     "exist: give a file written by vjepa-ros train"),
    (["launch", "-p", "planner.model.checkpoint:=FOLDER"],
     "vjepa-ros launch: -p planner.model.checkpoint FOLDER is a folder"),
    (["launch", "--params-file", "planner_notebook.yaml", "--checkpoint", "MISSING"],
     "vjepa-ros launch: --checkpoint MISSING does not exist"),  # a packaged file by its name
    # camera-check: its bag, --checkpoint and --params-file before torch and the model.
    (["camera-check", "BAG"], "vjepa-ros camera-check: bag not found: BAG"),
    (["camera-check", "FILE"], "vjepa-ros camera-check: FILE: not a rosbag2 data file"),
    (["camera-check", "FOLDER"], "vjepa-ros camera-check: FOLDER: no metadata.yaml and no "
     "rosbag2 data file"),
    (["camera-check", "FOLDER", "--checkpoint", "MISSING"],
     "vjepa-ros camera-check: --checkpoint MISSING does not exist: give"),
    (["camera-check", "FOLDER", "--out", "FILE/check"],
     "vjepa-ros camera-check: --out FILE/check: FILE is a file, not a directory"),
    (["reach", "--out", "FILE/reach"], "vjepa-ros reach: --out FILE/reach: FILE is a file"),
]


@pytest.mark.parametrize("argv, message", MISSING_PATHS)
def test_a_missing_input_path_is_refused_before_the_heavy_libraries_load(argv, message,
                                                                          light_results):
    assert_refused_light(argv, message, light_results)


# Usage errors (config.UsageError): a settings or parameter file that cannot be used, a -p for no
# node started. Exit status 2, as argparse's and the node executables' --ros-args (once 1 here).
USAGE_ERRORS = [
    (["pretrain", "--data", "FILE", "--out", "OUT/e.pt", "--config", "FILE"],
     "vjepa-ros pretrain: pretraining settings file FILE holds a YAML str ('not numpy'), not a "
     "mapping of pretraining settings (name: value)"),
    (["pretrain", "--data", "FILE", "--out", "OUT/e.pt", "--config", "MISSING"],
     "vjepa-ros pretrain: --config MISSING does not exist: give a YAML file"),
    (["launch", "--params-file", "MISSING"], "vjepa-ros launch: --params-file MISSING does not "
     "exist: give a ROS 2 parameter file like config/planner.yaml"),
    (["launch", "--params-file", "FILE", "--checkpoint", "FILE"],
     "vjepa-ros launch: --params-file FILE: it holds a YAML str, not a mapping of nodes"),
    (["launch", "--params-file", "nosuch.yaml"], "vjepa-ros launch: --params-file nosuch.yaml "
     "is neither a file here ("),
    # -p for a node this launch does not start: refused, not dropped while the rest runs.
    (["launch", "--checkpoint", "FILE", "-p", "sim.camera.width:=64"],
     "vjepa-ros launch: -p sim.camera.width: node 'sim' is not started, so the value would be "
     "dropped: add --node sim"),
    (["launch", "--checkpoint", "demo", "-p", "sim.camera.width:=64"],  # demo: past the file
     "vjepa-ros launch: -p sim.camera.width: node 'sim' is not started"),  # check, as in run
    (["launch", "--checkpoint", "FILE", "--node", "sim", "-p", "camera.fps:=15"],
     "vjepa-ros launch: -p camera.fps: node 'camera' is not started"),
    (["launch", "--checkpoint", "FILE", "-p", "plannr.planner.samples:=8"],
     "vjepa-ros launch: -p plannr.planner.samples: no node 'plannr'; the nodes are bag_player, "
     "camera, image_publisher, planner, sim"),
    (["launch"], "vjepa-ros launch: the planner's parameter 'model.checkpoint' is empty: give "
     "--checkpoint with a file written by vjepa-ros train or Meta's V-JEPA 2-AC checkpoint "
     "(~/.cache/torch/hub/checkpoints/vjepa2-ac-vitg.pt once torch.hub has loaded it; else "
     "download https://dl.fbaipublicfiles.com/vjepa2/vjepa2-ac-vitg.pt), or --checkpoint demo "
     "for the packaged demo world model"),  # no checkpoint given: a usage error (was 1)
    (["camera-check", "FOLDER", "--params-file", "MISSING"],
     "vjepa-ros camera-check: --params-file MISSING does not exist: give a ROS 2 parameter file"),
    (["camera-check", "FOLDER", "--params-file", "FILE"],
     "vjepa-ros camera-check: --params-file FILE: it holds a YAML str, not a mapping of nodes"),
]


@pytest.mark.parametrize("argv, message", USAGE_ERRORS)
def test_a_usage_error_exits_2_before_the_heavy_libraries_load(argv, message, light_results):
    assert_refused_light(argv, message, light_results, status=2)


# Outputs never overwritten (bags): an existing folder or file, or a path below a file.
EXISTING_BAGS = [
    (["record", "FOLDER"], "vjepa-ros record: bag FOLDER exists already (a folder); rosbag2 "
     "bags are never overwritten: give a new name"),
    (["record", "FILE", "--frames", "4"], "vjepa-ros record: bag FILE exists already (a file)"),
    (["record", "FILE/bag"], "vjepa-ros record: bag FILE/bag: FILE is a file, not a directory"),
    (["bag-from-npz", "FOLDER"], "vjepa-ros bag-from-npz: bag FOLDER exists already"),
    (["bag-from-npz", "FILE", "--storage", "sqlite3"], "vjepa-ros bag-from-npz: bag FILE exists"),
]


@pytest.mark.parametrize("argv, message", EXISTING_BAGS)
def test_an_existing_bag_is_refused_before_the_heavy_libraries_load(argv, message,
                                                                    light_results):
    assert_refused_light(argv, message, light_results)


PLACEHOLDERS = {"BAG": "bag", "OUT": "out", "MISSING": "missing.pt", "FOLDER": "folder",
                "FILE": "file.npz"}


def place(text: str, folder: Path) -> str:
    """Replace the placeholders in ``text`` by their paths in ``folder``."""
    return re.sub("|".join(PLACEHOLDERS), lambda m: str(folder / PLACEHOLDERS[m.group(0)]), text)


@pytest.fixture(scope="module")
def light_results(tmp_path_factory):
    """Run every case of the four tables above in one interpreter, each in its own folder.

    Placeholders (in ``argv`` and ``message``): BAG and OUT (paths that do not exist), MISSING
    (one more), FOLDER (an empty folder), FILE (a small file). Returns {argv: (result, folder)}.
    """
    cases = {}
    for argv, _ in BAD_OPTIONS + MISSING_PATHS + USAGE_ERRORS + EXISTING_BAGS:
        folder = tmp_path_factory.mktemp("case")
        (folder / "folder").mkdir()
        (folder / "file.npz").write_bytes(b"not numpy")
        cases[tuple(argv)] = folder
    results = probe_all([([place(a, folder) for a in argv], folder)
                         for argv, folder in cases.items()])
    return {argv: (result, folder) for (argv, folder), result in zip(cases.items(), results,
                                                                      strict=True)}


def assert_refused_light(argv: list[str], message: str, light_results: dict,
                         status: int = 1) -> None:
    """Check ``vjepa-ros ARGV`` (run by ``light_results``): ``status``, one line, nothing heavy."""
    result, folder = light_results[tuple(argv)]
    argv, message = [place(a, folder) for a in argv], place(message, folder)
    assert result["code"] == (0 if argv == ["--help"] else status)
    assert result["err"].startswith(message) and result["err"].count("\n") <= 1, result["err"]
    assert result["loaded"] == [], f"{' '.join(argv[:1])} imported {result['loaded']} first"


# Nodes started by `launch` (rclpy loads): each one's parameters are refused before the planner
# loads torch and the world model (it starts last), in one line, never a traceback.
NODE_PARAMETERS = [
    (["--node", "sim", "-p", "sim.camera.width:=5"],
     "vjepa-ros launch: sim: -p sim.camera.width: camera.width/height must be "
     "32..1024 px, got 5x256"),
    # fix59e: a shape the planner refuses every frame of, both parameters named
    (["--node", "sim", "-p", "sim.camera.width:=1024", "-p", "sim.camera.height:=200"],
     "vjepa-ros launch: sim: -p sim.camera.width, -p sim.camera.height: camera.width 1024 and "
     "camera.height 200: the camera image is 1024x200 px: long side more than 4 times"),
    (["--node", "sim", "-p", "sim.real_time_factor:=-1.0"],
     "vjepa-ros launch: sim: -p sim.real_time_factor must lie in [0, 100], "
     "got -1.0"),
    # a parameter the node cannot start without, empty in its own file: what to give, a usage
    # error (cli31: it was the node's refusal of its packaged file, status 1)
    (["--node", "image_publisher"], "vjepa-ros launch: --node image_publisher needs parameter "
     "'path', the image file to publish: give -p image_publisher.path:=PATH"),
    (["--node", "bag_player"], "vjepa-ros launch: --node bag_player needs parameter 'bag', the "
     "bag to play (a folder, .mcap or .db3): give -p bag_player.bag:=PATH"),
    (["-p", "planner.model.device:=tpu"],
     "vjepa-ros launch: planner: -p planner.model.device: model.device: unknown device 'tpu'"),
    (["-p", "planner.model.dtype:=f8"], "vjepa-ros launch: planner: -p planner.model.dtype: "
     "model.dtype: unknown dtype"),
]
# A bag that exists but lacks what the command asks of it: refused from the bag's contents
# (rosbags reads them), before torch and the world model.
BAG_COMMANDS = ["eval", "camera-check"]
MISSING_TOPICS = [
    (["--image-topic", "/nope"], "image topic /nope is not in the bag"),
    (["--state-source", "joint_states", "--joint-states-topic", "/arm/joint_states"],
     "/arm/joint_states"),
]


@pytest.fixture(scope="module")
def torch_free_results(tmp_path_factory):
    """Run the launch and bag cases below in one interpreter (torch must stay unloaded).

    Returns {(command, options): result}; a separate interpreter from ``light_results``, as these
    cases load rclpy or rosbags.
    """
    import numpy as np

    from vjepa_ros.recordings.bag_writing import write_bag

    cases = {}
    for options, _ in NODE_PARAMETERS:
        folder = tmp_path_factory.mktemp("launch")
        (folder / "model.pt").write_bytes(b"not a model")
        cases["launch", tuple(options)] = (
            ["launch", "--checkpoint", str(folder / "model.pt"), *options], folder)
    bag = write_bag(tmp_path_factory.mktemp("bag") / "bag", np.zeros((3, 16, 16, 3), np.uint8),
                    np.tile([0.5, 0.0, 0.3, 3.14, 0.0, 0.0, 0.0], (3, 1)))
    for command in BAG_COMMANDS:
        for options, _ in MISSING_TOPICS:
            folder = tmp_path_factory.mktemp("bagcase")
            cases[command, tuple(options)] = (
                [command, str(bag), "--out", str(folder / "out"), *options], folder)
    results = probe_all(list(cases.values()))
    return dict(zip(cases, results, strict=True))


@pytest.mark.parametrize("argv, message", NODE_PARAMETERS)
def test_launch_refuses_a_node_parameter_before_the_world_model_loads(argv, message,
                                                                      torch_free_results):
    result = torch_free_results["launch", tuple(argv)]
    assert result["code"] == 2, "a -p value refused, a required one not given: usage errors"
    assert result["err"].startswith(message) and result["err"].count("\n") <= 1, result["err"]
    assert "torch" not in result["loaded"], f"launch {argv} imported torch first"


@pytest.mark.parametrize("command", BAG_COMMANDS)
@pytest.mark.parametrize("options, message", MISSING_TOPICS)
def test_a_bag_without_the_asked_topic_is_refused_before_torch(command, options, message,
                                                               torch_free_results):
    result = torch_free_results[command, tuple(options)]
    assert result["code"] == 1 and message in result["err"], result["err"]
    assert result["err"].startswith(f"vjepa-ros {command}: ") and result["err"].count("\n") == 1
    assert "torch" not in result["loaded"], f"{command} imported torch before reading the bag"
