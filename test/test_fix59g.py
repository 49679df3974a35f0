"""fix59g: ``vjepa-ros launch`` takes its names for its nodes in every option, and says them.

breaker59g #1: ``launch --log-level planner:=warn`` went to rcl as typed, a logger no node has
(they log as ``vjepa_planner``, ``sim_node``), while ``-p vjepa_planner.…`` was refused: each
option took the name the other refused. Now ``-p``, ``--node`` and ``--log-level`` take both
launch's name (``planner``, ``sim``) and the node's ROS name (``vjepa_planner``, ``sim_node``),
keyed by launch's (``node_registry.launch_node_name`` / ``node_logger_name``). Advice a node prints
names launch's form too (``-p sim.publish_clock:=true``, beside ``ros2 run``'s), and a ``-p
sim.camera.width`` alone beside a model recording its frame size is refused (the height would be
sim.yaml's 256, a size from neither).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.nodes.node_registry import NODES, launch_node_name, node_logger_name

ROOT = Path(__file__).resolve().parents[1]
DEMO_MODEL = ROOT / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture
def launched(monkeypatch):
    """Capture what ``launch`` would start (nothing starts): nodes, their parameters, args."""
    from vjepa_ros.nodes import launcher

    captured = {}

    def fake_launch(nodes, **kwargs):
        captured.update(kwargs, nodes={node.name: dict(node.parameters) for node in nodes})
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    return captured


def _launch(capsys, *argv):
    """Run ``vjepa-ros launch --checkpoint DEMO ARGV`` (nothing starts); (status, stderr)."""
    from vjepa_ros.cli import main

    try:
        status = main(["launch", "--checkpoint", str(DEMO_MODEL), *argv])
    except SystemExit as ended:
        status = ended.code
    return status, capsys.readouterr().err.strip()


@pytest.mark.parametrize("name", sorted(NODES))
def test_each_node_is_found_by_launchs_name_and_by_its_ros_name(name):
    ros_name = NODES[name].ros_name
    assert launch_node_name(name) == name and launch_node_name(ros_name) == name
    assert node_logger_name(name) == ros_name and node_logger_name(ros_name) == ros_name
    assert node_logger_name(f"{name}.child") == f"{ros_name}.child"  # a child logger of it
    assert launch_node_name("plannr") == "plannr" and node_logger_name("rcl") == "rcl"


@pytest.mark.parametrize("name", sorted(NODES))
@pytest.mark.parametrize("level", ["warn", "ERROR"])
def test_a_log_level_for_any_node_by_launchs_name_goes_to_its_logger(launched, capsys, name,
                                                                      level):
    status, err = _launch(capsys, "--log-level", f"{name}:={level}", "--log-level", "debug")
    assert launched["ros_args"] == ["--ros-args", "--log-level",
                                    f"{NODES[name].ros_name}:={level}", "--log-level",
                                    "debug"], (status, err)


@pytest.mark.parametrize("typed", ["sim:warn", ":=warn", "planner:=loud"])
def test_a_log_level_rcl_cannot_read_is_still_refused_naming_launchs_form(launched, capsys,
                                                                          typed):
    status, err = _launch(capsys, "--log-level", typed)
    assert status == 2 and "ros_args" not in launched, err
    assert "--log-level planner:=warn" in err and "\n" not in err, err


def test_p_and_node_take_a_nodes_ros_name_as_launchs_name(launched, capsys):
    """``-p vjepa_planner.…`` was refused ("no node 'vjepa_planner'"); ``--node sim_node`` too."""
    status, err = _launch(capsys, "--node", "sim_node", "--node", "sim",
                          "-p", "vjepa_planner.planner.samples:=64",
                          "-p", "sim_node.camera.width:=96", "-p", "sim.camera.height:=64")
    assert list(launched["nodes"]) == ["planner", "sim"], (status, err)  # sim started once
    assert launched["nodes"]["planner"]["planner.samples"] == 64
    assert launched["nodes"]["sim"]["camera.width"] == 96
    assert launched["nodes"]["sim"]["camera.height"] == 64


def test_a_value_by_the_ros_name_is_checked_as_the_nodes():
    from vjepa_ros.config import UsageError
    from vjepa_ros.nodes.launch_arguments import parse_overrides

    assert parse_overrides(["vjepa_planner.planner.samples:=64", "sim_node.seed:=3"]) == {
        "planner": {"planner.samples": 64}, "sim": {"seed": 3}}
    with pytest.raises(UsageError, match="-p vjepa_planner.planner.samples: .*octal"):
        parse_overrides(["vjepa_planner.planner.samples:=0100"])  # named as typed


def test_a_p_for_no_node_names_launchs_names_and_the_ros_names(launched, capsys):
    status, err = _launch(capsys, "-p", "plannr.planner.samples:=8")
    assert status == 2 and err == (
        "vjepa-ros launch: -p plannr.planner.samples: no node 'plannr'; the nodes are "
        "bag_player, camera, image_publisher, planner, sim (or their ROS names: sim_node, "
        "vjepa_planner)"), err
    status, err = _launch(capsys, "-p", "sim_node.seed:=3")  # a registered node not started
    assert status == 2 and "add --node sim," in err, err


# --- advice in launch's form ------------------------------------------------------------------

def _standalone_p_items(text: str) -> list[str]:
    """``-p NAME:=`` items of ``text`` that are neither launch's ``NODE.`` form nor ros2 run's."""
    items = []
    for found in re.finditer(r"-p ([\w.]+):=", text):
        ros2_run = text[:found.start()].endswith("--ros-args ")
        node = found.group(1).partition(".")[0]
        if not ros2_run and node not in NODES:
            items.append(found.group(0))
    return items


def test_advice_lines_name_launchs_form_beside_ros2_runs():
    from vjepa_ros.models.checkpoint_entries import ENTRY_OPTIONS
    from vjepa_ros.nodes.bag_player import CLOCK_FALSE
    from vjepa_ros.nodes.sim_node import NO_CLOCK
    from vjepa_ros.robot.goal_image_rules import TAKE_UNNAMED

    for text, launch_form in [
            (NO_CLOCK, "vjepa-ros launch --node sim -p sim.publish_clock:=true"),
            (CLOCK_FALSE, "vjepa-ros launch --node bag_player -p bag_player.clock:=false"),
            (TAKE_UNNAMED, "vjepa-ros launch -p planner.safety.take_unnamed_publishers:=true"),
            (ENTRY_OPTIONS.format(key="target_encoder"),
             "vjepa-ros launch -p planner.model.encoder_key:=target_encoder")]:
        assert launch_form in text and "ros2 run: --ros-args -p " in text, text
        assert _standalone_p_items(text) == [], text


def test_the_sims_no_clock_refusal_under_launch_gives_launchs_form():
    """Was ``set -p publish_clock:=true``, a ``-p`` launch refuses (no ``NODE.``)."""
    out = subprocess.run([sys.executable, "-m", "vjepa_ros.cli", "launch", "--checkpoint",
                          str(DEMO_MODEL), "--node", "sim", "--use-sim-time",
                          "-p", "sim.publish_clock:=false"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    err = out.stderr.strip()
    assert out.returncode == 2 and err.startswith("vjepa-ros launch: sim: "), err
    assert "-p sim.publish_clock:=true" in err and "\n" not in err, err
    assert _standalone_p_items(err) == [], err


# --- the sim's camera size: both sides from one source ----------------------------------------

@pytest.mark.parametrize("typed, other", [("sim.camera.width:=96", "camera.height"),
                                          ("sim_node.camera.height:=96", "camera.width")])
def test_one_camera_side_alone_beside_a_model_recording_its_size_is_refused(launched, capsys,
                                                                            typed, other):
    """Was: the other side sim.yaml's 256, a 96x256 sim for a 128x128 model, unsaid."""
    status, err = _launch(capsys, "--node", "sim", "-p", typed)
    assert status == 2 and "nodes" not in launched and "\n" not in err, err
    assert f"alone: the sim's {other} would be the packaged default config/sim.yaml's 256" in err
    assert "demo_world_model.pt's recorded frame size 128x128" in err, err
    assert "give both -p sim.camera.width:=W -p sim.camera.height:=H" in err, err


def test_both_camera_sides_are_taken_and_neither_gives_the_models_size(launched, capsys):
    _launch(capsys, "--node", "sim", "-p", "sim.camera.width:=96", "-p", "sim.camera.height:=64")
    assert launched["nodes"]["sim"]["camera.width"] == 96
    assert launched["nodes"]["sim"]["camera.height"] == 64
    launched.clear()
    _launch(capsys, "--node", "sim")
    assert (launched["nodes"]["sim"]["camera.width"],
            launched["nodes"]["sim"]["camera.height"]) == (128, 128)


def test_a_launched_sim_quieted_by_launchs_name_logs_no_info_and_the_start_line_names_both():
    """End to end: ``--log-level sim:=warn`` quiets ``[sim_node]``; the planner's INFO stays."""
    import os
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "vjepa_ros.cli", "launch", "--checkpoint", "demo", "--node", "sim",
         "--use-sim-time", "--log-level", "sim:=warn"], cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    text = ""
    try:  # up to the start line (or the end), then Ctrl-C and the rest
        while "launch: running" not in text and process.poll() is None:
            text += process.stderr.readline()
        process.send_signal(signal.SIGINT)
        text += process.communicate(timeout=120)[1]
    finally:
        process.kill()
    assert "vjepa-ros launch: running planner (/vjepa_planner), sim (/sim_node) " in text, text
    assert "[INFO]" in text and "] [vjepa_planner]: ready" in text, text  # rcl logs INFO here
    assert "[sim_node]: simulated Franka" not in text, text  # its INFO start line, quieted


@pytest.mark.parametrize("typed, value", [("sim.camera.width:=wide", "wide"),
                                          ("sim.camera.width:=5", 5),
                                          ("sim.camera.height:=2000", 2000)])
def test_one_side_the_sim_refuses_is_left_to_its_refusal_naming_type_or_range(launched, capsys,
                                                                             typed, value):
    """Not "give both": the sim then refuses it as it declares it (test_ros_planner_launch)."""
    status, err = _launch(capsys, "--node", "sim", "-p", typed)
    assert "alone" not in err, err
    assert value in launched["nodes"]["sim"].values(), (status, err)
