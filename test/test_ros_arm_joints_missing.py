"""user57u on rclpy: joint states without the arm's joints are warned of; commands are said.

A gripper-only publisher on /joint_states: after the silence rule the log, /diagnostics,
``~/capture_goal`` and ``~/enable`` name the joints expected, the names received and the
parameter to set (before: "inputs: arriving" with no warning, "no robot state received yet").
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from rcl_interfaces.msg import Log  # noqa: E402
from sensor_msgs.msg import JointState  # noqa: E402

from vjepa_ros.nodes import input_watch  # noqa: E402
from vjepa_ros.robot.joint_states import expected_arm_joints  # noqa: E402

SAID = "joint state messages arrive on /joint_states but none in"
RECEIVED = "(received: panda_finger_joint1, panda_finger_joint2)"


def test_gripper_only_joint_states_warn_in_log_diagnostics_and_refusals(harness,  # noqa: F811
                                                                        monkeypatch):
    monkeypatch.setattr(input_watch, "SILENT_S", 3.0)
    h = harness()
    fingers = h.node.create_publisher(JointState, "/joint_states", 10)
    h.extra = [(fingers, JointState(name=["panda_finger_joint1", "panda_finger_joint2"],
                                    position=[0.04, 0.04]))]

    def warned():
        return [d.status[0] for d in h.got["diag"]
                if d.status[0].level == b"\x01" and SAID in d.status[0].message]
    assert h.pump(6.0, until=warned, joints=None), h.got["diag"][-1:]
    values = {kv.key: kv.value for kv in warned()[-1].values}
    assert RECEIVED in values["inputs"] and "robot.joint_prefix" in values["inputs"], values
    assert h.pump(3.0, until=lambda: h.logs(RECEIVED, level=Log.WARN), joints=None), \
        "not logged"
    captured = h.capture()
    assert not captured.success and RECEIVED in captured.message, captured.message
    assert expected_arm_joints("") in captured.message, captured.message
    enabled = h.enable()
    assert RECEIVED in enabled.message, enabled.message
    h.pump(1.0, joints=None)
    assert not h.got["pose"], "commanded without an arm state"


def test_each_command_sent_is_one_info_line(harness):  # noqa: F811
    """user57u: the enabled planner moved the arm for minutes without a line in its terminal."""
    h = harness()
    assert h.pump(1.0, until=lambda: h.session.frame is not None)
    assert h.capture().success
    assert h.enable().success
    assert h.pump(20.0, until=lambda: len(h.logs("command ", level=Log.INFO)) >= 2), \
        [m.msg for m in h.got["log"]][-5:]
    line = h.logs("command ", level=Log.INFO)[0]
    assert line.startswith("command 1: energy ") and " plan " in line and " mm" in line, line
    assert h.enable(False).success
    h.take_queued()
    said = len(h.logs("command ", level=Log.INFO))
    h.pump(1.5)
    assert len(h.logs("command ", level=Log.INFO)) == said, "shadow plans are no commands"
