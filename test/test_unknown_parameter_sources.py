"""An unknown parameter name is named after its source: the --params-file it is a key of, or -p.

``vjepa-ros launch --params-file p.yaml`` with a key ``planner.sampels`` said ``unknown
parameter 'planner.sampels' (closest: -p planner.planner.samples:=...)``: it sent the user to
``-p`` for a mistake in the file, which it did not name. A usage error either way: exit status
2, as an unknown ``--config`` key (README, "Exit status").
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes import node_runner  # noqa: E402
from vjepa_ros.nodes.params import UnknownParameterError  # noqa: E402

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / \
    "demo_world_model.pt"


def tail(params_file: str = "") -> str:
    """Return the message's end: the node's installed parameter file lists its names.

    mend62e: it said `ros2 param list` on the running node, which refused to start, and the pip
    route has no ``ros2``.
    """
    from vjepa_ros.nodes.node_usage import params_file_where

    where = params_file_where(params_file) if params_file else "its file in config/"
    return f"; {where} lists the names it takes"


def _file(tmp_path, body: str) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(f"/**:\n  ros__parameters:\n{body}")
    return path


def test_the_message_names_the_file_of_each_unknown_key_and_the_key_to_write():
    error = UnknownParameterError([("planner.sampels", "planner.samples"),
                                   ("safty.max_step_m", "safety.max_step_m"),
                                   ("typo", "topics")])
    sources = {"planner.sampels": "--params-file lab.yaml",
               "safty.max_step_m": "--params-file lab.yaml", "typo": "-p planner.typo"}
    assert error.message("planner", sources) == (
        "--params-file lab.yaml: unknown parameters 'planner.sampels' (closest: "
        "'planner.samples'); 'safty.max_step_m' (closest: 'safety.max_step_m'): fix those keys "
        "in the file; unknown parameter 'typo' (closest: -p planner.topics:=...)" + tail())
    assert error.message(sources=sources).endswith(
        "; unknown parameter 'typo' (closest: 'topics')" + tail())


def test_launch_names_the_params_file_of_an_unknown_key_and_exits_2(tmp_path, capsys):
    from vjepa_ros.cli import main

    path = _file(tmp_path, "    planner:\n      sampels: 5\n")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"vjepa-ros launch: planner: --params-file {path}: unknown parameter 'planner.sampels' "
        "(closest: 'planner.samples'): fix that key in the file" + tail("planner.yaml") + "\n")
    # the file's known keys and an unknown -p: the -p form to type, as before
    path = _file(tmp_path, "    planner:\n      samples: 5\n")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(path),
                 "-p", "planner.planner.sampels:=5"]) == 2
    assert capsys.readouterr().err == (
        "vjepa-ros launch: planner: unknown parameter 'planner.sampels' (closest: -p "
        "planner.planner.samples:=...)" + tail("planner.yaml") + "\n")


@pytest.mark.parametrize("node_class, body, unknown, closest, file", [
    ("PlannerNode", "    planner:\n      sampels: 5\n", "planner.sampels", "planner.samples",
     "planner.yaml"),
    ("BagPlayer", "    bag: /no/bag\n    rtae: 2.0\n", "rtae", "rate", "bag_player.yaml"),
])
def test_a_node_executable_names_the_params_file_of_an_unknown_key(
        tmp_path, capfd, monkeypatch, node_class, body, unknown, closest, file):
    import importlib

    module = {"PlannerNode": "planner_node", "BagPlayer": "bag_player"}[node_class]
    cls = getattr(importlib.import_module(f"vjepa_ros.nodes.{module}"), node_class)
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    path = _file(tmp_path, body)
    code = node_runner.run_node(cls, ["node", "--ros-args", "--params-file", str(path)])
    err = capfd.readouterr().err
    assert code == 2 and err == (
        f"{cls.ROS_NAME}: --params-file {path}: unknown parameter '{unknown}' (closest: "
        f"'{closest}'): fix that key in the file" + tail(file) + "\n"), err


def test_an_unknown_key_like_no_declared_name_gets_no_closest(tmp_path, capfd, monkeypatch):
    """``totally_unrelated_xyzzy`` was told ``closest: 'control.stream_rate_hz'`` (breaker23)."""
    from vjepa_ros.nodes.bag_player import BagPlayer

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    path = _file(tmp_path, "    bag: /no/bag\n    totally_unrelated_xyzzy: 2.0\n")
    code = node_runner.run_node(BagPlayer, ["node", "--ros-args", "--params-file", str(path)])
    err = capfd.readouterr().err
    assert code == 2 and err == (
        f"bag_player: --params-file {path}: unknown parameter 'totally_unrelated_xyzzy': fix "
        "that key in the file" + tail("bag_player.yaml") + "\n"), err
    code = node_runner.run_node(BagPlayer, ["node", "--ros-args", "-p", "bag:=/no/bag", "-p",
                                            "totally_unrelated_xyzzy:=2.0"])
    err = capfd.readouterr().err
    assert code == 2 and err == (
        "bag_player: unknown parameter 'totally_unrelated_xyzzy'" + tail("bag_player.yaml")
        + "\n"), err
