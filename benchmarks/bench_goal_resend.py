"""What a goal image re-sent costs the planner node, and what a capture's frozen-camera rule costs.

Rows (each per message or per capture, on images built beforehand; time.perf_counter over
--messages calls, the median of --repeats runs, interleaved so that load from other processes
hits every row alike):

  decode + checks         ``image_msg_to_rgb(goal=True)`` and ``goal_image_problem``: what every
                          goal image message cost before breaker54a's fix, taken or not
  same-goal compare       ``np.array_equal`` of the decoded image with the active goal's, equal
                          (the worst case: every byte compared), the node's re-send rule
                          (``PlannerGoals._same_goal_image``)
  message digest          blake2b-128 of the message's data (``goal_images.message_key``, paid
                          per message already to drop the second subscription's copy)
  capture: frozen check   ``CapturePictures.offer`` against 16 kept captures of other pictures
                          (the most kept), the capture's rule (``robot/capture_pictures``)

Printed: microseconds per call (median over the repeats, and the fastest run) at --width x
--height (default 640x480, a RealSense's colour stream as published).

Run:  python benchmarks/bench_goal_resend.py [--width 640] [--height 480] [--messages 200]
About 5 s on 2 shared cores. No ROS graph: the message is a ``sensor_msgs/Image`` built here.
"""

import hashlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402


def rows(width: int, height: int):
    """Return [(name, call)] of the rows (module docstring), each call timing one message."""
    import numpy as np
    from sensor_msgs.msg import Image

    from vjepa_ros.image_limits import goal_image_problem
    from vjepa_ros.images import image_msg_to_rgb, rgb_to_image_fields
    from vjepa_ros.robot.capture_pictures import KEPT_CAPTURES, CapturePictures

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    message = Image(**rgb_to_image_fields(rgb))
    goal = rgb.copy()  # the active goal's image: equal, every byte compared
    # one more picture than are kept, offered in turn 1 m apart: each is searched against the
    # 16 others (none the same picture), then kept in place of the oldest
    frames = [rng.integers(0, 256, rgb.shape, dtype=np.uint8) for _ in range(KEPT_CAPTURES + 1)]
    pictures, offered = CapturePictures(), [0]
    for i in range(KEPT_CAPTURES):
        pictures.offer(f"c{i}", frames[i], [0.5, 0.0, float(i)])
    offered[0] = KEPT_CAPTURES

    def decode():
        goal_image_problem(image_msg_to_rgb(message, goal=True))

    def capture():
        i = offered[0]
        offered[0] += 1
        assert pictures.offer(f"c{i}", frames[i % len(frames)], [0.5, 0.0, float(i)]) is None

    return [("decode + checks", decode),
            ("same-goal compare", lambda: np.array_equal(goal, rgb)),
            ("message digest", lambda: hashlib.blake2b(bytes(message.data),
                                                       digest_size=16).digest()),
            ("capture: frozen check", capture)]


def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640, help="image width [px]")
    parser.add_argument("--height", type=int, default=480, help="image height [px]")
    parser.add_argument("--messages", type=int, default=200, help="calls per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row (median)")
    args = parser.parse_args(argv)
    for name, low, high in (("--width", 32, 8000), ("--height", 32, 8000),
                            ("--messages", 1, 100000), ("--repeats", 1, 100)):
        value = getattr(args, name[2:])
        if not low <= value <= high:
            parser.error(f"{name} must lie in [{low}, {high}], got {value}")
    timed = rows(args.width, args.height)
    runs = {name: [] for name, _ in timed}
    for _ in range(args.repeats):
        for name, call in timed:
            start = time.perf_counter()
            for _ in range(args.messages):
                call()
            runs[name].append((time.perf_counter() - start) / args.messages * 1e6)
    print(f"{args.width}x{args.height} rgb8, {args.messages} calls x {args.repeats} runs; "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    for name, _ in timed:
        print(f"  {name:24s} {statistics.median(runs[name]):9.1f} us median  "
              f"{min(runs[name]):9.1f} us fastest")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
