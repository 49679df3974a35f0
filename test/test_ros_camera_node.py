"""camera_node on real rclpy with a stand-in camera: realsense2_camera topic names, CameraInfo."""

import re
import sys
import threading
import time
import types

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
    """A camera whose frames were captured ``offset_s`` from the wall clock at read, in ``domain``.

    As RealSenseColor: ``capture_time_s`` (None in ``hardware_clock``) and ``timestamp_domain``
    of the last frame; ``captures`` keeps each frame's wall-clock capture time, ``read_ends``
    the wall clock when each ``read()`` returned (frame ``n`` holds the value ``n % 256``).
    """

    domain, offset_s = "global_time", -0.05

    def __init__(self, config):
        self.config = config
        self.info = camera_info_fields(config.width, config.height, 60.0, 61.0, 32.0, 24.0)
        self.count, self.stopped = 0, False
        self.captures, self.read_ends = [], []
        self.capture_time_s, self.timestamp_domain = None, ""

    def read(self):
        time.sleep(0.02)
        self.count += 1
        self.captures.append(time.time() + self.offset_s)
        self.timestamp_domain = self.domain
        self.capture_time_s = None if self.domain == "hardware_clock" else self.captures[-1]
        self.read_ends.append(time.time())
        return np.full((self.config.height, self.config.width, 3), self.count % 256, np.uint8)

    def stop(self):
        self.stopped = True


def test_camera_node_publishes_on_the_realsense2_camera_topics(context):
    images, infos, camera, node = _stream(context, count=3)
    rgb = image_msg_to_rgb(images[-1])
    assert rgb.shape == (48, 64, 3) and images[-1].header.frame_id == "camera_color_optical_frame"
    assert len({int(image_msg_to_rgb(m)[0, 0, 0]) for m in images}) > 1, "frames do not change"
    assert infos[-1].k[0] == 60.0 and (infos[-1].width, infos[-1].height) == (64, 48)
    assert camera.stopped and not node.thread.is_alive()


def test_camera_node_without_pyrealsense2_exits_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyrealsense2", None)
    assert camera_node.main(args=[]) == 1
    assert "pyrealsense2 cannot be imported" in capsys.readouterr().err


_TOPICS = ("/camera/camera/color/image_raw", "/camera/camera/color/camera_info")


def _listener(context, name="listener"):
    """Return a node listening to camera_node's image and camera_info, and their two lists."""
    listener = rclpy.create_node(name, context=context)
    images, infos = [], []
    listener.create_subscription(Image, "/camera/camera/color/image_raw", images.append,
                                 qos_profile_sensor_data)
    listener.create_subscription(CameraInfo, "/camera/camera/color/camera_info", infos.append,
                                 qos_profile_sensor_data)
    return listener, images, infos


def _stream(context, camera=FakeCamera, count=5, **parameters):
    """Run camera_node on ``camera`` until ``count`` images came (60 s at most), then stop it.

    Returns the images, the camera infos, the camera and the (destroyed) node.
    """
    from rclpy.parameter import Parameter

    # The camera reads its first frame only once the listener is matched on both topics: a
    # frame published before discovery is lost, and the tests count frames by their index.
    matched = threading.Event()

    class Gated(camera):
        def read(self):
            matched.wait(60)
            return super().read()

    listener, images, infos = _listener(context)
    node = camera_node.CameraNode(camera_factory=Gated, context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48),
        *(Parameter(name, value=value) for name, value in parameters.items())])
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(listener)
    deadline = time.monotonic() + 60  # only a failing run waits this long
    while (not all(node.count_subscribers(topic) for topic in _TOPICS)
           and time.monotonic() < deadline):
        executor.spin_once(timeout_sec=0.05)
    matched.set()
    while (len(images) < count or not infos) and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    camera = node.camera
    executor.shutdown()
    listener.destroy_node()
    node.destroy_node()
    assert len(images) >= count and infos, "no frames on the realsense2_camera topic names"
    return images, infos, camera, node


def _stamps(messages) -> list[float]:
    return [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in messages]


def _frame_index(image) -> int:
    return int(image_msg_to_rgb(image)[0, 0, 0]) - 1  # frame n holds n % 256; n < 256 here


def test_frames_are_stamped_with_their_device_capture_time(context, capfd):
    for domain in ("global_time", "system_time"):
        camera = type("Camera", (FakeCamera,), {"domain": domain})
        images, infos, camera, _ = _stream(context, camera)
        for image, stamp in zip(images, _stamps(images), strict=True):
            assert stamp == pytest.approx(camera.captures[_frame_index(image)], abs=1e-6), domain
        assert set(_stamps(infos)) <= set(_stamps(images))  # camera_info: its image's stamp
    assert "[WARN]" not in capfd.readouterr().err


def _assert_arrival_stamps(images, camera):
    for image, stamp in zip(images, _stamps(images), strict=True):
        assert stamp >= camera.read_ends[_frame_index(image)] - 1e-6  # taken after read()


@pytest.mark.parametrize("domain, offset_s, reason", [
    ("hardware_clock", -0.05, "enable global time on the camera"),
    ("global_time", -5.0, r"(\d\.\d{3}) s before the frame's arrival"),  # a clock 5 s behind
    ("system_time", 0.5, r"(\d\.\d{3}) s after the frame's arrival"),  # a capture in the future
])
def test_an_unusable_capture_time_stamps_on_arrival_with_one_warning(context, capfd, domain,
                                                                      offset_s, reason):
    camera = type("Camera", (FakeCamera,), {"domain": domain, "offset_s": offset_s})
    images, infos, camera, _ = _stream(context, camera)
    ended = time.time()
    _assert_arrival_stamps(images, camera)
    assert set(_stamps(infos)) <= set(_stamps(images))
    err = capfd.readouterr().err
    assert err.count("[WARN]") == 1 and "stamp_source 'device'" in err, err
    found = re.search(reason, err)
    assert found, err
    if found.groups():
        # The seconds are read at arrival, after the fake's capture time: by at most the
        # stream's length, not "a few ms" (a camera thread waiting for a core took 0.1 s).
        # A frame's capture time is |offset_s| from its read's end, its arrival after that.
        seconds, late_by_at_most = float(found.group(1)), ended - camera.read_ends[0]
        if offset_s < 0:  # behind: |offset_s| plus the delay
            assert -offset_s - 5e-4 <= seconds <= -offset_s + late_by_at_most, err
        else:  # ahead: offset_s minus the delay
            assert offset_s - late_by_at_most <= seconds <= offset_s + 5e-4, err


def test_stamp_source_arrival_always_stamps_on_arrival(context, capfd):
    images, _, camera, _ = _stream(context, stamp_source="arrival")
    _assert_arrival_stamps(images, camera)
    assert "[WARN]" not in capfd.readouterr().err


def test_under_sim_time_frames_are_stamped_on_arrival_with_one_warning(context, capfd):
    images, infos, _, _ = _stream(context, use_sim_time=True)
    assert set(_stamps(images)) == set(_stamps(infos)) == {0.0}  # no /clock yet: sim time 0
    err = capfd.readouterr().err
    assert err.count("[WARN]") == 1 and "stamp_source 'device'" in err, err
    assert "use_sim_time" in err


def test_a_bad_stamp_source_is_refused_before_the_camera_opens(context):
    from rclpy.parameter import Parameter

    opened = types.SimpleNamespace(count=0)

    def factory(config):
        opened.count += 1
        return FakeCamera(config)

    with pytest.raises(ValueError, match="stamp_source must be one of device, arrival"):
        camera_node.CameraNode(camera_factory=factory, context=context,
                               parameter_overrides=[Parameter("stamp_source", value="clock")])
    assert opened.count == 0


def test_stamps_never_go_back_when_one_frame_falls_back_to_its_arrival(context, capfd):
    # frame 3's device clock reads 5 s off (stamped on arrival); frame 4 was captured 0.9 s
    # before it was read (a plausible capture time, but before frame 3's arrival stamp): dropped
    class OneBadFrame(FakeCamera):
        def read(self):
            self.offset_s = {3: -5.0, 4: -0.9}.get(self.count, -0.05)
            return super().read()

    images, _, camera, _ = _stream(context, OneBadFrame, count=8)
    stamps = _stamps(images)
    assert stamps == sorted(stamps), stamps
    indices = [_frame_index(image) for image in images]
    assert 3 in indices and 4 not in indices, indices  # the fallback frame kept, the next dropped
    err = capfd.readouterr().err
    assert "dropping a frame whose capture stamp lies before" in err, err
    assert err.count("[WARN]") == 2, err  # the fallback's reason, the drop: each once


def test_use_sim_time_switched_on_mid_stream_says_so_naming_clock_and_frames_go_on(context,
                                                                                   capfd):
    """``ros2 param set ... use_sim_time true`` while streaming, no /clock publisher.

    The frames after it are stamped 0 (the sim clock before /clock), later than none: they
    are published, not dropped as going back from the wall-clock stamps (which stopped every
    frame, with a warning about a capture stamp). One warning names use_sim_time and /clock.
    """
    from rclpy.parameter import Parameter

    node = camera_node.CameraNode(camera_factory=FakeCamera, context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48)])
    listener, images, _ = _listener(context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(listener)
    executor.add_node(node)

    def spin_until(count):
        deadline = time.monotonic() + 60  # only a failing run waits this long
        while len(images) < count and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)

    try:
        spin_until(3)
        before = len(images)
        assert before >= 3
        assert node.set_parameters([Parameter("use_sim_time", value=True)])[0].successful
        spin_until(before + 10)
    finally:
        executor.shutdown()
        listener.destroy_node()
        node.destroy_node()
    stamps = _stamps(images)
    assert len(stamps) >= before + 10, "frames stopped after use_sim_time was switched on"
    assert min(stamps[:before]) > 1e9 and stamps[-5:] == [0.0] * 5, stamps
    err = capfd.readouterr().err
    assert err.count("[WARN]") == 1, err
    assert "use_sim_time switched on" in err and "/clock" in err and "stamped 0" in err, err


class UnpluggedCamera(FakeCamera):
    """A FakeCamera whose device is lost after 3 frames: ``read()`` raises CameraError."""

    def read(self):
        from vjepa_ros.robot.camera import CameraError

        if self.count >= 3:
            time.sleep(0.02)
            raise CameraError("no frame from the RealSense for 0.2 s: Frame didn't arrive")
        return super().read()


def test_a_device_lost_mid_run_ends_the_node_with_status_1(context, capfd):
    """The read loop's error sets ``done`` (run_node ends) and ``exit_status()`` says 1."""
    from rclpy.parameter import Parameter

    node = camera_node.CameraNode(camera_factory=UnpluggedCamera, context=context,
                                  parameter_overrides=[Parameter("width", value=64),
                                                       Parameter("height", value=48)])
    try:
        assert node.done.wait(10.0), "the node went on after its device was lost"
        assert node.exit_status() == 1 and node.camera.count == 3
    finally:
        node.destroy_node()
    errors = [line for line in capfd.readouterr().err.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and errors[0].endswith(
        "no frame from the RealSense for 0.2 s: Frame didn't arrive; the camera node stops "
        "(exit status 1)"), errors


def test_a_camera_node_stopped_while_streaming_is_no_failure(context, capfd):
    """Stopping (destroy_node) while a read is under way: status 0, no error, not done."""
    _, _, camera, node = _stream(context, count=2)
    assert camera.stopped and not node.done.is_set() and node.exit_status() == 0
    assert "[ERROR]" not in capfd.readouterr().err
