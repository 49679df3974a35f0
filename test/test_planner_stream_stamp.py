"""The planner node publishes each set-point with the time its tick computed it for."""

import threading
import types

import numpy as np
import pytest
from builtin_interfaces.msg import Time

from vjepa_ros.nodes.planner_node import PlannerNode
from vjepa_ros.nodes.pose_msgs import set_stamp, stamp_seconds
from vjepa_ros.nodes.setpoint_output import SetpointOutput
from vjepa_ros.robot.plan_report import StreamOutput


class _Publisher:
    def __init__(self):
        self.sent = []

    def publish(self, msg):
        self.sent.append(msg)


@pytest.mark.parametrize("stamp", [12.345678901, 1_764_625_000.25, 0.0])
def test_set_point_and_twist_carry_the_tick_time_not_the_publish_time(stamp):
    out = StreamOutput(np.array([0.4, 0.1, 0.3, np.pi, 0.0, 0.0, 0.0]), np.arange(6.0), stamp,
                      commanding_epoch=1)
    target_pub, twist_pub = _Publisher(), _Publisher()
    node = types.SimpleNamespace(
        session=types.SimpleNamespace(stream_step=lambda: out, enabled=True, commanding_epoch=1),
        command_lock=threading.Lock(),
        setpoints=SetpointOutput(target_pub, twist_pub, "fr3_link0", clock=lambda: pytest.fail(
            "the stamp must not come from the clock at publish time")))
    PlannerNode._stream(node)
    (pose,), (twist,) = target_pub.sent, twist_pub.sent
    for msg in (pose, twist):
        assert stamp_seconds(msg.header.stamp) == pytest.approx(stamp, abs=1e-6)
        assert msg.header.frame_id == "fr3_link0"
    assert pose.pose.position.x == pytest.approx(0.4)
    assert twist.twist.linear.z == 2.0 and twist.twist.angular.z == 5.0


@pytest.mark.parametrize("seconds, sec, nanosec", [
    (0.0, 0, 0), (1.5, 1, 500_000_000), (12.999999999, 12, 999_999_999),
    (1_764_625_000.25, 1_764_625_000, 250_000_000), (2.9999999999, 3, 0)])
def test_set_stamp_rounds_to_the_nanosecond_and_carries_into_seconds(seconds, sec, nanosec):
    stamp = set_stamp(Time(), seconds)
    assert (stamp.sec, stamp.nanosec) == (sec, nanosec)


@pytest.mark.parametrize("frame_stamp", [1_764_625_000.125, None])
def test_debug_image_carries_the_planned_frames_stamp(frame_stamp):
    from vjepa_ros.robot.plan_report import PlanReport

    report = PlanReport(debug_rgb=np.zeros((4, 12, 3), dtype=np.uint8), frame_stamp=frame_stamp)
    publishers = {name: _Publisher() for name in ("plan_report_pub", "action_pub", "debug_pub")}
    now = types.SimpleNamespace(to_msg=lambda: set_stamp(Time(), 99.0))
    node = types.SimpleNamespace(
        closing=False, session=types.SimpleNamespace(plan_step=lambda want_debug: report),
        debug_pub=types.SimpleNamespace(get_subscription_count=lambda: 1,
                                        publish=publishers["debug_pub"].publish),
        plan_report_pub=publishers["plan_report_pub"], action_pub=publishers["action_pub"],
        get_clock=lambda: types.SimpleNamespace(now=lambda: now))
    assert PlannerNode._plan_and_publish(node)
    (image,) = publishers["debug_pub"].sent
    expected = 99.0 if frame_stamp is None else frame_stamp  # no frame: the time of publishing
    assert stamp_seconds(image.header.stamp) == pytest.approx(expected, abs=1e-6)
    assert (image.height, image.width, image.encoding) == (4, 12, "rgb8")
