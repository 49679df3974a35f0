"""Whether a bag's hand record applies to a reading, peeked at before the bag is read.

eval and camera-check (and train) not given ``--gripper-max-width`` take the full opening a
bag's ``metadata.yaml`` records (``recorded_hand.recorded_width``) before the bag is read; the
reader then follows the record's finger topic only when the record applies
(``recorded_hand.record_refused``: the topic holds this arm's finger joints, in the arm's
namespace or none does) and ignores it otherwise, saying so. The opening must follow the same
rule (review59t #3: a record of a topic without finger joints, ignored, still set the opening
the other topic's fingers were read at, 0.07 m instead of 0.08, unsaid). So this peeks at what
the rule needs: the state topic (``topic_choice.resolve_state_topic``) and which JointState
topics hold finger joints, from their first messages (up to :data:`PEEK_MESSAGES` each).
"""

from __future__ import annotations

from pathlib import Path

PEEK_MESSAGES = 200  # messages read per JointState topic, at most, to find its finger joints


def finger_topics(path: str | Path, topics) -> tuple[set[str], dict[str, str], str] | None:
    """Return (JointState topics holding finger joints, topic -> type, the state topic).

    ``topics``: the reader's ``BagTopics`` (``joint_prefix``, the state topic's options). A
    topic holds finger joints when one of its first :data:`PEEK_MESSAGES` messages reads
    fingers for ``topics.joint_prefix`` (``JointStateReader``; a message it refuses counts as
    none). The state topic is '' for ``--state-source none`` (then no JointState topic is
    searched, as the reader does). None when the bag cannot be opened or read (its reading
    names the problem).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_arm_states import compact_message
    from vjepa_ros.recordings.bag_files import BagError, open_reader
    from vjepa_ros.recordings.bag_reader import iter_messages
    from vjepa_ros.recordings.topic_choice import resolve_state_topic
    from vjepa_ros.recordings.topic_types import topic_types
    from vjepa_ros.robot.joint_states import JointStateReader
    from vjepa_ros.robot.kinematics import StateError

    try:
        reader = open_reader(Path(path))
    except (BagError, OSError):
        return None
    try:
        types, read_types, _ = topic_types(reader.connections, bag=Path(path))
        _, state_topic = resolve_state_topic(Path(path), types, topics)
        if state_topic is None:
            return set(), types, ""
        joint_topics = sorted(t for t, kind in types.items() if kind == m.JOINT_STATE)
        readers = {topic: JointStateReader(topics.joint_prefix or "") for topic in joint_topics}
        seen = dict.fromkeys(joint_topics, 0)
        found: set[str] = set()
        for connection, _, raw in iter_messages(reader, Path(path), joint_topics, read_types):
            topic = connection.topic
            if topic in found or seen[topic] >= PEEK_MESSAGES:
                continue
            seen[topic] += 1
            try:
                msg = m.typestore().deserialize_cdr(raw, connection.msgtype)
                if readers[topic].read(*compact_message(msg, connection.msgtype)).fingers \
                        is not None:
                    found.add(topic)
            except (StateError, ValueError, TypeError, AttributeError):
                pass  # refused or damaged: no fingers seen here (the reading says why)
            if all(topic in found or seen[topic] >= PEEK_MESSAGES for topic in joint_topics):
                break
        return found, types, state_topic
    except (BagError, OSError):
        return None
    finally:
        reader.close()


def record_applies(path: str | Path, record, topics) -> bool:
    """Whether ``record`` (``recorded_hand.HandRecord``) applies to ``path`` read with ``topics``.

    The reader's rule (``recorded_hand.record_refused``) on what :func:`finger_topics` peeks;
    False when the bag cannot be peeked at.
    """
    from vjepa_ros.recordings.recorded_hand import record_refused

    peeked = finger_topics(path, topics)
    if peeked is None:
        return False
    fingers, types, state_topic = peeked
    return not record_refused(record, fingers, types, state_topic)
