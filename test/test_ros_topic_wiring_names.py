"""The camera and simulator nodes' topics are the names ``topic_wiring`` remaps (mend58b).

``vjepa-ros launch`` rewires a camera node or simulator started beside the planner onto the
planner's topics by remapping the names ``nodes/topic_wiring.py`` lists. The nodes create their
topics from those names: started with the launch's remappings, every one of their topics lands on
the planner's (a node topic renamed alone would keep its default, unwired, without a word).
"""

from __future__ import annotations

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.parameter import Parameter  # noqa: E402
from test_ros_camera_node import FakeCamera  # noqa: E402

from vjepa_ros.nodes.topic_wiring import camera_remappings, sim_remappings  # noqa: E402

PLANNER = "/arm1/vjepa_planner"
# the planner's remapped names as vjepa-ros launch's topic options give them
PLANNER_TOPICS = {"image": "/cam/rgb", "target_pose": "target", "joint_states": "~/js",
                  "gripper_command": "/hand/command"}


def _remap_args(remappings: dict[str, str]) -> list[str]:
    return ["--ros-args", *[arg for rule in remappings.items() for arg in ("-r", ":=".join(rule))]]


def _topics(node) -> tuple[set[str], set[str]]:
    """Return the node's (published, subscribed) topics as the graph has them."""
    name, namespace = node.get_name(), node.get_namespace()
    return ({topic for topic, _ in node.get_publisher_names_and_types_by_node(name, namespace)},
            {topic for topic, _ in node.get_subscriber_names_and_types_by_node(name, namespace)})


def test_the_camera_node_publishes_on_the_planner_s_camera_topic(context):
    from vjepa_ros.nodes.camera_node import CameraNode

    node = CameraNode(camera_factory=FakeCamera, context=context, cli_args=_remap_args(
        camera_remappings(PLANNER_TOPICS["image"], PLANNER)),
        parameter_overrides=[Parameter("width", value=64), Parameter("height", value=48)])
    try:
        published, _ = _topics(node)
        assert {"/cam/rgb", "/cam/camera_info"} <= published, published
        assert not any(topic.endswith(("color/image_raw", "color/camera_info"))
                       for topic in published), published
    finally:
        node.destroy_node()


def test_the_simulator_publishes_and_listens_on_the_planner_s_topics(context):
    from vjepa_ros.nodes.sim_node import SimNode

    node = SimNode(context=context, cli_args=_remap_args(sim_remappings(PLANNER_TOPICS, PLANNER)),
                   parameter_overrides=[Parameter("camera.width", value=64),
                                        Parameter("camera.height", value=48)])
    try:
        published, subscribed = _topics(node)
        assert {"/cam/rgb", "/cam/camera_info", "/arm1/vjepa_planner/js"} <= published, published
        assert {"/arm1/target", "/hand/command"} <= subscribed, subscribed
        assert not {"/joint_states", "/target_pose", "/gripper_command"} & (
            published | subscribed)
    finally:
        node.destroy_node()
