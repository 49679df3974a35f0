"""Camera frames of real sizes reach the planner's image subscription from another process.

With the Fast DDS defaults a raw 640x480 rgb8 frame (0.9 MB) published by another process never
arrived (the publisher's 512 KiB shared-memory segment is too small; the UDP fragments it falls
back to are lost by best-effort subscriptions). Every node executable and launch file of the
package sets config/fastdds_camera.xml (vjepa_ros/nodes/dds_profile.py); conftest.py does the same
for this process, as our launch files would. The publishers here are separate processes running
the package's image_publisher as a stand-in camera (best effort, like camera drivers).
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from vjepa_ros.config import ConfigError
from vjepa_ros.nodes.dds_profile import PROFILE_VARIABLES, use_camera_profile

SIZES = [(640, 480), (848, 480), (1280, 720)]
RATE_HZ = 15.0
WINDOW_S = 2.0


def camera_like_frame(width: int, height: int, seed: int) -> np.ndarray:
    """Make a frame that compresses like a camera image: smooth shading plus sensor noise."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([xs * 255 // width, ys * 255 // height, (xs + ys) * 255 // (width + height)],
                    axis=-1)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def start_camera(path, topic: str, transport: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "vjepa_ros.nodes.image_publisher", "--ros-args",
               "-p", f"path:={path}", "-p", f"rate_hz:={RATE_HZ}", "-p", "qos:=sensor_data",
               "-p", f"transport:={transport}", "-r", f"image:={topic}",
               "-r", f"image/compressed:={topic}/compressed"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_raw_and_compressed_frames_arrive_from_other_processes(context, tmp_path):
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from sensor_msgs.msg import CompressedImage, Image

    from vjepa_ros.images import decode_compressed, save_image_file
    from vjepa_ros.nodes.planner_node import SENSOR_QOS

    streams = {f"/cam_{w}x{h}": ("raw", w, h) for w, h in SIZES}
    streams["/cam_1280x720_jpeg"] = ("compressed", 1280, 720)
    node = rclpy.create_node("frame_counter", context=context)
    received = {topic: [] for topic in streams}
    processes = []
    try:
        for index, (topic, (transport, width, height)) in enumerate(streams.items()):
            path = save_image_file(tmp_path / f"{index}.png",
                                   camera_like_frame(width, height, index))
            kind = Image if transport == "raw" else CompressedImage
            name = topic + ("/compressed" if transport == "compressed" else "")
            node.create_subscription(kind, name, received[topic].append, SENSOR_QOS)
            processes.append(start_camera(path, topic, transport))
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        # start-up of four processes on a busy machine: the window is counted only once every
        # stream arrives (a stream up after a fixed 20 s was counted from zero)
        deadline = time.monotonic() + 240.0  # only a failing run waits this long
        while (time.monotonic() < deadline and not all(received.values())
               and all(p.poll() is None for p in processes)):
            executor.spin_once(timeout_sec=0.05)
        ended = [p.stderr.read() for p in processes if p.poll() is not None]
        assert all(received.values()), ({t: len(f) for t, f in received.items()}, ended)
        for frames in received.values():
            frames.clear()  # count from here: every publisher is up and matched
        end = time.monotonic() + WINDOW_S
        while time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
        counts = {topic: len(frames) for topic, frames in received.items()}
        failed = [p.stderr.read() for p in processes if p.poll() is not None]
        assert not failed, failed
        nominal = RATE_HZ * WINDOW_S
        assert all(count >= nominal / 2 for count in counts.values()), (counts, nominal)
        for topic, (transport, width, height) in streams.items():
            message = received[topic][-1]
            if transport == "raw":
                assert (message.width, message.height, len(message.data)) == \
                    (width, height, width * height * 3)
            else:
                assert decode_compressed(message.format, message.data).shape == (height, width, 3)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        node.destroy_node()


def test_the_profile_is_set_unless_the_user_chose_one(tmp_path):
    package = use_camera_profile({})
    assert package.endswith("config/fastdds_camera.xml") and os.path.isfile(package)
    environ = {}
    use_camera_profile(environ)
    assert environ == {"FASTDDS_DEFAULT_PROFILES_FILE": package}  # Fast DDS 3: no deprecated one
    humble = {"ROS_DISTRO": "humble"}
    use_camera_profile(humble)
    assert {humble[name] for name in PROFILE_VARIABLES} == {package}
    own = tmp_path / "my_dds.xml"
    own.write_text(open(package).read())
    mine = {"FASTRTPS_DEFAULT_PROFILES_FILE": str(own)}
    assert use_camera_profile(mine) == str(own)
    assert mine == {"FASTRTPS_DEFAULT_PROFILES_FILE": str(own)}
    with pytest.raises(ConfigError, match="^FASTDDS_DEFAULT_PROFILES_FILE=/etc/none.xml: no such"):
        use_camera_profile({"FASTDDS_DEFAULT_PROFILES_FILE": "/etc/none.xml"})  # (fix51l)
    defaults = {"FASTDDS_DEFAULT_PROFILES_FILE": ""}  # "" asks for the Fast DDS defaults
    assert use_camera_profile(defaults) == "" and defaults == {}


@pytest.mark.parametrize("name,value", [("qos", "reliable"), ("transport", "theora")])
def test_image_publisher_refuses_unknown_qos_and_transport(name, value):
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig

    with pytest.raises(ValueError, match=f"parameter '{name}' must be one of"):
        ImagePublisherConfig(path="x.png", **{name: value})
