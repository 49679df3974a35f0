"""A recording's hand that is not read as its arm's by the prefix rule: which, and what reads it.

The gripper is read from finger joints ``<prefix>finger_joint1/2`` sharing the arm's prefix
(``robot.joint_states``). A gripper node launched with its own default arm id publishes another
prefix (an ``fr3_`` arm with ``panda_finger_joint1/2`` on its gripper topic, a ``left_fr3_`` arm
with ``fr3_`` fingers): such a hand is read when the user names its topic
(``--gripper-topic``: the topic's one hand, whatever its prefix) or when it is the recording's
only hand, on a gripper topic, beside one arm, its prefix naming no other arm of the arm's robot
type (:func:`lone_hand`; ``right_fr3_`` fingers beside a ``left_fr3_`` arm are the other arm's:
:func:`other_arms_hand`). A hand that is no Franka
Hand (a Robotiq 2F-85's ``finger_joint`` or ``robotiq_85_left_knuckle_joint``: a knuckle angle,
not finger distances) is never read: :func:`other_hands_fix` names it and what works.

``collected[topic][2]``: a topic's (names, positions) rows, as ``bags`` collects them.
"""

from __future__ import annotations

import re

from vjepa_ros.recordings.bag_joint_prefixes import joint_names
from vjepa_ros.robot.joint_states import arm_prefixes, finger_prefixes

# a hand whose joint is an angle (Robotiq 2F-85 / 2F-140: ros-industrial's ``finger_joint``,
# ros2_robotiq_gripper's ``robotiq_85_left_knuckle_joint``), not a Franka Hand's distances
_KNUCKLE = re.compile(r"(^|.*[/_])(finger_joint|[a-z0-9_]*knuckle_joint)$")


def hand_prefixes(topic: str, collected) -> list[str]:
    """Return the prefixes of the finger joints (``<prefix>finger_joint1/2``) on ``topic``."""
    return finger_prefixes(joint_names([topic], collected))


def arm_named(joint_prefix: str, topics, collected) -> bool:
    """Return True unless ``--joint-prefix`` ``joint_prefix`` names no arm's joints 1..7 there.

    A prefix that names no arm (``fr3_`` given for a Panda's bag) is the user's mistake: its
    refusal names it (``bag_joint_prefixes.finger_prefix_fix``), no hand of another prefix is
    read past it. An empty prefix (found from the names) names the arm found.
    """
    names = set(joint_names(topics, collected))
    return not joint_prefix or all(f"{joint_prefix}joint{i}" in names for i in range(1, 8))


def lone_hand(topics, collected) -> tuple[str, str] | None:
    """Return (topic, finger prefix) of the recording's only hand when it may be the arm's.

    The JointState ``topics`` hold one hand's finger joints in all, on topics of which the
    first named *gripper* holds them, and at most one arm's joints (another arm's hand is never
    taken for this one's), and the hand's prefix names no other arm (:func:`other_arms_hand`);
    None otherwise.
    """
    hands = {prefix for topic in topics for prefix in hand_prefixes(topic, collected)}
    arms = arm_prefixes(joint_names(topics, collected))
    if len(hands) != 1 or len(arms) > 1 or (arms and other_arms_hand(next(iter(hands)),
                                                                    arms[0])):
        return None
    holding = [topic for topic in topics if hand_prefixes(topic, collected)
               and "gripper" in topic.lower()]
    return (holding[0], next(iter(hands))) if holding else None


def other_arms_hand(hand_prefix: str, arm_prefix: str) -> bool:
    """Return True when ``hand_prefix`` names another arm of the arm's robot type.

    A prefix is an arm id and a robot type (``left_`` and ``fr3_`` of ``left_fr3_``): a hand of
    the arm's type under another arm id (``right_fr3_`` fingers beside a ``left_fr3_`` arm) is
    the other arm's of a two-arm rig; a hand without an arm id (``fr3_`` beside ``left_fr3_``:
    a gripper node's default) or of another type (``panda_`` beside ``fr3_``) may be this one's.
    """
    hand_id, hand_type = _id_and_type(hand_prefix)
    arm_id, arm_type = _id_and_type(arm_prefix)
    return bool(hand_id and arm_id and hand_id != arm_id and hand_type == arm_type)


def _id_and_type(prefix: str) -> tuple[str, str]:
    """Split a joint prefix into (arm id, robot type): ``left_fr3_`` -> (``left_``, ``fr3_``)."""
    words = prefix.rstrip("_").rsplit("_", 1)
    return (words[0] + "_", words[1] + "_") if len(words) == 2 else ("", prefix)


def other_hands_fix(arm_prefix: str, topics, collected, no_gripper: str) -> str:
    """Say which hands the JointState ``topics`` hold that were not read, and what reads them.

    Finger joints of another prefix than ``arm_prefix``'s: on a topic of one hand,
    ``--gripper-topic`` naming it (a named topic's one hand is read); on a topic of several
    (two arms' hands merged into ``/joint_states``, where ``--gripper-topic`` is refused) with
    the arm's prefix unknown (a pose topic's arm), ``--joint-prefix`` naming each prefix, which
    reads that hand's fingers (the arm's prefix known: no option reads one, said so); else a
    knuckle joint (:func:`knuckle_fix`). ``no_gripper``: the closedness-0 fix. "" when none
    is there.
    """
    held = {topic: hand_prefixes(topic, collected) for topic in topics}
    shared = [(topic, found) for topic, found in held.items() if len(found) > 1]
    fingers = [(f"{found[0]}finger_joint1/2", topic) for topic, found in held.items()
               if len(found) == 1 and found[0] != arm_prefix]
    if shared and (not arm_prefix or not fingers):
        topic, found = shared[0]
        hands = (f"the finger joints of {len(found)} hands are on {topic} "
                 f"({', '.join(f'{prefix}finger_joint1/2' for prefix in found)})")
        if arm_prefix:  # known, and none of theirs: no option reads one as this arm's
            return (f"{hands}, none of them {arm_prefix}finger_joint1/2, and --gripper-topic "
                    f"reads a topic of one hand only: record this arm's hand on a topic of its "
                    f"own, or {no_gripper}")
        return (f"{hands}: give this arm's prefix to read its hand, "
                f"{' or '.join(f'--joint-prefix {prefix}' for prefix in found)} (--gripper-topic "
                f"reads a topic of one hand), or {no_gripper}")
    if not fingers:
        return knuckle_fix(topics, collected, no_gripper)
    listed = "; ".join(f"{joints} on {topic}" for joints, topic in fingers[:3])
    readable = [topic for _, topic in fingers if len(hand_prefixes(topic, collected)) == 1]
    if not readable:  # each topic holds several hands: no --gripper-topic reads one
        return several_hands_fix(fingers[0][1], hand_prefixes(fingers[0][1], collected),
                                 no_gripper)
    return (f"finger joints of another prefix than the arm's are there ({listed}): if they "
            f"are this arm's hand, read them with --gripper-topic {readable[0]} (a named "
            f"topic's hand is read whatever its prefix), or {no_gripper}")


def several_hands_fix(topic: str, prefixes, no_gripper: str) -> str:
    """Say that ``topic`` holds several hands' finger joints, which nothing reads, and what works.

    ``prefixes``: the hands' (``hand_a_``, ``hand_b_``: a tool changer publishing each mounted
    hand under its own prefix); ``no_gripper``: the closedness-0 fix.
    """
    hands = " and ".join(f"{prefix}finger_joint1/2" for prefix in prefixes)
    return (f"{topic} holds the finger joints of {len(prefixes)} hands ({hands}: a tool "
            "changer's, or several grippers on one topic), and no option reads one closedness "
            f"from them: {no_gripper}, or cut the recording into one bag per mounted hand (each "
            "such bag's hand is read)")


def knuckle_fix(topics, collected, no_gripper: str) -> str:
    """Say that a Robotiq-style knuckle joint on ``topics`` is not read, and what works ("": none).

    No option reads a knuckle angle as closedness: ``no_gripper`` (the closedness-0 fix) is
    the one advised.
    """
    knuckles = [(name, topic) for topic in topics
                for name in joint_names([topic], collected) if _KNUCKLE.match(name)]
    if not knuckles:
        return ""
    listed = "; ".join(f"{name} on {topic}" for name, topic in knuckles[:3])
    return (f"the hand there is no Franka Hand: {listed} (a Robotiq-style gripper's knuckle "
            "angle) is not read, the gripper is read from a Franka Hand's finger distances "
            f"only, and no option reads it: {no_gripper} (the hand's motion is then "
            "unlabelled)")
