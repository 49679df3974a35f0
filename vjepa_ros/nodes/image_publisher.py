"""Publish an image file as ``sensor_msgs/Image``: a goal image, or a stand-in camera.

    ros2 run vjepa_ros image_publisher --ros-args -p path:=goal.png \
        -r image:=/vjepa_planner/goal_image

With ``rate_hz`` 0 the image is published once on a transient-local (latched) topic, so a
subscriber that starts later still receives it; with ``rate_hz`` > 0 it is republished at that
rate with fresh stamps. As a stand-in camera (``rate_hz`` > 0, ``qos`` sensor_data) it publishes
what a camera driver does: best-effort frames, raw on ``image`` or JPEG
(``transport`` compressed) on ``image/compressed`` as image_transport names it. ``qos``
sensor_data with ``rate_hz`` 0 is refused at start-up: one best-effort, unlatched frame sent as
the node starts reaches no subscriber that starts later. The republishing timer runs on the node
clock: under ``use_sim_time`` at ``/clock``'s pace (none before ``/clock`` publishes); switched at
run time, one warning says so (``nodes/sim_time_switch.py``).
"""

from __future__ import annotations

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from sensor_msgs.msg import CompressedImage, Image

from vjepa_ros.images import (
    ImageError,
    encode_compressed,
    load_image_file,
    rgb_to_image_fields,
)
from vjepa_ros.nodes.image_publisher_config import ImagePublisherConfig
from vjepa_ros.nodes.node_runner import run_node
from vjepa_ros.nodes.params import declare_config
from vjepa_ros.nodes.refused_start import start_or_destroy
from vjepa_ros.nodes.sim_time_switch import warn_on_sim_time_switch

LATCHED = QoSProfile(
    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL, reliability=ReliabilityPolicy.RELIABLE
)


class ImagePublisher(Node):
    ROS_NAME = "image_publisher"  # the one prefix of its start-up errors (node_runner.run_node)

    def __init__(self, **kwargs):
        super().__init__(self.ROS_NAME, **kwargs)
        start_or_destroy(self, self._start)  # refused: its publisher and timer destroyed

    def _start(self) -> None:
        """Check the parameters, read the image, make the publisher; publish it once."""
        self.config = declare_config(self, ImagePublisherConfig())
        if not self.config.path:
            raise ImageError("parameter 'path' is empty: give the image file to publish")
        rgb = load_image_file(self.config.path)
        if self.config.transport == "compressed":
            fmt, data = encode_compressed(rgb)
            self.message = CompressedImage(format=fmt, data=data.tobytes())
            kind, topic = CompressedImage, "image/compressed"
        else:
            self.message = Image(**rgb_to_image_fields(rgb, self.config.encoding))
            kind, topic = Image, "image"
        self.message.header.frame_id = self.config.frame_id
        qos = LATCHED if self.config.qos == "latched" else qos_profile_sensor_data
        self.publisher = self.create_publisher(kind, topic, qos)
        if self.config.rate_hz > 0:
            self.create_timer(1.0 / self.config.rate_hz, self.publish)
            warn_on_sim_time_switch(self, "the republishing timer and the stamps",
                                    "no image is republished")
        self.publish()
        self.get_logger().info(
            f"publishing {self.config.path} ({rgb.shape[1]}x{rgb.shape[0]}, "
            f"{self.config.transport}) on {self.publisher.topic_name}"
        )

    def publish(self):
        self.message.header.stamp = self.get_clock().now().to_msg()
        self.publisher.publish(self.message)


def main(args=None):
    return run_node(ImagePublisher, args)


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    # at once, no module teardown; a stop while it exits: silent (entry_points)
    end_after(lambda: run_stoppable(ImagePublisher.ROS_NAME, lambda: main))
