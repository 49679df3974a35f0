"""A goal publisher the planner's goal subscriptions never hear: said, with the fix (breaker56a).

Both goal subscriptions of the planner node are reliable, so that a goal image is never lost
unsaid (a best-effort reader drops a large image whose fragment is lost); a best-effort
(sensor-data QoS) publisher is then never matched. :func:`warn_goal_qos_mismatch` is the
volatile subscription's incompatible-QoS event callback (the latched one's is silenced: it never
hears a volatile publisher, by design).
"""

from __future__ import annotations

from rclpy.qos import QoSPolicyKind, ReliabilityPolicy


def warn_goal_qos_mismatch(node, warned: set, event=None, *, topic: str = "",
                           msg_type: str = "Image") -> None:
    """Say that a goal publisher's QoS is one the goal subscriptions never hear, and the fix.

    Both are reliable (a lost goal image would be lost unsaid): a best-effort publisher
    (sensor-data QoS: ``image_tools``, a camera relay, ``--qos-reliability best_effort``)
    is never heard (breaker56a). rclpy's own line names ``~/goal_image`` unexpanded and no
    fix; this one names the topic, the publishers and what to do, once per publisher
    (``event``: rclpy's incompatible-QoS info; another policy than reliability is named).
    ``topic``: the goal topic's full name (default ``~/goal_image``'s); ``msg_type``: the
    message type it takes (``Image``, ``CompressedImage``), named in the fix.
    """
    topic = topic or node.goal_image_topic
    kind = getattr(event, "last_policy_kind", QoSPolicyKind.RELIABILITY)
    if kind != QoSPolicyKind.RELIABILITY:  # (a deadline or liveliness: rclpy's words)
        node.get_logger().warning(
            f"a publisher on {topic} offers a QoS the goal subscription (reliable, volatile, "
            f"depth 1) cannot hear, last incompatible policy {kind.name}: its goal images "
            f"never come; ros2 topic info -v {topic} shows its QoS")
        return
    infos = node.get_publishers_info_by_topic(topic)
    offending = [info for info in infos  # (one of another type: goal_topics says so)
                 if info.qos_profile.reliability == ReliabilityPolicy.BEST_EFFORT
                 and info.topic_type == f"sensor_msgs/msg/{msg_type}"]
    new = [info for info in offending if bytes(info.endpoint_gid) not in warned]
    warned.update(bytes(info.endpoint_gid) for info in new)
    if not new and offending:
        return
    nodes = ", ".join(sorted({f"{info.node_namespace.rstrip('/')}/{info.node_name}"
                              for info in new})) or "a publisher"
    node.get_logger().warning(
        f"{nodes} publishes on {topic} best effort (sensor-data QoS): the planner's goal "
        "subscriptions are reliable, so none of its goal images is heard; publish the goal "
        f"reliable (the default QoS; ros2 topic pub's; rclpy: create_publisher({msg_type}, "
        "topic, 10) or a transient-local depth 1 profile to latch it; ros2 topic pub "
        "--qos-reliability reliable)")
