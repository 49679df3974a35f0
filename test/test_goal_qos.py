"""The planner's line for a goal publisher its reliable goal subscriptions never hear."""

from types import SimpleNamespace

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import QoSPolicyKind, ReliabilityPolicy  # noqa: E402

from vjepa_ros.nodes.goal_qos import warn_goal_qos_mismatch  # noqa: E402

TOPIC = "/arm1/vjepa_planner/goal_image"


class FakeNode:
    def __init__(self, publishers):
        self.goal_image_topic = TOPIC
        self.publishers, self.lines = publishers, []

    def get_publishers_info_by_topic(self, topic):
        assert topic == TOPIC
        return self.publishers

    def get_logger(self):
        return SimpleNamespace(warning=self.lines.append)


def publisher(name, gid, reliability, namespace="/"):
    return SimpleNamespace(node_name=name, node_namespace=namespace, endpoint_gid=gid,
                           qos_profile=SimpleNamespace(reliability=reliability),
                           topic_type="sensor_msgs/msg/Image")


def event(kind=QoSPolicyKind.RELIABILITY):
    return SimpleNamespace(last_policy_kind=kind)


def test_each_best_effort_publisher_is_named_once_with_the_expanded_topic():
    node, warned = FakeNode([publisher("relay", b"1", ReliabilityPolicy.BEST_EFFORT, "/lab"),
                             publisher("teleop", b"2", ReliabilityPolicy.RELIABLE)]), set()
    warn_goal_qos_mismatch(node, warned, event())
    warn_goal_qos_mismatch(node, warned, event())  # the same publisher matched again
    (said,) = node.lines
    assert said.startswith(f"/lab/relay publishes on {TOPIC} best effort") and "teleop" not in said
    assert "--qos-reliability reliable" in said
    node.publishers.append(publisher("image_tools_cam2image", b"3",
                                     ReliabilityPolicy.BEST_EFFORT))
    warn_goal_qos_mismatch(node, warned, event())
    assert len(node.lines) == 2 and node.lines[1].startswith("/image_tools_cam2image publishes")


def test_a_publisher_not_listed_yet_is_still_said():
    node = FakeNode([])
    warn_goal_qos_mismatch(node, set(), event())
    (said,) = node.lines
    assert said.startswith(f"a publisher publishes on {TOPIC} best effort")


def test_another_incompatible_policy_is_named_not_called_best_effort():
    node = FakeNode([])
    warn_goal_qos_mismatch(node, set(), event(QoSPolicyKind.DEADLINE))
    (said,) = node.lines
    assert "DEADLINE" in said and "best effort" not in said
    assert f"ros2 topic info -v {TOPIC}" in said


def test_the_compressed_goal_topic_names_its_own_type_and_only_its_own_type_publishers():
    """``~/goal_image/compressed``'s line says CompressedImage; another type's is goal_topics'."""
    compressed = "/arm1/vjepa_planner/goal_image/compressed"
    relay = publisher("relay", b"1", ReliabilityPolicy.BEST_EFFORT)
    relay.topic_type = "sensor_msgs/msg/CompressedImage"
    raw = publisher("cam", b"2", ReliabilityPolicy.BEST_EFFORT)  # an Image on it: not this line
    node = FakeNode([relay, raw])
    node.get_publishers_info_by_topic = lambda topic: node.publishers if topic == compressed \
        else []
    warn_goal_qos_mismatch(node, set(), event(), topic=compressed, msg_type="CompressedImage")
    (said,) = node.lines
    assert said.startswith(f"/relay publishes on {compressed} best effort") and "cam" not in said
    assert "create_publisher(CompressedImage, topic, 10)" in said
