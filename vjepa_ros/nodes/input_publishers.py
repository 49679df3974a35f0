"""Refuse two nodes of one launch publishing the same planner input (no rclpy).

``vjepa-ros launch`` wires each node it starts beside the planner onto the planner's topics
(``topic_wiring``): the simulator's camera and joint states, the camera node's images, a
stand-in camera's (``image_publisher`` with ``qos: sensor_data``); a ``bag_player`` publishes
the topics its bag holds (read before it starts). Two of them on one input (``--node sim
--camera``: a rendered and a real camera; a bag of the planner's own topics beside either)
would feed the planner frames or states of two worlds in turn, and it would plan on them
without a word (breaker57g, review57s).
:func:`check_input_publishers` refuses that before any node starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.nodes.topic_wiring import (
    CAMERA_IMAGE,
    SIM_TOPICS,
    absolute_topic,
)
from vjepa_ros.robot.planner_name import PLANNER_NODE

# The planner's input names (before its remappings) -> what a message calls them
PLANNER_INPUTS = {"image": "camera images", "joint_states": "joint states",
                  "current_pose": "arm pose"}
# Registry name -> the node's own names of what it publishes that may be a planner input
PUBLISHED = {
    "sim": (SIM_TOPICS["image"], SIM_TOPICS["joint_states"], "current_pose"),
    "camera": (CAMERA_IMAGE,),
}
STAND_IN_IMAGES = ("image", "image/compressed")  # image_publisher with qos sensor_data
# How each publisher is replaced when two meet, said after the refusal
ONE_OF_THEM = {
    "sim": "the simulator publishes its own rendered camera and arm state",
    "camera": "the camera node publishes a real camera's frames",
    "image_publisher": "the stand-in camera publishes one still image",
    "bag_player": "the bag player replays a recording's topics",
}


def published_inputs(node, planner) -> dict[str, str]:
    """Return ``{planner input name: topic}`` of the planner inputs ``node`` publishes on.

    ``node``, ``planner``: ``node_launch.NodeLaunch`` objects, wired (their remappings set).
    """
    names = PUBLISHED.get(node.name, ())
    if node.name == "image_publisher" and node.start_value("qos", "latched") == "sensor_data":
        names = STAND_IN_IMAGES
    if node.name == "bag_player":
        names = bag_player_topics(node)
    planner_fqn = f"/{PLANNER_NODE}"
    inputs = {absolute_topic(planner.remappings.get(name, name), planner_fqn): name
              for name in PLANNER_INPUTS}
    fqn = NODES[node.name].fqn if node.name in NODES else f"/{node.name}"
    found = {}
    for own in names:
        topic = absolute_topic(node.remappings.get(own, own), fqn)
        if topic in inputs:
            found[inputs[topic]] = topic
    return found


def bag_player_topics(node) -> tuple[str, ...]:
    """Return the topics the ``bag_player`` ``node`` (``NodeLaunch``) will replay.

    Its bag's topics (``eval.playback.bag_topics``; its ``bag`` and ``topics`` parameters as
    it will start with them: ``-p``, else its files), read without rclpy. A bag that cannot be
    read here (missing, damaged, a ``topics`` entry it lacks) gives none: the player refuses it
    in its own words as it starts.
    """
    from vjepa_ros.eval.playback import PlaybackConfig, bag_topics

    bag = node.start_value("bag", "")
    if not isinstance(bag, str) or not bag:
        return ()
    topics = node.start_value("topics", "")
    chosen = PlaybackConfig(topics=topics).topic_list() if isinstance(topics, str) else []
    try:
        return tuple(bag_topics(bag, chosen))
    except Exception:  # noqa: BLE001 - BagError, a reader's own: the player says it, starting
        return ()


def check_input_publishers(nodes: Sequence, asked: Callable[[str], str]) -> None:
    """Raise UsageError (one line) when two of ``nodes`` publish one input of the planner.

    ``nodes``: the launch's ``NodeLaunch`` list, the planner first, each wired onto the
    planner's topics; ``asked``: a registry name -> the option that started that node
    (``--camera``, ``--node sim``), as the message names it.
    """
    planner, others = nodes[0], nodes[1:]
    seen: dict[str, str] = {}  # planner input name -> the first node publishing it
    for node in others:
        for name, topic in published_inputs(node, planner).items():
            first = seen.setdefault(name, node.name)
            if first != node.name:
                raise UsageError(
                    f"{asked(first)} and {asked(node.name)} would both publish the planner's "
                    f"{PLANNER_INPUTS[name]} on {topic}: it would plan on the two in turn; start "
                    f"one of them ({ONE_OF_THEM.get(first, first)}; "
                    f"{ONE_OF_THEM.get(node.name, node.name)})")
