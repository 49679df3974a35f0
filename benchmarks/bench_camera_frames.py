"""Camera frames from another process: how many reach the planner's image subscription.

For each DDS setting (Fast DDS defaults; config/fastdds_camera.xml) a subscriber process with the
planner node's image QoS (best effort, depth 1) counts the frames that arrive from a separate
publisher process (the package's image_publisher as a stand-in camera: best effort, like camera
drivers) for each frame size, raw rgb8 or JPEG, at 15 and 30 Hz, over a fixed window after the
first frame (or after a start-up wait when none arrives).

Run:  python benchmarks/bench_camera_frames.py [--window 3] [--rates 15 30]

Network rule: every process runs with ROS_LOCALHOST_ONLY=1 and
ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST (loopback only). Counts depend on the machine's load.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.script_children import finish_child, start_child  # noqa: E402
from vjepa_ros.terminate import call_held, stop_signals_held  # noqa: E402

SIZES = [(640, 480), (848, 480), (1280, 720)]
PROFILES = {"Fast DDS defaults": "", "config/fastdds_camera.xml":
            str(ROOT / "config" / "fastdds_camera.xml")}


def frame(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([xs * 255 // width, ys * 255 // height, (xs + ys) * 255 // (width + height)],
                    axis=-1)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def count_frames(path, transport: str, rate: float, window: float) -> tuple[int, int]:
    """Start one publisher process; return (frames received in the window, payload bytes)."""
    import rclpy
    from sensor_msgs.msg import CompressedImage, Image

    from vjepa_ros.nodes.planner_node import SENSOR_QOS

    received = []
    kind, topic = (Image, "/bench_cam") if transport == "raw" else \
        (CompressedImage, "/bench_cam/compressed")
    with stop_signals_held():  # made whole; a stop raised after, never inside rclpy (terminate)
        node = rclpy.create_node("bench_frame_counter")
        node.create_subscription(kind, topic, received.append, SENSOR_QOS)
    process = start_child(  # gets SIGTERM when this process dies
        [sys.executable, "-m", "vjepa_ros.nodes.image_publisher", "--ros-args", "-p",
         f"path:={path}", "-p", f"rate_hz:={rate}", "-p", "qos:=sensor_data", "-p",
         f"transport:={transport}", "-r", "image:=/bench_cam", "-r",
         "image/compressed:=/bench_cam/compressed"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and not received:
            if node.count_publishers(topic) and time.monotonic() > deadline - 5.0:
                break  # matched for 5 s and nothing arrived: count from here
            call_held(rclpy.spin_once, node, timeout_sec=0.05)
        size = len(received[-1].data) if received else 0
        received.clear()
        end = time.monotonic() + window
        while time.monotonic() < end:
            call_held(rclpy.spin_once, node, timeout_sec=0.05)
        if received:
            size = len(received[-1].data)
        return len(received), size
    finally:
        process.terminate()
        process.wait(timeout=10)
        node.destroy_node()


def subscriber(args) -> None:
    """Run every case in this process (its DDS profile comes from the environment)."""
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    from vjepa_ros.images import save_image_file
    from vjepa_ros.nodes.dds_profile import use_camera_profile

    use_camera_profile()  # "" (the Fast DDS defaults case): removed, or Fast DDS logs an error
    # a stop: KeyboardInterrupt, raised after rclpy.init returned (never inside it: terminate)
    call_held(rclpy.init, signal_handler_options=SignalHandlerOptions.NO)
    with stop_signals_held():  # a stop between mkdtemp and its finalizer left the folder
        scratch = tempfile.TemporaryDirectory()
    with scratch as tmp:
        for width, height in SIZES:
            path = save_image_file(Path(tmp) / f"{width}x{height}.png", frame(width, height))
            for transport in ("raw", "compressed"):
                for rate in args.rates:
                    count, size = count_frames(path, transport, rate, args.window)
                    print(json.dumps(dict(size=f"{width}x{height}", transport=transport,
                                          rate=rate, received=count, bytes=size)), flush=True)
    rclpy.shutdown()


def main() -> int | None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=3.0, help="counting window [s]")
    parser.add_argument("--rates", type=float, nargs="+", default=[15.0, 30.0])
    parser.add_argument("--subscriber", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (math.isfinite(args.window) and args.window > 0):  # a window of no time counts none
        parser.error(f"--window {args.window:g}: must be a time > 0 [s]")
    bad = [rate for rate in args.rates if not (math.isfinite(rate) and rate > 0)]
    if bad:
        parser.error(f"--rates {bad[0]:g}: each must be a rate > 0 [Hz]")
    if args.subscriber:  # stopped by the script, which says the one stop line
        return subscriber(args)
    print(f"window {args.window} s; received / published (nominal rate x window); "
          "subscriber QoS: planner node image QoS (best effort, depth 1)")
    for label, profile in PROFILES.items():
        env = {**os.environ, "ROS_LOCALHOST_ONLY": "1",
               "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST",
               "ROS_DOMAIN_ID": os.environ.get("ROS_DOMAIN_ID", "87"),
               "FASTDDS_DEFAULT_PROFILES_FILE": profile}  # "" -> defaults (see dds_profile.py)
        env.pop("FASTRTPS_DEFAULT_PROFILES_FILE", None)
        print(f"\n{label}")
        print(f"{'frame':>10} {'transport':>10} {'bytes':>9} {'rate':>5}  received")
        child = start_child([sys.executable, __file__, "--subscriber", "--window",
                             str(args.window), "--rates", *map(str, args.rates)],
                            env=env, stdout=subprocess.PIPE, text=True)
        for line in finish_child(child, "the subscriber process").splitlines():
            row = json.loads(line)
            nominal = int(row["rate"] * args.window)
            print(f"{row['size']:>10} {row['transport']:>10} {row['bytes']:>9} "
                  f"{row['rate']:>5.0f}  {row['received']:>3} / {nominal}")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
