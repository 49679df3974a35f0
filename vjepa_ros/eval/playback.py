"""Replaying a bag in time: which message goes out when, and what ``/clock`` says (no ROS here).

The ``bag_player`` node (``vjepa_ros/nodes/bag_player.py``) is a thin shell around :func:`play`:
messages leave in bag order at their original relative times divided by ``rate``; between them
the bag time is published on ``/clock`` at ``clock_hz`` so nodes with ``use_sim_time`` run on the
recording's clock, as with ``ros2 bag play --clock`` on a ROS install. Messages stay serialized
(CDR) end to end: the player never needs to understand them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from vjepa_ros.config import check_values, param
from vjepa_ros.recordings.bag_files import (
    BagError,
    DamagedBagError,
    bag_path,
    iter_messages,
    open_reader,
)
from vjepa_ros.recordings.topic_types import one_camera, topic_types

# [s of bag time] A message goes out with /clock at most this far behind its time: /clock is
# published before a message only when the message's time is more than this ahead of the last
# /clock (a 1 kHz bag played with 40 Hz ticks: about 120 /clock a second in all, 80 of them
# besides the ticks, not 1000; a 100 Hz bag about 80 in all). A subscriber on use_sim_time
# then sees a stamp at most this far ahead of its clock: 1/25 of the planner's tightest default
# freshness limit (safety.max_state_age_s 0.25 s, checked both ways by input_ages.age_problem),
# and a tick of a 100 Hz joint-state stream. It bounds what a node on use_sim_time sees, so it
# moves with those freshness limits (test_bag_player_clock pins it below a tenth of each), not
# with robot.camera_stamp.MAX_AHEAD_S: that one judges a RealSense capture time against wall
# arrival and is never applied on simulated time (device_stamp_problem refuses it there), so
# the two are equal (10 ms) by choice, not by a rule that ties them.
CLOCK_MARGIN_S = 0.01


@dataclasses.dataclass
class PlaybackConfig:
    bag: str = param("", "rosbag2 bag to play: a directory with metadata.yaml, or a .mcap/.db3 "
                     "file; required.")
    rate: float = param(1.0, "Playback speed factor (2.0 plays twice as fast), (0, 100].",
                        range=(0, 100), low_open=True)
    clock: bool = param(True, "Publish the bag time on /clock (rosgraph_msgs/Clock), for nodes "
                        "started with use_sim_time:=true.")
    clock_hz: float = param(40.0, "/clock messages per second of wall time, (0, 1000].",
                            range=(0, 1000), low_open=True)
    topics: str = param("", "Comma-separated topics to play; empty: every topic in the bag.",
                        joined=",")  # one string: a list given is refused naming this form
    loop: bool = param(False, "Start again from the beginning when the bag ends (each pass "
                       "lasts 1 s of wall time at least).")
    start_delay_s: float = param(
        0.5, "Wait this long [s] before the first message so that subscribers can connect, "
        "[0, 3600].",
        range=(0, 3600)
    )

    def check(self) -> PlaybackConfig:
        """Return self; ValueError (one line, naming the parameter and its range) otherwise.

        ``rate``, ``clock_hz`` and ``start_delay_s`` must be finite and in their declared
        ranges (``rate:=inf`` played every message at once, ``nan`` hung); ``bag`` given.
        """
        check_values(self)
        if not self.bag:
            raise BagError("parameter 'bag' is empty: give the bag to play")
        return self

    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]


@dataclasses.dataclass(frozen=True)
class TopicInfo:
    msgtype: str  # e.g. sensor_msgs/msg/Image
    latched: bool  # recorded with transient-local durability (e.g. /tf_static)
    count: int


@dataclasses.dataclass(frozen=True)
class BagMessage:
    topic: str
    msgtype: str
    time_ns: int  # when the recorder received it
    data: bytes  # serialized CDR, as recorded


@dataclasses.dataclass(frozen=True)
class BagContents:
    """What a player needs to know before playing: topics, and what the reader repaired or lost.

    ``notes`` are the reader's one-line notes (a missing ``metadata.yaml``, a truncated file and
    the span lost); ``lost`` is true when messages were lost, not merely metadata repaired.
    """

    topics: dict[str, TopicInfo]
    notes: tuple[str, ...] = ()
    lost: bool = False


class MissingTopicsError(BagError):
    """Topics asked for that the bag does not hold: ``missing``, and the ``found`` ones."""

    def __init__(self, path: Path, missing: list[str], found: list[str]):
        super().__init__(f"{path}: topic(s) {', '.join(missing)} not in the bag (it has "
                         f"{', '.join(found) or 'no topics'})")
        self.path, self.missing, self.found = path, missing, found


def bag_topics(path: str | Path, topics: Iterable[str] = (),
               copies=None) -> dict[str, TopicInfo]:
    """Topics of a bag (all, or the given ones, which must exist) with type and durability.

    ``copies``: as for :func:`bag_contents`. The notes are not worded (no topic is read).
    """
    return _contents(path, topics, copies, worded=False).topics


def bag_contents(path: str | Path, topics: Iterable[str] = (), copies=None) -> BagContents:
    """:func:`bag_topics` with the reader's notes; BagError for a missing topic or bag.

    ``path``: ``~`` and ``$NAME`` expanded (``bag_files.bag_path``; a variable that is not set:
    BagError naming it).

    A topic of several types is played as one (``topic_types``' choice, ``together=False``: a
    publisher has one type), its count that type's; a note names the types left out.
    ``copies``: a ``recordings.temp_copies.TempCopies`` shared by the openings of one bag (a
    ``.db3`` with a pending write-ahead log is then merged into a temporary copy once, not at
    every opening); None: this opening's own, removed when it is dropped. A data file that is
    one part of a split recording has a note, after the reader's, that its other parts are not
    played (``split_parts.lone_part_note``, as eval and train say it).
    """
    return _contents(path, topics, copies, worded=True)


def _contents(path: str | Path, topics: Iterable[str], copies, worded: bool) -> BagContents:
    """:func:`bag_contents`; ``worded`` False: its notes unread (:func:`bag_topics`).

    Only where the notes are worded, and only for the topics chosen, is a camera topic of two
    types read through (:func:`_switched`) to say whether its transport changed.
    """
    from rosbags.interfaces import ConnectionExtRosbag2, QosDurability

    path = bag_path(path)  # ~ and $NAME: a parameter is no shell word (user_paths)
    reader = open_reader(path, copies=copies)
    notes, lost = list(reader.notes), reader.lost
    if worded and path.is_file():  # one part of a split recording: its others unplayed
        from vjepa_ros.recordings.split_parts import lone_part_note

        notes += filter(None, [lone_part_note(path)])
    try:
        types, _, mixed = topic_types(reader.connections, together=False, bag=path)
        found: dict[str, TopicInfo] = {}
        durable: dict[str, list[bool]] = {}  # topic -> each recorded publisher transient-local?
        for connection in reader.connections:
            if connection.msgtype != types[connection.topic]:  # left out: the note says so
                continue
            profiles = connection.ext.offered_qos_profiles \
                if isinstance(connection.ext, ConnectionExtRosbag2) else []
            durable.setdefault(connection.topic, []).extend(
                p.durability == QosDurability.TRANSIENT_LOCAL for p in profiles)
            # latched as ros2 bag play has it: every publisher recorded offered transient-local
            latched = bool(durable[connection.topic]) and all(durable[connection.topic])
            old = found.get(connection.topic)
            count = connection.msgcount + (old.count if old else 0)
            found[connection.topic] = TopicInfo(connection.msgtype, latched, count)
        wanted = list(topics)
        missing = [t for t in wanted if t not in found]
        if missing:
            raise MissingTopicsError(path, missing, sorted(found))
        chosen = wanted or sorted(found)
        _refuse_disordered(reader, path, chosen)
        # the chosen topics carrying two types of one group (a camera's Image, CompressedImage)
        both = {topic: kinds for topic, kinds in topic_types(reader.connections)[1].items()
                if topic in chosen and len(kinds) > 1} if worded else {}
        if both:
            mixed = topic_types(reader.connections, False, _switched(reader, path, both), path)[2]
    finally:
        reader.close()
    notes += [mixed[topic] for topic in chosen if topic in mixed]
    return BagContents({t: found[t] for t in chosen}, tuple(notes), lost)


def _refuse_disordered(reader, path: Path, chosen: list[str]) -> None:
    """Raise BagError when a chosen topic would be published out of log-time order.

    The reader hands on an MCAP file's messages in log-time order, a topic whose own messages go
    back in time included (``mcap_order.FileOrder.merged``): those play, sorted. Only a topic
    it leaves in file order is refused (``FileOrder.file_ordered`` of the chosen topics' channels:
    merged topic by topic, its window beyond ``CHANNEL_WINDOW_LIMIT_BYTES`` beside the other
    chosen topics' windows, never a topic left out), naming the MCAP CLI commands that rewrite
    the file sorted. Such a file is read by the scan (no message index, unchunked, or cut),
    which ``mcap sort`` refuses without chunk indexes, so ``mcap recover`` writes an indexed
    copy first (MCAP CLI: ``mcap recover [file] -o out``, ``mcap sort [file] -o out``).
    """
    from vjepa_ros.path_advice import shell_command
    from vjepa_ros.path_text import shown_path

    for part in reader.parts:
        order = getattr(part, "order", None)  # mcap_salvage.SalvagedMcap's; rosbags' sort
        mine = [c.id for c in part.connections if c.topic in chosen]
        unsorted = order.file_ordered(mine) if order is not None else set()
        bad = sorted({c.topic for c in part.connections if c.id in unsorted})
        if bad:
            file = part.path
            recover = shell_command("mcap", "recover", file, "-o", "recovered.mcap")
            sort = shell_command("mcap", "sort", "recovered.mcap", "-o", "sorted.mcap")
            raise BagError(
                f"{shown_path(file)}: the messages of {', '.join(bad)} go back in log time "
                "further than the player can sort in memory, and it publishes in log-time "
                f"order: rewrite the file sorted with `{recover} && {sort}` (MCAP CLI: "
                "https://github.com/foxglove/mcap/releases) and play sorted.mcap, or leave "
                "out those topics (parameter 'topics')")


def _switched(reader, path: Path, both: dict[str, frozenset[str]]) -> set[str]:
    """Return the topics whose types are one camera whose transport changed (``one_camera``).

    ``both``: topic -> its types of one ``TOGETHER`` group (``topic_types``' second result),
    each topic carrying two or more; their receive times are read. A damaged bag: none (the
    pass itself says so).
    """
    seen: dict[str, tuple[list[str], list[int]]] = {topic: ([], []) for topic in both}
    try:
        for connection, time_ns, _ in iter_messages(reader, path, list(both), both):
            seen[connection.topic][0].append(connection.msgtype)
            seen[connection.topic][1].append(int(time_ns))
    except DamagedBagError:
        return set()
    return {topic for topic, (kinds, times) in seen.items() if one_camera(kinds, times)}


def iter_bag(path: str | Path, topics: Iterable[str] = (),
             copies=None) -> Iterator[BagMessage]:
    """Yield the bag's messages (all topics, or these) in time order, still serialized.

    Time order: the log (receive) time, as ``ros2 bag play`` plays, also for an MCAP written
    topic after topic or one whose topic's own messages go back in time
    (``mcap_salvage.SalvagedMcap.messages`` sorts it); a topic the reader cannot sort in memory
    is refused naming ``mcap recover`` and ``mcap sort`` (``bag_contents``).

    Each topic's messages of the type :func:`bag_contents` gives it only (the others are left
    out, as its note says). A summary count above what the records hold ends no pass (a
    recorder that dropped messages); a damaged record raises one ``DamagedBagError`` line with
    the repair command.
    ``copies``: as for :func:`bag_contents`; None: one for this pass, shared by its two
    openings (the topics, then the messages).
    """
    from vjepa_ros.recordings.temp_copies import TempCopies

    path = bag_path(path)  # ~ and $NAME: a parameter is no shell word (user_paths)
    copies = TempCopies() if copies is None else copies
    chosen = list(bag_topics(path, topics, copies))
    reader = open_reader(path, copies=copies)
    try:
        types = topic_types(reader.connections, together=False)[1]
        for connection, time_ns, data in iter_messages(reader, path, chosen, types):
            yield BagMessage(connection.topic, connection.msgtype, int(time_ns), bytes(data))
    finally:
        reader.close()


class PlaybackClock:
    """Map bag time to wall time and back: wall = wall_start + (bag − bag_start) / rate."""

    def __init__(self, bag_start_ns: int, rate: float, wall_start_s: float):
        if not rate > 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        self.bag_start_ns, self.rate, self.wall_start_s = bag_start_ns, rate, wall_start_s

    def wall_time(self, bag_ns: int) -> float:
        """Wall time [s] (the ``now`` clock's) at which the message of ``bag_ns`` is due."""
        return self.wall_start_s + (bag_ns - self.bag_start_ns) / 1e9 / self.rate

    def bag_time(self, wall_s: float) -> int:
        """Bag time [ns] at wall time ``wall_s``."""
        return self.bag_start_ns + round((wall_s - self.wall_start_s) * self.rate * 1e9)


def play(
    messages: Iterable[BagMessage],
    publish: Callable[[BagMessage], None],
    publish_clock: Callable[[int], None] | None = None,
    *,
    rate: float = 1.0,
    clock_hz: float = 40.0,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
    clock_margin_s: float = CLOCK_MARGIN_S,
) -> int:
    """Publish ``messages`` at their relative times / ``rate``; tick ``publish_clock`` meanwhile.

    The clock gets the first message's time right away, then the bag time every 1/clock_hz
    seconds of wall time (never going backwards), and a message's time just before it is
    published when that is more than ``clock_margin_s`` [s of bag time, default
    :data:`CLOCK_MARGIN_S`] ahead of the last clock: a node on this clock never receives a
    message whose bag time is more than ``clock_margin_s`` ahead of it (0: never ahead; a dense
    bag then doubles the publishes). Ticks alone lag a message by up to rate / clock_hz of bag
    time (0.5 s at rate 20 and 40 Hz), beyond ``safety.max_state_age_s`` (0.25 s) the planner
    allows a state stamped ahead of its clock (breaker51d). Returns how many messages were
    published; ``should_stop`` ends playback early (checked at least every 50 ms).
    """
    period, margin_ns = 1.0 / clock_hz, round(clock_margin_s * 1e9)
    clock, next_tick, published, last_clock = None, 0.0, 0, None

    def tick(bag_ns: int) -> None:
        nonlocal last_clock
        if publish_clock is not None and (last_clock is None or bag_ns > last_clock):
            publish_clock(bag_ns)
            last_clock = bag_ns

    for message in messages:
        if clock is None:
            clock = PlaybackClock(message.time_ns, rate, now())
            tick(message.time_ns)
            next_tick = now() + period
        due = clock.wall_time(message.time_ns)
        while True:
            if should_stop():
                return published
            current = now()
            if publish_clock is not None and current >= next_tick:
                tick(min(clock.bag_time(current), message.time_ns))
                next_tick += period
                if next_tick <= current:  # fell behind: no burst of ticks, resume the rhythm
                    next_tick = current + period
            if current >= due:
                break
            wait = due - current
            if publish_clock is not None:
                wait = min(wait, max(next_tick - current, 0.0))
            sleep(min(wait, 0.05))
        if last_clock is not None and message.time_ns - last_clock > margin_ns:
            tick(message.time_ns)  # /clock first: never a message more than the margin ahead
        publish(message)
        published += 1
    return published
