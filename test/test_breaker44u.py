"""breaker44u: the helper nodes as a lab runs them (camera_node, image_publisher, bag_player).

Attacked at main 46e31b7: vjepa_ros/nodes/camera_node.py (robot/camera.py's RealSenseColor seam:
a stand-in camera object passed as ``camera_factory``), nodes/image_publisher.py with
images.load_image_file, nodes/bag_player.py with eval/playback.py, and README's rows for them.
Each test was a strict xfail at that commit; fix44u made them pass (camera_node's ``done`` event
and ``exit_status()``, images' transparency refusal, image_publisher's rate_hz/qos refusal).
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

UNPLUGGED_SCRIPT = textwrap.dedent("""
    import time
    import numpy as np
    from vjepa_ros.nodes import camera_node
    from vjepa_ros.nodes.node_runner import run_node
    from vjepa_ros.robot.camera import CameraError, camera_info_fields

    class Unplugged:
        # a RealSense whose USB cable is pulled after 3 frames: wait_for_frames times out
        def __init__(self, config):
            self.config, self.count = config, 0
            self.info = camera_info_fields(config.width, config.height, 60.0, 61.0, 32.0, 24.0)
            self.timestamp_domain, self.capture_time_s = "", None

        def read(self):
            time.sleep(0.03)
            self.count += 1
            if self.count > 3:
                raise CameraError("no frame from the RealSense for 0.2 s: Frame didn't arrive "
                                  "within 200")
            self.timestamp_domain, self.capture_time_s = "system_time", time.time()
            return np.zeros((self.config.height, self.config.width, 3), np.uint8)

        def stop(self):
            pass

    class Node(camera_node.CameraNode):
        def __init__(self, **kwargs):
            super().__init__(camera_factory=Unplugged, **kwargs)

    raise SystemExit(run_node(Node, ["camera_node", "--ros-args", "-p", "width:=64", "-p",
                                     "height:=48", "-p", "timeout_s:=0.2"]))
""")


def test_camera_node_exits_1_when_the_device_is_unplugged_mid_run(tmp_path):
    """A device lost mid-run should end camera_node with one line and exit status 1.

    A RealSense unplugged (or a USB 3 link reset) while the node runs: ``read()`` raises
    CameraError after ``timeout_s``. The read thread logs it and returns, but the node has no
    ``done`` event: the process stays up forever, publishing nothing, so neither a launch file's
    respawn nor a script notices. It should end with the one line and exit status 1, as it does
    when the device is missing at start-up (README: "without a device it prints what is missing
    and exits 1").
    """
    script = tmp_path / "unplugged.py"
    script.write_text(UNPLUGGED_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=12)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"camera_node still running 12 s after the device was lost: {err[-400:]}")
    assert proc.returncode == 1, err
    assert "no frame from the RealSense" in err, err


def test_a_goal_png_with_transparent_pixels_is_refused_in_one_line(tmp_path):
    """A goal PNG with transparent pixels should be refused, not loaded with its hidden RGB.

    A lab cuts the background out of a goal photo in an image editor and exports it as an
    RGBA PNG: half of it is fully transparent (alpha 0), its hidden RGB black, as editors store
    erased pixels. ``image_publisher -p path:=goal.png`` (and ``goal_image_path``) loads it with
    OpenCV's IMREAD_COLOR, which drops alpha: the planner gets a goal whose table is black,
    a scene the arm can never reach, and no word about it. A file whose pixels are partly
    transparent should be refused with one line naming the file and the transparency (an opaque
    RGBA PNG, alpha 255 everywhere, as screenshots are saved, still loads).
    """
    from PIL import Image as PILImage

    from vjepa_ros.images import ImageError, load_image_file

    opaque = np.zeros((64, 64, 4), np.uint8)
    opaque[..., :3], opaque[..., 3] = 180, 255
    PILImage.fromarray(opaque, "RGBA").save(tmp_path / "screenshot.png")
    assert (load_image_file(tmp_path / "screenshot.png") == 180).all()
    cut = opaque.copy()
    cut[32:] = 0  # erased: alpha 0, RGB 0
    PILImage.fromarray(cut, "RGBA").save(tmp_path / "goal cut.png")
    with pytest.raises(ImageError, match=r"(?i)goal cut\.png.*(transparen|alpha)"):
        load_image_file(tmp_path / "goal cut.png")


def test_a_stand_in_camera_without_rate_hz_is_heard_or_refused(context, tmp_path):
    """A stand-in camera left at rate_hz 0 should be heard by a later subscriber, or refused.

    README: ``vjepa-ros launch --node image_publisher -p image_publisher.qos:=sensor_data`` is
    a stand-in camera. A lab gives exactly that and leaves ``rate_hz`` at its default 0: the node
    publishes once, best effort and volatile (not latched: qos is sensor_data), at its start,
    before the planner (made last) has subscribed. The planner never gets a frame and the node
    logs "publishing ..." as if all were well. Either the combination is refused at start-up in
    one line naming rate_hz, or a subscriber started after the node receives a frame.
    """
    from rclpy.parameter import Parameter
    from test_ros_image_publisher import frames_heard

    from vjepa_ros.images import save_image_file
    from vjepa_ros.nodes.image_publisher import ImagePublisher

    path = save_image_file(tmp_path / "frame.png", np.full((48, 64, 3), 90, np.uint8))
    try:
        publisher = ImagePublisher(context=context, parameter_overrides=[
            Parameter("path", value=str(path)), Parameter("qos", value="sensor_data")])
    except ValueError as exc:
        assert "rate_hz" in str(exc), exc
        return
    received = frames_heard(context, publisher, timeout=4.0)
    assert received, "a subscriber of the stand-in camera never got a frame"
