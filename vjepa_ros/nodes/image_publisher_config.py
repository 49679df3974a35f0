"""The image publisher node's settings (``ImagePublisherConfig``), checked without ROS.

``nodes/image_publisher.py`` declares them as its ROS parameters (``config/image_publisher.yaml``);
the checks run as the dataclass is made (``__post_init__``), so tools and tests need no rclpy:
``rate_hz`` a rate whose republishing timer a ROS timer keeps (``timer_period.py``), the
encoding, QoS and transport among their choices, ``qos`` sensor_data only with ``rate_hz`` > 0.
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.config import check_values, param
from vjepa_ros.robot.goal_frame_ids import PUBLISHER_FRAME_ID
from vjepa_ros.timer_period import MAX_TIMER_PERIOD_S, check_period, lowest

# Above a camera's rates (RealSense: 90 fps) by far; a timer at 1 MHz only burns a core
MAX_RATE_HZ = 1000.0


@dataclasses.dataclass
class ImagePublisherConfig:
    """The ``image_publisher`` node's parameters: what image it publishes, how, and how often.

    ``path``: the image file (read by ``image_files``); ``frame_id``: its ``header.frame_id``
    (the default, :data:`~vjepa_ros.robot.goal_frame_ids.PUBLISHER_FRAME_ID`, is no evidence of
    another camera to the planner: give the camera's frame id to have a goal checked against
    it); ``encoding``: rgb8 or bgr8; ``rate_hz`` [Hz]: 0 publishes once (latched), else the
    republish rate; ``qos``: latched or sensor_data; ``transport``: raw or compressed. Raises
    ValueError naming the parameter on a value outside its choices or range (module docstring).
    """

    path: str = param("", "Image file (PNG, JPEG, ...) to publish, a path, a file:// URI or a "
                      "package:// URL; required. 32 to 8192 px a side, long side at most 4 "
                      "times the short one (vjepa_ros/image_limits.py).")
    frame_id: str = param(PUBLISHER_FRAME_ID, "header.frame_id of the published image "
                          "(a ROS frame id).", frame_id="required")
    encoding: str = param("rgb8", "Published pixel encoding: rgb8 or bgr8.")
    rate_hz: float = param(0.0, "Republish rate in Hz, 0 or 1e-9 to 1000; 0 publishes once on a "
                           "latched topic (qos latched; refused with sensor_data).",
                           range=(0, MAX_RATE_HZ))
    qos: str = param("latched", "latched (reliable, transient local, depth 1: goal images) or "
                     "sensor_data (best effort, depth 5: what camera drivers publish; needs "
                     "rate_hz > 0).")
    transport: str = param("raw", "raw: sensor_msgs/Image on 'image'; compressed: JPEG "
                           "sensor_msgs/CompressedImage on 'image/compressed'.")

    def __post_init__(self):
        if not (math.isfinite(self.rate_hz) and 0 <= self.rate_hz <= MAX_RATE_HZ):
            raise ValueError(f"parameter 'rate_hz' must be a rate in [0, {MAX_RATE_HZ:g}] Hz (0: "
                             f"publish once, latched), got {self.rate_hz}")
        if self.rate_hz > 0:  # its republishing timer's period
            check_period("rate_hz", self.rate_hz, 1 / self.rate_hz,
                         f"{lowest(1 / MAX_TIMER_PERIOD_S):g} or more, or 0 to publish once "
                         "(latched)")
        check_values(self)  # frame_id: a ROS frame id (config.param's frame_id=)
        # encoding is checked whatever the transport: compressed (JPEG) ignores it, and a
        # value that raw frames would refuse is a mistake either way
        for name, allowed in (("encoding", ("rgb8", "bgr8")),
                              ("qos", ("latched", "sensor_data")),
                              ("transport", ("raw", "compressed"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"parameter '{name}' must be one of {allowed}, got "
                                 f"{getattr(self, name)!r}")
        if self.rate_hz == 0 and self.qos == "sensor_data":
            # once, best effort and volatile: sent before any subscriber has matched (the
            # planner is made last), so no one ever receives it, and nothing would say so
            raise ValueError("parameter 'rate_hz' is 0 (publish once) with qos 'sensor_data' "
                             "(best effort, not latched): the one frame is lost on every "
                             "subscriber that starts later; give rate_hz > 0 for a stand-in "
                             "camera (e.g. rate_hz:=10), or qos latched for a goal image")
