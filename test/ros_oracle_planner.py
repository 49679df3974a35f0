"""Test helper: the planner node with the simulator's oracle as its world model, as a process.

``python -m ros_oracle_planner --ros-args ...`` (``test/`` on PYTHONPATH) runs the real
``PlannerNode`` whose world model is :class:`~vjepa_ros.sim.oracle.OracleWorldModel`, taught
over ROS: a camera frame's state is the simulator's TCP pose with the same stamp (the simulator
stamps both with the tick that rendered the frame). The planner may encode a frame before its
pose has been paired: encoding waits up to 10 s for it.
"""

import sys
import threading
import time

from geometry_msgs.msg import PoseStamped
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

from vjepa_ros.images import image_msg_to_rgb
from vjepa_ros.nodes.node_runner import run_node
from vjepa_ros.nodes.planner_node import PlannerNode
from vjepa_ros.nodes.pose_msgs import stamp_seconds, state_from_pose
from vjepa_ros.sim.oracle import OracleWorldModel

PAIR_TIMEOUT_S = 10.0


class RosOracle(OracleWorldModel):
    """The oracle, fed frames and TCP poses from topics and paired by stamp."""

    def __init__(self):
        super().__init__()
        self.known = threading.Condition()
        self.states, self.frames = {}, {}  # stamp → state / frame, until paired

    def on_pose(self, msg) -> None:
        self._pair(stamp_seconds(msg.header.stamp), state=state_from_pose(msg.pose, 0.0))

    def on_image(self, msg) -> None:
        self._pair(stamp_seconds(msg.header.stamp), frame=image_msg_to_rgb(msg))

    def _pair(self, stamp, state=None, frame=None) -> None:
        with self.known:
            if state is not None:
                self.states[stamp] = state
            if frame is not None:
                self.frames[stamp] = frame
            for both in set(self.states) & set(self.frames):
                self.remember(self.frames.pop(both), self.states[both])
                self.known.notify_all()
            if len(self.states) > 2000:  # poses of ticks without a frame
                for old in sorted(self.states)[:1000]:
                    del self.states[old]

    def state_of(self, frame):
        deadline = time.monotonic() + PAIR_TIMEOUT_S
        with self.known:
            while True:
                try:
                    return super().state_of(frame)
                except ValueError:
                    if time.monotonic() > deadline:
                        raise
                    self.known.wait(0.05)


class OraclePlannerNode(PlannerNode):
    def _load_model(self):
        oracle = RosOracle()
        self.create_subscription(PoseStamped, "current_pose", oracle.on_pose, 100)
        self.create_subscription(Image, "image", oracle.on_image, qos_profile_sensor_data)
        return oracle


if __name__ == "__main__":
    sys.exit(run_node(OraclePlannerNode))
