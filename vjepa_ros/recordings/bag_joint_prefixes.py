"""Which arm's joints a bag's JointState topics hold, and which ``--joint-prefix`` to give.

``collected[topic][2]``: a topic's (names, positions) rows, as ``bags`` collects them. The
prefix given is resolved against the ones found (:func:`resolve_joint_prefix`); advice for a
prefix that names no arm or finger joints there names the prefixes that do
(:func:`prefix_advice`, :func:`finger_prefix_fix`, :func:`arms_to_advise`).
"""

from __future__ import annotations

import re

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.messages import JOINT_STATE
from vjepa_ros.recordings.topic_kinds import measured_first
from vjepa_ros.robot.arm_models import MODEL_PREFIXES
from vjepa_ros.robot.joint_states import arm_prefixes, finger_prefixes


def topics_of_arm(prefix: str, topics, collected) -> list[str]:
    """Return the JointState ``topics`` whose messages hold ``prefix``'s arm joints 1..7.

    ``collected[topic][2]``: a topic's (names, positions) rows. An empty ``prefix``: the
    topics holding any arm's joints 1..7.
    """
    return [topic for topic in topics if topic in collected
            and (prefix in _arms_on(topic, collected) if prefix else _arms_on(topic, collected))]


def _arms_on(topic: str, collected) -> list[str]:
    """Return the prefixes of the arms whose joints 1..7 the messages of ``topic`` name."""
    return arm_prefixes(joint_names([topic], collected))


def joint_names(topics, collected) -> list[str]:
    """Return the joint names (each once, sorted) in the messages of ``topics`` collected."""
    return sorted({str(name) for topic in topics if topic in collected
                   for names, _ in collected[topic][2] for name in names})


def arms_seen(prefix: str, topics, collected) -> dict[str, list[str]]:
    """Return the arms a pose of the bag may be of: joint prefix -> the ``topics`` naming it.

    ``prefix`` given (``--joint-prefix``, resolved) and its arm's joints 1..7 on ``topics``:
    that arm alone; else every arm whose joints 1..7 the JointState ``topics`` name
    (``right_fr3_`` of right_fr3_joint1..7); {} when none do (a ``--joint-prefix`` choosing a
    hand of a bag without arm joints). The pose frame check's arms
    (``bag_arm_states.check_pose_frames``).
    """
    own = topics_of_arm(prefix, topics, collected) if prefix else []
    if own:
        return {prefix: own}
    return {arm: topics_of_arm(arm, topics, collected)
            for arm in arm_prefixes(joint_names(topics, collected))}


def arms_to_advise(prefix: str, topics, collected) -> tuple[list[str], str]:
    """Return the JointState topics holding the arm to advise reading, and the prefix to give.

    ``prefix``'s arm (:func:`topics_of_arm`, topics named *gripper* last, commands last within
    each: ``topic_kinds.measured_first``) and "", else, when
    ``--joint-prefix`` ``prefix`` names no arm there (panda_ on an FR3's fr3_joint1..7), the
    topics of any arm and the ``--joint-prefix`` option naming those on the first of them
    (which can be left out when the bag holds one arm): the bag's arm is not denied (breaker45v).
    """
    def ranked(arm_prefix):  # commands (/fr3/joint_command) after the measured states
        found = topics_of_arm(arm_prefix, topics, collected)
        return sorted(measured_first(found, dict.fromkeys(found, JOINT_STATE)),
                      key=lambda topic: "gripper" in topic)

    own = ranked(prefix)
    if own or not prefix:
        return own, ""
    found = ranked("")
    if not found:
        return found, ""
    there = _arms_on(found[0], collected)
    if {arm for topic in found for arm in _arms_on(topic, collected)} == set(there) == {there[0]}:
        return found, (f"--joint-prefix {there[0]} (or leave --joint-prefix out: the prefix is "
                       "found from the names)")
    return found, " or ".join(f"--joint-prefix {arm}" for arm in there) + (
        " (the arm to read)" if len(there) > 1 else "")


def finger_prefix_fix(prefix: str | None, topics, collected,
                      no_gripper: str = "pass --no-gripper to use closedness 0") -> str:
    """Say what to give when ``--joint-prefix`` ``prefix`` names none of the bag's finger joints.

    ``topics``: the JointState topics looked at (``collected[topic][2]``: their (names,
    positions) rows). "" when ``prefix`` is empty or no finger joint there has another prefix
    (e.g. ``--joint-prefix fr3_`` on a Panda's panda_finger_joint1/2: breaker38).
    ``no_gripper``: how to read closedness 0 instead (``BagTopics.no_gripper_fix``).
    """
    if not prefix:
        return ""
    names = joint_names(topics, collected)
    others = [found for found in finger_prefixes(names) if found != prefix]
    if not others:
        return ""
    fingers = [name for name in names if name.endswith(("finger_joint1", "finger_joint2"))]
    if prefix in arm_prefixes(names):  # this arm is in the bag: the fingers are another arm's
        return (f"the finger joints there ({', '.join(fingers[:4])}) are another arm's, not "
                f"--joint-prefix {prefix}'s: name this arm's gripper topic with --gripper-topic, "
                f"or {no_gripper}")
    return (f"--joint-prefix {prefix} names none of its finger joints ({', '.join(fingers[:4])}):"
            f" {prefix_advice(prefix, others, 'finger joints')}")


def prefix_advice(given: str, found: list[str], what: str) -> str:
    """Say which ``--joint-prefix`` to give when ``given`` names none of the ``found`` prefixes.

    One prefix found: it, or leaving the option out (the prefix is then found from the names).
    Several (two arms): each of them, never one alone (which may be the other arm's) nor
    leaving it out (refused: joints of more than one arm).
    """
    if len(found) == 1:
        return (f"give --joint-prefix {found[0]} (or leave it out: the prefix is found from the "
                "names)")
    listed = " or ".join(f"--joint-prefix {prefix}" for prefix in found)
    return (f"the {what} of {len(found)} arms are there: give the whole prefix of the one to "
            f"read, {listed}")


def resolve_joint_prefix(path, given: str, topics, collected, notes: list[str]) -> str:
    """Return the joint prefix to read: ``given``, or the one found prefix it begins.

    ``--joint-prefix`` names all of a joint's name before ``joint1..7`` (``right_fr3_``); a lab
    gives its launch argument's prefix (``right_``) instead. When ``given`` is none of the
    arm or finger prefixes in the JointState ``topics`` (``collected[topic][2]``: their
    (names, positions) rows) and exactly one found prefix begins with it (an arm's first,
    then a hand's), that one is read,
    with a note; when several do (``robot`` of robot_left_fr3_ and robot_right_fr3_), BagError
    naming each. Otherwise ``given`` is kept (the readers' errors say what the bag holds).
    """
    if not given:
        return given
    names = joint_names(topics, collected)
    arms, hands = arm_prefixes(names), finger_prefixes(names)
    if given in arms or given in hands or any(f"{given}joint{i}" in names for i in range(1, 8)):
        return given  # it names joints (of any arm model, as the reader reads it)
    # an arm's prefix first: its fingers share it (another hand, a Robotiq's, may not)
    longer = [prefix for prefix in arms if prefix.startswith(given)] or \
        [prefix for prefix in hands if prefix.startswith(given)]
    if len(longer) == 1:
        notes.append(f"--joint-prefix {given} names no joint (the prefix is all of the name "
                     f"before joint1..7): reading {longer[0]}joint1..7 and "
                     f"{longer[0]}finger_joint1/2, the one prefix there that begins with it")
        return longer[0]
    if longer:
        raise BagError(
            f"{path}: --joint-prefix {given} names no joint, and {len(longer)} prefixes there "
            f"begin with it ({', '.join(longer)}): give the whole prefix of the arm to read, "
            f"{' or '.join(f'--joint-prefix {prefix}' for prefix in longer)}")
    return given


_ANY_ARM_JOINT = re.compile(r"^(?P<prefix>.*)joint(?P<index>[1-7])$")


def other_arm_names_fix(names) -> str:
    """Say what reads arm joints ``<p>joint1..7`` without a Franka model's name (``fr3_`` ...).

    ``names``: a JointState topic's joint names, none of them a Franka arm's. A complete set
    with a prefix (``arm_joint1..7``): ``--joint-prefix`` naming it reads them as a Franka's (the
    reader takes ``<prefix>joint1..7`` exactly). Without one (``joint1..7``: franka_description's
    ``--no-prefix`` arm, MuJoCo Menagerie's Panda, some simulator bridges): an empty
    ``--joint-prefix`` reads them only with no prefixed arm beside them (mend58a), so otherwise
    the joints must be renamed where they are published or in the bag (a topic relay renames
    topics, not the joint names in a message). "" when the names hold no complete set.
    """
    groups: dict[str, set[int]] = {}
    for name in names:
        match = _ANY_ARM_JOINT.match(str(name))
        if match:
            groups.setdefault(match["prefix"], set()).add(int(match["index"]))
    complete = sorted(prefix for prefix, found in groups.items() if len(found) == 7)
    if not complete:
        return ""
    prefixed = [prefix for prefix in complete if prefix]
    if prefixed:
        return (f"{prefixed[0]}joint1..7 are not a Franka's names ({MODEL_PREFIXES}); if they "
                f"are a Panda's or an FR3's joints, read them with --joint-prefix {prefixed[0]}")
    return ("joint1..7 carry no prefix: --joint-prefix left empty reads them only when no "
            "other arm's joints are recorded beside them (--joint-prefix is the text before "
            f"joint1..7, or found from the model names {MODEL_PREFIXES}): if they are a Panda's "
            "or an FR3's joints, leave --joint-prefix empty and the other arm out, or rename "
            "them fr3_joint1..7 (fingers fr3_finger_joint1/2) where they are published (the "
            "simulator's model or bridge) and record again, or rewrite the bag's JointState names "
            "(e.g. with the rosbags library); a topic relay renames topics, not the joints in a "
            "message")
