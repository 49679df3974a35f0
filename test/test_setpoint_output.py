"""The planner node's set-point outputs (``nodes/setpoint_output.py``, breaker32r).

One quaternion hemisphere on target_pose, and a servo_twist that ends at rest whenever the stream
stops. On stand-ins for the publishers; no node, no executor (rclpy's message packages only).
"""

import math
import threading
import types

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from geometry_msgs.msg import Pose  # noqa: E402

from vjepa_ros.nodes.planner_commanding import PlannerCommanding  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.pose_msgs import set_pose, stamp_seconds  # noqa: E402
from vjepa_ros.nodes.setpoint_output import SetpointOutput  # noqa: E402
from vjepa_ros.robot.plan_report import StreamOutput  # noqa: E402

POSE = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])
MOVING = np.array([0.05, 0.0, 0.0, 0.0, 0.0, 0.1])


class Publisher:
    def __init__(self):
        self.sent = []

    def publish(self, msg):
        self.sent.append(msg)


def outputs(clock_s=50.0):
    target, twist = Publisher(), Publisher()
    return SetpointOutput(target, twist, "panda_link0", clock=lambda: clock_s), target, twist


def velocities(twist_pub) -> list[list[float]]:
    return [[m.twist.linear.x, m.twist.linear.y, m.twist.linear.z, m.twist.angular.x,
             m.twist.angular.y, m.twist.angular.z] for m in twist_pub.sent]


def test_a_stream_that_stops_while_moving_ends_with_one_zero_twist():
    out, target, twist = outputs()
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    out.publish(None)  # the next tick after ~/enable false (stream_step: None)
    out.publish(None)
    assert velocities(twist) == [MOVING.tolist(), [0.0] * 6]  # one zero twist, not one a tick
    assert stamp_seconds(twist.sent[-1].header.stamp) == pytest.approx(50.0)  # the clock's now
    assert twist.sent[-1].header.frame_id == "panda_link0" and len(target.sent) == 1
    out.publish(StreamOutput(None, np.zeros(6), 11.0, hold_started=True))  # a hold at rest
    out.publish(None)
    assert len(twist.sent) == 3  # the hold's own zero twist; nothing after it


def test_a_hold_sends_its_zero_twist_and_nothing_more():
    out, _, twist = outputs()
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    out.publish(StreamOutput(None, np.zeros(6), 10.01, hold_started=True))
    out.publish(None)
    out.end()
    assert velocities(twist) == [MOVING.tolist(), [0.0] * 6]


def test_end_stops_a_moving_twist_at_once_and_close_publishes_nothing_after_it():
    out, target, twist = outputs()
    out.end()  # not moving: nothing to end
    assert twist.sent == []
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    out.end(close=True)  # shutdown
    out.publish(StreamOutput(POSE, MOVING, 10.01))  # a tick that computed before the close
    out.end()
    assert velocities(twist) == [MOVING.tolist(), [0.0] * 6] and len(target.sent) == 1


def test_no_twist_publisher_means_no_twist_and_no_error():
    target = Publisher()
    out = SetpointOutput(target, None, "panda_link0", clock=lambda: 0.0)
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    out.publish(None)
    out.end(close=True)
    assert len(target.sent) == 1


class NodeStandIn(PlannerCommanding, types.SimpleNamespace):
    """The attributes given, with the planner's commanding methods (``stop_commanding``)."""


def node_with(out, session):
    logged = []
    node = NodeStandIn(
        session=session, setpoints=out, closing=False, command_lock=threading.Lock(),
        gripper_action=None,  # no GripperCommand action configured
        get_logger=lambda: types.SimpleNamespace(error=logged.append, warning=logged.append))
    return node, logged


def test_a_failure_and_the_shutdown_end_a_moving_twist():
    # the stream's (or the planner's) error path disables commanding: the twist ends at once,
    # not at the next tick; shutdown likewise, before anything else closes
    session = types.SimpleNamespace(set_enabled=lambda enabled: (True, ""), close=lambda: None,
                                    wait_idle=lambda timeout: None, enabled=True)
    out, _, twist = outputs()
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    node, logged = node_with(out, session)
    PlannerNode._failed(node, "set-point stream", RuntimeError("boom"))
    assert velocities(twist)[-1] == [0.0] * 6 and "commanding disabled" in logged[0]
    out, _, twist = outputs()
    out.publish(StreamOutput(POSE, MOVING, 10.0))
    node, _ = node_with(out, session)
    PlannerNode.prepare_shutdown(node)
    out.publish(StreamOutput(POSE, MOVING, 10.01))
    assert velocities(twist) == [MOVING.tolist(), [0.0] * 6]


def test_set_pose_keeps_the_hemisphere_it_is_given():
    pose = Pose()
    canonical = set_pose(pose, POSE)
    flipped = set_pose(pose, POSE, near=-canonical)
    np.testing.assert_array_equal(flipped, -canonical)
    assert [pose.orientation.x, pose.orientation.y, pose.orientation.z,
            pose.orientation.w] == flipped.tolist()
    assert set_pose(pose, POSE, near=canonical).tolist() == canonical.tolist()


def test_the_hemisphere_holds_across_a_stop_and_a_sweep_through_roll_pi():
    # roll from π − 0.3 through ±π to −π + 0.3 in steps of 0.01 rad, with the stream stopped
    # (None ticks) half-way: every pair of consecutive target_pose quaternions has dot > 0
    out, target, _ = outputs()
    for i, roll in enumerate(np.linspace(math.pi - 0.3, math.pi + 0.3, 61)):
        pose = POSE.copy()
        pose[3] = math.remainder(roll, 2 * math.pi)  # as the streamer's Euler angles wrap
        out.publish(StreamOutput(pose, np.zeros(6), 10.0 + 0.01 * i))
        if i == 30:
            out.publish(None)
    quats = np.array([[m.pose.orientation.x, m.pose.orientation.y, m.pose.orientation.z,
                       m.pose.orientation.w] for m in target.sent])
    assert len(quats) == 61 and np.sum(quats[1:] * quats[:-1], axis=1).min() > 0.99
