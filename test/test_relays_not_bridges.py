"""Bridges, listed nodes and static transforms are no relays of a bag player (relay30).

The relay rule (``nodes.graph_publishers.bag_players``) took any node publishing an input that
subscribes to a player's topic of a relayable type for a relay of the recording, and held the
live arm: a bridge to another graph (ros1_bridge carrying a bag's camera to a ROS 1 viewer while
it publishes the live ROS 1 camera; rosbridge, a named zenoh bridge, domain_bridge alike), and in
pose mode a TF listener computing ``current_pose`` whose ``/tf_static`` subscription was fed by a
hand-eye calibration bag. Bridges by default node name and nodes listed in
``safety.not_relays`` are never relays now, and ``/tf_static`` is not followed; a real relay
still holds, and its hold names the parameter. A fake graph stands in for rclpy's queries where
a layout must be exact (as in ``test_graph_players_by_service``); the parameter's path through
the planner node runs on real rclpy nodes.
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_graph_players_by_service import Graph  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, harness  # noqa: E402, F401
from test_ros_recorded_inputs_round2 import _without_the_2hz_check  # noqa: E402

from vjepa_ros.nodes.graph_publishers import PlayerNodes, bag_players  # noqa: E402
from vjepa_ros.robot.recorded_inputs import (  # noqa: E402
    BRIDGE_NODES,
    CAMERA_RELAY_TYPES,
    POSE_RELAY_TYPES,
    recorded_inputs_problem,
)
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402

IMAGE, POSE = "sensor_msgs/msg/Image", "geometry_msgs/msg/PoseStamped"
TF, JOINTS = "tf2_msgs/msg/TFMessage", "sensor_msgs/msg/JointState"


def _bridge_beside_a_player(bridge: str, namespace: str = "/") -> Graph:
    """Return a graph: a bag played for a viewer beyond ``bridge``, which publishes the camera."""
    return Graph({"/cam/image": [(bridge, namespace)],
                  "/viewer/image_raw": [("rosbag2_player", "/")]},
                 {(bridge, namespace): [("/viewer/image_raw", [IMAGE])]})


@pytest.mark.parametrize("bridge", sorted(BRIDGE_NODES))
def test_a_bridge_subscribing_to_a_players_topic_is_no_relay(bridge):
    # e.g. `ros2 run ros1_bridge dynamic_bridge`: a ROS 1 viewer subscribes to the bag's
    # /viewer/image_raw (bridged 2->1) and the ROS 1 camera driver's /cam/image comes over
    # (1->2); the same node "ros_bridge" does both, so it was taken for a relay of the player
    assert bag_players(_bridge_beside_a_player(bridge, "/lab"), "/cam/image",
                       CAMERA_RELAY_TYPES) == []


def test_a_relay_behind_a_bridge_is_not_followed_through_it():
    # player -> (bridge to ROS 1 and back: the other side's graph is not seen) -> republish
    graph = Graph({"/cam/image": [("republish", "/")],
                   "/cam/raw": [("ros_bridge", "/")],
                   "/old/raw": [("rosbag2_player", "/")]},
                  {("republish", "/"): [("/cam/raw", [IMAGE])],
                   ("ros_bridge", "/"): [("/old/raw", [IMAGE])]})
    assert bag_players(graph, "/cam/image", CAMERA_RELAY_TYPES) == []


def test_a_real_relay_still_holds_and_its_hold_names_the_way_out():
    graph = _bridge_beside_a_player("image_republisher")
    found = bag_players(graph, "/cam/image", CAMERA_RELAY_TYPES)
    assert found == ["/image_republisher (relaying /viewer/image_raw from /rosbag2_player)"]
    problem = recorded_inputs_problem({"camera images on /cam/image": found})
    assert problem.endswith("; if /image_republisher relays nothing of the recording (bridging "
                            "another graph, or subscribing to the recorded topic for its own "
                            "use), list it in safety.not_relays and restart the planner (read "
                            "at start)"), problem
    player_only = recorded_inputs_problem({"camera images on /cam/image": ["/rosbag2_player"]})
    assert "not_relays" not in player_only, "a player itself is no relay to list"


@pytest.mark.parametrize("listed, relay", [
    (["viewer_sync"], False),  # a node name: in any namespace
    (["/lab/viewer_sync"], False),  # its full name
    (["/other/viewer_sync"], True),  # another node of that name
    ([], True),
])
def test_a_node_listed_in_safety_not_relays_is_no_relay(listed, relay):
    graph = _bridge_beside_a_player("viewer_sync", "/lab")
    found = bag_players(graph, "/cam/image", CAMERA_RELAY_TYPES, ask=PlayerNodes(graph, listed))
    assert bool(found) is relay, found


def test_a_player_listed_in_safety_not_relays_is_still_a_player():
    graph = Graph({"/cam/image": [("rosbag2_player", "/")]})
    gids = set()
    ask = PlayerNodes(graph, ["rosbag2_player", "/rosbag2_player"])
    assert bag_players(graph, "/cam/image", CAMERA_RELAY_TYPES, gids, ask) == ["/rosbag2_player"]
    assert gids, "its publisher id is kept (its queued messages are dropped when it stops)"


def _tf_pose_graph(namespace: str, player_topics: list[str]) -> Graph:
    """Return a graph: current_pose computed from TF; the player plays ``player_topics``."""
    tf, tf_static = f"{namespace}/tf", f"{namespace}/tf_static"
    publishers = {"/current_pose": [("ee_pose", "/")],
                  tf: [("robot_state_publisher", "/")],
                  "/joint_states": [("franka_driver", "/")]}
    for topic in player_topics:
        publishers.setdefault(topic, []).append(("rosbag2_player", "/"))
    return Graph(publishers, {("ee_pose", "/"): [(tf, [TF]), (tf_static, [TF])],
                              ("robot_state_publisher", "/"): [("/joint_states", [JOINTS])]})


@pytest.mark.parametrize("namespace", ["", "/robot1"])
def test_pose_mode_a_calibration_bag_of_tf_static_holds_nothing(namespace):
    # robot.state_source pose: a hand-eye calibration bag plays only the latched static
    # transforms; the TF listener publishing current_pose subscribes to /tf_static too and was
    # taken for a relay of the player ("/ee_pose (relaying /tf_static from /rosbag2_player)")
    graph = _tf_pose_graph(namespace, [f"{namespace}/tf_static"])
    assert bag_players(graph, "/current_pose", POSE_RELAY_TYPES) == []
    # breaker30: not held, but the recorded static transforms may replace the live ones (a
    # tool recorded with another gripper): the check notes the player for a warning
    ask = PlayerNodes(graph)
    assert bag_players(graph, "/current_pose", POSE_RELAY_TYPES, ask=ask) == []
    assert ask.static_players == {(f"{namespace}/tf_static", "/rosbag2_player")}


@pytest.mark.parametrize("namespace", ["", "/robot1"])
def test_pose_mode_a_bag_of_tf_still_holds(namespace):
    graph = _tf_pose_graph(namespace, [f"{namespace}/tf", f"{namespace}/tf_static"])
    assert bag_players(graph, "/current_pose", POSE_RELAY_TYPES) == [
        f"/ee_pose (relaying {namespace}/tf from /rosbag2_player)"]


def test_a_topic_tools_mux_relays_its_selected_input_only():
    # Kept as it was (a guard, passes on the old code too): ROS 2 topic_tools' mux subscribes
    # only to its selected input (ToolBaseNode; again within 100 ms of ~/select), so the graph
    # tells the selection: on the live camera it is no relay, on the player's topic it is.
    services = {("mux", "/"): [("/mux/select", ["topic_tools_interfaces/srv/MuxSelect"])]}
    publishers = {"/cam/image": [("mux", "/")], "/bag/image": [("rosbag2_player", "/")],
                  "/live/image": [("camera_driver", "/")]}
    live = Graph(publishers, {("mux", "/"): [("/live/image", [IMAGE])]}, services)
    assert bag_players(live, "/cam/image", CAMERA_RELAY_TYPES) == []
    played = Graph(publishers, {("mux", "/"): [("/bag/image", [IMAGE])]}, services)
    assert bag_players(played, "/cam/image", CAMERA_RELAY_TYPES) == [
        "/mux (relaying /bag/image from /rosbag2_player)"]


@pytest.mark.parametrize("names", [[""], ["/"], ["/lab/"], ["lab/viewer"], ["two words"],
                                   ["/lab//viewer"], ["viewer-1"], ["1viewer"], [7]])
def test_safety_not_relays_takes_node_names_only(names):
    with pytest.raises(ValueError, match=r"safety\.not_relays \[0\] .*: give node names"):
        SafetyLimits(not_relays=names)
    assert SafetyLimits(not_relays=["viewer", "/lab/viewer", "_v2", "/a/b_1/c"]).not_relays


def test_the_planner_takes_no_bridge_or_listed_node_for_a_relay_but_a_real_relay(harness):  # noqa: F811
    # Real rclpy nodes: a bag played for viewers on the other side of a ros1_bridge and of a
    # node listed in safety.not_relays, both publishing the camera topic; then a republisher
    # of the bag onto the camera topic, a relay, holds (and its hold names the parameter).
    h = harness(**{"safety.not_relays": ["/lab/viewer_sync"]})
    _without_the_2hz_check(h)  # called below, from this thread alone
    player = rclpy.create_node("rosbag2_player", context=h.context)
    player.create_publisher(Image, "/viewer/image_raw", qos_profile_sensor_data)
    nodes = [player]

    def relay(name, namespace="/"):
        node = rclpy.create_node(name, namespace=namespace, context=h.context)
        node.create_subscription(Image, "/viewer/image_raw", lambda msg: None,
                                 qos_profile_sensor_data)
        node.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        nodes.append(node)

    def listed(names):  # the graph shows each publishing the camera and subscribing the bag's
        deadline = time.monotonic() + 5.0 * WAIT_SLACK
        while time.monotonic() < deadline:
            graph = h.planner
            pubs = {i.node_name for i in graph.get_publishers_info_by_topic("/cam/image")}
            subs = {i.node_name for i in graph.get_subscriptions_info_by_topic(
                "/viewer/image_raw")}
            if set(names) <= pubs & subs:
                return True
            time.sleep(0.02)
        return False

    try:
        relay("ros_bridge")
        relay("viewer_sync", "/lab")
        assert listed(["ros_bridge", "viewer_sync"]), "the graph shows both"
        h.planner._check_recorded_inputs()  # the 2 Hz graph check, now
        assert h.session.recorded_inputs == "", h.session.recorded_inputs
        relay("image_republisher")
        assert listed(["image_republisher"])
        h.planner._check_recorded_inputs()
        problem = h.session.recorded_inputs
        assert ("come from a bag player (/image_republisher (relaying /viewer/image_raw from "
                "/rosbag2_player))") in problem, problem
        assert "list it in safety.not_relays" in problem and "ros_bridge" not in problem
    finally:
        for node in nodes:
            node.destroy_node()
