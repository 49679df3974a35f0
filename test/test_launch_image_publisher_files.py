"""The image publisher under a launch is wired by the values it starts with, files included.

breaker60d #3: ``wire_image_publisher`` and ``input_publishers.published_inputs`` read the image
publisher's ``qos`` and ``transport`` from its ``-p`` overrides only, so a stand-in camera set in
its own parameter file was wired as a goal (best-effort frames onto the reliable goal readers,
nothing on the camera topic, no two-publisher check). breaker60d #1: a compressed goal publisher
was refused though the planner hears ``~/goal_image/compressed``; ``image_publisher.launch.py``
remapped only ``image``, so its compressed goal went to ``/image/compressed``. No ROS: the
nodes are ``NodeLaunch`` objects, the launch file runs against ``test_launch_files``' stand-ins.
"""

from __future__ import annotations

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.input_publishers import check_input_publishers, published_inputs
from vjepa_ros.nodes.node_launch import (
    PLANNER_GOAL_IMAGE,
    NodeLaunch,
    mpc_nodes,
    wire_image_publisher,
    wire_sim,
)

CAMERA_TOPIC = "/camera/camera/color/image_raw"


def _own_file(tmp_path, **values) -> str:
    """Write the image publisher's own parameter file with ``values``; return its path."""
    lines = "".join(f"    {name}: {value}\n" for name, value in values.items())
    path = tmp_path / "image_publisher.yaml"
    path.write_text(f"/**:\n  ros__parameters:\n    path: goal.png\n{lines}")
    return str(path)


@pytest.mark.parametrize("transport", ["raw", "compressed"])
def test_a_stand_in_camera_set_in_its_file_goes_to_the_camera_topic(tmp_path, transport):
    publisher = NodeLaunch("image_publisher", params_file=_own_file(
        tmp_path, qos="sensor_data", rate_hz=10.0, transport=transport))
    wire_image_publisher(publisher, CAMERA_TOPIC, transport, "--image-transport")
    assert publisher.remappings == {"image": CAMERA_TOPIC, "image/compressed": CAMERA_TOPIC}
    planner = mpc_nodes(camera_topic=CAMERA_TOPIC)[0]
    assert published_inputs(publisher, planner) == {"image": CAMERA_TOPIC}  # seen as a camera


def test_a_stand_in_camera_set_in_its_file_meets_the_two_publisher_check(tmp_path):
    """With the simulator, both would publish the planner's camera: refused naming both."""
    nodes = mpc_nodes(camera_topic=CAMERA_TOPIC)
    sim = NodeLaunch("sim")
    wire_sim(sim, False, nodes[0])
    publisher = NodeLaunch("image_publisher", params_file=_own_file(
        tmp_path, qos="sensor_data", rate_hz=10.0))
    wire_image_publisher(publisher, CAMERA_TOPIC)
    with pytest.raises(UsageError, match="--node sim and --node image_publisher would both "
                       "publish the planner's"):
        check_input_publishers([*nodes, sim, publisher], lambda name: f"--node {name}")


def test_a_stand_in_cameras_transport_from_its_file_must_be_the_planners(tmp_path):
    """Its file's transport is its choice (named in the refusal); -p wins over the file."""
    own = _own_file(tmp_path, qos="sensor_data", rate_hz=10.0, transport="raw")
    publisher = NodeLaunch("image_publisher", params_file=own, file_label=f"--params-file {own}")
    with pytest.raises(UsageError) as raised:
        wire_image_publisher(publisher, CAMERA_TOPIC, "compressed", "--image-transport")
    assert str(raised.value).startswith(
        f"image_publisher transport raw (--params-file {own}) with --image-transport compressed")
    publisher = NodeLaunch("image_publisher", params_file=own,
                           parameters={"transport": "compressed"})
    wire_image_publisher(publisher, CAMERA_TOPIC, "compressed")  # -p over the file: the same
    assert publisher.remappings["image/compressed"] == CAMERA_TOPIC


def test_the_packaged_files_raw_follows_the_planners_transport():
    """The packaged default's ``transport: raw`` is no choice: the stand-in follows the planner."""
    publisher = NodeLaunch("image_publisher", parameters={"path": "g.png", "qos": "sensor_data",
                                                          "rate_hz": 10.0})
    assert publisher.start_value("transport", None) == "raw"  # from config/image_publisher.yaml
    wire_image_publisher(publisher, CAMERA_TOPIC, "compressed", "--image-transport")
    assert publisher.parameters["transport"] == "compressed"
    assert publisher.labels["transport"] == "--image-transport"


@pytest.mark.parametrize("given", ["file", "-p"])
def test_a_compressed_goal_goes_to_the_planners_compressed_goal_topic(tmp_path, given):
    if given == "file":
        publisher = NodeLaunch("image_publisher",
                               params_file=_own_file(tmp_path, transport="compressed"))
    else:
        publisher = NodeLaunch("image_publisher",
                               parameters={"path": "g.png", "transport": "compressed"})
    wire_image_publisher(publisher, CAMERA_TOPIC, "raw")  # the planner's camera: raw or not
    assert publisher.remappings == {"image": PLANNER_GOAL_IMAGE,
                                    "image/compressed": f"{PLANNER_GOAL_IMAGE}/compressed"}
    assert published_inputs(publisher, mpc_nodes()[0]) == {}  # a goal is no camera input


def _text(value, configurations) -> str:
    """Resolve a launch substitution of the stand-ins (a text, a LaunchConfiguration, a list)."""
    if isinstance(value, list):
        return "".join(_text(part, configurations) for part in value)
    if type(value).__name__ == "LaunchConfiguration":
        return configurations[value.args[0]]
    return value


@pytest.mark.parametrize("topic", ["/vjepa_planner/goal_image", "image"])
def test_the_launch_files_compressed_image_goes_beside_its_topic(monkeypatch, topic):
    from test_launch_files import load_launch_file

    made = load_launch_file(monkeypatch, "image_publisher.launch.py", path="goal.png",
                            topic=topic)
    node = next(entity for entity in made if type(entity).__name__ == "Node")
    remaps = {source: _text(target, {"topic": topic})
              for source, target in node.kwargs["remappings"]}
    assert remaps == {"image": topic, "image/compressed": f"{topic}/compressed"}
