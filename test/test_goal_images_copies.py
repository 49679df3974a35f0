"""GoalImages.arrived's copy rule, without ROS: a fake node, fake messages and a fake clock.

The planner node hears its goal topic on two subscriptions (latched, volatile); a transient-local
publisher's live message comes on both. The same key on the *other* subscription within
``COPY_S`` (2 s) is that message's copy, taken once; the same message again on the same
subscription, or on the other one later than 2 s, or another message, is taken again.
"""

from types import SimpleNamespace

import pytest

from vjepa_ros.nodes import goal_images
from vjepa_ros.nodes.goal_images import COPY_S, GoalImages

TOPIC = "/planner/goal_image"


class Node:
    """What arrived() needs for a taken image: no publishers listed, unnamed ones taken."""

    config = SimpleNamespace(safety=SimpleNamespace(take_unnamed_publishers=True))

    def get_publishers_info_by_topic(self, topic):
        return []

    def get_logger(self):
        return SimpleNamespace(warning=lambda text: None, info=lambda text: None)


def _image(pixels: bytes = b"\x01\x02\x03", sec: int = 7):
    """Return a goal image message's fields that message_key reads (sensor_msgs/Image)."""
    header = SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=0), frame_id="cam")
    return SimpleNamespace(header=header, height=1, width=1, encoding="rgb8", data=pixels)


@pytest.fixture
def clock(monkeypatch):
    """Replace time.monotonic by a steady clock [s] the test moves (``clock.now``)."""
    fake = SimpleNamespace(now=100.0)
    monkeypatch.setattr(goal_images, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


def _arrivals(clock, *arrivals) -> list:
    """Feed (seconds later, message, via) arrivals to one GoalImages; return the images taken."""
    taken: list = []
    goals = GoalImages(Node(), lambda message, key: taken.append(message))
    for later, message, via in arrivals:
        clock.now += later
        goals.arrived(message, TOPIC, "publisher-1", via)
    return taken


def test_the_same_message_on_both_subscriptions_within_copy_s_is_taken_once(clock):
    image = _image()
    assert COPY_S == 2.0
    assert _arrivals(clock, (0.0, image, "latched"), (0.5, image, "volatile")) == [image]
    assert _arrivals(clock, (0.0, image, "volatile"), (1.9, image, "latched")) == [image]


def test_the_same_message_twice_on_the_same_subscription_is_taken_twice(clock):
    image = _image()  # its publisher sent it again (goals A, B, A: breaker49i)
    assert _arrivals(clock, (0.0, image, "volatile"), (0.5, image, "volatile")) == [image] * 2


def test_the_same_message_on_the_other_subscription_after_copy_s_is_taken_again(clock):
    image = _image()
    assert _arrivals(clock, (0.0, image, "latched"), (2.1, image, "volatile")) == [image] * 2


def test_another_message_on_the_other_subscription_within_copy_s_is_taken(clock):
    first, other = _image(b"\x01\x02\x03"), _image(b"\x09\x09\x09")
    assert _arrivals(clock, (0.0, first, "latched"), (0.5, other, "volatile")) == [first, other]
    later = _image(sec=8)  # the same pixels, another stamp: another message
    assert _arrivals(clock, (0.0, first, "latched"), (0.5, later, "volatile")) == [first, later]


def test_one_first_arrival_matches_one_copy(clock):
    image = _image()  # a third arrival is no copy of the pair already matched
    assert _arrivals(clock, (0.0, image, "latched"), (0.2, image, "volatile"),
                     (0.2, image, "latched")) == [image] * 2
