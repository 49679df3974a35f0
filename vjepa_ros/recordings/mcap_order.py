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
  whose own messages go back in time (``disordered``: tf from two broadcasters, a converter
  logging header stamps) is read through a window of its own, as the one pass is, sized by how
  far that channel alone goes back (``channel_window_bytes``); those windows are held together
  up to :data:`CHANNEL_WINDOW_LIMIT_BYTES`, smallest first, among the channels read
  (:meth:`FileOrder.unsorted_of`: a topic left out frees its window for the others), and a
  channel beyond stays in file order (``unsorted``: all channels read), which
  :meth:`FileOrder.note` says.

Both routes hand on equal log times in file order (by record offset, then place in the record).

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
# [bytes] the most the channel-by-channel route holds of the channels whose own messages go back
# in log time (their windows together); beyond, such a channel is handed on in file order
CHANNEL_WINDOW_LIMIT_BYTES = 128 << 20
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
    before it (0 in order); ``window_bytes``: the most the one-pass route holds;
    ``channel_look_back_ns`` / ``channel_window_bytes``: the same for each disordered channel
    alone (what the channel-by-channel route holds for it); ``unsorted``: disordered channels
    whose windows do not fit :data:`CHANNEL_WINDOW_LIMIT_BYTES` beside the smaller ones
    when every channel is read (handed on in file order by that route;
    :meth:`unsorted_of` for the channels of one read).
    """

    def __init__(self):
        self.spans: dict[int, tuple[int, int]] = {}
        self.disordered: set[int] = set()
        self.in_order = True
        self.look_back_ns = 0
        self.window_bytes = 0
        self.channel_look_back_ns: dict[int, int] = {}
        self.channel_window_bytes: dict[int, int] = {}
        self.unsorted: set[int] = set()
        self._latest: int | None = None
        self._own_latest: dict[int, int] = {}
        self._times, self._sizes, self._channels = array("q"), array("q"), array("q")

    def add(self, offset: int, message) -> None:
        """Note one message (an mcap ``Message``) held by the record at byte ``offset``."""
        channel, time = message.channel_id, message.log_time
        self.spans[channel] = (self.spans.get(channel, (offset, offset))[0], offset)
        if self._latest is not None and time < self._latest:
            self.in_order = False
            self.look_back_ns = max(self.look_back_ns, self._latest - time)
        self._latest = time if self._latest is None else max(self._latest, time)
        own_latest = self._own_latest.get(channel, time)
        if time < own_latest:
            self.disordered.add(channel)
            self.channel_look_back_ns[channel] = max(self.channel_look_back_ns.get(channel, 0),
                                                     own_latest - time)
        self._own_latest[channel] = max(time, own_latest)
        self._times.append(time)
        self._sizes.append(len(message.data) + MESSAGE_OVERHEAD)
        self._channels.append(channel)

    def finish(self) -> None:
        """Work out ``window_bytes``, ``channel_window_bytes``, ``unsorted``; forget the rest."""
        times, sizes = np.asarray(self._times), np.asarray(self._sizes)
        channels = np.asarray(self._channels)
        self._times, self._sizes, self._channels = array("q"), array("q"), array("q")
        if self.in_order or not len(times):
            return
        self.window_bytes = _window_bytes(times, sizes, self.look_back_ns)
        for channel, look_back in self.channel_look_back_ns.items():
            mine = channels == channel
            self.channel_window_bytes[channel] = _window_bytes(times[mine], sizes[mine], look_back)
        self.unsorted = self.unsorted_of(self.channel_window_bytes)

    def unsorted_of(self, channels) -> set[int]:
        """Ids of the disordered ``channels`` (ids) whose windows do not fit, read together.

        Their windows (``channel_window_bytes``) are held smallest first up to
        :data:`CHANNEL_WINDOW_LIMIT_BYTES`; those beyond are handed on in file order by the
        channel-by-channel route. Only the channels read count: a topic left out of a read
        holds no window.
        """
        held, beyond = 0, set()
        mine = [channel for channel in channels if channel in self.channel_window_bytes]
        for channel in sorted(mine, key=lambda channel: (self.channel_window_bytes[channel],
                                                         channel)):
            held += self.channel_window_bytes[channel]
            if held > CHANNEL_WINDOW_LIMIT_BYTES:
                beyond.add(channel)
        return beyond

    @property
    def one_pass(self) -> bool:
        """Whether :meth:`merged` reads the file once (in order, or its window small enough)."""
        return self.in_order or self.window_bytes <= WINDOW_LIMIT_BYTES

    def file_ordered(self, channels=None) -> set[int]:
        """Ids of ``channels`` :meth:`merged` hands on in file order though they go back in time.

        ``channels``: the ids read together (None: all). Empty on the one-pass route
        (everything sorted); else :meth:`unsorted_of` those channels.
        """
        if self.one_pass:
            return set()
        return set(self.unsorted) if channels is None else self.unsorted_of(channels)

    def merged(self, walk: Walk, wanted: dict) -> Iterator[tuple[object, int, bytes]]:
        """Yield ``(connection, log time ns, data)`` of the ``wanted`` channels in log-time order.

        ``wanted``: channel id -> its connection; ``walk``: the file's messages (:data:`Walk`).
        Equal log times keep their file order. Read channel by channel (not :attr:`one_pass`),
        a channel in :meth:`unsorted_of` the wanted channels comes in its file order.
        """
        if self.in_order:
            for _, message in walk(0):
                if message.channel_id in wanted:
                    yield wanted[message.channel_id], message.log_time, message.data
            return
        if self.one_pass:
            yield from self._windowed(walk, wanted)
            return
        unsorted = self.unsorted_of(wanted)
        streams = [self._channel(walk, channel, connection, channel in unsorted)
                   for channel, connection in wanted.items()]
        # (log time, record offset, place in the record): ties in file order across channels
        for _, _, _, item in heapq.merge(*streams):
            yield item

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

    def _channel(self, walk: Walk, channel: int, connection,
                 unsorted: bool) -> Iterator[tuple]:
        """Yield one channel's ``(log time, record offset, place, (connection, time, data))``.

        Reads only its span of the file; in log-time order through a window of
        ``channel_look_back_ns`` when its own messages go back (file order if ``unsorted``).
        """
        if channel not in self.spans:
            return
        first, last = self.spans[channel]
        look_back = None if unsorted else self.channel_look_back_ns.get(channel)
        held: list[tuple] = []
        latest, record, place = None, None, 0
        for offset, message in walk(first):
            if offset > last:
                break
            place = place + 1 if offset == record else 0
            record = offset
            if message.channel_id != channel:
                continue
            time = message.log_time
            item = (time, offset, place, (connection, time, message.data))
            if look_back is None:
                yield item
                continue
            latest = time if latest is None else max(latest, time)
            heapq.heappush(held, item)
            while held and held[0][0] < latest - look_back:
                yield heapq.heappop(held)
        while held:
            yield heapq.heappop(held)

    def note(self, shown) -> str | None:
        """Say that the file's messages are not in log-time order, and how they are read.

        None when they are. ``shown``: the path to name.
        """
        if self.in_order:
            return None
        how = (f"in one pass holding {self.look_back_ns / 1e9:.3g} s of messages" if self.one_pass
               else "merged topic by topic")
        note = (f"{shown_path(shown)}: its messages are not in log-time order in the file "
                "(written topic after topic, as `mcap merge` or a converter does): read in "
                f"log-time order, {how}")
        if self.one_pass or not self.unsorted:
            return note
        back = max(self.channel_look_back_ns[channel] for channel in self.unsorted)
        return (f"{note}, except {len(self.unsorted)} topic(s) whose own messages go back up to "
                f"{back / 1e9:.3g} s, more than {CHANNEL_WINDOW_LIMIT_BYTES >> 20} MiB holds "
                "with every topic read: those come in file order, not sorted")


def _window_bytes(times: np.ndarray, sizes: np.ndarray, look_back_ns: int) -> int:
    """Return the most bytes held when each message is handed on after ``look_back_ns`` [ns].

    ``times`` [ns], ``sizes`` [bytes]: int64 arrays in file order; a message is handed on once
    the latest read is past it by more than ``look_back_ns``.
    """
    if not len(times):
        return 0
    latest = np.maximum.accumulate(times)
    handed = np.searchsorted(latest, times + look_back_ns, side="right")
    held = np.zeros(len(times) + 1, dtype=np.int64)
    np.add.at(held, np.arange(len(times)), sizes)
    np.add.at(held, handed, -sizes)
    return int(np.cumsum(held)[:-1].max())
