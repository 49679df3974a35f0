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
from test_ros_planner_node import WAIT_SLACK, checkpoint, frame, harness  # noqa: E402, F401


def _player_behind_a_relay(h):
    """Return a bag player publishing /cam/image_raw and an image_republisher on it."""
    player = rclpy.create_node("rosbag2_player", context=h.context)
    relay = rclpy.create_node("image_republisher", context=h.context)
    player.create_publisher(Image, "/cam/image_raw", qos_profile_sensor_data)
    relay.create_subscription(Image, "/cam/image_raw", lambda msg: None, qos_profile_sensor_data)
    return player, relay


def test_a_bag_relayed_onto_the_camera_topic_is_a_recording(harness):  # noqa: F811
    h = harness(image_transport="compressed")
    player, relay = _player_behind_a_relay(h)
    try:
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


def test_a_relay_that_relayed_a_bag_passes_live_frames_after_the_player_stops(harness):  # noqa: F811
    # A permanent image_transport republish in the lab's launch: a bag played onto its source
    # topic is seen and held (above); the bag ends and the live camera feeds the relay again.
    import cv2

    h = harness(image_transport="compressed")
    player, relay = _player_behind_a_relay(h)
    try:
        h.image_pub = relay.create_publisher(CompressedImage, "/cam/image",
                                             qos_profile_sensor_data)
        ok, jpeg = cv2.imencode(".jpg", frame(3)[..., ::-1])
        compressed = CompressedImage(format="jpeg", data=jpeg.tobytes())
        assert h.pump(10.0, until=lambda: "bag player" in h.session.recorded_inputs,
                      image=compressed)
        player.destroy_node()
        player = None
        assert h.pump(10.0, until=lambda: not h.session.recorded_inputs, image=compressed)
        assert h.pump(1.0, until=lambda: h.session.frame is not None, image=compressed), \
            "the relay's live frames are dropped as the stopped player's"
    finally:
        if player is not None:
            player.destroy_node()
        relay.destroy_node()
