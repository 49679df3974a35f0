"""breaker55e: helper nodes' rates at the timer's limits; -r __node:= / __ns:= as rcl reads them.

Attacked at 29438d5b (main's HEAD): ``nodes/image_publisher.py``, ``nodes/sim_node.py``,
``nodes/bag_player.py`` (``PlaybackConfig``), ``nodes/ros_args.py`` (``node_name``: the node's
fully qualified name that ``params_file.check_params_file`` matches the file's sections to),
``rcl_yaml.py`` / ``params_file.py`` / ``param_sections.py``, ``vjepa-ros launch`` and the
other commands' options. Each test asserts what SHOULD happen (strict xfail until fixed).

Defects:

1. A small positive rate, inside the declared range, crashes the node with a traceback from
   rclpy's ``create_timer`` instead of a one-line refusal naming the parameter:
   ``image_publisher -p rate_hz:=1e-10`` (range [0, 1000]: a period of 1e10 s is 1e19 ns,
   beyond the int64 rcl's timer takes: ``TypeError: __init__(): incompatible constructor
   arguments``), ``rate_hz:=1e-300`` (``OverflowError: cannot convert float infinity to
   integer``); ``sim_node -p real_time_factor:=1e-12`` (range 0..100: the stepping timer's
   period is the tick over the factor) and ``control_rate_hz:=1e-300 camera_rate_hz:=1e-300``
   (``check_rates`` takes them). The declared range promises these values; the node must
   refuse them naming the parameter (and a range it can keep), or run.
2. ``-r __node:=`` / ``-r __ns:=`` given twice, or a node-targeted namespace rule
   (``-r image_publisher:__ns:=/robot1 -r image_publisher:__node:=goal_pub``): rcl applies the
   FIRST rule that matches (``rcl_remap_first_match``), and matches a node-targeted ``__ns``
   rule against the node's name after its ``__node`` rule; ``ros_args.node_name`` applies the
   LAST and in command-line order. The node runs as ``/a/first`` (``-r __node:=first -r
   __node:=second -r __ns:=/a -r __ns:=/b``), the check thinks ``/b/second``: a file with
   section ``/a/first`` (the node's real name) is refused ("section '/a/first' applies to no
   node started here (/b/second)"), and one with section ``/b/second`` passes the check and is
   then silently not applied by rcl (its ``path``: "parameter 'path' is empty"; a ``rate_hz``
   in it would be dropped without a word). The node's own lines are prefixed ``second:``.
3. A quoted ``-p`` value holding `` #`` (``-p "path:=/data/goal.png #2"``, ``vjepa-ros launch -p
   "image_publisher.path:=..."``): cut at the YAML comment (as rcl cuts it) without a word, and
   ``/data/goal.png`` is published as the planner's goal; every other YAML sign in a ``-p``
   value is explained (``#x.png``, ``[a].png``, ``@a``, ``*a``, ``!a``, ``a: b``, ``- a``).
4. A settings file (``reach``/``run``/``train --config``, ``train --set``) reads a zero-led
   whole number as YAML 1.1 octal: ``samples: 0100`` is 64, ``goal_seed: 000042`` 34 (the
   package's own names are zero-padded: ``episode_000042.npz``), where ``--steps 0100`` is 100.

Held (probed, not pinned unless below): ``--params-file`` with a BOM, CRLF, ``/**``, ``/*``,
``/**/NAME``, ``/NS/**``, ``NS/*`` (each agreed with rcl on a renamed, namespaced node), node
names with ``.``, duplicate keys, a value set in one file and re-set in a later one;
``--ros-args`` with ``--param``/``--remap`` long forms, ``--params-file=F`` (refused),
``--log-level``, ``--enclave``, ``--`` then a stray word, a dangling ``--params-file``,
``-r __ns:=`` relative / with a trailing or repeated ``/``, ``-r other:__node:=x``, ``-p
other:NAME:=bad`` (ignored, as rcl ignores it); ``-p`` group names / sub-names / wrong types /
list lengths; bag_player ``rate`` 1e-300 (it waits, no crash), ``topics`` misspelt (listed);
``vjepa-ros`` option errors (empty, ``1e2``, ``64.0``, misspelt options with a closest, seeds
out of [0, 2**32)); unicode and spaces in bag, image and params-file paths; ``file://`` URIs.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

ROOT = Path(__file__).resolve().parent.parent
READY = ("publishing ", "simulated Franka:", "vjepa-ros launch: running")  # it runs


@pytest.fixture(scope="module")
def small_png(tmp_path_factory) -> Path:
    """Write a 64x64 random RGB PNG (image_publisher's path)."""
    import cv2
    import numpy as np

    path = tmp_path_factory.mktemp("png") / "goal.png"
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    return path


def _run(module: str, *ros_args: str) -> tuple[int | None, str]:
    """Start ``python -m vjepa_ros.nodes.MODULE --ros-args ...``; return (status, output)."""
    return _run_command(["-m", f"vjepa_ros.nodes.{module}", "--ros-args", *ros_args])


def _run_command(argv: list[str]) -> tuple[int | None, str]:
    """Start ``python ARGV``; return (status, output).

    Read until the node (or launch) says it runs (then stopped with SIGINT: status None) or
    it ends. This worktree's package is imported (PYTHONPATH), on this test's ROS domain.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, running = [], False
    for line in process.stdout:
        lines.append(line)
        if any(word in line for word in READY):
            running = True
            break
    if running:
        process.send_signal(signal.SIGINT)
    try:
        rest, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        rest, _ = process.communicate()
    output = "".join(lines) + (rest or "")
    return (None if running else process.returncode), output


def _refused_or_ran(status, output: str, name: str) -> None:
    """Assert a refusal in one line naming ``name`` (no traceback), or a node that ran."""
    assert "Traceback" not in output, output[-2000:]
    if status is not None:
        assert status in (1, 2), (status, output[-2000:])
        assert name in output, output[-2000:]


@pytest.mark.parametrize("rate", ["1e-10", "1e-300"])
def test_image_publisher_refuses_or_runs_a_tiny_rate(small_png, rate):
    status, output = _run("image_publisher", "-p", f"path:={small_png}", "-p", f"rate_hz:={rate}")
    _refused_or_ran(status, output, "rate_hz")


@pytest.mark.parametrize("values,name", [
    ({"real_time_factor": "1e-12"}, "real_time_factor"),
    ({"control_rate_hz": "1e-300", "camera_rate_hz": "1e-300"}, "control_rate_hz"),
])
def test_sim_node_refuses_or_runs_a_tiny_rate(values, name):
    args = ["-p", "camera.width:=32", "-p", "camera.height:=32"]
    for key, value in values.items():
        args += ["-p", f"{key}:={value}"]
    status, output = _run("sim_node", *args)
    _refused_or_ran(status, output, name)


def test_launch_refuses_or_runs_a_tiny_image_publisher_rate(small_png):
    status, output = _run_command([
        "-m", "vjepa_ros.cli", "launch", "--checkpoint", "demo", "-p", "planner.model.device:=cpu",
        "--node", "image_publisher", "-p", f"image_publisher.path:={small_png}",
        "-p", "image_publisher.rate_hz:=1e-10"])
    _refused_or_ran(status, output, "rate_hz")


def test_a_tiny_rate_that_fits_the_timer_still_runs(small_png):
    """Pin: rate_hz 1e-9 (a period of 1e18 ns, inside int64) runs, publishing once at start."""
    status, output = _run("image_publisher", "-p", f"path:={small_png}", "-p", "rate_hz:=1e-9")
    assert status is None and "Traceback" not in output, output[-2000:]


REMAPS = {  # the rules, the name rcl gives the node (checked by hand against rcl, Jazzy)
    "each rule twice": (["-r", "__node:=first", "-r", "__node:=second",
                         "-r", "__ns:=/a", "-r", "__ns:=/b"], "/a/first"),
    "node-targeted ns before the rename": (["-r", "image_publisher:__ns:=/robot1",
                                            "-r", "image_publisher:__node:=goal_pub"],
                                           "/goal_pub"),
}


@pytest.mark.parametrize("case", sorted(REMAPS))
def test_a_params_file_for_the_name_rcl_gives_is_applied(small_png, tmp_path, case):
    rules, name = REMAPS[case]
    params = tmp_path / "goal.yaml"
    params.write_text(f"{name}:\n  ros__parameters:\n    path: {small_png}\n")
    status, output = _run("image_publisher", *rules, "--params-file", str(params))
    assert status is None, output[-2000:]  # it runs, with the file's path
    assert f"[{name.strip('/').replace('/', '.')}]" in output, output[-2000:]


@pytest.mark.parametrize("case", sorted(REMAPS))
def test_a_params_file_for_another_name_is_refused_before_start(small_png, tmp_path, case):
    rules, name = REMAPS[case]
    wrong = {"/a/first": "/b/second", "/goal_pub": "/robot1/goal_pub"}[name]
    params = tmp_path / "goal.yaml"
    params.write_text(f"{wrong}:\n  ros__parameters:\n    path: {small_png}\n")
    status, output = _run("image_publisher", *rules, "--params-file", str(params))
    assert status == 2, output[-2000:]  # refused by the check: the section fits no node
    assert f"section '{wrong}' applies to no node" in output, output[-2000:]


@pytest.fixture()
def hashed_goal(tmp_path, small_png) -> tuple[Path, Path]:
    """Two images in one folder: ``goal.png`` and ``goal.png #2`` (the one meant)."""
    plain, hashed = tmp_path / "goal.png", tmp_path / "goal.png #2"
    plain.write_bytes(small_png.read_bytes())
    hashed.write_bytes(small_png.read_bytes())
    return plain, hashed


def _said_hash(status, output: str, plain: Path) -> None:
    assert f"publishing {plain} (" not in output, output[-2000:]  # not the other file, unseen
    assert status == 2 and "#" in output.splitlines()[-1], (status, output[-2000:])


def test_a_hash_inside_a_quoted_p_value_is_named(hashed_goal):
    """``image_publisher --ros-args -p "path:=/data/goal.png #2"``.

    The shell passes ``#2`` only when the user quoted it: it is part of the name they mean.
    rcl reads the value as YAML, where `` #`` starts a comment, and gets ``/data/goal.png``;
    the node publishes THAT file (or says "image file not found: /data/goal.png"), the only
    ``-p`` text it does not explain: ``#x.png`` is refused as "no value to rcl ... quote a
    string", ``[draft].png`` / ``@home.png`` "quote a string that holds YAML signs". Should:
    refused before start (exit status 2) in one line naming the ``#`` and the quoting.
    """
    plain, hashed = hashed_goal
    status, output = _run("image_publisher", "-p", f"path:={hashed}")
    _said_hash(status, output, plain)


def test_a_hash_inside_a_launch_p_value_is_named(hashed_goal):
    plain, hashed = hashed_goal
    status, output = _run_command([
        "-m", "vjepa_ros.cli", "launch", "--checkpoint", "demo", "-p", "planner.model.device:=cpu",
        "--node", "image_publisher", "-p", f"image_publisher.path:={hashed}"])
    _said_hash(status, output, plain)


# 3. A settings file (vjepa-ros reach / run --config, train --config) is read by PyYAML's YAML
#    1.1 rules (yaml_keys.load_settings): a whole number with a leading 0 is OCTAL there.
ZERO_LED = {  # setting: (text, the decimal the user wrote)
    "planner.samples": ("planner:\n  samples: 0100\n", 100),
    "goal_seed": ("goal_seed: 000042\n", 42),
    "episode.max_steps": ("episode:\n  max_steps: 010\n", 10),
}


@pytest.mark.parametrize("setting", sorted(ZERO_LED))
def test_a_zero_led_number_in_a_reach_settings_file_is_its_decimal_or_refused(tmp_path, setting):
    """``vjepa-ros reach --config lab.yaml`` with ``samples: 0100`` or ``goal_seed: 000042``.

    Zero-padded numbers are what a lab copies from this package's own names
    (``episode_000042.npz``); ``--goal-seed 000042`` on the command line is 42 (argparse's
    int), in the file it is 34 and the run plans with S 64 for ``0100``, as its banner shows,
    with no note. (``-p``/``--params-file`` say how rcl reads ``010``:
    ``rcl_yaml.number_reading``.) ``0900001`` is refused as "expected an integer, got
    '0900001'" without the reason. Should: the decimal value, or a refusal naming the
    setting and the leading 0.
    """
    from vjepa_ros.sim.reach_config import load_reach_config

    text, decimal = ZERO_LED[setting]
    path = tmp_path / "lab.yaml"
    path.write_text(text)
    try:
        config = load_reach_config(path)
    except ValueError as exc:
        written = text.rpartition(": ")[2].strip()  # the number as written: 0100
        assert setting.rpartition(".")[2] in str(exc) and written in str(exc), exc
        return
    value = config
    for part in setting.split("."):
        value = getattr(value, part)
    assert value == decimal, f"{setting}: {value}"


def test_a_zero_led_number_in_a_train_settings_file_is_its_decimal_or_refused(tmp_path):
    from vjepa_ros.train.config import config_from_yaml, make_config

    path = tmp_path / "train.yaml"
    path.write_text("steps: 0100\n")
    try:
        config = make_config(config_from_yaml(path))
    except ValueError as exc:
        assert "steps" in str(exc) and "0100" in str(exc), exc
        return
    assert config.steps == 100, config.steps


def test_a_plain_number_in_a_settings_file_is_read_as_written(tmp_path):
    """Pin: ``samples: 100`` and ``goal_seed: 0`` are read as written."""
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "lab.yaml"
    path.write_text("goal_seed: 0\nplanner:\n  samples: 100\n")
    config = load_reach_config(path)
    assert (config.goal_seed, config.planner.samples) == (0, 100)


def test_train_set_reads_a_zero_led_number_as_its_option_does():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.config import UsageError
    from vjepa_ros.train.command_options import overrides_from_args

    option = overrides_from_args(build_parser().parse_args(["train", "--steps", "0100"]))
    assert option == {"steps": 100}  # (pin: argparse's int)
    try:
        given = overrides_from_args(build_parser().parse_args(["train", "--set", "steps=0100"]))
    except UsageError as exc:
        assert "0100" in str(exc), exc
        return
    assert given == option, given
