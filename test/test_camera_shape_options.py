"""fix59e: every camera size a user sets is refused when the planner would refuse its frames.

The planner refuses a frame whose long side is more than 4 times the short one
(``image_limits.image_size_problem``, ``MAX_ASPECT``). breaker59e #1: ``vjepa-ros run --width 33
--height 1000`` passed its option check (each side against 32..1024 alone), ran, and every
episode ended at step 0 "the safety filter held the arm", exit 0. Each place a camera size is
set now applies the same rule (``image_limits.camera_shape_problem``) before anything starts:
``run`` (and ``bench_manipulation.py``: ``sim.camera_options.camera_size``), ``collect`` and
``record`` (``SimConfig.check``, as ``config/sim.yaml``, ``sim.launch.py width:=/height:=`` and
sim_node's parameters), ``reach``'s ``sim.width``/``sim.height``, the camera node's
``width``/``height``.
"""

from __future__ import annotations

import pytest

from vjepa_ros.image_limits import camera_shape_problem, camera_shape_refusal, image_size_problem

REFUSED = [(33, 1000), (1000, 33), (1024, 32), (32, 129), (129, 32), (600, 100)]
TAKEN = [(640, 480), (640, 360), (32, 128), (128, 32), (1024, 256), (32, 32), (1024, 1024)]


@pytest.mark.parametrize("width, height", REFUSED + TAKEN)
def test_the_camera_rule_is_the_planners_rule(width, height):
    """Refused exactly where the planner's frame check refuses (the 4:1 limit itself passes)."""
    assert bool(camera_shape_problem(width, height)) == bool(image_size_problem(width, height))
    assert bool(camera_shape_problem(width, height)) == ((width, height) in REFUSED)


@pytest.mark.parametrize("width, height", REFUSED + TAKEN)
def test_one_refusal_line_words_every_setting(width, height):
    """mend60b: the settings' names, the image and the rule's words, in one helper for all."""
    line = camera_shape_refusal(width, height, ("sim.width", "sim.height"))
    if (width, height) in TAKEN:
        assert line == ""
        return
    assert line == (f"sim.width {width} and sim.height {height}: the camera image "
                    f"{camera_shape_problem(width, height)}")
    assert camera_shape_refusal(width, height, image="the colour stream's image").startswith(
        f"width {width} and height {height}: the colour stream's image is {width}x{height} px")
    assert camera_shape_refusal(width, height, named="--width 1 --height 2").startswith(
        "--width 1 --height 2: the camera image is ")


def _cli(capsys, *argv) -> tuple[int, str]:
    from vjepa_ros.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("width, height", REFUSED)
def test_run_refuses_the_shape_in_one_line_before_the_simulator(tmp_path, monkeypatch, capsys,
                                                                 width, height):
    monkeypatch.chdir(tmp_path)  # run's pictures would land here (run_<time>/)
    code, err = _cli(capsys, "run", "--task", "grasp", "--world-model", "oracle", "--width",
                     str(width), "--height", str(height))
    assert code == 2, err
    line = err.strip()
    assert "\n" not in line and line.startswith(
        f"vjepa-ros run: --width {width} --height {height}: the camera image is "
        f"{width}x{height} px: long side more than 4 times the short one"), line
    assert "4:3" in line
    assert list(tmp_path.iterdir()) == []  # nothing ran, nothing saved


@pytest.mark.parametrize("argv, named", [
    (["--width", "1024"], "--width 1024 (default --height 128)"),
    (["--height", "600"], "(default --width 128) --height 600"),
])
def test_run_names_the_default_side_of_a_refused_shape(argv, named):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.sim.camera_options import camera_size

    args = build_parser().parse_args(["run", "--task", "grasp", *argv])
    with pytest.raises(ValueError, match=rf"^{named.replace('(', '[(]').replace(')', '[)]')}: "):
        camera_size(args)


@pytest.mark.parametrize("argv, size", [(["--size", "1024"], (1024, 1024)),
                                        (["--width", "512"], (512, 128)),
                                        (["--width", "640", "--height", "480"], (640, 480))])
def test_run_takes_the_shapes_the_planner_takes(argv, size):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.sim.camera_options import camera_size

    assert camera_size(build_parser().parse_args(["run", "--task", "grasp", *argv])) == size


@pytest.mark.parametrize("command", [["collect", "--out", "OUT"], ["record", "OUT"]])
def test_collect_and_record_refuse_the_shape_before_writing(tmp_path, capsys, command):
    out = tmp_path / "OUT"
    argv = [str(out) if word == "OUT" else word for word in command]
    code, err = _cli(capsys, *argv, "--width", "33", "--height", "1000")
    assert code == 2, err
    line = err.strip()
    assert "\n" not in line and line.startswith(
        f"vjepa-ros {command[0]}: --width 33 and --height 1000: the camera image is 33x1000 px: "
        "long side more than 4 times the short one"), line
    assert not out.exists()


def test_sim_config_from_yaml_refuses_the_shape_naming_the_parameters():
    """config/sim.yaml, ``sim.launch.py width:= height:=``, ``-p sim.camera.width:=``."""
    from vjepa_ros.config import from_dict
    from vjepa_ros.sim.config import SimConfig

    config = from_dict(SimConfig, {"camera": {"width": 1024, "height": 200}})
    with pytest.raises(ValueError, match=r"^camera\.width 1024 and camera\.height 200: the camera "
                       r"image is 1024x200 px: long side more than 4 times the short one"):
        config.check()
    from_dict(SimConfig, {"camera": {"width": 640, "height": 480}}).check()


def test_reach_settings_refuse_the_shape_naming_their_keys():
    from vjepa_ros.sim.reach_config import load_reach_config

    with pytest.raises(ValueError, match=r"sim\.width 600 and sim\.height 100: the camera "
                       r"image is 600x100 px: long side more than 4 times"):
        load_reach_config(None, {"sim.width": 600, "sim.height": 100})
    assert load_reach_config(None, {"sim.width": 640, "sim.height": 480}).sim.width == 640


@pytest.mark.parametrize("width, height", [(4000, 480), (64, 1000)])
def test_the_camera_nodes_stream_size_refuses_the_shape(width, height):
    from vjepa_ros.config import from_dict
    from vjepa_ros.robot.camera import CameraConfig

    with pytest.raises(ValueError, match=rf"^width {width} and height {height}: the colour "
                       rf"stream's image is {width}x{height} px: long side "):
        from_dict(CameraConfig, {"width": width, "height": height})
    from_dict(CameraConfig, {"width": 1920, "height": 1080})  # a RealSense's widest colour


def test_the_camera_node_refuses_the_shape_before_opening_the_camera(context):
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.camera_node import CameraNode

    opened = []
    with pytest.raises(ValueError, match="width 2048 and height 256: the colour stream's image is "
                       "2048x256 px: long side more than 4"):
        CameraNode(camera_factory=opened.append, context=context, parameter_overrides=[
            Parameter("width", value=2048), Parameter("height", value=256)])
    assert opened == []
