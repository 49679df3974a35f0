"""How a scanned MCAP file's messages are read in log-time order (ROS-free).

``ros2 bag play`` plays a bag in log-time order; an MCAP file's records need not be in it (written
topic after topic: ``mcap merge`` of one-topic files, a converter; two writers whose clocks
differ a little). :class:`FileOrder` is filled by the scan of ``mcap_salvage.SalvagedMcap``, one
message at a time, and then reads the file in log-time order by one of two routes:

- one pass holding a window of messages (:meth:`FileOrder.merged`): the scan measures how far
  any message goes back in log time behind the latest one before it (``look_back_ns``); a
  message is handed on once a message that much later than it has been read, since no later
  one can then come before it. Its memory is the messages inside that window
  (``window_bytes``, worked out from the scan); taken while it is at most
  :data:`WINDOW_LIMIT_BYTES`. A channel whose own messages go back in time is sorted too.
- else a merge of one read per channel (``heapq.merge``), each from the first to the last record
  holding that channel's messages (``spans``): memory one message a channel, one pass in all for
  a file written topic after topic, one pass per channel where their spans overlap. A channel
  whose own messages go back in time (``disordered``) stays in file order there.

``benchmarks/bench_mcap_order.py`` times both on a 20-topic file.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterator

import numpy as np

from vjepa_ros.path_text import shown_path

# [bytes] the most the one-pass route holds (the messages inside its look-back window); beyond,
# the file is merged channel by channel (a camera's 1 MB frames: 128 of them)
WINDOW_LIMIT_BYTES = 128 << 20
# [bytes] what one held message costs beside its data (the record object, its fields, the heap's)
MESSAGE_OVERHEAD = 200

# walk(at): yield (record offset, mcap Message) in file order from byte ``at`` (0: the start)
Walk = Callable[..., Iterator[tuple[int, object]]]


class FileOrder:
    """The log-time order of one MCAP file's messages, as its scan saw them in file order.

    Fill with :meth:`add` (each message, in file order), then :meth:`finish`. ``in_order``: no
    message goes back in log time behind one before it; ``disordered``: ids of channels whose
    own messages do; ``spans``: channel id -> (offset of the first, of the last record holding
    its messages); ``look_back_ns`` [ns]: the farthest a message goes back behind the latest
    before it (0 in order); ``window_bytes``: the most the one-pass route holds.
    """

    def __init__(self):
        self.spans: dict[int, tuple[int, int]] = {}
        self.disordered: set[int] = set()
        self.in_order = True
        self.look_back_ns = 0
        self.window_bytes = 0
        self._latest: int | None = None
        self._own_latest: dict[int, int] = {}
        self._times, self._sizes = array("q"), array("q")

    def add(self, offset: int, message) -> None:
        """Note one message (an mcap ``Message``) held by the record at byte ``offset``."""
        channel, time = message.channel_id, message.log_time
        self.spans[channel] = (self.spans.get(channel, (offset, offset))[0], offset)
        if self._latest is not None and time < self._latest:
            self.in_order = False
            self.look_back_ns = max(self.look_back_ns, self._latest - time)
        self._latest = time if self._latest is None else max(self._latest, time)
        if time < self._own_latest.get(channel, time):
            self.disordered.add(channel)
        self._own_latest[channel] = max(time, self._own_latest.get(channel, time))
        self._times.append(time)
        self._sizes.append(len(message.data) + MESSAGE_OVERHEAD)

    def finish(self) -> None:
        """Work out ``window_bytes`` from the messages noted; forget them."""
        times, sizes = np.asarray(self._times), np.asarray(self._sizes)
        self._times, self._sizes = array("q"), array("q")
        if self.in_order or not len(times):
            return
        latest = np.maximum.accumulate(times)
        # each message is handed on once the latest read is past it by more than look_back_ns
        handed = np.searchsorted(latest, times + self.look_back_ns, side="right")
        held = np.zeros(len(times) + 1, dtype=np.int64)
        np.add.at(held, np.arange(len(times)), sizes)
        np.add.at(held, handed, -sizes)
        self.window_bytes = int(np.cumsum(held)[:-1].max())

    @property
    def one_pass(self) -> bool:
        """Whether :meth:`merged` reads the file once (in order, or its window small enough)."""
        return self.in_order or self.window_bytes <= WINDOW_LIMIT_BYTES

    def merged(self, walk: Walk, wanted: dict) -> Iterator[tuple[object, int, bytes]]:
        """Yield ``(connection, log time ns, data)`` of the ``wanted`` channels in log-time order.

        ``wanted``: channel id -> its connection; ``walk``: the file's messages (:data:`Walk`).
        Equal log times keep their file order.
        """
        if self.in_order or not self.one_pass and len(wanted) < 2:
            for _, message in walk(0):
                if message.channel_id in wanted:
                    yield wanted[message.channel_id], message.log_time, message.data
            return
        if self.one_pass:
            yield from self._windowed(walk, wanted)
            return
        streams = [self._channel(walk, channel, connection)
                   for channel, connection in wanted.items()]
        yield from heapq.merge(*streams, key=lambda item: item[1])

    def _windowed(self, walk: Walk, wanted: dict) -> Iterator[tuple[object, int, bytes]]:
        """One pass: hold each message until one ``look_back_ns`` later than it is read."""
        held: list[tuple[int, int, object]] = []
        latest = None
        for number, (_, message) in enumerate(walk(0)):
            time = message.log_time
            latest = time if latest is None else max(latest, time)
            if message.channel_id in wanted:
                heapq.heappush(held, (time, number, message))
            while held and held[0][0] < latest - self.look_back_ns:
                time, _, ready = heapq.heappop(held)
                yield wanted[ready.channel_id], time, ready.data
        while held:
            time, _, ready = heapq.heappop(held)
            yield wanted[ready.channel_id], time, ready.data

    def _channel(self, walk: Walk, channel: int,
                 connection) -> Iterator[tuple[object, int, bytes]]:
        """Yield one channel's messages, reading only its span of the file."""
        if channel not in self.spans:
            return
        first, last = self.spans[channel]
        for offset, message in walk(first):
            if offset > last:
                return
            if message.channel_id == channel:
                yield connection, message.log_time, message.data

    def note(self, shown) -> str | None:
        """Say that the file's messages are not in log-time order, and how they are read.

        None when they are. ``shown``: the path to name.
        """
        if self.in_order:
            return None
        how = (f"in one pass holding {self.look_back_ns / 1e9:.3g} s of messages" if self.one_pass
               else "merged topic by topic")
        return (f"{shown_path(shown)}: its messages are not in log-time order in the file "
                "(written topic after topic, as `mcap merge` or a converter does): read in "
                f"log-time order, {how}")
