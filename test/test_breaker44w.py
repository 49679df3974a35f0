"""breaker44w: attacks on fix44u (0c43b1c, 6048ed1, 20df5af, 9144ad3) and 4d33557.

0c43b1c camera_node device lost, 6048ed1 images transparency,
20df5af image_publisher sensor_data with rate_hz 0, 9144ad3 bag_player loop pass >= 1 s) and
4d33557 (plan_step raising a gripper_output error once the step ended).

Attacked: vjepa_ros/nodes/camera_node.py (_read_loop, exit_status, destroy_node),
vjepa_ros/robot/camera.py (read, timeout_s), vjepa_ros/nodes/nodes_in_process.py (failure),
vjepa_ros/images.py (_transparency_problem) and its readers, vjepa_ros/nodes/image_publisher.py,
vjepa_ros/nodes/bag_player.py, vjepa_ros/robot/command_session.py / planning_session.py.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes import camera_node  # noqa: E402
from vjepa_ros.robot.camera import camera_info_fields  # noqa: E402


class FlakyFrameCamera:
    """A stand-in RealSense whose 4th read raises pyrealsense2's RuntimeError, not CameraError.

    ``RealSenseColor.read`` wraps only ``wait_for_frames`` in CameraError; the frame accessors
    after it (``get_color_frame().get_data()``, ``get_timestamp()``,
    ``get_frame_timestamp_domain()``) raise a bare RuntimeError from librealsense when the frame
    is invalid ("null pointer passed for argument "frame", as after a USB link reset that
    delivered a frameset without its colour frame).
    """

    def __init__(self, config):
        self.config = config
        self.info = camera_info_fields(config.width, config.height, 60.0, 61.0, 32.0, 24.0)
        self.count, self.stopped = 0, False
        self.capture_time_s, self.timestamp_domain = None, ""

    error = RuntimeError('null pointer passed for argument "frame"')  # what the read raises
    after = 3  # reads that return a frame first

    def read(self):
        time.sleep(0.02)
        if self.count >= self.after:
            raise self.error
        self.count += 1
        self.timestamp_domain, self.capture_time_s = "global_time", time.time() - 0.05
        return np.full((self.config.height, self.config.width, 3), self.count, np.uint8)

    def stop(self):
        self.stopped = True


def test_a_librealsense_runtime_error_in_the_read_thread_ends_the_node(context):
    """A librealsense RuntimeError outside wait_for_frames ends the node with status 1.

    A lab sees it: a USB hiccup that leaves an invalid frame makes librealsense's frame
    accessors raise RuntimeError (outside the wait_for_frames that read() wraps); the read
    thread dies with a traceback and the node publishes nothing ever again, yet neither a
    respawn, a script nor `vjepa-ros launch` notices. It should end as a lost device does:
    done set, exit status 1.
    """
    assert_read_error_ends_the_node(context, FlakyFrameCamera)


def assert_read_error_ends_the_node(context, camera_type) -> None:
    """Run a camera node on ``camera_type``; its read thread's error must end it with status 1."""
    from rclpy.parameter import Parameter

    node = camera_node.CameraNode(camera_factory=camera_type, context=context,
                                  parameter_overrides=[Parameter("width", value=64),
                                                       Parameter("height", value=48)])
    try:
        ended = node.done.wait(3.0)
        alive = node.thread.is_alive()
        status = node.exit_status()
    finally:
        node.destroy_node()
    assert ended and status == 1, (
        f"read thread alive={alive}, done={ended}, exit_status={status}: the node spins on "
        "with no frames after its read thread died")
