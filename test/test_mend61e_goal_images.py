"""mend61e: a goal image waiting for the ROS graph is handed to ``take`` before it stops waiting.

``nodes/goal_images.GoalImages.retry`` (the node's 2 Hz check) and ``_decide`` cleared
``pending`` and only then handed the image to ``take`` (the node's goal decoder): a caller on
another thread that settles on "no image waits and the decoder is idle" could read the old goal
in between. Now ``pending`` changes only after ``take`` returned. Deterministic: a graph of
plain objects (no rclpy node, no sleeps), each check made inside ``take`` itself; ``since`` is
moved back instead of waiting out ``UNNAMED_WARN_S``.
"""

from __future__ import annotations

import types

import pytest

from vjepa_ros.nodes.goal_images import GoalImages
from vjepa_ros.nodes.graph_publishers import UNKNOWN
from vjepa_ros.nodes.input_sources import UNNAMED_WARN_S
from vjepa_ros.robot.recorded_inputs import FirstListed

TOPIC = "/vjepa_planner/goal_image"
RAW = "sensor_msgs/msg/Image"


class _Logger:
    def __init__(self):
        self.lines = []

    def info(self, line):
        self.lines.append(line)

    warning = info


class _Graph:
    """The planner node as ``GoalImages`` asks it: its goal topics' publishers, one logger."""

    def __init__(self, take_unnamed: bool):
        self.goal_image_topic, self.compressed_goal_topic = TOPIC, TOPIC + "/compressed"
        self.config = types.SimpleNamespace(
            safety=types.SimpleNamespace(take_unnamed_publishers=take_unnamed))
        self.publishers = {TOPIC: [self.publisher(UNKNOWN, b"\x01")]}
        self.logger = _Logger()

    @staticmethod
    def publisher(name: str, gid: bytes):
        return types.SimpleNamespace(node_name=name, node_namespace="/", topic_type=RAW,
                                     endpoint_gid=gid)

    def get_publishers_info_by_topic(self, topic):
        return list(self.publishers.get(topic, []))

    def get_service_names_and_types_by_node(self, name, namespace):
        return []  # no player's services

    def get_logger(self):
        return self.logger


def _image(seed: int):
    header = types.SimpleNamespace(stamp=types.SimpleNamespace(sec=seed, nanosec=0),
                                   frame_id="camera")
    return types.SimpleNamespace(header=header, height=2, width=2, encoding="rgb8",
                                 data=bytes([seed]) * 12)


def _images(graph):
    """GoalImages whose ``take`` records what waits while each image is handed over."""
    seen = []
    images = GoalImages(graph, lambda message, key: seen.append((message, images.pending)))
    return images, seen


def _waiting(graph, images, seed=1):
    """Send a goal image from a publisher the graph has not named: it waits."""
    images.arrived(_image(seed), TOPIC, None)
    assert images.pending is not None and images.pending.message.data == _image(seed).data
    return images.pending


def test_a_waiting_image_taken_at_the_check_waits_until_handed_over():
    graph = _Graph(take_unnamed=True)
    images, seen = _images(graph)
    waiting = _waiting(graph, images)
    images.retry()  # still within UNNAMED_WARN_S: it keeps waiting, nothing handed over
    assert images.pending is waiting and seen == []
    waiting.since -= UNNAMED_WARN_S + 0.1  # never named: taken unchecked (take_unnamed)
    images.retry()
    assert [(message, pending) for message, pending in seen] == [(waiting.message, waiting)], \
        "take was called with nothing waiting: another thread could see no goal in between"
    assert images.pending is None
    assert any("taken unchecked" in line for line in graph.logger.lines), graph.logger.lines


def test_a_fresh_image_taken_replaces_the_waiting_one_only_once_handed_over():
    graph = _Graph(take_unnamed=False)
    images, seen = _images(graph)
    images.listed = FirstListed(settle_s=0.0)  # a publisher listed is believed at once
    waiting = _waiting(graph, images)
    graph.publishers[TOPIC] = [graph.publisher("talker", b"\x01")]  # named now: no player
    images.arrived(_image(2), TOPIC, None)
    assert len(seen) == 1 and seen[0][0].data == _image(2).data
    assert seen[0][1] is waiting, "the older image stopped waiting before the newer was taken"
    assert images.pending is None
    assert any("replaces the one waiting" in line for line in graph.logger.lines)


@pytest.mark.parametrize("why", ["ignored", "superseded"])
def test_a_waiting_image_dropped_at_the_check_stops_waiting_and_is_not_taken(why):
    graph = _Graph(take_unnamed=False)
    images, seen = _images(graph)
    waiting = _waiting(graph, images)
    if why == "ignored":  # never named, take_unnamed false: ignored with a warning
        waiting.since -= UNNAMED_WARN_S + 0.1
    else:  # a goal set by a service or goal files meanwhile
        images.goal_set()
    images.retry()
    assert images.pending is None and seen == []
    said = "has not named its publisher's node" if why == "ignored" else "a goal was set since"
    assert any(said in line for line in graph.logger.lines), graph.logger.lines
