"""mend58c on rclpy: fingers measured wider than robot.gripper_max_width are one warning.

The harness's hand reads 80 mm (0.04 per finger); with robot.gripper_max_width 0.075 its
closedness reads 0 (clipped), so only the raw finger joints tell the hand is wider than set, and
an open goal to 75 mm would be a grasp for franka_gripper (``robot.gripper_release``).
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from rcl_interfaces.msg import Log  # noqa: E402


@pytest.mark.parametrize("max_width, said", [(0.075, True), (0.08, False)])
def test_a_hand_wider_than_set_is_warned_once_with_its_width(harness, max_width,  # noqa: F811
                                                             said):
    import time

    h = harness(**{"robot.gripper_max_width": max_width})
    assert h.pump(10.0, until=lambda: h.planner.fingers.measured(time.monotonic()))
    assert h.planner._measured_width() == pytest.approx(0.08)  # raw, not the clipped 0
    h.pump(1.0)  # more finger readings: still one line
    lines = h.logs("robot.gripper_max_width", level=Log.WARN)
    if not said:
        assert not lines, lines
        return
    assert len(lines) == 1 and "80.0 mm" in lines[0] and "0.075" in lines[0], lines
    assert "never narrower" in lines[0] and "restart the planner" in lines[0], lines
