"""Two nodes of one ``vjepa-ros launch`` on one planner input are refused (fix57g, no ROS)."""

import pytest
from test_launch_node_wiring import DEMO_MODEL, started  # noqa: F401 - the fixture

STAND_IN = ["--node", "image_publisher", "-p", "image_publisher.path:=g.png",
            "-p", "image_publisher.qos:=sensor_data"]


@pytest.mark.parametrize("options, named", [
    (["--node", "sim", "--node", "camera"], ("--node sim", "--node camera")),
    (["--camera", *STAND_IN], ("--camera", "--node image_publisher")),
    (["--node", "sim", *STAND_IN, "--image-transport", "raw"], ("--node sim", "image_publisher")),
    # a relative or private camera topic: the same topic for every node, as the planner sees it
    (["--camera-topic", "rgb", "--node", "sim", "--camera"], ("--node sim", "--camera")),
    (["--camera-topic", "~/rgb", "--camera", *STAND_IN], ("--camera", "image_publisher")),
], ids=["sim+camera node", "camera+stand-in", "sim+stand-in", "relative", "private"])
def test_two_image_sources_on_the_planner_s_camera_topic_are_refused(
        started, capsys, options, named):  # noqa: F811
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), *options])
    err = capsys.readouterr().err
    assert "nodes" not in started and code == 2, err
    assert all(name in err for name in named) and "camera images" in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("options", [
    ["--node", "sim"], ["--camera"], STAND_IN,
    # a goal image (latched, the default qos) beside the simulator: its goal topic, no camera
    ["--node", "sim", "--node", "image_publisher", "-p", "image_publisher.path:=g.png"],
], ids=["sim", "camera", "stand-in", "sim+goal image"])
def test_one_source_of_each_input_starts(started, capsys, options):  # noqa: F811
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), *options])
    assert "nodes" in started, capsys.readouterr().err


def test_a_stand_in_on_a_private_camera_topic_publishes_where_the_planner_listens(
        started):  # noqa: F811
    """'~/rgb' is the planner's /vjepa_planner/rgb, not the publisher's /image_publisher/rgb."""
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), "--camera-topic", "~/rgb", *STAND_IN])
    publisher = started["nodes"][1]
    assert publisher.remappings == {"image": "/vjepa_planner/rgb",
                                    "image/compressed": "/vjepa_planner/rgb"}


def test_the_simulator_s_joint_states_and_pose_are_planner_inputs():
    """Each input the simulator publishes is found on the planner's (remapped) topic."""
    from vjepa_ros.nodes.input_publishers import published_inputs
    from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes, wire_sim

    planner = mpc_nodes("m.pt", camera_topic="cam", joint_states_topic="arm/joint_states")[0]
    sim = NodeLaunch("sim")
    wire_sim(sim, False, planner)
    assert published_inputs(sim, planner) == {"image": "/cam",
                                              "joint_states": "/arm/joint_states",
                                              "current_pose": "/current_pose"}
