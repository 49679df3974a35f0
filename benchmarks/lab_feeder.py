"""Publish what a Franka lab publishes, from a thread: camera, arm and finger joint states.

bench_node_inputs.py's feeder (:class:`Feeder`): a 4-frame loop of random rgb8 images on
:data:`CAMERA_TOPIC` (best effort), the arm holding :data:`HOME` on :data:`ARM_TOPIC`, the hand
open on :data:`FINGER_TOPIC`, each at its rate (``args.fps``, ``args.arm_hz``,
``args.finger_hz``), stamped by the node's clock; counts and longest gaps kept per stream.
"""

from __future__ import annotations

import collections
import math
import threading
import time

import numpy as np

HOME = [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]
ARM = [f"panda_joint{i}" for i in range(1, 8)]
FINGERS = ["panda_finger_joint1", "panda_finger_joint2"]
CAMERA_TOPIC = "/camera/camera/color/image_raw"
ARM_TOPIC = "/joint_states"
FINGER_TOPIC = "/franka_gripper/joint_states"


class Feeder:
    """Publish the lab's camera, arm and finger streams from a thread of this process."""

    def __init__(self, node, args):
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import Image, JointState

        from vjepa_ros.images import rgb_to_image_fields

        self.node, self.args = node, args
        rng = np.random.default_rng(0)
        frames = rng.integers(0, 256, (4, args.height, args.width, 3), dtype=np.uint8)
        self.images = [Image(**rgb_to_image_fields(frame)) for frame in frames]
        for image in self.images:
            image.header.frame_id = "camera_color_optical_frame"
        self.image_pub = node.create_publisher(Image, CAMERA_TOPIC, qos_profile_sensor_data)
        self.arm_pub = node.create_publisher(JointState, ARM_TOPIC, 10)
        self.finger_pub = node.create_publisher(JointState, FINGER_TOPIC, 10)
        self.JointState = JointState
        self.sent = collections.Counter()
        self.last: dict[str, float] = {}  # [s] when each stream was last published
        self.gap: dict[str, float] = collections.defaultdict(float)  # [s] its longest gap
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        periods = {"image": 1.0 / self.args.fps, "arm": 1.0 / self.args.arm_hz,
                   "finger": 1.0 / self.args.finger_hz}
        due = dict.fromkeys(periods, time.monotonic())
        index = 0
        while self.running:
            now = time.monotonic()
            stamp = self.node.get_clock().now().to_msg()
            if now >= due["image"]:
                msg = self.images[index % len(self.images)]
                msg.header.stamp = stamp
                self.image_pub.publish(msg)
                index += 1
            if now >= due["arm"]:
                msg = self.JointState(name=ARM, position=list(HOME))
                msg.header.stamp = stamp
                self.arm_pub.publish(msg)
            if now >= due["finger"]:
                msg = self.JointState(name=FINGERS, position=[0.04, 0.04])
                msg.header.stamp = stamp
                self.finger_pub.publish(msg)
            for name, period in periods.items():
                if now >= due[name]:
                    self.sent[name] += 1
                    if name in self.last:
                        self.gap[name] = max(self.gap[name], now - self.last[name])
                    self.last[name] = now
                    due[name] = max(due[name] + period, now - period)  # no burst after a stall
            time.sleep(max(0.0, min(due.values()) - time.monotonic()))

    def start(self):
        self.thread.start()

    def stop(self):
        self.running = False
        self.thread.join(5.0)
