"""One message type per topic: the type a recording's topic is read as, and the others noted.

rosbag2 records a second publisher of another type on a topic as a second connection of that
topic (a CompressedImage among a camera's Images, a String on the gripper's JointState topic,
or a bag merged from two recordings). Read as one type, the other type's messages are
deserialized wrongly: an intact frame called damaged, the gripper's states dropped
(breaker49b). :func:`topic_types` chooses each topic's type; the readers
(``bag_reader.iter_messages`` with ``types``) read that type's connections only.
"""

from __future__ import annotations

from vjepa_ros.recordings import messages as m

READ_TYPES = (m.IMAGE, m.COMPRESSED_IMAGE, m.POSE_STAMPED, m.JOINT_STATE)  # what is read


def topic_types(connections) -> tuple[dict[str, str], dict[str, str]]:
    """Return (topic -> the type it is read as, topic -> a note on the other types left out).

    ``connections``: rosbags ``Connection`` objects (``topic``, ``msgtype``, ``msgcount``). A
    topic of one type is read as it; of several, as the type this package reads (Image,
    CompressedImage, PoseStamped, JointState) with the most messages, else the type with the
    most messages. Each note names the topic, the type read and each type left out with its
    message count.
    """
    counts: dict[str, dict[str, int]] = {}
    for connection in connections:
        kinds = counts.setdefault(connection.topic, {})
        kinds[connection.msgtype] = kinds.get(connection.msgtype, 0) + connection.msgcount
    types, notes = {}, {}
    for topic, kinds in counts.items():
        read = max(kinds, key=lambda kind: (kind in READ_TYPES, kinds[kind]))
        types[topic] = read
        others = [f"{kinds[kind]} {kind}" for kind in kinds if kind != read]
        if others:
            notes[topic] = (f"{topic} carries messages of {len(kinds)} types: read its "
                            f"{kinds[read]} {read} message(s), left out {', '.join(others)} (a "
                            "second publisher of another type on the topic?)")
    return types, notes
