"""Which of a bag's JointState topics bringing finger joints is the evaluated arm's hand.

A bag of two arms may hold a hand for each, both with the same finger names (two FR3s:
``fr3_finger_joint1/2`` on ``/franka_gripper/joint_states`` and on
``/fr3_2/franka_gripper/joint_states``). The hand read is the one in the evaluated arm's
namespace, the namespace of the chosen state topic (``current_pose`` or the arm's joint
states), by the planner node's rule (:func:`vjepa_ros.robot.finger_topics.topic_rank`): a
``*gripper*`` topic in that namespace first, then one namespace above, and so on; fingers
merged into a joint state topic in that namespace or above last (:data:`MERGED_RANK`); a topic
in another namespace not at all while one is in it. A bag's only finger topic is read wherever
it lies; two at the same best rank (or none ranked) are refused, naming each and the
``--gripper-topic`` that chooses (:func:`hand_topics`).
"""

from __future__ import annotations

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.other_hands import hand_prefixes
from vjepa_ros.robot.finger_topics import MERGED_RANK, topic_parts, topic_rank


def hand_rank(topic: str, state_topic: str) -> int | None:
    """Rank ``topic``'s fingers as the arm of ``state_topic``'s hand: lower nearer (None: never).

    A topic with a ``*gripper*`` name part: ``topic_rank`` against the state topic's namespace;
    any other (fingers merged into an arm's joint states: ``/joint_states`` beside a pose
    topic): :data:`MERGED_RANK` when it lies in that namespace or above, else None.
    """
    if any("gripper" in part.lower() for part in topic_parts(topic)):
        return topic_rank(topic, state_topic)
    return topic_rank(topic, topic, state_topic)


def by_rank(topics, state_topic: str) -> list[str]:
    """Return ``topics`` by :func:`hand_rank` (unranked last), then by name."""
    ranks = {topic: hand_rank(topic, state_topic) for topic in topics}
    return sorted(ranks, key=lambda t: (ranks[t] is None, ranks[t] or 0, t))


def hand_topics(path, topics: list[str], state_topic: str, collected, arm_prefix: str,
                notes: list[str], no_gripper: str) -> list[str]:
    """Return the finger ``topics`` best first: the first is read as the arm's hand.

    ``topics``: the JointState topics whose finger joints were read as this arm's (each one
    hand); ``state_topic``: the arm's state topic (its namespace is the arm's);
    ``collected[topic][2]``: each topic's (names, positions) rows, for the hands' names;
    ``arm_prefix``: the arm's joint prefix ('' unknown: a pose topic without ``--joint-prefix``);
    ``no_gripper``: the closedness-0 fix (``BagTopics.no_gripper_fix``). One topic: it. Several:
    the one alone at the best :func:`hand_rank`, with a note naming the others; BagError naming
    each tied topic, its hand and the ``--gripper-topic`` to give when two share the best rank
    or none is ranked (two arms' hands, neither in the state topic's namespace).
    """
    ranked = by_rank(topics, state_topic)
    ranks = {topic: hand_rank(topic, state_topic) for topic in ranked}
    if len(ranked) < 2:
        return ranked
    tied = [topic for topic in ranked if ranks[topic] == ranks[ranked[0]]]
    if len(tied) == 1:
        where = ("merged into joint states" if ranks[tied[0]] == MERGED_RANK else
                 "a *gripper* topic")
        notes.append(f"gripper from {ranked[0]} ({where} in the namespace of the state topic "
                     f"{state_topic} or above: taken as this arm's hand); finger joints also on "
                     f"{', '.join(ranked[1:])} (choose with --gripper-topic)")
        return ranked
    hands = {topic: hand_prefixes(topic, collected) for topic in tied}
    listed = "; ".join(f"{'/'.join(p + 'finger_joint1/2' for p in hands[t]) or 'fingers'} on {t}"
                       for t in tied)
    why = (f"none lies in the namespace of the state topic {state_topic} or one above it"
           if ranks[tied[0]] is None else
           f"they lie equally near the namespace of the state topic {state_topic}")
    prefixes = sorted({prefix for found in hands.values() for prefix in found})
    one_each = all(len(found) == 1 for found in hands.values()) and len(prefixes) == len(tied)
    by_prefix = (" or ".join(f"--joint-prefix {prefix}" for prefix in prefixes) + ", "
                 if not arm_prefix and one_each else "")  # a pose topic's arm: its hand's prefix
    raise BagError(
        f"{path}: which hand is this arm's is ambiguous: finger joints on {len(tied)} topics "
        f"({listed}), and {why} (two arms recorded together?): name this arm's hand with "
        f"{' or '.join(f'--gripper-topic {topic}' for topic in tied)} (data.topics.gripper), "
        f"{by_prefix}or {no_gripper}")
