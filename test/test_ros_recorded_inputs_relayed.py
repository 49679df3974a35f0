"""A bag replayed through a relay (image_transport republish) is not seen as a recording.

``ros2 bag play`` of a bag with raw images while the planner listens to the compressed topic
(``image_transport:=compressed``) that ``ros2 run image_transport republish raw compressed``
fills: the planner's camera topic is published by the republisher (node
``image_republisher``), not by ``rosbag2_player``, so the graph check
(``PlannerNode._check_recorded_inputs``, by node name of the topic's publishers) finds no bag
player and, with ``--clock``/``use_sim_time``, the planner commands from the recording.
Expected: a player upstream of a relay node that publishes an input counts too (breaker 28a).
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, harness  # noqa: E402, F401


def test_a_bag_relayed_onto_the_camera_topic_is_a_recording(harness):  # noqa: F811
    h = harness(image_transport="compressed")
    player = rclpy.create_node("rosbag2_player", context=h.context)
    relay = rclpy.create_node("image_republisher", context=h.context)
    try:
        player.create_publisher(Image, "/cam/image_raw", qos_profile_sensor_data)
        relay.create_subscription(Image, "/cam/image_raw", lambda msg: None,
                                  qos_profile_sensor_data)
        relay.create_publisher(CompressedImage, "/cam/image", qos_profile_sensor_data)
        deadline = time.monotonic() + 5.0 * WAIT_SLACK
        seen = set()
        while not {"rosbag2_player", "image_republisher"} <= seen and \
                time.monotonic() < deadline:
            h.executor.spin_once(timeout_sec=0.02)
            seen = {info.node_name for topic in ("/cam/image_raw", "/cam/image")
                    for info in h.planner.get_publishers_info_by_topic(topic)}
        assert {"rosbag2_player", "image_republisher"} <= seen, "the graph shows both"
        h.planner._check_recorded_inputs()  # the 2 Hz graph check, now
        assert "bag player" in h.session.recorded_inputs, "the relayed bag is not seen"
        assert ("/image_republisher (relaying /cam/image_raw from /rosbag2_player)"
                in h.session.recorded_inputs)
    finally:
        player.destroy_node()
        relay.destroy_node()
