"""Publish an image file as ``sensor_msgs/Image``: a goal image, or a stand-in camera.

    ros2 run vjepa_ros image_publisher --ros-args -p path:=goal.png \
        -r image:=/vjepa_planner/goal_image

With ``rate_hz`` 0 the image is published once on a transient-local (latched) topic, so a
subscriber that starts later still receives it; with ``rate_hz`` > 0 it is republished at that
rate with fresh stamps.
"""

from __future__ import annotations

import dataclasses
import sys

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from vjepa_ros.config import param
from vjepa_ros.images import ImageError, load_image_file, rgb_to_image_fields
from vjepa_ros.nodes.launcher import run_node
from vjepa_ros.nodes.params import declare_config


@dataclasses.dataclass
class ImagePublisherConfig:
    path: str = param("", "Image file (PNG, JPEG, ...) to publish; required.")
    frame_id: str = param("camera_color_optical_frame", "header.frame_id of the published image.")
    encoding: str = param("rgb8", "Published pixel encoding: rgb8 or bgr8.")
    rate_hz: float = param(0.0, "Republish rate in Hz; 0 publishes once on a latched topic.")


LATCHED = QoSProfile(
    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL, reliability=ReliabilityPolicy.RELIABLE
)


class ImagePublisher(Node):
    def __init__(self, **kwargs):
        super().__init__("image_publisher", **kwargs)
        self.config = declare_config(self, ImagePublisherConfig())
        if not self.config.path:
            raise ImageError("parameter 'path' is empty: give the image file to publish")
        fields = rgb_to_image_fields(load_image_file(self.config.path), self.config.encoding)
        self.message = Image(**fields)
        self.message.header.frame_id = self.config.frame_id
        self.publisher = self.create_publisher(Image, "image", LATCHED)
        if self.config.rate_hz > 0:
            self.create_timer(1.0 / self.config.rate_hz, self.publish)
        self.publish()
        self.get_logger().info(
            f"publishing {self.config.path} ({self.message.width}x{self.message.height}) on "
            f"{self.publisher.topic_name}"
        )

    def publish(self):
        self.message.header.stamp = self.get_clock().now().to_msg()
        self.publisher.publish(self.message)


def main(args=None):
    return run_node(ImagePublisher, args)


if __name__ == "__main__":
    sys.exit(main())
