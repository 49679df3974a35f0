"""``vjepa-ros launch --namespace NS``: the launch file's ``namespace:=`` without ``ros2 launch``.

user61: the launch file has a namespace argument, ``vjepa-ros launch`` had none (mend62f). The
planner runs as ``/NS/vjepa_planner`` (its relative topics and services under ``/NS``, absolute
ones kept, as under ``ros2 launch``); a ``--node`` beside it runs in ``NS`` too, wired to the
planner's names; the camera node stays ``/camera/camera`` as the launch file starts it; a
parameter file section is matched against the namespaced name, as rcl does; a namespace rcl
refuses is one line, status 2. Then for real, with the simulator: the planner is found under
its name (``planner status --node``), not under the root one, and a second simulator on the
domain is refused naming the namespaced one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "vjepa_ros" / "data" / "demo_world_model.pt")


class _Captured(Exception):
    pass


def _nodes(monkeypatch, *argv: str):
    """Return the NodeLaunch list ``vjepa-ros launch ARGV`` would start (none is started)."""
    from vjepa_ros import cli
    from vjepa_ros.nodes import launcher

    seen = {}

    def capture(nodes, **kwargs):
        seen["nodes"] = nodes
        raise _Captured

    monkeypatch.setattr(launcher, "Launch", capture)
    monkeypatch.setattr(launcher, "use_camera_profile", lambda: None)
    with pytest.raises(_Captured):
        launcher._launch(cli.build_parser().parse_args(["launch", "--checkpoint", DEMO, *argv]))
    return {node.name: node for node in seen["nodes"]}


def _ns(node) -> str:
    args = node._file_and_remap_args()
    return next((arg.partition(":=")[2] for arg in args if arg.startswith("__ns:=")), "")


@pytest.mark.parametrize("given", ["arm1", "/arm1"])
def test_every_node_but_the_camera_runs_in_the_namespace_wired_to_the_planner(monkeypatch,
                                                                               given):
    pytest.importorskip("pybullet")
    nodes = _nodes(monkeypatch, "--namespace", given, "--node", "sim")
    planner, sim = nodes["planner"], nodes["sim"]
    camera = _nodes(monkeypatch, "--namespace", given, "--camera")["camera"]
    assert (_ns(planner), _ns(sim), _ns(camera)) == ("/arm1", "/arm1", "")
    assert planner.fqn() == "/arm1/vjepa_planner" and sim.fqn() == "/arm1/sim_node"
    # the planner's remaps as the launch file gives them: rcl resolves them in its namespace
    assert planner.remappings["target_pose"] == "target_pose"
    assert sim.remappings["goal_image"] == "/arm1/vjepa_planner/goal_image"
    assert sim.remappings["target_pose"] == "/arm1/target_pose"  # the planner's, resolved
    assert sim.remappings["gripper_command"] == "/arm1/gripper_command"
    assert sim.remappings["joint_states"] == "/joint_states"  # absolute: kept
    assert "/camera/camera/color/image_raw" in camera.remappings.values()  # absolute: kept


def test_without_it_nothing_changes(monkeypatch):
    pytest.importorskip("pybullet")
    nodes = _nodes(monkeypatch, "--node", "sim")
    assert (_ns(nodes["planner"]), _ns(nodes["sim"])) == ("", "")
    assert nodes["sim"].remappings["goal_image"] == "/vjepa_planner/goal_image"
    assert nodes["sim"].remappings["target_pose"] == "/target_pose"


def test_a_stand_in_camera_and_goal_publisher_reach_the_namespaced_planner(monkeypatch,
                                                                            tmp_path):
    goal = tmp_path / "goal.png"
    goal.write_bytes(b"")  # (not read before the nodes start)
    nodes = _nodes(monkeypatch, "--namespace", "arm1", "--node", "image_publisher",
                   "-p", f"image_publisher.path:={goal}")
    publisher = nodes["image_publisher"]
    assert _ns(publisher) == "/arm1"
    assert publisher.remappings["image"] == "/arm1/vjepa_planner/goal_image"
    nodes = _nodes(monkeypatch, "--namespace", "arm1", "--node", "image_publisher",
                   "--camera-topic", "~/image", "-p", f"image_publisher.path:={goal}",
                   "-p", "image_publisher.qos:=sensor_data")
    assert nodes["image_publisher"].remappings["image"] == "/arm1/vjepa_planner/image"


def test_a_parameter_file_section_is_matched_against_the_namespaced_name(monkeypatch,
                                                                         tmp_path, capsys):
    """The planner in /arm1 takes rcl's ``/arm1/vjepa_planner:``; ``/vjepa_planner:`` is refused.

    rcl would drop the root name's section for the namespaced planner: the launch's check of
    its file names the planner's name instead of starting it on defaults.
    """
    from vjepa_ros.cli import build_parser
    from vjepa_ros.nodes import launcher

    root = tmp_path / "root.yaml"
    root.write_text("/vjepa_planner:\n  ros__parameters:\n    image_transport: compressed\n")
    args = build_parser().parse_args(["launch", "--checkpoint", DEMO, "--namespace", "arm1",
                                      "--params-file", str(root)])
    assert launcher._launch(args) == 2
    said = capsys.readouterr().err
    assert "section '/vjepa_planner' applies to no node" in said and \
        "(/arm1/vjepa_planner)" in said, said
    lab = tmp_path / "lab.yaml"
    lab.write_text("/arm1/vjepa_planner:\n  ros__parameters:\n    control:\n"
                   "      mode: continuous\n")
    planner = _nodes(monkeypatch, "--namespace", "arm1", "--params-file", str(lab))["planner"]
    assert planner.start_value("control.mode", None) == "continuous"
    assert planner.sources()["control.mode"] == f"--params-file {lab}"


@pytest.mark.parametrize("given, words", [
    ("arm1/", "a namespace must not end with a '/'"),
    ("arm 1", "a namespace holds only letters, digits, '_' and '/'"),
    ("a" * 230, "would be longer than"),
])
def test_a_namespace_rcl_refuses_is_one_line_and_status_2(given, words):
    done = subprocess.run([sys.executable, "-m", "vjepa_ros.cli", "launch", "--namespace", given,
                           "--checkpoint", DEMO], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 2, done
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"vjepa-ros launch: --namespace {given}: no ROS namespace") and \
        words in line, line


def _wait_line(proc, text: str, timeout_s: float = 180.0) -> str:
    """Return the first stderr line of ``proc`` holding ``text`` (it ends the test if it dies)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if text in line:
            return line
        assert line or proc.poll() is None, f"launch ended: {proc.returncode}"
    raise AssertionError(f"no line with {text!r} in {timeout_s} s")


def test_a_namespaced_launch_is_found_by_its_name_and_by_a_second_simulator():
    """The real launch with the simulator: lookups and the busy-domain check find it."""
    pytest.importorskip("rclpy")
    pytest.importorskip("pybullet")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    launch = [sys.executable, "-m", "vjepa_ros.cli", "launch", "--checkpoint", DEMO,
              "--node", "sim"]
    proc = subprocess.Popen([*launch, "--namespace", "arm1"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    try:
        running = _wait_line(proc, "vjepa-ros launch: running")
        assert "(/arm1/vjepa_planner)" in running and "(/arm1/sim_node)" in running, running
        planner = [sys.executable, "-m", "vjepa_ros.cli", "planner", "status"]
        found = subprocess.run([*planner, "--node", "/arm1/vjepa_planner", "--timeout", "60"],
                               capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)
        assert found.returncode == 0, found.stderr
        assert found.stdout.splitlines()[0].split(":")[0] in ("OK", "WARN", "ERROR"), found
        missed = subprocess.run(planner, capture_output=True, text=True, env=env, cwd=ROOT,
                                timeout=180)
        assert missed.returncode == 1 and "/arm1/vjepa_planner" in missed.stderr, missed.stderr
        second = subprocess.run(launch, capture_output=True, text=True, env=env, cwd=ROOT,
                                timeout=300)
        assert second.returncode == 1, second.stderr
        assert "/arm1/sim_node" in second.stderr and "a second simulator?" in second.stderr, \
            second.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=60)
