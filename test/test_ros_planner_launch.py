"""The in-process launcher and ``vjepa-ros launch``: nodes, their files, overrides, refusals.

The ros2 launch files and the package's YAML files against them: ``test_launch_files.py``.
"""

import sys
from pathlib import Path

import pytest

from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes
from vjepa_ros.nodes.node_registry import NODES

ROOT = Path(__file__).resolve().parent.parent
DEMO_MODEL = ROOT / "vjepa_ros" / "data" / "demo_world_model.pt"  # an existing model file


def test_node_launch_arguments_carry_yaml_remappings_and_overrides():
    pytest.importorskip("rclpy")
    kwargs = NodeLaunch("planner", parameters={"planner.samples": 8},
                        remappings={"image": "/cam"}).node_kwargs(use_sim_time=True)
    args = kwargs["cli_args"]
    assert args[:2] == ["--ros-args", "--params-file"] and args[2].endswith("planner.yaml")
    assert args[3:] == ["-r", "image:=/cam"]
    overrides = {p.name: p.value for p in kwargs["parameter_overrides"]}
    assert overrides == {"use_sim_time": True, "planner.samples": 8}
    with pytest.raises(ValueError, match="unknown node 'nope'"):
        NodeLaunch("nope").node_kwargs()


def test_cli_overrides_are_parsed_per_node_and_checked():
    assert parse_overrides(["planner.control.mode:=continuous", "planner.planner.samples:=8",
                            "camera.fps:=15"]) == {
        "planner": {"control.mode": "continuous", "planner.samples": 8},
        "camera": {"fps": 15},
    }
    with pytest.raises(ValueError, match="NODE.param:=value"):
        parse_overrides(["samples=8"])
    # nothing after := (the shell's -p planner.goal_image_path:=''): the empty string, not
    # YAML's null ("goal_image_path: expected a string, got None")
    assert parse_overrides(["planner.goal_image_path:=", "planner.x:= "]) == {
        "planner": {"goal_image_path": "", "x": ""}}
    # ROS lists hold one type: ints among floats are floats; any other mix is one clear line
    # rcl reads 1e-9 as a float (a node's own -p does): so does vjepa-ros launch -p (PyYAML,
    # YAML 1.1, would make it the string '1e-9'); quoted, it stays a string
    assert parse_overrides(["planner.safety.max_plan_age_s:=1e-9", "planner.x:=[2E3, -1e+2]",
                            "planner.name:='1e-9'"]) == {
        "planner": {"safety.max_plan_age_s": 1e-9, "x": [2000.0, -100.0], "name": "1e-9"}}
    assert parse_overrides(["planner.goal_gripper:=[0.0, 1, 0.0]"]) == {
        "planner": {"goal_gripper": [0.0, 1.0, 0.0]}}
    for mixed, kinds in (("[1, a.png]", "int, str"), ("[true, 1]", "bool, int")):
        with pytest.raises(ValueError, match=f"-p planner.x: a ROS list holds one type, this one "
                                             f"mixes {kinds}"):
            parse_overrides([f"planner.x:={mixed}"])


def test_vjepa_ros_launch_with_a_missing_checkpoint_fails_clearly(capsys):
    pytest.importorskip("rclpy")
    from vjepa_ros.cli import main

    assert main(["launch", "--checkpoint", "/nonexistent/vjepa2-ac-vitg.pt"]) == 1
    assert "--checkpoint /nonexistent/vjepa2-ac-vitg.pt does not exist" in capsys.readouterr().err
    assert main(["launch"]) == 2, "no checkpoint given: a usage error"
    assert "'model.checkpoint' is empty" in capsys.readouterr().err


def test_launch_reads_a_wildcard_section_s_checkpoint_beside_the_node_s_model_group(tmp_path):
    """Read model.checkpoint under /** beside model.* in the planner's section, as rcl does.

    The launch read the node's group alone: "model.checkpoint is empty", exit status 2.
    """
    import argparse

    from vjepa_ros.nodes.launch_inputs import check_launch_inputs

    params = tmp_path / "planner.yaml"
    params.write_text("/**:\n  ros__parameters:\n    model:\n      checkpoint: demo\n"
                      "vjepa_planner:\n  ros__parameters:\n    model:\n"
                      "      aspect_ratio_min: 1.0\n")
    args = argparse.Namespace(params_file=[str(params)], checkpoint=None)
    source, checkpoint = check_launch_inputs(args, {})
    assert source == f"--params-file {params}: model.checkpoint", source
    assert Path(checkpoint) == DEMO_MODEL.resolve()


@pytest.mark.parametrize("checkpoint", [["--checkpoint", "demo"], []])
@pytest.mark.parametrize("value, got", [("5", "5 (an integer)"), ("true", "True (true/false)"),
                                        ("[a.pt]", "['a.pt'] (a list)")])
def test_a_checkpoint_parameter_of_another_type_is_refused_in_one_line(
        monkeypatch, capsys, checkpoint, value, got):
    """With --checkpoint demo it was dropped unseen; without, '5 does not exist'."""
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    def started(*args, **kwargs):  # (the old code started the planner here, and spun)
        raise RuntimeError("the nodes started")

    monkeypatch.setattr(launcher, "Launch", started)
    assert main(["launch", *checkpoint, "-p", f"planner.model.checkpoint:={value}"]) == 2
    assert capsys.readouterr().err == (
        "vjepa-ros launch: planner: -p planner.model.checkpoint: parameter 'model.checkpoint' "
        f"takes a string (quote one that reads as a number or true/false: '\"3\"'), got {got}\n")


@pytest.mark.parametrize("name", sorted(NODES))
def test_the_registry_knows_each_nodes_ros_name_without_loading_it(name):
    """``NodeEntry.ros_name`` (parameter files are checked for it before rclpy loads)."""
    assert NODES[name].ros_name == NODES[name].load().ROS_NAME
    assert NODES[name].namespace == getattr(NODES[name].load(), "ROS_NAMESPACE", "")


def test_the_launch_checks_its_parameter_file_before_rclpy_loads(tmp_path):
    params = tmp_path / "wrongnode.yaml"
    params.write_text("vjepa_planer:\n  ros__parameters:\n    a: 1\n")
    probe = ("import argparse, sys\n"
             "from vjepa_ros.nodes.launch_inputs import check_launch_inputs\n"
             f"args = argparse.Namespace(params_file=[{str(params)!r}], checkpoint='x')\n"
             "try:\n    check_launch_inputs(args, {})\nexcept ValueError as exc:\n"
             "    print(exc)\nprint('rclpy' in sys.modules)\n")
    import subprocess

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.splitlines()[-2:] == [
        f"--params-file {params}: section 'vjepa_planer' applies to no node launch gives this "
        "file to (vjepa_planner); closest: 'vjepa_planner' — fix the name or use '/**'",
        "False"], done


@pytest.mark.parametrize("text, refusal", [
    ("vjepa_planer:\n  ros__parameters:\n    safety: {workspace_max: [0.5, 0.2, 0.4]}\n",
     "section 'vjepa_planer' applies to no node launch gives this file to (vjepa_planner); "
     "closest: 'vjepa_planner' — fix the name or use '/**'"),
    # the simulator, started too, reads its own file: refused naming it (was "closest:
    # 'vjepa_planner'"); without --node sim it is ignored, as rcl ignores it (test_ros_params_file)
    ("/**:\n  ros__parameters:\n    a: 1\nsim_node:\n  ros__parameters:\n    b: 1\n",
     "section 'sim_node' is for node 'sim', which starts with its own file, not this one (it "
     "goes to vjepa_planner alone): set its values with -p sim.NAME:=VALUE, or remove the "
     "section"),
    ("/ns/vjepa_planner:\n  ros__parameters:\n    a: 1\n",
     "section '/ns/vjepa_planner' applies to no node launch gives this file to (vjepa_planner)"),
    ("vjepa_planner:\n  ros_parameters:\n    a: 1\n",
     "'vjepa_planner/ros_parameters' is not spelled 'ros__parameters'"),
])
def test_launch_refuses_a_parameter_file_section_for_no_node_before_starting(
        monkeypatch, capsys, tmp_path, text, refusal):
    """A misspelled node section would leave the planner on its defaults (its workspace box)."""
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    def no_launch(*args, **kwargs):
        raise AssertionError("a node was started")

    monkeypatch.setattr(launcher, "Launch", no_launch)
    params = tmp_path / "wrongnode.yaml"
    params.write_text(text)
    # --node sim: the file goes to the planner alone, so a sim_node section is refused;
    # exit status 2 (a usage error), as planner_node --ros-args --params-file refuses it
    assert main(["launch", "--checkpoint", "demo", "--node", "sim",
                 "--params-file", str(params)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vjepa-ros launch: --params-file {params}: {refusal}"), err
    assert err.count("\n") == 1


@pytest.mark.parametrize("extra, expected", [([], True),
                                             (["-p", "sim.publish_clock:=false"], False)])
def test_use_sim_time_with_the_simulator_makes_it_the_clock(monkeypatch, capsys, extra,
                                                            expected):
    """--use-sim-time --node sim: the simulator publishes /clock unless told otherwise."""
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    started = {}

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        started.update(nodes=nodes, use_sim_time=use_sim_time)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--use-sim-time", "--node", "sim",
                 *extra]) == 1
    sim = next(node for node in started["nodes"] if node.name == "sim")
    assert started["use_sim_time"] and sim.parameters["publish_clock"] is expected
    assert "not started in this test" in capsys.readouterr().err


# Status 2, a usage error: an unknown name (as an unknown --config key) and a value of the wrong
# type, typed here as argparse's "invalid int value" is (was 1: `launch -p
# planner.planner.samples:=3.5` exited 1, `run --samples 3.5` 2); 1: a value out of range.
@pytest.mark.parametrize("override, status, message", [
    ("sim.bogus:=1", 2, "config/sim.yaml lists the names it takes"),
    ("sim.camera.widht:=64", 2, "vjepa-ros launch: sim: unknown parameter 'camera.widht' "
     "(closest: -p sim.camera.width:=...)"),
    ("sim.camera.width:=wide", 2, "vjepa-ros launch: sim: -p sim.camera.width: parameter "
     "'camera.width' takes a whole number (e.g. 256), got 'wide' (a string)"),
    ("sim.camera.width:=8.5", 2, "sim: -p sim.camera.width: parameter 'camera.width' takes a "
     "whole number"),
    ("sim.real_time_factor:=[1, 2]", 2, "sim: -p sim.real_time_factor: parameter "
     "'real_time_factor' takes a number"),
    ("planner.planner.samples:=3.5", 2, "vjepa-ros launch: planner: -p planner.planner.samples: "
     "parameter 'planner.samples' takes a whole number (e.g. 800), got 3.5 (a float)"),
    ("planner.goals.bogus:=1", 2, "vjepa-ros launch: planner: unknown parameter 'goals.bogus' "
     "(closest: -p planner.goals."),
    # the hint is the full form to type, not what was typed (the node's names under -p NODE.)
    ("planner.mppi.temperature:=0", 2, "vjepa-ros launch: planner: unknown parameter "
     "'mppi.temperature' (closest: -p planner.planner.mppi.temperature:=...)"),
    ("planner.samples:=0", 2, "vjepa-ros launch: planner: unknown parameter 'samples' "
     "(closest: -p planner.planner.samples:=...)"),
    ("planner.planner.samples:=0", 2, "vjepa-ros launch: planner: -p planner.planner.samples "
     "must lie in [1, 100000], got 0"),
    ("planner.camera_check.verdict.min_explained:=2.0", 2, "vjepa-ros launch: planner: "
     "-p planner.camera_check.verdict.min_explained must be "
     "a fraction"),
    ("sim.real_time_factor:=-1.0", 2, "vjepa-ros launch: sim: -p sim.real_time_factor "
     "must lie in [0, 100], got -1.0"),
    # typed as rcl types -p (a node executable's): inf a float, 1e-320 a string, saying why
    ("sim.max_target_distance:=inf", 2, "vjepa-ros launch: sim: -p sim.max_target_distance "
     "must lie in [0, 10], got inf"),
    ("sim.seed:=1e-320", 2, "vjepa-ros launch: sim: -p sim.seed: parameter 'seed' takes a whole "
     "number (e.g. 0), got '1e-320' (a string); rcl reads a number this small as a string"),
    ("planner.safety.max_step_m:=100", 2, "vjepa-ros launch: planner: -p "
     "planner.safety.max_step_m must lie in (0, 0.2], got 100.0"),
])
def test_launch_refuses_unknown_or_mistyped_overrides_in_one_line(capsys, override, status,
                                                                 message):
    """Undeclared overrides (which rclpy drops silently) and mistyped ones: one line each."""
    from vjepa_ros.cli import main

    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim", "-p",  # key (was 1)
                 override]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    assert message in err
    assert "vjepa_planner" not in err and "sim_node" not in err  # one node name: -p's


def test_a_registered_node_starts_with_its_yaml_and_remappings(tmp_path, franka_example):
    pytest.importorskip("rclpy")
    from vjepa_ros.images import save_image_file
    from vjepa_ros.nodes.nodes_in_process import Launch

    path = save_image_file(tmp_path / "goal.png", franka_example["frames"][1])
    spec = NodeLaunch("image_publisher", parameters={"path": str(path)},
                      remappings={"image": "/vjepa_planner/goal_image"})
    with Launch([spec]) as launch:
        node = launch.node("image_publisher")
        assert node.publisher.topic_name == "/vjepa_planner/goal_image"
        assert node.config.frame_id == "camera_color_optical_frame"  # from image_publisher.yaml
        assert node.get_parameter("use_sim_time").value is False
    assert not launch.context.ok()


def test_the_simulator_s_goal_images_go_to_the_planner(monkeypatch, capsys):
    """--node sim published goal images on /goal_image, which the planner does not read."""
    pytest.importorskip("rclpy")
    pytest.importorskip("pybullet")
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    started = {}

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        started.update(nodes=nodes)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim"]) == 1
    sim = next(node for node in started["nodes"] if node.name == "sim")
    monkeypatch.undo()
    with launcher.Launch([sim]) as launch:  # the topic the sim node really publishes on
        topic = launch.node("sim_node").goal_pub.topic_name
    assert topic == "/vjepa_planner/goal_image"  # the planner's ~/goal_image


def test_launch_params_file_bare_name_is_a_local_file_first_then_the_package_s(tmp_path,
                                                                               monkeypatch,
                                                                               capsys):
    """``launch --params-file bad.yaml`` looked in config/ only; camera-check reads it here."""
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("not a mapping\n")
    assert main(["launch", "--params-file", "mine.yaml", "--checkpoint", str(DEMO_MODEL)]) == 2
    assert capsys.readouterr().err.startswith(
        "vjepa-ros launch: --params-file mine.yaml: it holds a YAML str, not a mapping of nodes")
    assert main(["launch", "--params-file", "nosuch.yaml", "--checkpoint", str(DEMO_MODEL)]) == 2
    err = capsys.readouterr().err  # both places it looked
    assert err.startswith(f"vjepa-ros launch: --params-file nosuch.yaml is neither a file here "
                          f"({tmp_path / 'nosuch.yaml'}) nor in the package's config/ folder (")
    assert err.count("\n") == 1


@pytest.mark.parametrize("name", ["mine.yaml", "./mine.yaml"])
def test_a_local_params_file_reaches_the_planner_not_the_package_s_config(tmp_path, monkeypatch,
                                                                          name):
    """``--params-file ./mine.yaml`` (a file here) became config/mine.yaml: 'not found'."""
    import argparse

    from vjepa_ros.nodes.launch_inputs import check_launch_inputs

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text((ROOT / "config" / "planner.yaml").read_text())
    args = argparse.Namespace(params_file=[name], checkpoint=str(DEMO_MODEL))  # (append)
    check_launch_inputs(args, {})
    planner = mpc_nodes(str(DEMO_MODEL), params_file=args.params_file[0])[0]
    cli_args = planner.node_kwargs()["cli_args"]
    assert cli_args[cli_args.index("--params-file") + 1] == str(tmp_path / "mine.yaml")


def test_launch_ends_with_the_line_of_a_node_that_stopped_itself_and_status_1(monkeypatch,
                                                                              capsys):
    """A simulator refusing beside another one left ``vjepa-ros launch`` running (status 0)."""
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    events = []

    class Refused:
        nodes = []

        def __init__(self, nodes, use_sim_time=False, **kwargs):
            events.append("started")

        def spin(self):
            return "sim: another node publishes /clock by /sim_node: a second simulator? ..."

        def shutdown(self):
            events.append("shut down")

    monkeypatch.setattr(launcher, "Launch", Refused)
    monkeypatch.setattr(launcher, "use_camera_profile", lambda: "")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim"]) == 1
    assert events == ["started", "shut down"]
    assert capsys.readouterr().err.endswith(
        "vjepa-ros launch: sim: another node publishes /clock by /sim_node: a second simulator? "
        "...\n")


def test_a_node_named_twice_is_started_once_or_refused(monkeypatch, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    started = {}

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        started.update(nodes=nodes)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim", "--node", "sim"])
    names = [node.name for node in started.get("nodes", [])]
    assert names.count("sim") <= 1, f"nodes started: {names}"


def test_an_image_publisher_started_with_the_planner_reaches_its_goal_topic(monkeypatch,
                                                                           tmp_path):
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher
    from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE

    started = {}

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        started.update(nodes=nodes)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    import numpy as np

    from vjepa_ros.images import save_image_file

    goal = tmp_path / "goal.png"
    save_image_file(goal, np.zeros((64, 64, 3), np.uint8))
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "image_publisher", "-p",
          f"image_publisher.path:={goal}"])
    publisher = next(node for node in started["nodes"] if node.name == "image_publisher")
    assert publisher.remappings.get("image") == PLANNER_GOAL_IMAGE, publisher.remappings
