"""What a goal image re-sent costs the planner node, and what the frozen-camera rule costs.

Rows (each per message or per capture, on images built beforehand; time.perf_counter over
--messages calls (--captures for the capture rows), the median of --repeats runs, interleaved so
that load from other processes hits every row alike; and time.thread_time, the CPU the calls
used, which moves far less with the load):

  decode + checks         ``image_msg_to_rgb(goal=True)`` and ``goal_image_problem``: what every
                          goal image message cost before breaker54a's fix, taken or not
  same-goal compare       ``np.array_equal`` of the decoded image with the active goal's, equal
                          (the worst case: every byte compared), the node's re-send rule
                          (``PlannerGoalImages._same_goal_image``)
  message digest          blake2b-128 of the message's data (``goal_images.message_key``, paid
                          per message already to drop the second subscription's copy)
  capture: frozen check   ``CapturePictures.offer`` against 16 kept captures of other pictures
                          (the most kept), the capture's rule (``robot/capture_pictures``)
  capture: 16 + 8 way     the same with the 8 frames of the hand's way kept too (``seen``, the
                          most kept): a capture after the arm was guided (fix56a1)
  seen: hand still        ``CapturePictures.seen`` of a frame with the hand where the last frame
                          kept saw it: every frame the planner node accepts while a robot state
                          lies near it (``input_episodes._frame_seen``), the arm at rest
  seen: hand moving       the same, the hand 1.1 cm further each frame (a guided or fast arm):
                          every frame kept (its picture copied, the oldest of 8 dropped)

Printed: microseconds per call (median over the repeats, the fastest run, and the least CPU
time per call) at --width x --height (default 640x480, a RealSense's colour stream as
published), with the load average before and after (the rows are single-threaded numpy).

Run:  python benchmarks/bench_goal_resend.py [--width 640] [--height 480] [--messages 200]
        [--captures 20]
About 40 s on 2 shared cores (the capture rows: ~0.1 s a call). No ROS graph: the message is a
``sensor_msgs/Image`` built here.
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
    from vjepa_ros.robot.capture_pictures import KEPT_CAPTURES, KEPT_SEEN, CapturePictures

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    message = Image(**rgb_to_image_fields(rgb))
    goal = rgb.copy()  # the active goal's image: equal, every byte compared
    # one more picture than are kept, offered in turn 1 m apart: each is searched against the
    # 16 others (none the same picture), then kept in place of the oldest
    frames = [rng.integers(0, 256, rgb.shape, dtype=np.uint8) for _ in range(KEPT_CAPTURES + 1)]
    pictures, offered, offered_after_way = CapturePictures(), [0], [0]
    # the same captures after a guided way: 8 frames seen 1.1 cm apart (7-D states: the turn
    # and closedness are compared too), none the same picture as a capture
    guided, way = CapturePictures(), [rng.integers(0, 256, rgb.shape, dtype=np.uint8)
                                      for _ in range(KEPT_SEEN + 1)]
    for j in range(KEPT_SEEN):
        guided.seen(way[j], float(j), _state(j))
    for i in range(KEPT_CAPTURES):
        pictures.offer(f"c{i}", frames[i], [0.5, 0.0, float(i)])
        guided.offer(f"c{i}", frames[i], [0.5, 0.0, float(i)])
    offered[0] = offered_after_way[0] = KEPT_CAPTURES
    still, moving, shown = CapturePictures(), CapturePictures(), [0]
    still.seen(rgb, 0.0, _state(0))

    def decode():
        goal_image_problem(image_msg_to_rgb(message, goal=True))

    def capture():
        i = offered[0]
        offered[0] += 1
        assert pictures.offer(f"c{i}", frames[i % len(frames)], [0.5, 0.0, float(i)]) is None

    def capture_after_way():
        i = offered_after_way[0]
        offered_after_way[0] += 1
        assert guided.offer(f"c{i}", frames[i % len(frames)], [0.5, 0.0, float(i)]) is None

    def seen_moving():
        shown[0] += 1
        moving.seen(way[shown[0] % len(way)], float(shown[0]), _state(shown[0]))

    return [("decode + checks", decode),
            ("same-goal compare", lambda: np.array_equal(goal, rgb)),
            ("message digest", lambda: hashlib.blake2b(bytes(message.data),
                                                       digest_size=16).digest()),
            ("capture: frozen check", capture),
            ("capture: 16 + 8 way", capture_after_way),
            ("seen: hand still", lambda: still.seen(rgb, 1.0, _state(0))),
            ("seen: hand moving", seen_moving)]


def _state(step: int):
    """Return the hand's state [7] ``step`` x 1.1 cm along x (turned 0.1 rad, half closed)."""
    import numpy as np

    return np.array([0.4 + 0.011 * step, 0.0, 0.3, np.pi, 0.0, 0.1, 0.5])


def check_ranges(parser, args, ranges) -> None:
    """Refuse (``parser.error``, one line) an option outside its range.

    ``ranges``: ``(option, low, high)`` for each integer option, inclusive.
    """
    for name, low, high in ranges:
        value = getattr(args, name[2:])
        if not low <= value <= high:
            parser.error(f"{name} must lie in [{low}, {high}], got {value}")


def time_rows(timed, repeats: int, calls, settings: str, width: int = 24) -> str:
    """Time each ``(name, call)`` of ``timed``, the rows interleaved; return the printout.

    ``calls(name)``: calls per run of that row; ``repeats``: runs per row; ``settings``: the
    first line's start, then the Python, the CPUs and the load average before and after. One
    line per row: the microseconds per call by ``time.perf_counter`` (median and fastest run)
    and the least CPU time per call by ``time.thread_time`` (this thread's), the name padded
    to ``width``.
    """
    load = os.getloadavg()[0]
    runs = {name: [] for name, _ in timed}
    cpu = {name: [] for name, _ in timed}
    for _ in range(repeats):
        for name, call in timed:
            count = calls(name)
            start, started = time.perf_counter(), time.thread_time()
            for _ in range(count):
                call()
            runs[name].append((time.perf_counter() - start) / count * 1e6)
            cpu[name].append((time.thread_time() - started) / count * 1e6)
    return "\n".join([
        f"{settings}; {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} before, {os.getloadavg()[0]:.1f} after",
        *(f"  {name:{width}s} {statistics.median(runs[name]):9.1f} us median  "
          f"{min(runs[name]):9.1f} us fastest  {min(cpu[name]):9.1f} us CPU"
          for name, _ in timed)])


def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640, help="image width [px]")
    parser.add_argument("--height", type=int, default=480, help="image height [px]")
    parser.add_argument("--messages", type=int, default=200, help="calls per run")
    parser.add_argument("--captures", type=int, default=20,
                        help="calls per run of the capture rows")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row (median)")
    args = parser.parse_args(argv)
    check_ranges(parser, args, (("--width", 32, 8000), ("--height", 32, 8000),
                                ("--messages", 1, 100000), ("--captures", 1, 10000),
                                ("--repeats", 1, 100)))
    print(time_rows(rows(args.width, args.height), args.repeats, lambda name: (
        args.captures if name.startswith("capture") else args.messages),
        f"{args.width}x{args.height} rgb8, {args.messages} calls ({args.captures} of a "
        f"capture) x {args.repeats} runs"))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
