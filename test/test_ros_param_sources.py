"""A start-up value a node refuses is named by its source: the --params-file or the -p.

``nodes/param_sources.py``: every node executable (``node_runner.run_node``) and ``vjepa-ros
launch`` (``node_launch.NodeLaunch.sources``) put the file or ``-p`` that gave the values a message
names before it, as a ``--config`` file's value is named by the file and its key. The message
was the bare ``planner.samples must lie in [1, 100000], got -5``.
"""

from pathlib import Path

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import rclpy  # noqa: E402

from vjepa_ros.nodes import node_runner  # noqa: E402
from vjepa_ros.nodes.param_sources import ros_arg_sources, sourced  # noqa: E402

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / \
    "demo_world_model.pt"


def _file(tmp_path, body: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"/**:\n  ros__parameters:\n{body}")
    return path


def test_a_message_gets_the_sources_of_the_parameters_it_names_as_whole_names():
    sources = {"planner.samples": "--params-file p.yaml", "safety.max_step_m": "-p "
               "safety.max_step_m", "camera_check.trial.offset_m": "--params-file p.yaml"}
    assert sourced("planner.samples must lie in [1, 100000], got -5", sources) == \
        "--params-file p.yaml: planner.samples must lie in [1, 100000], got -5"
    assert sourced("camera_check.trial.offset_m (0.1 m) must be at most safety.max_step_m "
                   "(0.05 m)", sources).startswith(
        "--params-file p.yaml (camera_check.trial.offset_m), -p safety.max_step_m: camera")
    assert sourced("planner.samples_x is odd", sources) == "planner.samples_x is odd"
    assert sourced("model.device must be cpu", sources) == "model.device must be cpu"


@pytest.mark.parametrize("order, winner", [("file first", "-p planner.samples"),
                                           ("-p first", "--params-file")])
def test_the_last_source_given_wins_as_rcl_applies_them(tmp_path, order, winner):
    path = _file(tmp_path, "    planner: {samples: 7}\n")
    file_args, p_args = ["--params-file", str(path)], ["-p", "planner.samples:=3"]
    args = ["--ros-args", *(file_args + p_args if order == "file first" else p_args + file_args)]
    assert ros_arg_sources(["planner_node", *args], "vjepa_planner")["planner.samples"] \
        .startswith(winner)
    context = rclpy.Context()  # rcl's own answer: the value of the winner
    rclpy.init(args=["planner_node", *args], context=context)
    try:
        node = rclpy.create_node("vjepa_planner", context=context)
        value = node._parameter_overrides["planner.samples"].value
        node.destroy_node()
    finally:
        context.try_shutdown()
    assert value == (3 if winner.startswith("-p") else 7)


def _node_cases():
    """(node class, its ROS name, a file body it refuses, the refusal after the source)."""
    from vjepa_ros.nodes.bag_player import BagPlayer
    from vjepa_ros.nodes.camera_node import CameraNode
    from vjepa_ros.nodes.image_publisher import ImagePublisher
    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.nodes.sim_node import SimNode

    return [
        (PlannerNode, "vjepa_planner", "    planner: {samples: -5}\n",
         "planner.samples must lie in [1, 100000], got -5"),
        (PlannerNode, "vjepa_planner",
         "    safety: {workspace_min: [0.8, 0.5, 0.9], workspace_max: [0.8, 0.45, 1.0]}\n",
         "safety.workspace_min must lie below safety.workspace_max on every axis; x: 0.8 >= "
         "0.8, y: 0.5 >= 0.45"),
        (SimNode, "sim_node", "    real_time_factor: -1.0\n",
         "real_time_factor must lie in [0, 100], got -1.0"),
        (CameraNode, "camera", "    stamp_source: bogus\n", "stamp_source must be one of "),
        (ImagePublisher, "image_publisher", "    rate_hz: 5000.0\n",
         "parameter 'rate_hz' must be a rate in [0, 1000] Hz"),
        (BagPlayer, "bag_player", "    bag: /no/bag\n    rate: -1.0\n",
         "rate must lie in (0, 100], got -1.0"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_every_node_executable_names_the_params_file_a_refused_value_came_from(
        monkeypatch, capfd, tmp_path, case):
    node_class, name, body, refusal = _node_cases()[case]
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    path = _file(tmp_path, body)
    code = node_runner.run_node(node_class, ["node", "--ros-args", "--params-file", str(path)])
    err = capfd.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"{name}: --params-file {path}: {refusal}"), err


def _launch_file_argv(params_file, tmp_path) -> list[str]:
    """Return the planner's argv under ``ros2 launch vjepa_ros vjepa_mpc.launch.py``.

    launch_ros passes the params_file argument, then the launch file's own values in a
    temporary file.
    """
    values = _file(tmp_path, f"    model: {{checkpoint: {DEMO_MODEL}}}\n", "launch_params_x1")
    return ["planner_node", "--ros-args", "-r", "__node:=vjepa_planner", "--params-file",
            str(params_file), "--params-file", str(values)]


def test_the_launch_files_packaged_params_file_is_named_the_packaged_default(
        monkeypatch, capfd, tmp_path):
    """``ros2 launch`` passes config/planner.yaml itself: it was named ``--params-file PATH``."""
    import vjepa_ros.package_files
    from vjepa_ros.nodes.planner_node import PlannerNode

    share = tmp_path / "share"
    packaged = share / "config" / "planner.yaml"
    packaged.parent.mkdir(parents=True)
    original = vjepa_ros.package_files.config_path("planner.yaml").read_text()
    packaged.write_text(original.replace("      samples: 800", "      samples: -5"))
    monkeypatch.setattr(vjepa_ros.package_files, "share_dir_candidates", lambda: [share])
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    (tmp_path / "link.yaml").symlink_to(packaged)
    monkeypatch.chdir(share)
    label = "the packaged default config/planner.yaml"
    for given in (packaged, "config/../config/planner.yaml", tmp_path / "link.yaml"):
        sources = ros_arg_sources(_launch_file_argv(given, tmp_path), "vjepa_planner")
        assert sources["planner.samples"] == label, given
        assert sources["model.checkpoint"].startswith("--params-file "), "not the package's"
    code = node_runner.run_node(PlannerNode, _launch_file_argv(packaged, tmp_path))
    err = capfd.readouterr().err
    assert (code, err) == (1, f"vjepa_planner: {label}: planner.samples must lie in [1, 100000], "
                              "got -5\n")
    packaged.write_text(original.replace("      samples: 800", "      samples: [1, x]"))
    assert node_runner.run_node(PlannerNode, _launch_file_argv(packaged, tmp_path)) == 2
    err = capfd.readouterr().err  # a layout problem: as vjepa-ros launch checks the file
    assert err.startswith(f"vjepa_planner: the packaged default {packaged}: parameter "
                          "'planner.samples' of /** mixes types"), err
    copy = _file(tmp_path, "    planner: {samples: 7}\n", "planner.yaml")  # the user's own
    assert ros_arg_sources(_launch_file_argv(copy, tmp_path), "vjepa_planner")[
        "planner.samples"] == f"--params-file {copy}"


def test_launch_names_its_params_file_as_typed_and_a_p_over_it(monkeypatch, capsys, tmp_path):
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)
    _file(tmp_path, "    planner: {samples: -5}\n")
    launch = ["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", "p.yaml"]
    assert main(launch) == 1
    assert capsys.readouterr().err == ("vjepa-ros launch: planner: --params-file p.yaml: "
                                       "planner.samples must lie in [1, 100000], got -5\n")
    assert main([*launch, "-p", "planner.planner.samples:=-7"]) == 2  # the -p wins: named
    # (a value typed as -p that the settings refuse is a usage error: status 2, as options')
    assert capsys.readouterr().err == ("vjepa-ros launch: planner: -p planner.planner.samples "
                                       "must lie in [1, 100000], got -7\n")


def _packaged(monkeypatch, tmp_path, samples: str) -> Path:
    """Make the launcher's packaged config/planner.yaml one with ``samples: SAMPLES``."""
    from vjepa_ros.nodes import launch_inputs, node_launch
    from vjepa_ros.package_files import config_path

    packaged = tmp_path / "share" / "config" / "planner.yaml"
    packaged.parent.mkdir(parents=True)
    packaged.write_text(config_path("planner.yaml").read_text().replace(
        "      samples: 800", f"      samples: {samples}"))
    assert f"samples: {samples}" in packaged.read_text()
    for module in (launch_inputs, node_launch):  # the check, the node's --params-file
        monkeypatch.setattr(module, "config_path", lambda name: packaged.parent / name)
    return packaged


def test_launch_names_the_packaged_default_file_not_a_params_file_never_given(
        monkeypatch, capsys, tmp_path):
    """A bad value of the package's file was named by no source (no ``--params-file``)."""
    from vjepa_ros.cli import main

    _packaged(monkeypatch, tmp_path, "-5")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL)]) == 1
    assert capsys.readouterr().err == (
        "vjepa-ros launch: planner: the packaged default config/planner.yaml: planner.samples "
        "must lie in [1, 100000], got -5\n")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL), "-p",
                 "planner.planner.samples:=-7"]) == 2  # the -p over it: named, not the file
    assert capsys.readouterr().err == ("vjepa-ros launch: planner: -p planner.planner.samples "
                                       "must lie in [1, 100000], got -7\n")


def test_launch_checks_the_packaged_default_file_as_the_packaged_default(monkeypatch, capsys,
                                                                          tmp_path):
    """A list of two types in the package's file was named ``--params-file PATH``."""
    from vjepa_ros.cli import main

    packaged = _packaged(monkeypatch, tmp_path, "[1, x]")
    assert main(["launch", "--checkpoint", str(DEMO_MODEL)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vjepa-ros launch: the packaged default {packaged}: parameter "
                          "'planner.samples' of /** mixes types"), err
    assert "--params-file" not in err and err.count("\n") == 1


def test_launch_without_params_file_reads_no_planner_yaml_of_the_working_directory(
        monkeypatch, tmp_path):
    """A ``planner.yaml`` here was checked and its checkpoint taken (``planner.yaml: ...``).

    The node read the package's file all the same.
    """
    import argparse

    from vjepa_ros.nodes.launch_inputs import check_launch_inputs

    monkeypatch.chdir(tmp_path)
    (tmp_path / "planner.yaml").write_text(
        "vjepa_planer:\n  ros__parameters:\n    model: {checkpoint: /nope.pt}\n")
    with pytest.raises(ValueError, match="^the planner's parameter 'model.checkpoint' is empty"):
        check_launch_inputs(argparse.Namespace(params_file=None, checkpoint=None), {})
    source, _ = check_launch_inputs(argparse.Namespace(params_file=None, checkpoint="demo"), {})
    assert source == "--checkpoint"


def test_launch_names_a_checkpoint_from_a_params_file_by_the_option(monkeypatch, capsys,
                                                                    tmp_path):
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)
    _file(tmp_path, "    model: {checkpoint: /nope.pt}\n", "mine.yaml")
    assert main(["launch", "--params-file", "mine.yaml"]) == 1
    assert capsys.readouterr().err.startswith(
        "vjepa-ros launch: --params-file mine.yaml: model.checkpoint /nope.pt does not exist")


def test_launch_takes_checkpoint_and_p_checkpoint_only_when_they_name_one_file(tmp_path):
    """``--checkpoint X -p planner.model.checkpoint:=Y`` took X without a word (user30)."""
    import argparse

    from vjepa_ros.config import UsageError
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.nodes.launch_inputs import check_launch_inputs

    demo = world_model_path("demo")
    link = tmp_path / "link.pt"
    link.symlink_to(demo)
    for given in ("demo", str(demo), str(link)):  # one file, however named
        args = argparse.Namespace(params_file=None, checkpoint="demo")
        assert check_launch_inputs(args, {"model.checkpoint": given}) == ("--checkpoint",
                                                                           str(demo))
    other = tmp_path / "other.pt"
    other.write_bytes(demo.read_bytes())  # a copy is another file: which one is meant?
    with pytest.raises(UsageError, match="^--checkpoint demo and -p planner.model.checkpoint:="
                       f"{other} name different world models: give one of them$"):
        check_launch_inputs(argparse.Namespace(params_file=None, checkpoint="demo"),
                            {"model.checkpoint": str(other)})


def test_launch_refuses_a_node_without_its_required_parameter_before_any_node_starts(tmp_path):
    """``--node image_publisher`` without an image started the planner, then failed (user30)."""
    from vjepa_ros.config import UsageError
    from vjepa_ros.nodes.launch_inputs import check_required_parameters
    from vjepa_ros.nodes.node_launch import NodeLaunch

    check_required_parameters([NodeLaunch("image_publisher", parameters={"path": "goal.png"}),
                               NodeLaunch("sim"), NodeLaunch("planner")])
    own = tmp_path / "image_publisher.yaml"  # a file of its own that names the image: taken
    own.write_text("image_publisher:\n  ros__parameters:\n    path: goal.png\n")
    check_required_parameters([NodeLaunch("image_publisher", params_file=str(own))])
    with pytest.raises(UsageError, match="^--node image_publisher needs parameter 'path', the "
                       "image file to publish: give -p image_publisher.path:=PATH$"):
        check_required_parameters([NodeLaunch("image_publisher")])
