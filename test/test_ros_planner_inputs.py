"""The planner node on ROS refuses bad camera input plainly: clocks, frame sizes, log lines.

Tester and planner as in ``test_ros_planner_node`` (``Harness``: in-process launch, a tiny model).
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_node import Harness, checkpoint, frame, harness  # noqa: E402,F401

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402


def test_sim_time_without_clock_is_named_and_diagnostics_still_report(harness):  # noqa: F811
    h = harness(use_sim_time=True)  # no /clock: the node clock stays 0
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.pump(6.0, until=lambda: h.got["diag"] and "no /clock" in h.diagnostics()[1][
        "refusal"]), "no diagnostics naming the missing /clock (sim time never runs)"
    assert h.logs("use_sim_time is true but no /clock has arrived")
    assert not h.got["pose"] and not h.got["gripper"]
