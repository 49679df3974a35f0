"""Goals sent or set again over ROS: the family of breaker58a's three defects.

A publisher seen re-sending an old goal does not replace an ``~/add_subgoal`` list built since
(warned once, naming the topic); a compressed goal on ``~/goal_image/compressed`` is taken and
its copies are no new goal; a goal file parameter set again at its value is no change while its
file is unchanged on disk, and reads the file again once it was rewritten.
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

from vjepa_ros.images import encode_compressed, rgb_to_image_fields, save_image_file  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")
TOPIC = "/vjepa_planner/goal_image"


def _pixels(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def test_an_add_subgoal_list_holds_against_the_publisher_re_sending_the_old_goal(harness):  # noqa: F811
    from test_ros_planner_goals import image_msg

    h = harness()
    message = Image(**rgb_to_image_fields(_pixels(81)))
    h.goal_pub.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    for _ in range(2):  # its copies: no new goal, the re-send seen
        h.goal_pub.publish(message)
        h.pump(1.0)
    for seed in range(2):
        h.feed_frame(0.2, image_msg(seed))
        answer = h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request())
        assert answer.success, answer.message
    listed = h.session.goals
    assert len(listed.goals) == 3  # the topic goal, then two appended
    for _ in range(3):
        h.goal_pub.publish(message)
        h.pump(1.0)
    h.take_queued()
    assert h.session.goals is listed, "the old goal's copy replaced the sub-goal list"
    said = h.logs("came again from the publisher that keeps re-sending", level=30)
    assert len(said) == 1 and TOPIC in said[0] and "goal 1/3" in said[0], said
    message.header.stamp = h.stamp()  # the old picture sent again on purpose: taken
    h.goal_pub.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not listed)
    assert len(h.session.goals.goals) == 1


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_a_compressed_goal_is_taken_and_its_copies_are_no_new_goal(harness, fmt):  # noqa: F811
    h = harness()
    publisher = h.node.create_publisher(CompressedImage, f"{TOPIC}/compressed", 10)
    assert h.pump(10.0, until=lambda: publisher.get_subscription_count() >= 1)
    form, data = encode_compressed(_pixels(82), fmt)
    message = CompressedImage(format=form, data=data.tobytes())
    publisher.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    goal = h.session.goals.goals[0]
    assert goal.source == "~/goal_image/compressed" and goal.image.shape == (48, 64, 3)
    if fmt == "png":
        assert np.array_equal(goal.image, _pixels(82))
    version = h.session.goal_version
    for _ in range(2):
        publisher.publish(message)
        h.pump(1.0)
    h.take_queued()
    assert h.session.goal_version == version
    assert h.logs(f"the goal image on {TOPIC}/compressed came again with the same pixels")
    form, data = encode_compressed(_pixels(83), fmt)  # another picture: a new goal
    publisher.publish(CompressedImage(format=form, data=data.tobytes()))
    assert h.pump(3.0, until=lambda: h.session.goal_version > version)


def test_a_goal_file_set_again_is_read_again_only_once_rewritten(harness, tmp_path):  # noqa: F811
    from test_ros_planner_goals import set_goal_param

    h = harness()
    path = str(save_image_file(tmp_path / "goal.png", _pixels(84)))
    assert set_goal_param(h, "goal_image_path", path).successful
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    version = h.session.goal_version
    assert set_goal_param(h, "goal_image_path", path).successful
    assert set_goal_param(h, "goal_steps", []).successful
    h.pump(0.5)
    assert h.session.goal_version == version
    assert h.logs("goal_image_path set to its value in force, its files unchanged")
    save_image_file(path, _pixels(85))  # the picture edited in place
    assert set_goal_param(h, "goal_image_path", path).successful
    assert h.pump(3.0, until=lambda: h.session.goal_version > version)
    assert np.array_equal(h.session.goals.goals[0].image, _pixels(85))
    h.take_queued()
    said = h.logs("goal_image_path set again at its value in force, and 1 of its files changed")
    assert len(said) == 1 and path in said[0], said
