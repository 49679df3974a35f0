"""The message types a recording's topic is read as, and the others noted.

rosbag2 records a second publisher of another type on a topic as a second connection of that
topic (a CompressedImage among a camera's Images, a String on the gripper's JointState topic,
or a bag merged from two recordings). Read as one type, the other type's messages are
deserialized wrongly: an intact frame called damaged, the gripper's states dropped
(breaker49b). :func:`topic_types` chooses each topic's type and the types read with it; the
readers (``bag_reader.iter_messages`` with ``types``) read those connections only, each message
decoded by its own connection's type.
"""

from __future__ import annotations

from vjepa_ros.recordings import messages as m

READ_TYPES = (m.IMAGE, m.COMPRESSED_IMAGE, m.POSE_STAMPED, m.JOINT_STATE)  # what is read
# types read together on one topic, each message decoded by its own type: camera frames
# (a driver restarted with compressed transport: Images, then CompressedImages; breaker49e)
TOGETHER = (frozenset({m.IMAGE, m.COMPRESSED_IMAGE}),)


def topic_types(connections, together: bool = True
                ) -> tuple[dict[str, str], dict[str, frozenset[str]], dict[str, str]]:
    """Return (topic -> its type, topic -> the types read, topic -> a note on types left out).

    ``connections``: rosbags ``Connection`` objects (``topic``, ``msgtype``, ``msgcount``). A
    topic of one type is read as it; of several, its type is the one this package reads
    (Image, CompressedImage, PoseStamped, JointState) with the most messages, else the type
    with the most messages. ``together``: the types read are that type and those of its
    :data:`TOGETHER` group the topic also carries (a reader that decodes each message by its
    connection's type); False: that type alone (a player's one publisher per topic). Each note
    names the topic, the types read and each type left out, with their message counts.
    """
    counts: dict[str, dict[str, int]] = {}
    for connection in connections:
        kinds = counts.setdefault(connection.topic, {})
        kinds[connection.msgtype] = kinds.get(connection.msgtype, 0) + connection.msgcount
    types, read, notes = {}, {}, {}
    for topic, kinds in counts.items():
        main = max(kinds, key=lambda kind: (kind in READ_TYPES, kinds[kind]))
        group = next((g for g in TOGETHER if main in g), frozenset()) if together else ()
        types[topic] = main
        read[topic] = frozenset({main, *(kind for kind in kinds if kind in group)})
        others = [f"{kinds[kind]} {kind}" for kind in kinds if kind not in read[topic]]
        if others:
            taken = ", ".join(f"{kinds[kind]} {kind}" for kind in kinds if kind in read[topic])
            notes[topic] = (f"{topic} carries messages of {len(kinds)} types: read its "
                            f"{taken} message(s), left out {', '.join(others)} (a second "
                            "publisher of another type on the topic?)")
    return types, read, notes


def one_stream(topic: str, main: str, kinds: list[str], times: list[int]
               ) -> tuple[list[bool] | None, str]:
    """Decide whether a topic read as several types is one stream: (messages kept, a note).

    ``kinds``: each message's type, ``times``: its time [ns], in read order; ``main``: the
    topic's type (:func:`topic_types`). Types that follow one another in time (a camera driver
    restarted with compressed transport) are one stream: all kept (None), noted. A type whose
    messages lie within the span of ``main``'s is a second publisher at the same time (two
    streams interleaved, a frame sent twice): only ``main``'s messages are kept (a mask),
    noted with the other types' counts. ``(None, "")`` for a topic of one type.
    """
    if len(set(kinds)) < 2:
        return None, ""
    spans: dict[str, tuple[int, int]] = {}
    for kind, time in zip(kinds, times, strict=True):
        low, high = spans.get(kind, (time, time))
        spans[kind] = (min(low, time), max(high, time))
    counts = {kind: kinds.count(kind) for kind in spans}
    others = ", ".join(f"{counts[kind]} {kind}" for kind in spans if kind != main)
    low, high = spans.get(main, (0, -1))
    if any(start <= high and end >= low for kind, (start, end) in spans.items() if kind != main):
        return [kind == main for kind in kinds], (
            f"{topic}: its {others} message(s) come among its {counts[main]} {main} ones (a "
            f"second publisher at the same time?): read the {main} ones, left out the others")
    order = ", then ".join(f"{counts[kind]} {kind}" for kind in sorted(spans, key=spans.get))
    return None, (f"{topic} carries {order} message(s) (the camera's transport changed?): "
                  "read them all, each as its own type")
