"""``vjepa-ros launch``: an option not given never overrides the parameter file (user33).

Every option that sets a parameter defaults to None and reaches the planner's overrides only
when given; the nodes wired to the planner follow its value however it was set.
"""

import argparse
from pathlib import Path

import pytest

from vjepa_ros.nodes.launch_arguments import add_launch_arguments
from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"
# option (dest) -> the planner parameter it sets, with a value to give it on the command line
PARAMETER_OPTIONS = {"checkpoint": ("model.checkpoint", ["--checkpoint", "demo"], "demo"),
                     "image_transport": ("image_transport",
                                         ["--image-transport", "compressed"], "compressed"),
                     "use_sim_time": ("use_sim_time", ["--use-sim-time"], True)}
# options that set no parameter (remappings, node choice, -p): a default is theirs to have
NOT_PARAMETERS = {"camera_topic", "target_topic", "joint_states_topic", "gripper_topic",
                  "camera", "params_file", "node", "overrides", "log_level", "namespace"}


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_launch_arguments(parser)
    return parser.parse_args(list(argv))


def planner_overrides(args) -> dict:
    """Return the planner's parameter overrides ``vjepa-ros launch`` gives for ``args``."""
    planner = mpc_nodes(args.checkpoint or "", args.camera_topic, args.target_topic,
                        args.joint_states_topic, args.gripper_topic, args.camera,
                        args.params_file, args.image_transport)[0]
    return planner._overrides(args.use_sim_time)


def test_every_launch_option_is_known_and_a_parameter_option_has_no_default():
    """A new option that sets a parameter with a default would override every file again."""
    defaults = vars(parse())
    assert set(defaults) == set(PARAMETER_OPTIONS) | NOT_PARAMETERS
    assert {dest: defaults[dest] for dest in PARAMETER_OPTIONS} == dict.fromkeys(
        PARAMETER_OPTIONS)


@pytest.mark.parametrize("dest", sorted(PARAMETER_OPTIONS))
def test_a_parameter_option_overrides_only_when_given(dest):
    parameter, argv, value = PARAMETER_OPTIONS[dest]
    assert parameter not in planner_overrides(parse())
    assert planner_overrides(parse(*argv))[parameter] == value


def test_no_use_sim_time_overrides_a_file_that_says_true():
    args = parse("--no-use-sim-time")
    assert planner_overrides(args)["use_sim_time"] is False
    assert NodeLaunch("planner").sources(args.use_sim_time)["use_sim_time"] == \
        "--no-use-sim-time"
    assert "use_sim_time" not in NodeLaunch("planner", params_file="").sources(None)


def test_start_value_reads_an_override_else_the_file_else_the_default(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters:\n    image_transport: compressed\n"
                   "    model: {device: 'cuda:1'}\n")
    planner = mpc_nodes(params_file=str(lab))[0]
    assert planner.start_value("image_transport", "raw") == "compressed"
    assert planner.start_value("model.device", "") == "cuda:1"
    assert planner.start_value("model.dtype", "x") == "x"
    assert mpc_nodes(params_file=str(lab), image_transport="raw")[0].start_value(
        "image_transport", "compressed") == "raw"
    assert mpc_nodes(params_file=str(tmp_path / "none.yaml"))[0].start_value(
        "image_transport", "raw") == "raw"


@pytest.fixture
def started(monkeypatch):
    """Capture the nodes ``launch`` would start: ``started["nodes"]``, ``["use_sim_time"]``."""
    from vjepa_ros.nodes import launcher

    captured = {}

    def fake_launch(nodes, use_sim_time=None, **kwargs):
        captured.update(nodes=nodes, use_sim_time=use_sim_time)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    return captured


def test_a_stand_in_camera_follows_the_transport_of_the_planners_file(started, tmp_path,
                                                                      capsys):
    from vjepa_ros.cli import main

    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters:\n    image_transport: compressed\n")
    stand_in = ["--node", "image_publisher", "-p", "image_publisher.path:=g.png",
                "-p", "image_publisher.qos:=sensor_data"]
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(lab), *stand_in])
    planner, publisher = started["nodes"]
    assert "image_transport" not in planner.parameters and started["use_sim_time"] is None
    assert publisher.parameters["transport"] == "compressed"
    started.clear()
    code = main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(lab),
                 *stand_in, "-p", "image_publisher.transport:=raw"])
    assert code == 2 and "nodes" not in started
    assert f"the planner's image_transport compressed (--params-file {lab})" in \
        capsys.readouterr().err


def test_the_help_of_a_parameter_option_names_the_file_it_defaults_to():
    parser = argparse.ArgumentParser()
    add_launch_arguments(parser)
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["image_transport"].endswith(
        "(default: -p planner.image_transport, else the parameter file's: raw in the packaged "
        "one)")
    assert helps["use_sim_time"].endswith("(default: each node's parameter file, else the "
                                          "wall clock)")


# the nodes started beside the planner: the simulator and a camera node are never both (fix57g:
# two sources of the planner's camera images)
BESIDE = {"sim": ["--node", "sim"], "camera": ["--camera"]}


@pytest.mark.parametrize("beside", list(BESIDE))
@pytest.mark.parametrize("clock", [
    ["--params-file", "LAB"],  # the file's vjepa_planner: section says true
    ["-p", "planner.use_sim_time:=true"]])
def test_every_node_follows_a_planner_on_sim_time_however_set(started, tmp_path, clock, beside):
    from vjepa_ros.cli import main

    lab = tmp_path / "lab.yaml"
    lab.write_text("vjepa_planner:\n  ros__parameters:\n    use_sim_time: true\n")
    argv = [str(lab) if arg == "LAB" else arg for arg in clock]
    main(["launch", "--checkpoint", str(DEMO_MODEL), *argv, *BESIDE[beside],
          "--node", "image_publisher", "-p", "image_publisher.path:=g.png"])
    planner, other, publisher = started["nodes"]
    assert planner.start_value("use_sim_time", False) is True
    source = f"--params-file {lab}" if "LAB" in clock else "-p planner.use_sim_time"
    for node in (other, publisher):
        assert node.parameters["use_sim_time"] is True, node.name
        assert node.sources()["use_sim_time"] == f"the planner's use_sim_time ({source})"
    if beside == "sim":
        assert other.parameters["publish_clock"] is True  # nothing else publishes /clock
        assert other.sources()["publish_clock"] == f"the planner's use_sim_time ({source})"


def test_a_node_keeps_its_own_clock_and_a_planner_on_the_wall_clock_leads_nobody(
        started, tmp_path):
    from vjepa_ros.cli import main

    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters:\n    use_sim_time: true\n")
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(lab), "--node", "sim",
          "-p", "sim.use_sim_time:=false", "--node", "image_publisher",
          "-p", "image_publisher.path:=g.png"])  # (never --camera beside sim: fix57g)
    _, sim, publisher = started["nodes"]
    # its own, no clock added (the demo model's 128 px size: launch_inputs.size_sim_for_model)
    assert sim.parameters == {"use_sim_time": False, "camera.width": 128, "camera.height": 128}
    assert publisher.parameters["use_sim_time"] is True
    for given, body in ((["--no-use-sim-time"], "true"),  # the option wins
                        ([], "false")):  # a planner on the wall clock
        started.clear()
        lab.write_text(f"/**:\n  ros__parameters:\n    use_sim_time: {body}\n")
        main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(lab), *given,
              "--node", "sim"])
        assert "use_sim_time" not in started["nodes"][1].parameters
        assert "publish_clock" not in started["nodes"][1].parameters


def test_each_params_file_is_named_as_typed_and_applied_in_turn(started, tmp_path,
                                                                monkeypatch):
    """``launch --params-file search.yaml --params-file site.yaml`` (relative): both, as typed."""
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("search.yaml", "site.yaml"):
        (tmp_path / name).write_text("/**:\n  ros__parameters:\n    planner: {samples: 12}\n")
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", "search.yaml",
          "--params-file", "site.yaml"])
    (planner,) = started["nodes"]
    assert [label for _, label in planner.files()] == ["--params-file search.yaml",
                                                       "--params-file site.yaml"]
    assert [Path(path).name for path, _ in planner.files()] == ["search.yaml", "site.yaml"]
    assert [label for _, label in mpc_nodes(params_file=["/a.yaml", "/b.yaml"])[0].files()] == [
        "--params-file /a.yaml", "--params-file /b.yaml"]  # no names given: the paths
