"""What telling goal image messages apart costs the planner's executor thread, old and new.

``goal_images.message_key`` (every goal image message, on the executor thread) hashed the
message's data with blake2b-128 until perf59; it now samples it (``robot.message_pixels``) and
the decoder's thread hashes it (``MessagePixels.settle``). Rows (per message, on a
``sensor_msgs/Image`` rgb8 of --width x --height built here; time.perf_counter over --messages
calls, the median of --repeats runs interleaved, and the least CPU of this thread):

  old key                 the key as it was: blake2b-128 of ``bytes(message.data)``
  new key                 ``message_key``: size and a strided sample, no hash
  copy: new vs new        the same message's two keys compared (its second subscription's copy,
                          within ms: both hold the data, every byte compared)
  copy: new vs settled    the same, the first key settled already (the copy came after its
                          decode started: the new key's data hashed, on the executor)
  re-sent, fresh stamp    a 10 Hz re-publisher (``image_publisher``, the same pixels stamped
                          anew): ``message_key`` and the keys of 8 messages seen re-sent compared
                          (``resent_goals``; unequal stamps: no byte compared)
  settle (decoder)        ``MessagePixels.settle``: the hash, on the goal decoder's thread

Printed as bench_goal_resend prints (us median, fastest, least CPU per call). At 10 Hz the
executor pays 10 x a row's CPU per second.

Run:  python benchmarks/bench_goal_key.py [--width 4032] [--height 3024] [--messages 10]
About 30 s on 2 shared cores at 4032x3024 (the images: 36 MB each). No ROS graph.
"""

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_goal_resend, by name

import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from bench_goal_resend import check_ranges, time_rows  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402


def rows(width: int, height: int):
    """Return [(name, call)] of the rows (module docstring), each call timing one message."""
    import numpy as np
    from sensor_msgs.msg import Image

    from vjepa_ros.images import rgb_to_image_fields
    from vjepa_ros.nodes.goal_images import message_key

    rgb = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    message, copy = Image(**rgb_to_image_fields(rgb)), Image(**rgb_to_image_fields(rgb))
    sender = ("gid", b"publisher")
    settled = message_key(message, sender)
    settled[-1].settle()
    resent = []
    for sec in range(8):
        message.header.stamp.sec = sec
        resent.append(message_key(message, sender))
        resent[-1][-1].settle()
    message.header.stamp.sec = 0
    stamp = [100]

    def copy_new():
        assert message_key(message, sender) == message_key(copy, sender)

    def copy_settled():
        assert message_key(copy, sender) == settled

    def fresh_stamp():
        stamp[0] += 1
        message.header.stamp.sec = stamp[0]
        key = message_key(message, sender)
        assert key not in resent
        message.header.stamp.sec = 0

    def settle():
        message_key(message, sender)[-1].settle()

    return [("old key", lambda: hashlib.blake2b(bytes(message.data), digest_size=16).digest()),
            ("new key", lambda: message_key(message, sender)),
            ("copy: new vs new", copy_new),
            ("copy: new vs settled", copy_settled),
            ("re-sent, fresh stamp", fresh_stamp),
            ("settle (decoder)", settle)]


def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4032, help="image width [px]")
    parser.add_argument("--height", type=int, default=3024, help="image height [px]")
    parser.add_argument("--messages", type=int, default=10, help="calls per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row (median)")
    args = parser.parse_args(argv)
    check_ranges(parser, args, (("--width", 32, 8000), ("--height", 32, 8000),
                                ("--messages", 1, 100000), ("--repeats", 1, 100)))
    print(time_rows(rows(args.width, args.height), args.repeats, lambda name: args.messages,
                    f"{args.width}x{args.height} rgb8, {args.messages} calls x {args.repeats} "
                    "runs"))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
