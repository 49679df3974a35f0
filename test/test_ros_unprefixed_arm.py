"""mend58c on rclpy: unprefixed joint1..7 taken as this Franka arm are one INFO line.

franka_description's --no-prefix arm names its joints joint1..7, and so do other robots (an
xArm7): the planner says once that it took them as robot.model's arm, naming robot.joint_prefix.
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import HOME, checkpoint, harness  # noqa: E402, F401
from rcl_interfaces.msg import Log  # noqa: E402
from sensor_msgs.msg import JointState  # noqa: E402

SAID = "unprefixed joint1..7"


@pytest.mark.parametrize("prefix", ["", "panda_"])
def test_unprefixed_arm_joints_are_said_once(harness, prefix):  # noqa: F811
    h = harness()
    publisher = h.node.create_publisher(JointState, "/joint_states", 10)
    names = [f"{prefix}joint{i}" for i in range(1, 8)] + [f"{prefix}finger_joint1",
                                                         f"{prefix}finger_joint2"]
    h.extra = [(publisher, JointState(name=names, position=list(HOME) + [0.04, 0.04]))]
    assert h.pump(10.0, until=lambda: h.planner.joints.prefix == prefix, joints=None)
    h.pump(1.0, joints=None)
    lines = h.logs(SAID, level=Log.INFO)
    if prefix:
        assert not lines, lines
        return
    assert len(lines) == 1, lines
    assert "robot.joint_prefix" in lines[0] and "a panda" in lines[0], lines
