"""The planner node's goal image topics: raw on ``~/goal_image``, compressed beside it.

A goal comes as ``sensor_msgs/Image`` on ``~/goal_image`` or as ``sensor_msgs/CompressedImage``
(JPEG, PNG: decoded as compressed camera frames are, ``images.decode_image_message``) on
``~/goal_image/compressed``, image_transport's name for the compressed topic (``image_transport
republish raw compressed``, a lab whose camera reaches the planner compressed: breaker58a).
Each is heard twice (:func:`subscribe_goal_topic`): reliable transient-local (a latched goal
published before the node started) and reliable volatile (a default-QoS publisher, ``ros2 topic
pub``, which DDS never matches with a transient-local reader). DDS never matches a publisher of
another type either (a script's ``create_publisher(CompressedImage, '.../goal_image', 10)``: the
graph lists the topic with both types), so :func:`other_type_warnings` names such a publisher
and what to publish instead, once per publisher (the node's 2 Hz check).
"""

from __future__ import annotations

import functools

from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.topic_endpoint_info import TopicEndpointInfo
from sensor_msgs.msg import CompressedImage

try:
    from rclpy.event_handler import SubscriptionEventCallbacks
except ImportError:  # Humble
    from rclpy.qos_event import SubscriptionEventCallbacks

from vjepa_ros.nodes.goal_qos import warn_goal_qos_mismatch
from vjepa_ros.nodes.publisher_ids import callback_with_publisher

LATCHED = QoSProfile(
    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL, reliability=ReliabilityPolicy.RELIABLE
)
VOLATILE = QoSProfile(
    depth=1, durability=DurabilityPolicy.VOLATILE, reliability=ReliabilityPolicy.RELIABLE
)
RAW, COMPRESSED = "sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"
UNKNOWN_NODE = "_NODE_NAME_UNKNOWN_"  # the graph's name of a node not discovered yet


def subscribe_goal_topic(node, msg_type, name: str, handler) -> tuple:
    """Return the latched and volatile subscriptions of ``node`` to goal topic ``name``.

    ``msg_type``: ``Image`` or ``CompressedImage``; ``handler(msg, topic, sender, via)`` with
    ``topic`` "" (the node names it from the message) and ``via`` "latched" or "volatile" (its
    copy on the other one is dropped: ``goal_images``). rclpy's incompatible-QoS warning of the
    latched one would be wrong (it never hears a volatile publisher, by design); the volatile
    one's names a best-effort publisher and the fix (``goal_qos``).
    """
    latched = node.create_subscription(
        msg_type, name, callback_with_publisher(functools.partial(handler, via="latched"), ""),
        LATCHED, event_callbacks=SubscriptionEventCallbacks(incompatible_qos=lambda _: None))
    kind = "CompressedImage" if msg_type is CompressedImage else "Image"
    volatile = node.create_subscription(
        msg_type, name, callback_with_publisher(functools.partial(handler, via="volatile"), ""),
        VOLATILE, event_callbacks=SubscriptionEventCallbacks(incompatible_qos=functools.partial(
            warn_goal_qos_mismatch, node, set(), topic=latched.topic_name, msg_type=kind)))
    return latched, volatile


def goal_message_kind(message) -> str:
    """Return a goal message's ROS type: :data:`COMPRESSED` (a ``format`` field) or :data:`RAW`."""
    return COMPRESSED if hasattr(message, "format") and not hasattr(message, "encoding") else RAW


def other_type_warnings(topics: dict[str, str], infos: dict[str, list[TopicEndpointInfo]],
                        warned: set) -> list[str]:
    """Return one line per new publisher of another type on a goal topic ([] when none).

    ``topics``: each goal topic's full name → the type it takes (:data:`RAW` for
    ``~/goal_image``, :data:`COMPRESSED` for ``~/goal_image/compressed``); ``infos``: the
    graph's publishers of each (``get_publishers_info_by_topic``); ``warned``: the
    ``(topic, endpoint_gid)`` already named, updated. A publisher whose node is not named yet
    waits for a later check (its name is the fix's first clue).
    """
    raw, compressed = (next(t for t, kind in topics.items() if kind == want)
                       for want in (RAW, COMPRESSED))
    lines = []
    for topic, takes in topics.items():
        for info in infos.get(topic, []):
            seen = (topic, bytes(info.endpoint_gid))
            if info.topic_type == takes or info.node_name == UNKNOWN_NODE or seen in warned:
                continue
            warned.add(seen)
            sender = f"{info.node_namespace.rstrip('/')}/{info.node_name}"
            instead = (f"publish it on {compressed} (image_transport's compressed topic)"
                       if info.topic_type == COMPRESSED else
                       f"publish it on {raw}" if info.topic_type == RAW else
                       f"publish the goal as {RAW} on {raw} or {COMPRESSED} on {compressed}")
            lines.append(f"{sender} publishes {info.topic_type} on {topic}, which takes {takes} "
                         f"only: none of its goal images is heard; {instead}")
    return lines
