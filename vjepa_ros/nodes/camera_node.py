"""The ``camera`` node: a RealSense colour stream on realsense2_camera's topic names.

    ros2 run vjepa_ros camera_node --ros-args --params-file config/camera.yaml

Publishes ``/camera/camera/color/image_raw`` (rgb8) and ``/camera/camera/color/camera_info``, as
the official driver does with its default namespace and name, so the planner's launch file works
with either. Frames are read on a thread of their own. Image and camera_info are stamped with the
frame's capture time from the device (``stamp_source: device``, as the official driver does): the
planner pairs each frame with the joint state at its stamp, and the node clock on arrival is
tens of ms late. Under ``use_sim_time``, in the device's ``hardware_clock`` domain, or for a
capture time the node clock does not agree with, frames are stamped on arrival, with one warning
(:func:`~vjepa_ros.robot.camera_stamp.device_stamp_problem`). ``use_sim_time`` switched at run
time: one warning naming ``/clock`` (stamps read 0 until it publishes), and the stamps start
again on the new clock (frames stamped on simulated time are not dropped as going back from the
system clock's).
Without pyrealsense2 or without a connected device the node exits with a clear message and 1; a
device lost while it runs (unplugged, a USB link reset: ``read()`` raises CameraError) ends it the
same way, with the error logged once and exit status 1 (its ``done`` event and ``exit_status()``,
as :func:`~vjepa_ros.nodes.node_runner.run_node` ends a node whose work ended by itself). So does a
frame that is not the started stream's: another width or height than camera_info's (the intrinsics
were read from the device for the start size and fit no other: never published with them), or not
[H, W, 3] uint8 (grey, empty, 16-bit: ``ImageError``).
"""

from __future__ import annotations

import threading

from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image

from vjepa_ros.images import rgb_to_image_fields
from vjepa_ros.nodes.node_cleanup import destroy_after
from vjepa_ros.nodes.params import declare_config
from vjepa_ros.nodes.refused_start import start_or_destroy
from vjepa_ros.nodes.sim_time_switch import warn_on_sim_time_switch
from vjepa_ros.nodes.topic_wiring import CAMERA_IMAGE, CAMERA_INFO, CAMERA_NAMESPACE
from vjepa_ros.robot.camera import CameraConfig, CameraError, RealSenseColor
from vjepa_ros.robot.camera_stamp import device_stamp_problem


class CameraNode(Node):
    ROS_NAME = "camera"  # the one prefix of its start-up errors (node_runner.run_node)
    ROS_NAMESPACE = CAMERA_NAMESPACE  # /camera/camera, as the driver (node_registry's namespace)

    def __init__(self, camera_factory=RealSenseColor, **kwargs):
        kwargs.setdefault("namespace", self.ROS_NAMESPACE)
        super().__init__(self.ROS_NAME, **kwargs)
        start_or_destroy(self, self._start, camera_factory)  # refused: the camera stopped too

    def _start(self, camera_factory) -> None:
        """Check the parameters, open the camera, make the publishers, start the read loop."""
        self.config = declare_config(self, CameraConfig())
        self.camera = camera_factory(self.config)
        self.info = CameraInfo(**self.camera.info)
        self.info.header.frame_id = self.config.frame_id
        # the names the launch rewires onto the planner's camera topic (topic_wiring)
        self.image_pub = self.create_publisher(Image, CAMERA_IMAGE, qos_profile_sensor_data)
        self.info_pub = self.create_publisher(CameraInfo, CAMERA_INFO, qos_profile_sensor_data)
        self.stamp_warnings: set[str] = set()  # kinds of stamp problems warned about
        self.last_stamp_ns = -1  # the last published frame's stamp [ns]: never go back
        self.clock_switched = False  # use_sim_time set at run time: stamps start again
        device = self.config.stamp_source == "device"
        warn_on_sim_time_switch(
            self, "the frames' stamps" + (" (on arrival under use_sim_time: the capture times "
                                          "are wall time)" if device else ""),
            "frames are stamped 0", self._on_clock_switch)
        self.running = True
        self.error: BaseException | None = None  # what ended the read loop while running
        self.done = threading.Event()  # set when the read loop ends on an error: run_node ends
        self.thread = threading.Thread(target=self._read_loop, name="camera", daemon=True)
        self.thread.start()
        serial = getattr(self.camera, "serial", "")  # which RealSense, where several could be
        self.get_logger().info(f"publishing {self.image_pub.topic_name} "
                               f"({self.info.width}x{self.info.height}"
                               f"{f', RealSense {serial}' if serial else ''})")

    def _read_loop(self) -> None:
        """Read and publish frames until stopped; any error ends the node (exit status 1).

        A lost device (``CameraError``: no frame within ``timeout_s``) and any other exception
        of a read (librealsense's RuntimeError from a frame accessor after a USB reset:
        breaker44w) or of the publishing: one error line, ``done`` set, no silent spinning.
        """
        try:
            while self.running:
                if not self._publish_next():
                    return
        except BaseException as exc:  # noqa: BLE001 - whatever stops the frames ends the node
            # (SystemExit or KeyboardInterrupt raised in this thread too: breaker44x)
            if not self.running:  # stopping (destroy_node): no error
                return
            self.error = exc
            text = str(exc) if isinstance(exc, CameraError) else f"{type(exc).__name__}: {exc}"
            self.get_logger().error(f"{text}; the camera node stops (exit status 1)")
            self.done.set()  # no frames will come: end the node, not spin on silent

    def _publish_next(self) -> bool:
        """Read one frame and publish it (unless its stamp went back); False once stopping."""
        rgb = self.camera.read()
        if not self.running:
            return False
        if self.clock_switched:  # another time line: its stamps may lie before the last one's
            self.clock_switched, self.last_stamp_ns = False, -1
        stamp = self._stamp(self.get_clock().now())
        if stamp.nanoseconds < self.last_stamp_ns:
            # a capture stamp before the last frame's arrival stamp (the check failed for
            # that frame only): never publish time going backwards
            self._warn_once("backwards", "dropping a frame whose capture stamp lies before "
                            "the previous frame's stamp (that frame was stamped on arrival)")
            return True
        self.last_stamp_ns = stamp.nanoseconds
        image = Image(**rgb_to_image_fields(rgb))  # ImageError: not [H, W, 3] uint8
        self._check_size(image)
        image.header.stamp = stamp.to_msg()
        image.header.frame_id = self.config.frame_id
        self.info.header.stamp = image.header.stamp
        self.image_pub.publish(image)
        self.info_pub.publish(self.info)
        return True

    def _check_size(self, image: Image) -> None:
        """Raise :class:`CameraError` when ``image``'s size is not camera_info's (the start's)."""
        started = f"{self.info.width}x{self.info.height}"
        if (image.width, image.height) != (self.info.width, self.info.height):
            raise CameraError(
                f"the camera delivered a {image.width}x{image.height} frame in the {started} "
                f"stream it started (camera_info's intrinsics are the device's for {started} "
                "and fit no other size): its resolution changed mid-stream; not published. "
                "Restart the node (and find what changed the device's resolution)")

    def _stamp(self, arrival: Time) -> Time:
        """Return the stamp of the frame just read at node time ``arrival`` (``stamp_source``)."""
        if self.config.stamp_source == "arrival":
            return arrival
        capture_s = self.camera.capture_time_s
        problem = device_stamp_problem(capture_s, self.camera.timestamp_domain,
                                       arrival.nanoseconds / 1e9,
                                       self.get_clock().ros_time_is_active)
        if problem is None:
            return Time(nanoseconds=round(capture_s * 1e9), clock_type=arrival.clock_type)
        kind, reason = problem
        self._warn_once(kind, "stamp_source 'device': stamping frames on arrival instead (tens of "
                        "ms after capture; set stamp_source: arrival to choose this): " + reason)
        return arrival

    def _on_clock_switch(self, on: bool) -> None:
        """Restart the stamp order; the switch's warning said why device stamps are not used."""
        self.clock_switched = True
        if on:
            self.stamp_warnings.add("sim_time")

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self.stamp_warnings:
            self.stamp_warnings.add(kind)
            self.get_logger().warning(message)

    def exit_status(self) -> int:
        """1 when the read loop ended on an error while running (run_node's status), else 0."""
        return 1 if self.error else 0

    def destroy_node(self) -> None:
        # a device gone (USB reset) raises in its stop: said, and the node destroyed anyway
        destroy_after(self, self._close_camera, super().destroy_node, "stopping the camera")

    def _close_camera(self) -> None:
        """Stop the camera, then join the reader thread (each only if it was made).

        librealsense's ``pipeline.stop()`` does not end a wait for frames in progress: it waits
        for the pipeline mutex that wait holds (``src/pipeline/pipeline.cpp``). So
        :meth:`RealSenseColor.read <vjepa_ros.robot.camera.RealSenseColor.read>` waits in slices
        of at most ``READ_SLICE_MS`` (100 ms) and ``stop()`` comes between two: on a stalled or
        unplugged device (a hung USB link) Ctrl-C takes about one slice, where it waited out
        ``timeout_s`` (up to 600 s). The read it ends raises, unheard (not running).
        """
        self.running = False
        try:
            if getattr(self, "camera", None) is not None:  # opened, also by a refused start
                self.camera.stop()
        finally:  # a device gone raises in its stop: the reader is still joined
            if getattr(self, "thread", None) is not None:  # None when the start was refused
                self.thread.join(timeout=self.config.timeout_s + 1.0)


def main(args=None) -> int:
    from vjepa_ros.nodes.node_runner import run_node

    return run_node(CameraNode, args)  # CameraError at start-up: message, exit code 1


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    # at once, no module teardown; a stop while it exits: silent (entry_points)
    end_after(lambda: run_stoppable(CameraNode.ROS_NAME, lambda: main))
