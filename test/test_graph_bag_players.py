"""``graph_publishers.bag_players``: bag players among an input's publishers, or one relay away.

A fake graph stands in for rclpy's (its query methods only), so each layout is exact.
"""

from test_graph_players_by_service import Graph

from vjepa_ros.nodes.graph_publishers import UNKNOWN, bag_players
from vjepa_ros.robot.recorded_inputs import IMAGE_TYPES

IMAGE, COMPRESSED = "sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"


def test_a_player_publishing_the_topic_itself_is_named_with_its_namespace():
    graph = Graph({"/cam": [("camera", "/"), ("rosbag2_player", "/replay")]})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == ["/replay/rosbag2_player"]
    assert bag_players(graph, "/cam") == ["/replay/rosbag2_player"], "without types: direct"


def test_a_relay_of_a_players_images_is_named_with_what_it_relays():
    graph = Graph({"/cam/image_raw": [("rosbag2_player", "/")],
                   "/cam/compressed": [("image_republisher", "/")]},
                  {("image_republisher", "/"): [("/cam/image_raw", [IMAGE])]})
    assert bag_players(graph, "/cam/compressed", IMAGE_TYPES) == [
        "/image_republisher (relaying /cam/image_raw from /rosbag2_player)"]


def test_publishers_that_only_listen_to_the_players_clock_or_other_types_are_no_relays():
    # a live camera driver on sim time subscribes to the player's /clock; a visualiser that
    # publishes images from the bag's joint states is no relay of images
    graph = Graph({"/clock": [("rosbag2_player", "/")],
                   "/joint_states": [("rosbag2_player", "/")],
                   "/cam": [("camera", "/"), ("overlay", "/")]},
                  {("camera", "/"): [("/clock", ["rosgraph_msgs/msg/Clock"])],
                   ("overlay", "/"): [("/joint_states", ["sensor_msgs/msg/JointState"])]})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == []


def test_unnamed_or_vanished_publishers_are_skipped_not_fatal():
    graph = Graph({"/cam": [(UNKNOWN, "/"), ("gone", "/")]})
    assert bag_players(graph, "/cam", IMAGE_TYPES) == []
