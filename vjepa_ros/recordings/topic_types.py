"""The message types a recording's topic is read as, and the others noted.

rosbag2 records a second publisher of another type on a topic as a second connection of that
topic (a CompressedImage among a camera's Images, a String on the gripper's JointState topic,
or a bag merged from two recordings). Read as one type, the other type's messages are
deserialized wrongly: an intact frame called damaged, the gripper's states dropped
(breaker49b). :func:`topic_types` chooses each topic's type and the types read with it; the
readers (``bag_reader.iter_messages`` with ``types``) read those connections only, each message
decoded by its own connection's type. :func:`one_stream` tells a camera whose transport
changed (its types take turns: every frame read) from two publishers at once (their messages
come together: the topic's type read only).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from pathlib import Path

import numpy as np

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings import messages as m

READ_TYPES = (m.IMAGE, m.COMPRESSED_IMAGE, m.POSE_STAMPED, m.JOINT_STATE)  # what is read
# types read together on one topic, each message decoded by its own type: camera frames
# (a driver restarted with compressed transport: Images, then CompressedImages; breaker49e)
TOGETHER = (frozenset({m.IMAGE, m.COMPRESSED_IMAGE}),)
GAP = 1.5  # [periods] an interval of a stream longer than this is a gap (another type's turn)
OVERLAP = 2  # messages of each type that may come within the other's stream at a switch


def topic_types(connections, together: bool = True, switched: Collection[str] = (),
                bag: Path | None = None
                ) -> tuple[dict[str, str], dict[str, frozenset[str]], dict[str, str]]:
    """Return (topic -> its type, topic -> the types read, topic -> a note on types left out).

    ``connections``: rosbags ``Connection`` objects (``topic``, ``msgtype``, ``msgcount``). A
    topic of one type is read as it; of several, its type is the one this package reads
    (Image, CompressedImage, PoseStamped, JointState) with the most messages, else the type
    with the most messages. ``together``: the types read are that type and those of its
    :data:`TOGETHER` group the topic also carries (a reader that decodes each message by its
    connection's type); False: that type alone (a player's one publisher per topic). Each note
    names the topic, the types read and each type left out, with their message counts, and
    asks "a second publisher of another type on the topic?"; for a topic in ``switched``
    (:func:`one_camera` found its types one stream: a player's, which publishes one type) it
    says which are published and which not, and asks "the camera's transport changed?";
    ``bag``: the bag's path, named first (``BAG: /topic carries ...``; None: the topic first).
    """
    counts: dict[str, dict[str, int]] = {}
    for connection in connections:
        kinds = counts.setdefault(connection.topic, {})
        kinds[connection.msgtype] = kinds.get(connection.msgtype, 0) + connection.msgcount
    types, read, notes = {}, {}, {}
    for topic, kinds in counts.items():
        main = max(kinds, key=lambda kind: (kind in READ_TYPES, kinds[kind]))
        types[topic] = main
        read[topic] = frozenset({main, *(kind for kind in kinds if together and kind in
                                         together_with(main))})
        others = [f"{kinds[kind]} {kind}" for kind in kinds if kind not in read[topic]]
        if others:
            taken = ", ".join(f"{kinds[kind]} {kind}" for kind in kinds if kind in read[topic])
            done = (f"only its {taken} message(s) are published; its {', '.join(others)} "
                    "message(s) are not (the camera's transport changed?)") \
                if topic in switched else (f"read its {taken} message(s), left out "
                                           f"{', '.join(others)} (a second publisher of another "
                                           "type on the topic?)")
            notes[topic] = f"{_named(bag)}{topic} carries messages of {len(kinds)} types: {done}"
    return types, read, notes


def together_with(kind: str) -> frozenset[str]:
    """Return the :data:`TOGETHER` group of ``kind`` (empty: a type read alone)."""
    return next((group for group in TOGETHER if kind in group), frozenset())


def _switches(kinds: list[str], times: list[int]) -> tuple[list[bool], list[tuple[str, int]]]:
    """Return (each message came while another type's stream ran, the runs of the others).

    A message comes within another type's stream when that stream holds messages before and
    after it no more than :data:`GAP` of its periods apart (it kept its rate: no frame of it
    replaced), or one within half a period (the same frame at a stream's edge). The runs:
    (type, count) of the remaining messages in time order, consecutive ones of a type counted
    together. ``times`` [ns], in any order; a period is the median interval of a type's
    messages (of all messages for a type with one).
    """
    order = sorted(range(len(kinds)), key=times.__getitem__)
    every = [times[i] for i in order]
    period_all = float(np.median(np.diff(every))) if len(every) > 1 else 0.0
    streams = {}
    for kind in set(kinds):
        other = [times[i] for i in order if kinds[i] != kind]  # the others' stream, sorted
        period = float(np.median(np.diff(other))) if len(other) > 1 else period_all
        streams[kind] = (other, period)
    within = []
    for kind, time in zip(kinds, times, strict=True):
        other, period = streams[kind]
        at = bisect.bisect_left(other, time)
        before, after = other[at - 1] if at else None, other[at] if at < len(other) else None
        within.append((before is not None and after is not None
                       and after - before <= GAP * period)
                      or any(near is not None and abs(near - time) <= period / 2
                             for near in (before, after)))
    runs: list[tuple[str, int]] = []
    for i in order:
        if within[i]:
            continue
        if runs and runs[-1][0] == kinds[i]:
            runs[-1] = (kinds[i], runs[-1][1] + 1)
        else:
            runs.append((kinds[i], 1))
    return within, runs


def one_camera(kinds: list[str], times: list[int]) -> bool:
    """Tell whether a topic's messages of several types are one stream whose type changed.

    ``kinds``: each message's type, ``times``: its time [ns]. One stream: the types take turns
    (any number of switches: a camera whose transport changed, and changed back), at most
    :data:`OVERLAP` messages of each type coming within the other's stream at each switch (the
    new driver's first frame before the old one's last). Else two publishers at once: a type
    never takes over (a stray frame), or the types' messages come together over a span (their
    rates add up), more than the switches allow.
    """
    return _takes_turns(*_switches(kinds, times))


def _takes_turns(within: list[bool], runs: list[tuple[str, int]]) -> bool:
    """Tell whether :func:`_switches`' result is one stream (:func:`one_camera`)."""
    return len(runs) > 1 and sum(within) <= 2 * OVERLAP * (len(runs) - 1)


def one_stream(topic: str, main: str, kinds: list[str], times: list[int],
               bag: Path | None = None) -> tuple[list[bool] | None, str]:
    """Decide whether a topic read as several types is one stream: (messages kept, a note).

    ``kinds``: each message's type, ``times``: its time [ns], in read order; ``main``: the
    topic's type (:func:`topic_types`). One stream (:func:`one_camera`: a camera whose
    transport changed, any number of times): all kept (None), noted with the runs of each
    type. Two publishers at once: only ``main``'s messages kept (a mask), noted with the other
    types' counts. ``(None, "")`` for a topic of one type. ``bag``: the bag's path, named
    first in the note (None: the topic first).
    """
    if len(set(kinds)) < 2:
        return None, ""
    counts = {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)}
    within, runs = _switches(kinds, times)
    if not _takes_turns(within, runs):
        others = ", ".join(f"{counts[kind]} {kind}" for kind in counts if kind != main)
        return [kind == main for kind in kinds], (
            f"{_named(bag)}{topic}: its {others} message(s) come among its {counts[main]} {main} "
            "ones (a second publisher at the same time?): read the "
            f"{main} ones, left out the others")
    order = ", then ".join(f"{count} {kind}" for kind, count in runs)
    overlap = f", and {sum(within)} more where both types came at a switch" if any(within) \
        else ""
    return None, (f"{_named(bag)}{topic} carries {order} message(s){overlap} (the camera's "
                  f"transport changed?): read all {len(kinds)}, each as its own type")


def _named(bag: Path | None) -> str:
    """Return a note's lead naming the bag (``"BAG: "``; "" for None)."""
    return "" if bag is None else f"{shown_path(bag)}: "
