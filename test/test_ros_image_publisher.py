"""Real rclpy on loopback: the package's image_publisher sends a real camera frame, intact."""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

from vjepa_ros.images import ImageError, image_msg_to_rgb, save_image_file  # noqa: E402
from vjepa_ros.nodes.image_publisher import ImagePublisher  # noqa: E402


def _spin_until(executor, done, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return done()


def test_latched_image_reaches_a_late_subscriber(context, tmp_path, franka_example):
    frame = franka_example["frames"][1]
    path = save_image_file(tmp_path / "goal.png", frame)
    publisher = ImagePublisher(
        context=context,
        parameter_overrides=[
            Parameter("path", value=str(path)),
            Parameter("encoding", value="bgr8"),
        ],
    )
    listener = rclpy.create_node("listener", context=context)
    received = []
    qos = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    listener.create_subscription(Image, "image", received.append, qos)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(publisher)
    executor.add_node(listener)
    try:
        assert _spin_until(executor, lambda: bool(received)), "no image arrived on loopback"
        msg = received[0]
        assert (msg.width, msg.height, msg.encoding) == (256, 256, "bgr8")
        assert msg.header.frame_id == "camera_color_optical_frame"
        np.testing.assert_array_equal(image_msg_to_rgb(msg), frame)
    finally:
        executor.shutdown()
        publisher.destroy_node()
        listener.destroy_node()
    context.try_shutdown()
    assert not context.ok()


def test_missing_image_file_is_a_clear_error(context, tmp_path):
    with pytest.raises(ImageError, match="not found"):
        ImagePublisher(
            context=context, parameter_overrides=[Parameter("path", value=str(tmp_path / "x.png"))]
        )
    with pytest.raises(ImageError, match="'path' is empty"):
        ImagePublisher(context=context)
