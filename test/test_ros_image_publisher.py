"""Real rclpy on loopback: the package's image_publisher sends a real camera frame, intact."""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

from vjepa_ros.images import ImageError, image_msg_to_rgb, save_image_file  # noqa: E402
from vjepa_ros.nodes.image_publisher import ImagePublisher  # noqa: E402


def _spin_until(executor, done, timeout=60.0):
    """Spin until ``done()`` holds or ``timeout`` [s] passed (only a failing run waits)."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return done()


def test_latched_image_reaches_a_late_subscriber(context, tmp_path, franka_example):
    frame = franka_example["frames"][1]
    path = save_image_file(tmp_path / "goal.png", frame)
    publisher = ImagePublisher(
        context=context,
        parameter_overrides=[
            Parameter("path", value=str(path)),
            Parameter("encoding", value="bgr8"),
        ],
    )
    listener = rclpy.create_node("listener", context=context)
    received = []
    qos = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    listener.create_subscription(Image, "image", received.append, qos)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(publisher)
    executor.add_node(listener)
    try:
        assert _spin_until(executor, lambda: bool(received)), "no image arrived on loopback"
        msg = received[0]
        assert (msg.width, msg.height, msg.encoding) == (256, 256, "bgr8")
        assert msg.header.frame_id == "camera_color_optical_frame"
        np.testing.assert_array_equal(image_msg_to_rgb(msg), frame)
    finally:
        executor.shutdown()
        publisher.destroy_node()
        listener.destroy_node()
    context.try_shutdown()
    assert not context.ok()


def test_missing_image_file_is_a_clear_error(context, tmp_path):
    with pytest.raises(ImageError, match="not found"):
        ImagePublisher(
            context=context, parameter_overrides=[Parameter("path", value=str(tmp_path / "x.png"))]
        )
    with pytest.raises(ImageError, match="'path' is empty"):
        ImagePublisher(context=context)


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf"), 1e6, 1000.5])
def test_a_negative_non_finite_or_absurd_rate_is_refused_at_start_up(context, tmp_path, rate):
    """1 MHz started: a timer that only burns a core (and raced the shutdown on SIGTERM)."""
    path = save_image_file(tmp_path / "goal.png", np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(ValueError, match=r"parameter 'rate_hz' must be a rate in \[0, 1000\] Hz"):
        ImagePublisher(context=context, parameter_overrides=[
            Parameter("path", value=str(path)), Parameter("rate_hz", value=rate)])


def test_a_decompression_bomb_or_a_cut_file_is_refused_before_publishing(context, tmp_path):
    """A 48 KB PNG claiming 20000x20000 px was decoded (1.2 GB, 25 s); a cut JPEG went grey."""
    from PIL import Image as PILImage

    bomb = tmp_path / "bomb.png"
    PILImage.new("1", (9000, 40)).save(bomb)  # 9000 px a side: its header says so
    with pytest.raises(ImageError, match=f"{bomb} is 9000x40 px, larger than 8192 px a side"):
        ImagePublisher(context=context, parameter_overrides=[Parameter("path", value=str(bomb))])
    cut = tmp_path / "cut.jpg"
    PILImage.fromarray(np.full((96, 128, 3), 200, np.uint8)).save(tmp_path / "whole.jpg")
    cut.write_bytes((tmp_path / "whole.jpg").read_bytes()[:300])
    with pytest.raises(ImageError, match=f"{cut} is truncated or corrupt"):
        ImagePublisher(context=context, parameter_overrides=[Parameter("path", value=str(cut))])


def test_a_stand_in_camera_at_rate_0_is_refused_in_one_line_naming_rate_and_qos(tmp_path,
                                                                                  capfd):
    """With qos sensor_data it would publish once, best effort, unlatched: no one would hear it.

    As ``ros2 run`` starts it (run_node): one line naming rate_hz and qos (after the ``-p``
    that set qos), exit status 2 (values typed as -p that do not go together: a usage error, as
    under vjepa-ros launch; fix61u, was 1). With a rate it starts and is heard (the test below).
    """
    from vjepa_ros.nodes.image_publisher import main

    path = save_image_file(tmp_path / "frame.png", np.zeros((48, 64, 3), np.uint8))
    status = main(["image_publisher", "--ros-args", "-p", f"path:={path}",
                   "-p", "qos:=sensor_data"])
    err = capfd.readouterr().err.strip()
    assert status == 2, err
    assert err.startswith("image_publisher: -p qos: parameter 'rate_hz' is 0 "
                          "(publish once) with qos 'sensor_data'"), err
    assert "give rate_hz > 0" in err and len(err.splitlines()) == 1, err


def frames_heard(context, publisher, timeout: float = 60.0) -> list:
    """Return the Images a later sensor_data subscriber of ``image`` gets from ``publisher``.

    Spun until the first comes or ``timeout`` [s] passed; both nodes destroyed after.
    """
    from rclpy.qos import qos_profile_sensor_data

    listener = rclpy.create_node("listener", context=context)
    received = []
    listener.create_subscription(Image, "image", received.append, qos_profile_sensor_data)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(publisher)
    executor.add_node(listener)
    try:
        _spin_until(executor, lambda: bool(received), timeout)
    finally:
        executor.shutdown()
        listener.destroy_node()
        publisher.destroy_node()
    return received


def test_a_stand_in_camera_with_a_rate_reaches_a_later_subscriber(context, tmp_path):
    path = save_image_file(tmp_path / "frame.png", np.full((48, 64, 3), 90, np.uint8))
    publisher = ImagePublisher(context=context, parameter_overrides=[
        Parameter("path", value=str(path)), Parameter("qos", value="sensor_data"),
        Parameter("rate_hz", value=20.0)])
    received = frames_heard(context, publisher)
    assert received, "no frame from the stand-in"
    assert int(image_msg_to_rgb(received[0])[0, 0, 0]) == 90


def test_use_sim_time_switched_on_at_run_time_says_why_frames_wait_naming_clock(context, tmp_path,
                                                                              capfd):
    """``ros2 param set /image_publisher use_sim_time true`` on a stand-in camera, no /clock.

    Its timer is on the node clock, which reads 0 until /clock publishes: republishing stops.
    One warning says so, naming /clock; a refused set (an integer) and setting the value in
    force say nothing; switching back says the system clock drives it again.
    """
    path = save_image_file(tmp_path / "frame.png", np.full((48, 64, 3), 90, np.uint8))
    publisher = ImagePublisher(context=context, parameter_overrides=[
        Parameter("path", value=str(path)), Parameter("rate_hz", value=20.0)])
    try:
        assert not publisher.set_parameters([Parameter("use_sim_time", value=1)])[0].successful
        assert publisher.set_parameters([Parameter("use_sim_time", value=False)])[0].successful
        assert "[WARN]" not in capfd.readouterr().err
        assert publisher.set_parameters([Parameter("use_sim_time", value=True)])[0].successful
        err = capfd.readouterr().err
        assert err.count("[WARN]") == 1 and "use_sim_time switched on" in err, err
        assert "/clock" in err and "no image is republished" in err, err
        assert publisher.set_parameters([Parameter("use_sim_time", value=False)])[0].successful
        err = capfd.readouterr().err
        assert err.count("[WARN]") == 1 and "switched off" in err and "system clock" in err, err
    finally:
        publisher.destroy_node()
