"""breaker57g: today's fixes attacked again (fix57a, fix57f1, fix57f2, mend57a, fix57c; base57b).

Each test asserts what SHOULD happen (strict xfails until fix57g). Defects, ranked by harm:

1. ``vjepa-ros launch --node sim --camera`` (or ``--node sim`` with a stand-in camera,
   ``--node image_publisher -p image_publisher.qos:=sensor_data``): fix57f1 wires each image
   source onto the planner's camera topic (``topic_wiring``), so the simulator's frames and the
   RealSense's (or the stand-in's) both arrive on it. The planner plans on frames of two worlds
   taken in turn, and the simulator's target topic is also the real controller's
   (``/target_pose``... whatever ``--target-topic`` says). Started without a word. Should: refused
   (exit 2) naming both nodes that would publish the planner's camera images.
2. ``vjepa-ros launch --params-file lab.yaml`` where ``lab.yaml`` gives the planner's values
   under ``/**:`` by node name (``/**: {vjepa_planner: {ros__parameters: ...}}``: rcl's nested
   form, applied to ``vjepa_planner`` in any namespace; checked with rclpy here): refused
   "'/**' must hold a 'ros__parameters' mapping" (``yaml_files.read_ros_params``), a file rcl
   reads. The launch file's ``planner_file_value`` swallows the same error as None: with
   ``camera:=true`` the camera does not follow the planner's use_sim_time nor is refused beside
   its compressed images. Should: read the nested section as rcl applies it.
3. ``vjepa-ros launch --target-topic '{node}/target'`` (``--camera-topic '/lab/{node}'``, any
   topic option with a ``{node}`` substitution): ``check_topic_options`` (rclpy's
   validator) takes it, then rcl refuses the remap: "planner: Failed to parse ROS arguments:
   Couldn't parse remap rule: ... Error: error not set, at .../arguments.c:380", exit 1, the
   option not named (fix57f1's ``absolute_topic`` also turns it into ``/{node}/...`` for the
   camera and simulator). Should: exit 2 before any node, naming the option (a remap target
   takes no substitution: give the name itself).
"""

from __future__ import annotations

import pytest
from test_launch_node_wiring import DEMO_MODEL, started  # noqa: F401 - the fixture

# --- 1: two image sources on the planner's camera topic ------------------------------------

# (the options starting it, how a refusal names it)
SECOND_CAMERAS = {
    "camera": (["--camera"], "--camera"),
    "stand-in": (["--node", "image_publisher", "-p", "image_publisher.path:=g.png",
                  "-p", "image_publisher.qos:=sensor_data"], "image_publisher"),
}


@pytest.mark.parametrize("second", list(SECOND_CAMERAS))
def test_the_simulator_beside_a_camera_is_refused_naming_both(started, capsys,  # noqa: F811
                                                               second):
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim",
                 *SECOND_CAMERAS[second][0]])
    err = capsys.readouterr().err
    assert "nodes" not in started, "started two publishers of the planner's camera images"
    assert code == 2, err
    assert "--node sim" in err and SECOND_CAMERAS[second][1] in err, err


# --- 2: '/**' holding a node section by name -----------------------------------------------

NESTED = """\
/**:
  vjepa_planner:
    ros__parameters:
      use_sim_time: true
      planner:
        samples: 100
"""


def test_a_node_section_under_the_any_namespace_wildcard_is_read_as_rcl_reads_it(tmp_path):
    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "lab.yaml"
    path.write_text(NESTED)
    # rcl (rclpy 9.1, automatically_declare_parameters_from_overrides) gives /vjepa_planner
    # and /arm1/vjepa_planner use_sim_time true and planner.samples 100, another node nothing
    for node in ("/vjepa_planner", "/arm1/vjepa_planner"):
        assert read_ros_params(path, node) == {"use_sim_time": True,
                                               "planner": {"samples": 100}}, node
    assert read_ros_params(path, "/camera/camera") == {}


def test_launch_takes_a_params_file_with_the_planner_under_the_wildcard(
        started, capsys, tmp_path):  # noqa: F811
    from vjepa_ros.cli import main

    path = tmp_path / "lab.yaml"
    path.write_text(NESTED)
    main(["launch", "--checkpoint", str(DEMO_MODEL), "--params-file", str(path),
          "--node", "sim"])
    assert "nodes" in started, capsys.readouterr().err
    planner, sim = started["nodes"]
    assert planner.start_value("planner.samples", 800) == 100
    # the file puts the planner on sim time: the simulator follows it and publishes /clock
    assert sim.parameters.get("use_sim_time") is True
    assert sim.parameters.get("publish_clock") is True


# --- 3: a substitution in a topic option -----------------------------------------------------

# ('{ns}/image' is refused already: "repeated '/'", the root namespace expanded)
SUBSTITUTED = [("--target-topic", "{node}/target"), ("--camera-topic", "/lab/{node}"),
               ("--gripper-topic", "~/{node}_gripper")]


@pytest.mark.parametrize("option, topic", SUBSTITUTED, ids=[row[0] for row in SUBSTITUTED])
def test_a_topic_option_with_a_substitution_is_refused_naming_it(started, capsys,  # noqa: F811
                                                                  option, topic):
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), option, topic, "--node", "sim"])
    err = capsys.readouterr().err
    assert "nodes" not in started and code == 2, err
    assert option in err and topic in err, err
    assert len(err.strip().splitlines()) == 1, err  # one line
