"""``~/clear_goals`` holds while a publisher keeps re-sending the cleared goal (breaker56a).

``ros2 topic pub`` without ``--once`` re-sends one message at 1 Hz: once a copy of the active goal
came from it (no new goal, fix54a), its copies after a clear are not taken either
(``robot/resent_goals.py``), said once; the same picture sent once from another publisher or with
a new stamp, or another picture from the re-sending one, is taken (breaker49i's and breaker54i's
pins hold: a message sent again once after a clear, with no copy before or a new stamp, is taken).
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402
from vjepa_ros.nodes.goal_images import message_key  # noqa: E402
from vjepa_ros.nodes.publisher_ids import gives_publisher_ids  # noqa: E402
from vjepa_ros.robot.resent_goals import (  # noqa: E402
    RESENT_KEYS,
    ResentGoal,
    finished_goal_stays,
    resent_after_clear,
    resent_copy_refused,
)

pytestmark = pytest.mark.usefixtures("one_thread")
GOAL_TOPIC = "/vjepa_planner/goal_image"


def _image(seed):
    return Image(**rgb_to_image_fields(np.random.default_rng(seed).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))


def _resend_then_clear(h, publisher, message, news=1):
    """Publish ``message``, two copies a second apart (swallowed), then ``~/clear_goals``."""
    publisher.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    for _ in range(2):
        publisher.publish(message)
        h.pump(1.0)
    h.take_queued()
    assert len(h.logs("new goal")) == news
    answer = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert answer.success and h.session.goals is None


@pytest.mark.skipif(not gives_publisher_ids(), reason="publishers told apart by rclpy's ids")
def test_the_cleared_goal_from_another_publisher_or_another_picture_is_taken(harness):  # noqa: F811
    h = harness()
    message = _image(71)
    _resend_then_clear(h, h.goal_pub, message)
    for _ in range(3):  # the re-sender's copies: not taken, said once
        h.goal_pub.publish(message)
        h.pump(1.0)
    assert h.session.goals is None
    h.take_queued()
    said = h.logs("came again with the pixels of the goal cleared")
    assert len(said) == 1 and GOAL_TOPIC in said[0] and "--once" in said[0], said
    other = h.node.create_publisher(Image, GOAL_TOPIC, 10)  # ros2 topic pub --once, anew
    assert h.pump(10.0, until=lambda: other.get_subscription_count() >= 1)
    other.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None), "a new publisher's send"
    answer = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert answer.success and h.session.goals is None
    h.goal_pub.publish(_image(72))  # another picture from the re-sender: a new goal
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    answer = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert answer.success and h.session.goals is None
    _resend_then_clear(h, h.goal_pub, message, news=4)  # 72 set since: 71's copy taken again
    message.header.stamp = h.stamp()  # the same picture, stamped anew: sent on purpose
    h.goal_pub.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None), "a re-send with a new stamp"


def test_resent_goal_rule_without_publisher_ids():
    """Where rclpy names no publisher (sender None), the message decides, and the line says so."""
    resent = ResentGoal()
    image = np.zeros((4, 4, 3), np.uint8)

    def key(pixels, sender=None, sec=0):
        message = Image(**rgb_to_image_fields(pixels))
        message.header.stamp.sec = sec
        return message_key(message, sender)

    assert not resent.refuses(key(image)), "nothing re-sent yet"
    resent.resent(key(image))
    assert resent.refuses(key(image.copy()))
    assert not resent.refuses(key(image + 1)), "another picture"
    assert not resent.refuses(key(image, ("gid", b"x"))), "another publisher"
    resent.taken(key(image + 1, ("gid", b"x")))  # another publisher's goal: kept (breaker58a)
    assert resent.refuses(key(image))
    resent.taken(key(image + 1))  # without ids whose it is cannot be told: another publisher's
    assert resent.refuses(key(image)), "a goal of unknown sender freed the re-sent copies"
    assert not resent.refuses(key(image, sec=7)), "the old picture with a new stamp: taken"
    assert "rclpy names no publisher" in resent_after_clear("/p/goal_image", False)
    assert "new publisher" in resent_after_clear("/p/goal_image", True)
    resent.resent(key(image, sec=0))  # ros2 topic pub's repeated message: stamp 0
    assert resent.refuses(key(image, sec=0))
    assert not resent.refuses(key(image, sec=5)), "sent again with a new stamp: taken"
    assert resent.refusal("/p/goal_image", False) == resent_after_clear("/p/goal_image", False)
    assert resent.refusal("/p/goal_image", False) == "", "said once"
    resent.resent(key(image))  # seen re-sent again (another clear): said again
    assert resent.refusal("/p/goal_image", True) == resent_after_clear("/p/goal_image", True)
    captured = object()  # a goal set another way since (~/capture_goal): said once for it
    line = resent.refusal("/p/goal_image", True, captured, "goal 1/1 (captured frame)")
    assert line == resent_copy_refused("/p/goal_image", True, "goal 1/1 (captured frame)")
    assert "(goal 1/1 (captured frame))" in line and "--once" in line and "re-sending" in line
    assert resent.refusal("/p/goal_image", True, captured, "goal 1/1 (captured frame)") == ""
    assert resent.refusal("/p/goal_image", True) == resent_after_clear("/p/goal_image", True)


def test_the_finished_goal_line_offers_a_new_publisher_only_where_rclpy_names_publishers():
    # Humble's rclpy gives no publisher ids: the same stamp from a new publisher is refused
    humble, jazzy = finished_goal_stays("1 goal", False), finished_goal_stays("1 goal", True)
    assert "then send it once with a new header stamp (this rclpy names no publisher" in humble
    assert "same stamp from a new publisher, ros2 topic pub --once, stays refused" in humble
    assert "with a new stamp or from a new publisher (ros2 topic pub --once:" in jazzy
    assert humble.startswith("the goal is finished (1 goal) and stays so")


def test_the_messages_seen_re_sent_are_remembered_bounded_each_until_its_publisher_sends_another():
    """Two publishers re-sending two goals: both refused; one sending anew frees its own only."""
    resent = ResentGoal()
    keys = [(("gid", bytes([n])), 0, 0, "", 4, 4, "rgb8", bytes([n])) for n in range(20)]
    resent.resent(keys[0])
    resent.resent(keys[1])
    resent.resent(keys[1])  # its next copy: remembered once
    assert resent.refuses(keys[0]) and resent.refuses(keys[1]) and len(resent.keys) == 2
    resent.taken((keys[0][0], 5, 0, "", 4, 4, "rgb8", b"new"))  # publisher 0: another message
    assert not resent.refuses(keys[0]) and resent.refuses(keys[1])
    for key in keys[2:]:
        resent.resent(key)
    assert len(resent.keys) == RESENT_KEYS and resent.refuses(keys[-1])
    assert not resent.refuses(keys[1]), "the oldest forgotten past the bound"
