"""Goal images from a bag player are not goals; frames captured from a replay are (session 29).

A bag recorded with ``ros2 bag record -a`` beside a planner holds ``/vjepa_planner/goal_image``;
replayed later beside a live planner, its goal silently replaced the one set now and the enabled
arm went toward the old run's scene. Now such a goal image is ignored with one warning naming
the player, while a live publisher's goal is still taken (per message, by publisher id).
"""


import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_node import WAIT_SLACK, checkpoint, frame, harness  # noqa: E402, F401
from test_ros_recorded_inputs_round2 import _without_the_2hz_check  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402
from vjepa_ros.nodes import goal_images  # noqa: E402

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
TOPIC = "/vjepa_planner/goal_image"


def goal_message(seed):
    return Image(**rgb_to_image_fields(frame(seed)))


def goal_image(h):
    goals = h.session.goals
    return None if goals is None else goals.goals[0].image


def checked_until(h, condition, seconds=3.0):
    """Pump until ``condition()``, running the 2 Hz check from this thread each time; return it.

    The planner's own 2 Hz timer is cancelled (``_without_the_2hz_check``): no race.
    """
    return h.pump(seconds, until=lambda: h.planner._publish_diagnostics() or condition())


def goal_decided(h, seconds=3.0):
    """:func:`checked_until` no goal image waits for the ROS graph, or its decode, any more.

    A goal image taken is decoded on the planner's goal decoder thread and applied later on
    the executor (fix59a): the goal is in force once the decoder is idle too.
    """
    return checked_until(h, lambda: h.planner.pending_goal is None
                         and h.planner.goal_decoder.idle(), seconds)


def logged(h, text):
    return any(text in m.msg for m in h.got["log"])


def test_a_goal_image_a_bag_player_publishes_is_ignored_and_a_live_one_taken(harness):  # noqa: F811
    h = harness()
    player = rclpy.create_node("rosbag2_player", context=h.context)
    try:
        player.create_publisher(Image, TOPIC, LATCHED).publish(goal_message(7))
        assert h.pump(3.0, until=lambda: logged(h, "it comes from a bag player")), \
            "one warning naming the player"
        assert logged(h, f"ignoring the goal image on {TOPIC}: it comes from a bag player "
                      "(/rosbag2_player)")
        h.pump(0.3)
        assert goal_image(h) is None, "the recorded goal was not taken"
        h.goal_pub.publish(goal_message(8))  # the live goal publisher, beside the player
        assert h.pump(3.0, until=lambda: goal_image(h) is not None), \
            "a live goal is still taken while a player publishes the topic (publisher ids)"
        assert np.array_equal(goal_image(h), frame(8))
    finally:
        player.destroy_node()


def test_a_goal_from_a_publisher_not_named_yet_is_decided_when_the_graph_names_it(
        harness, monkeypatch):  # noqa: F811
    h = harness()
    _without_the_2hz_check(h)  # called below, from this thread alone
    answers = iter([None, None, ["/replay"]])  # not named, not named, then a player
    monkeypatch.setattr(goal_images, "goal_players",
                        lambda node, topic, gid, infos=None: next(answers))
    node = h.planner
    node._on_goal_image(goal_message(3), TOPIC, None)
    assert node.pending_goal is not None and goal_image(h) is None, "kept, not taken yet"
    node._publish_diagnostics()  # the 2 Hz check asks again: still not named
    assert node.pending_goal is not None
    assert h.pump(3.0, until=lambda: h.diagnostics()[1].get("goal_image_waiting_s")), \
        "diagnostics say a goal image waits (the refusal says no goal meanwhile)"
    node._publish_diagnostics()  # named now: a player's
    assert node.pending_goal is None and goal_image(h) is None
    assert h.pump(3.0, until=lambda: logged(h, "bag player (/replay)"))
    # named as a live publisher's: taken once its publishers were listed GOAL_SETTLE_S (the
    # 2 Hz check retries; a renamed player's services may be listed after its name)
    monkeypatch.setattr(goal_images, "goal_players", lambda node, topic, gid, infos=None: [])
    node._on_goal_image(goal_message(4), TOPIC, None)
    assert checked_until(h, lambda: goal_image(h) is not None)
    assert np.array_equal(goal_image(h), frame(4)) and node.pending_goal is None
    # never named: dropped with a warning once it waited UNNAMED_WARN_S
    monkeypatch.setattr(goal_images, "goal_players", lambda node, topic, gid, infos=None: None)
    node._on_goal_image(goal_message(5), TOPIC, None)
    node.pending_goal.since -= goal_images.UNNAMED_WARN_S + 0.1  # came 2.1 s ago
    node._publish_diagnostics()  # the 2 Hz check: still not named
    assert node.pending_goal is None and np.array_equal(goal_image(h), frame(4))
    assert h.pump(3.0 * WAIT_SLACK, until=lambda: logged(h, "has not named its publisher's node"))
