"""Goal images from another camera or a best-effort publisher, over ROS (breaker56a 2 and 6).

The frames-first case of another camera's goal, and the best-effort publisher's first
sighting, are pinned in ``test_breaker56a``; here the rest of the family.
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import Image  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def picture(seed, frame_id=""):
    message = Image(**rgb_to_image_fields(np.random.default_rng(seed).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))
    message.header.frame_id = frame_id
    return message


def test_a_latched_goal_of_another_camera_before_the_first_frame_is_said_then(harness):  # noqa: F811
    """A goal published (latched) before the camera runs is judged at the camera's first frame."""
    h = harness()
    h.goal_pub.publish(picture(1, "/wrist_color_optical_frame"))
    assert h.pump(3.0, until=lambda: h.session.goals is not None, image=None)
    assert not h.logs("wrist_color_optical_frame")
    camera = picture(2, "exterior_left_color_optical_frame")
    assert h.pump(3.0, until=lambda: h.logs("exterior_left_color_optical_frame"), image=camera)
    (said,) = h.logs("exterior_left_color_optical_frame")
    assert "/wrist_color_optical_frame" in said and "/vjepa_planner/goal_image" in said
    assert h.session.goals is not None  # warned, not refused: a frame id is a label
    h.goal_pub.publish(picture(3, "exterior_left_color_optical_frame"))  # this camera's
    h.pump(1.0, image=camera)
    assert len(h.logs("exterior_left_color_optical_frame")) == 1


def test_a_best_effort_goal_publisher_is_named_once_with_the_fix(harness):  # noqa: F811
    from rclpy.qos import qos_profile_sensor_data

    h = harness()
    publisher = h.node.create_publisher(Image, "/vjepa_planner/goal_image",
                                        qos_profile_sensor_data)
    for seed in range(3):
        publisher.publish(picture(seed))
        h.pump(0.5, until=lambda: h.logs("best effort"))
    h.pump(0.5)
    (said,) = h.logs("best effort")
    assert said.startswith("/tester publishes on /vjepa_planner/goal_image best effort"), said
    assert "--qos-reliability reliable" in said
    assert h.session.goals is None  # unheard: the line says so
