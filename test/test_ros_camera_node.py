"""camera_node on real rclpy with a stand-in camera: realsense2_camera topic names, CameraInfo."""

import sys
import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402

from vjepa_ros.images import image_msg_to_rgb  # noqa: E402
from vjepa_ros.nodes import camera_node  # noqa: E402
from vjepa_ros.robot.camera import camera_info_fields  # noqa: E402


class FakeCamera:
    def __init__(self, config):
        self.config = config
        self.info = camera_info_fields(config.width, config.height, 60.0, 61.0, 32.0, 24.0)
        self.count, self.stopped = 0, False

    def read(self):
        time.sleep(0.02)
        self.count += 1
        return np.full((self.config.height, self.config.width, 3), self.count % 256, np.uint8)

    def stop(self):
        self.stopped = True


def test_camera_node_publishes_on_the_realsense2_camera_topics(context):
    from rclpy.parameter import Parameter

    node = camera_node.CameraNode(camera_factory=FakeCamera, context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48)])
    listener = rclpy.create_node("listener", context=context)
    images, infos = [], []
    listener.create_subscription(Image, "/camera/camera/color/image_raw", images.append,
                                 qos_profile_sensor_data)
    listener.create_subscription(CameraInfo, "/camera/camera/color/camera_info", infos.append,
                                 qos_profile_sensor_data)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(listener)
    deadline = time.monotonic() + 10
    while (len(images) < 3 or not infos) and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    camera = node.camera
    executor.shutdown()
    listener.destroy_node()
    node.destroy_node()
    assert len(images) >= 3 and infos, "no frames on the realsense2_camera topic names"
    rgb = image_msg_to_rgb(images[-1])
    assert rgb.shape == (48, 64, 3) and images[-1].header.frame_id == "camera_color_optical_frame"
    assert len({int(image_msg_to_rgb(m)[0, 0, 0]) for m in images}) > 1, "frames do not change"
    assert infos[-1].k[0] == 60.0 and (infos[-1].width, infos[-1].height) == (64, 48)
    assert camera.stopped and not node.thread.is_alive()


def test_camera_node_without_pyrealsense2_exits_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyrealsense2", None)
    assert camera_node.main(args=[]) == 1
    assert "pyrealsense2 cannot be imported" in capsys.readouterr().err
