"""Time reading an out-of-order MCAP file in log-time order: one pass vs channel by channel.

The scan (``recordings.mcap_salvage.SalvagedMcap``) reads a file whose messages go back in log
time by ``recordings.mcap_order.FileOrder.merged``: one pass holding a window of messages, or,
when that window would hold more than ``WINDOW_LIMIT_BYTES``, a merge of one read per channel
over its span of the file. This writes a ``--topics``-topic MCAP (``--messages`` a topic,
``--payload`` bytes each, 10 ms apart, zstd chunks of 1 MiB as rosbag2 writes), interleaved in
time order but with one topic's log times ``--skew-ms`` behind (a second clock: one backward
step between two channels is enough), and prints, for each route, the wall time of reading
every message (median of ``--repeats``), the messages per second, the bytes of the file read
(chunks decompressed) and the window the one-pass route holds. Forced routes: the limit set to
0 (channel by channel) or to no limit (one pass).

Run:  python benchmarks/bench_mcap_order.py [--topics 20] [--messages 500] [--payload 2000]
          [--skew-ms 30] [--repeats 3]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from vjepa_ros.cli_parser import ArgumentParser


def write_skewed(path: Path, topics: int, messages: int, payload: int, skew_ns: int,
                 chunk_size: int = 1 << 20, skewed: int = 1) -> Path:
    """Write the MCAP described in the module's docstring; return ``path``.

    Topic ``i`` publishes ``messages`` at 10 ms steps (offset by ``i`` µs); the first
    ``skewed`` topics log ``skew_ns`` behind. Written in receive order (time without skew).
    Data: ``payload`` bytes (not CDR: the scan hands raw bytes on).
    """
    from mcap.writer import CompressionType, Writer

    with path.open("wb") as stream:
        writer = Writer(stream, compression=CompressionType.ZSTD, chunk_size=chunk_size)
        writer.start(profile="ros2", library="bench_mcap_order")
        schema = writer.register_schema(name="std_msgs/msg/String", encoding="ros2msg",
                                        data=b"string data")
        channels = [writer.register_channel(topic=f"/topic_{i:02d}", message_encoding="cdr",
                                            schema_id=schema,
                                            metadata={"offered_qos_profiles": ""})
                    for i in range(topics)]
        data = bytes(range(256)) * (payload // 256 + 1)
        for step in range(messages):
            for i, channel in enumerate(channels):
                received = 1_000_000_000 + step * 10_000_000 + i * 1000
                logged = received - (skew_ns if i < skewed else 0)
                writer.add_message(channel_id=channel, log_time=logged, publish_time=logged,
                                   data=data[:payload])
        writer.finish()
    return path


def _read(path: Path, limit: int) -> tuple[float, int, int, object]:
    """Return (seconds, messages, bytes decompressed, FileOrder) of one read at ``limit``."""
    from vjepa_ros.recordings import mcap_order, mcap_salvage

    decompressed = [0]
    chunk = mcap_salvage.SalvagedMcap._chunk

    def counted(self, record, damage):
        decompressed[0] += record.uncompressed_size
        return chunk(self, record, damage)

    saved = mcap_order.WINDOW_LIMIT_BYTES
    mcap_order.WINDOW_LIMIT_BYTES = limit
    mcap_salvage.SalvagedMcap._chunk = counted
    try:
        salvaged = mcap_salvage.SalvagedMcap(path)
        decompressed[0] = 0  # the scan's own pass is common to both routes
        start = time.perf_counter()
        times = [stamp for _, stamp, _ in salvaged.messages()]
        seconds = time.perf_counter() - start
    finally:
        mcap_order.WINDOW_LIMIT_BYTES = saved
        mcap_salvage.SalvagedMcap._chunk = chunk
    assert times == sorted(times), "not in log-time order"
    return seconds, len(times), decompressed[0], salvaged.order


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--messages", type=int, default=500, help="a topic")
    parser.add_argument("--payload", type=int, default=2000, help="bytes a message")
    parser.add_argument("--skew-ms", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_skewed(Path(folder) / "skewed.mcap", args.topics, args.messages,
                            args.payload, int(args.skew_ms * 1e6))
        size = path.stat().st_size
        print(f"{args.topics} topics x {args.messages} messages of {args.payload} B, one topic "
              f"{args.skew_ms:g} ms behind; file {size / 1e6:.1f} MB")
        for name, limit in (("one pass", 1 << 62), ("channel by channel", 0)):
            runs = [_read(path, limit) for _ in range(args.repeats)]
            seconds = statistics.median(run[0] for run in runs)
            _, count, read, order = runs[0]
            print(f"{name:>18}: {seconds:.3f} s, {count / seconds:,.0f} messages/s, "
                  f"{read / 1e6:.1f} MB decompressed; look-back {order.look_back_ns / 1e6:g} ms, "
                  f"window {order.window_bytes / 1e6:.2f} MB")


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
