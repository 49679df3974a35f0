"""The ``camera`` node: a RealSense colour stream on realsense2_camera's topic names.

    ros2 run vjepa_ros camera_node --ros-args --params-file config/camera.yaml

Publishes ``/camera/camera/color/image_raw`` (rgb8) and ``/camera/camera/color/camera_info``, as
the official driver does with its default namespace and name, so the planner's launch file works
with either. Frames are read on a thread of their own and stamped with the node clock on arrival.
Without pyrealsense2 or without a connected device the node exits with a clear message and 1.
"""

from __future__ import annotations

import sys
import threading

from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, Image

from vjepa_ros.images import rgb_to_image_fields
from vjepa_ros.nodes.params import declare_config
from vjepa_ros.robot.camera import CameraConfig, CameraError, RealSenseColor


class CameraNode(Node):
    ROS_NAME = "camera"  # the one prefix of its start-up errors (launcher.run_node)

    def __init__(self, camera_factory=RealSenseColor, **kwargs):
        kwargs.setdefault("namespace", "camera")
        super().__init__(self.ROS_NAME, **kwargs)
        self.config = declare_config(self, CameraConfig())
        self.camera = camera_factory(self.config)
        self.info = CameraInfo(**self.camera.info)
        self.info.header.frame_id = self.config.frame_id
        self.image_pub = self.create_publisher(Image, "~/color/image_raw", qos_profile_sensor_data)
        self.info_pub = self.create_publisher(CameraInfo, "~/color/camera_info",
                                              qos_profile_sensor_data)
        self.running = True
        self.error: CameraError | None = None
        self.thread = threading.Thread(target=self._read_loop, name="camera", daemon=True)
        self.thread.start()
        self.get_logger().info(f"publishing {self.image_pub.topic_name} "
                               f"({self.info.width}x{self.info.height})")

    def _read_loop(self) -> None:
        while self.running:
            try:
                rgb = self.camera.read()
            except CameraError as exc:
                self.error = exc
                self.get_logger().error(str(exc))
                return
            if not self.running:
                return
            image = Image(**rgb_to_image_fields(rgb))
            image.header.stamp = self.get_clock().now().to_msg()
            image.header.frame_id = self.config.frame_id
            self.info.header.stamp = image.header.stamp
            self.image_pub.publish(image)
            self.info_pub.publish(self.info)

    def destroy_node(self) -> None:
        self.running = False
        if getattr(self, "thread", None) is not None:  # None when __init__ failed half-way
            self.thread.join(timeout=self.config.timeout_s + 1.0)
            self.camera.stop()
        super().destroy_node()


def main(args=None) -> int:
    from vjepa_ros.nodes.launcher import run_node

    return run_node(CameraNode, args)  # CameraError at start-up: message, exit code 1


if __name__ == "__main__":
    sys.exit(main())
