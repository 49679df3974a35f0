"""recordings.mcap_order: an MCAP file not in log-time order read in it, once where it can be.

review58s: one backward log-time step between two channels made every channel's span the whole
file, so a 20-topic file was read (and decompressed) 20 times. Now one pass holding the window
of messages the scan measured, channel by channel only when that window is too large; both give
the same order. Also: ``read_by_scan`` asks for the file's summary once.
"""

from __future__ import annotations

import random
import types

import numpy as np
import pytest

from conftest import load_benchmark
from vjepa_ros.recordings import mcap_order, mcap_salvage, mcap_summary
from vjepa_ros.recordings.mcap_order import MESSAGE_OVERHEAD, FileOrder

bench = load_benchmark("bench_mcap_order", "test")


def _messages(times_channels, size=10):
    return [(at, types.SimpleNamespace(channel_id=channel, log_time=time, data=b"x" * size))
            for at, (time, channel) in enumerate(times_channels)]


def _order(records):
    order = FileOrder()
    for offset, message in records:
        order.add(offset, message)
    order.finish()
    return order


def _walk(records):
    return lambda at: iter([record for record in records if record[0] >= at])


def _layouts():
    rng = random.Random(3)
    steps = [(10 * step + channel, channel) for step in range(40) for channel in range(4)]
    local = [(time + rng.randint(-25, 25), channel) for time, channel in steps]
    return {"in_order": steps, "jittered": local,
            "topic_after_topic": sorted(steps, key=lambda item: item[1]),
            "one_clock_behind": [(time - (30 if channel == 0 else 0), channel)
                                 for time, channel in steps],
            "ties": [(step // 3 * 10, step % 4) for step in range(60)]}


@pytest.mark.parametrize("layout", list(_layouts()))
@pytest.mark.parametrize("limit", [1 << 62, 0], ids=["one_pass", "by_channel"])
@pytest.mark.parametrize("wanted", [(0, 1, 2, 3), (1, 2)], ids=["all", "two"])
def test_every_layout_is_read_in_log_time_order(monkeypatch, layout, limit, wanted):
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", limit)
    records = _messages(_layouts()[layout])
    order = _order(records)
    got = [(time, connection) for connection, time, _ in
           order.merged(_walk(records), {channel: channel for channel in wanted})]
    mine = [(m.log_time, m.channel_id) for _, m in records if m.channel_id in wanted]
    # both routes: sorted, equal times in file order (a stable sort)
    assert got == sorted(mine, key=lambda item: item[0]), order.window_bytes
    assert (order.note("f.mcap") is None) == (layout in ("in_order", "ties"))


@pytest.mark.parametrize("layout", list(_layouts()))
def test_the_window_is_what_the_one_pass_holds_at_most(layout):
    """window_bytes against a brute count of the messages held after each one read."""
    records = _messages(_layouts()[layout], size=100)
    order = _order(records)
    times = np.array([m.log_time for _, m in records])
    latest = np.maximum.accumulate(times)
    held = [sum(100 + MESSAGE_OVERHEAD for i in range(j + 1)
                if not any(latest[k] - order.look_back_ns > times[i] for k in range(i, j + 1)))
            for j in range(len(times))]
    assert order.window_bytes == (0 if order.in_order else max(held))
    assert order.look_back_ns == max(latest - times)


def test_a_topic_that_goes_back_in_time_is_sorted_in_one_pass():
    records = _messages([(0, 0), (20, 0), (10, 0), (15, 1), (30, 0)])
    order = _order(records)
    assert order.disordered == {0} and order.one_pass
    got = [time for _, time, _ in order.merged(_walk(records), {0: "a"})]
    assert got == [0, 10, 20, 30]


def test_a_channel_whose_own_window_is_too_large_stays_in_file_order_and_is_named(monkeypatch):
    """Channel by channel, a channel beyond the limit comes in file order, and the note says so.

    The disordered channels' windows are held smallest first up to the limit.
    """
    # channel 0 goes back 10 (small window), channel 1 goes back 40 with 100-byte messages
    records = _messages([(0, 0), (20, 0), (10, 0), (30, 0)])
    records += [(at + 4, types.SimpleNamespace(channel_id=1, log_time=time, data=b"y" * 100))
                for at, time in enumerate([5, 45, 15, 25, 35, 55])]
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # channel by channel
    order = _order(records)
    small, large = order.channel_window_bytes[0], order.channel_window_bytes[1]
    assert small < large and order.channel_look_back_ns == {0: 10, 1: 30}
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", small + large - 1)
    order = _order(records)
    assert order.unsorted == {1}
    got = [(time, channel) for channel, time, _ in order.merged(_walk(records), {0: 0, 1: 1})]
    assert [time for time, channel in got if channel == 0] == [0, 10, 20, 30]  # sorted
    assert [time for time, channel in got if channel == 1] == [5, 45, 15, 25, 35, 55]  # as written
    note = order.note("f.mcap")
    assert "except 1 topic(s) whose own messages go back up to 3e-08 s" in note
    assert "file order" in note
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", small + large)  # both fit
    order = _order(records)
    got = [time for _, time, _ in order.merged(_walk(records), {0: 0, 1: 1})]
    assert not order.unsorted and got == sorted(got) and "except" not in order.note("f.mcap")



def test_only_the_channels_read_share_the_window_limit(monkeypatch):
    """fix59r2 (review59r b): a channel that fits alone is sorted when read without the others.

    Two disordered channels whose windows do not fit together: read with both, the larger one
    comes in file order (as before); read alone, or beside an in-order channel, each is sorted,
    and ``file_ordered`` of that read names none.
    """
    records = _messages([(0, 0), (20, 0), (10, 0), (30, 0)])
    records += [(at + 4, types.SimpleNamespace(channel_id=1, log_time=time, data=b"y" * 100))
                for at, time in enumerate([5, 45, 15, 25, 35, 55])]
    records += [(at + 10, types.SimpleNamespace(channel_id=2, log_time=time, data=b"z"))
                for at, time in enumerate([1, 2, 3])]  # in order itself
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # channel by channel
    order = _order(records)
    small, large = order.channel_window_bytes[0], order.channel_window_bytes[1]
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", large)  # one at a time
    order = _order(records)
    assert order.unsorted == {1} == order.file_ordered() == order.file_ordered([0, 1, 2])
    for wanted in ([1], [1, 2], [0], [0, 2]):
        assert order.file_ordered(wanted) == set(), wanted
        got = [(time, channel) for channel, time, _ in
               order.merged(_walk(records), {channel: channel for channel in wanted})]
        assert got == sorted(got), (wanted, got)
    monkeypatch.setattr(mcap_order, "CHANNEL_WINDOW_LIMIT_BYTES", small - 1)  # none fits
    assert _order(records).file_ordered([1, 2]) == {1}


def write_mcap(path, topics, entries, chunk_size, library="test_mcap_order"):
    """Write an MCAP of ``entries`` ((topic index, log time ns, data bytes), in file order).

    ``topics``: the topic names, their channels registered in that order; zstd chunks of
    ``chunk_size`` bytes. Then cut its last 200 bytes (a recorder killed before its summary):
    the file is read by scanning it. Return ``path``.
    """
    from mcap.writer import CompressionType, Writer

    with path.open("wb") as stream:
        writer = Writer(stream, compression=CompressionType.ZSTD, chunk_size=chunk_size)
        writer.start(profile="ros2", library=library)
        schema = writer.register_schema(name="std_msgs/msg/String", encoding="ros2msg",
                                        data=b"string data")
        channels = [writer.register_channel(topic=topic, message_encoding="cdr",
                                            schema_id=schema,
                                            metadata={"offered_qos_profiles": ""})
                    for topic in topics]
        for topic, stamp, data in entries:
            writer.add_message(channel_id=channels[topic], log_time=stamp, publish_time=stamp,
                               data=data)
        writer.finish()
    path.write_bytes(path.read_bytes()[:path.stat().st_size - 200])
    return path


def _write_ties(path, chunk_size):
    """Write /a and /b logged at the same times, interleaved, then one /b message going back.

    /b registered first: its channel comes first, /a first in each tie of the file. Chunks of
    ``chunk_size`` bytes: equal times in one chunk and across chunks.
    """
    entries = [(topic, 1_000_000_000 + step // 2 * 10_000_000, b"m" * 32)
               for step in range(30) for topic in (1, 0)]
    return write_mcap(path, ("/b", "/a"), entries + [(0, 1_000_000_000, b"")], chunk_size)


@pytest.mark.parametrize("chunk_size", [64, 400], ids=["a_message_a_chunk", "ties_in_a_chunk"])
def test_a_scanned_file_reads_ties_in_file_order_on_both_routes(tmp_path, monkeypatch,
                                                                chunk_size):
    salvaged = mcap_salvage.SalvagedMcap(_write_ties(tmp_path / "ties.mcap", chunk_size))
    assert not salvaged.in_order
    below = [(connection.topic, time) for connection, time, _ in salvaged.messages()]
    assert [time for _, time in below] == sorted(time for _, time in below)
    assert below[:3] == [("/a", 1_000_000_000), ("/b", 1_000_000_000), ("/a", 1_000_000_000)]
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)
    above = [(connection.topic, time) for connection, time, _ in salvaged.messages()]
    assert above == below


@pytest.fixture
def skewed(tmp_path):
    """20 topics, one 30 ms behind: a second clock, one backward step between two channels."""
    return bench.write_skewed(tmp_path / "skewed.mcap", 20, 60, 300, 30_000_000,
                              chunk_size=4096)  # many chunks: each is sorted inside


def _count_walks(monkeypatch) -> list:
    walks, real = [], mcap_salvage.SalvagedMcap._walk_at

    def walk_at(self, damage, at=0):
        walks.append(at)
        return real(self, damage, at)

    monkeypatch.setattr(mcap_salvage.SalvagedMcap, "_walk_at", walk_at)
    return walks


@pytest.mark.parametrize("cut", [False, True], ids=["closed", "killed"])
def test_a_skewed_twenty_topic_file_is_read_once(skewed, monkeypatch, cut):
    if cut:  # a recorder killed before its summary: the last chunk's complete messages kept
        skewed.write_bytes(skewed.read_bytes()[:skewed.stat().st_size * 9 // 10])
    salvaged = mcap_salvage.SalvagedMcap(skewed)
    walks = _count_walks(monkeypatch)
    read = [(connection.topic, time) for connection, time, _ in salvaged.messages()]
    assert len(walks) == 1, "one pass"
    assert [time for _, time in read] == sorted(time for _, time in read)
    assert len(read) == salvaged.damage.messages_read == (1200 if not cut else len(read))
    assert "in one pass holding 0.02 s of messages" in salvaged.order_note(skewed)
    walks.clear()
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # as a window too large to hold
    assert [(c.topic, t) for c, t, _ in salvaged.messages()] == read
    assert len(walks) == 20 and "merged topic by topic" in salvaged.order_note(skewed)


def test_read_by_scan_asks_for_the_summary_once(skewed, monkeypatch):
    asked, real = [], mcap_summary._summary
    monkeypatch.setattr(mcap_summary, "_summary", lambda path: asked.append(path) or real(path))
    assert mcap_salvage.read_by_scan(skewed) is False  # chunked, indexed: rosbags reads it
    assert len(asked) == 1
