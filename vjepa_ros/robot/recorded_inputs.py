"""Inputs played from a recording: a bag player publishes the planner's camera or robot state.

ROS-free words and rules; the planner node asks the ROS graph which nodes publish its input
topics (``nodes/graph_publishers.bag_players``) and tells the session
(``MPCSession.set_recorded_inputs``).

A replay through ROS in shadow mode is how a lab evaluates the planner on a recording (README,
*Replay through ROS*); commanding from one is not: the recorded camera and robot are another
time's, and a real arm listening to the commands would be moved from where the recording's arm
was. A bag played beside the live driver is caught per message where rclpy gives publisher ids
(``publisher_window``); a player that is a topic's only publisher (the driver stopped, or none
runs) is seen only in the graph, by its node name: ``rosbag2_player`` (``ros2 bag play``,
Humble and newer) or this package's ``bag_player``, also one relay away (a node publishing the
input that subscribes to a topic of the input's types a player publishes: ``image_transport
republish``, ``topic_tools relay``). A player started under another node name (``-r
__node:=...``), or two relays away, is not recognised.
"""

from __future__ import annotations

BAG_PLAYER_NODES = frozenset({"rosbag2_player", "bag_player"})
# the message types of each input, and of a topic a relay may republish it from
IMAGE_TYPES = frozenset({"sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"})
JOINT_STATE_TYPES = frozenset({"sensor_msgs/msg/JointState"})
POSE_TYPES = frozenset({"geometry_msgs/msg/PoseStamped"})


def is_bag_player(node_name: str) -> bool:
    """Whether a node of this name (without namespace) is a known bag player."""
    return node_name in BAG_PLAYER_NODES


def recorded_inputs_problem(players: dict[str, list[str]]) -> str:
    """Why nothing may be commanded while bag players publish inputs ("" when none does).

    ``players``: each input in words ("camera images on /camera/image_raw") → the full names of
    the bag players publishing it ("/rosbag2_player"); inputs without a player may be left out.
    """
    found = {words: names for words, names in players.items() if names}
    if not found:
        return ""
    names = sorted({name for group in found.values() for name in group})
    return (f"{' and '.join(found)} come from a bag player ({', '.join(names)}): a recording "
            "is not the arm now, so nothing is commanded while it publishes them; replay bags "
            "in shadow mode (~/enable false), or stop the player to command the arm")
