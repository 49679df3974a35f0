"""What to pass when a bag's state topic is not there or not usable: the other state source.

The fix for a missing state topic (``_state_fix``: the topic of the kind found, the other
source, which arm), for a JointState topic without the arm's joints (:func:`arm_topic_fix`),
for a pose topic with NaN poses (:func:`nan_pose_fix`), and the other source to read
(:func:`other_source_fix`). Importable from ``topic_choice`` as before.
"""

from __future__ import annotations

from vjepa_ros.recordings.arm_namespaces import arm_namespaces, in_namespace
from vjepa_ros.recordings.topic_kinds import KIND_TYPES, _option, candidates, topics_of_kind


def _state_fix(types: dict[str, str], config, source: str, auto: bool, given=None) -> str:
    """Return what to pass when the state topic of ``source`` is not in the bag.

    ``config``: the topics picked for this bag; ``given``: as given (candidates), for the fix.
    """
    given = given or config
    other = "joint_states" if source == "pose" else "pose"
    other_topic = config.joint_states if source == "pose" else config.pose
    if other_topic in types and not auto:
        return f"give --state-source {other} (or auto): {other_topic} is in the bag"
    switch = "" if auto else f"--state-source {other} "

    def fixes_in(namespace: str = "") -> list[str]:
        fixes = [_option(source, t, getattr(given, source), types)
                 for t in topics_of_kind(types, source) if in_namespace(t, namespace)][:1]
        fixes += [switch + _option(other, t, getattr(given, other), types)
                  for t in topics_of_kind(types, other) if in_namespace(t, namespace)][:1]
        if auto:  # auto prefers the pose: so does the advice
            fixes.sort(key=lambda fix: not fix.startswith("--pose-topic"))
        return fixes

    arms = arm_namespaces([topics_of_kind(types, "pose"), topics_of_kind(types, "joint_states")])
    if arms:  # which arm is the user's to say (user54u): each one's topics
        return (f"the bag holds {len(arms)} arms ({', '.join(arms)}): say which one to read, "
                + "; or ".join(f"for {arm} give {' or '.join(fixes_in(arm))}" for arm in arms))
    fixes = fixes_in()
    if fixes:
        return "give " + ", or ".join(fixes)
    record = (f"record the arm's state ({config.pose} or {config.joint_states}) with the "
              "camera")
    grippers = topics_of_kind(types, "gripper")  # all named *gripper*: the arm's are not
    if grippers:
        its = (f"its JointState topic {grippers[0]} is" if len(grippers) == 1 else
               f"its JointState topics {', '.join(grippers)} are")
        return (f"the bag has no arm state: no {' or '.join(KIND_TYPES['pose'])} topic, and "
                f"{its} the gripper's (named *gripper*: finger joints, not the arm's "
                f"joint1..7): {record} (if it holds the arm's joints too, give "
                f"{'' if auto or source == 'joint_states' else '--state-source joint_states '}"
                f"{_option('joint_states', grippers[0])})")
    return (f"the bag has no {' or '.join(KIND_TYPES['pose'] + KIND_TYPES['joint_states'])} "
            f"topic: {record}")


def arm_topic_fix(types: dict[str, str], topic: str) -> str:
    """Return what to pass when the JointState ``topic`` holds no arm joints (e.g. the gripper's).

    The bag's other JointState topic, else its pose topic, else the advice to record one.
    """
    joints = [t for t in topics_of_kind(types, "joint_states") if t != topic]
    if joints:
        return f"give the arm's topic with {_option('joint_states', joints[0], None, types)}"
    poses = topics_of_kind(types, "pose")
    if poses:
        return ("read the end-effector pose: --state-source pose "
                f"{_option('pose', poses[0], None, types)}")
    return NO_OTHER_ARM_STATE


# arm_topic_fix's advice for a bag whose JointState topic holds no arm and has no other state
NO_OTHER_ARM_STATE = ("the bag has no other arm state: record the arm's /joint_states or its "
                      "end-effector pose with the camera")


def joint_states_instead(arm_topics: list[str], config, types: dict[str, str],
                         prefix_fix: str = "") -> str:
    """Say how to read the states from the bag's arm joint states; "" when it has none.

    ``arm_topics``: the bag's JointState topics holding the arm's joints 1..7 (by their names,
    ``bag_joint_prefixes.arms_to_advise``), best first; none (a bag whose only JointState is the
    gripper's): "", as ``--state-source joint_states`` would then be refused (breaker45r).
    ``config``: the ``BagTopics`` read; a ``--joint-states-topic`` that holds no arm is
    replaced by the first of ``arm_topics``. ``prefix_fix``: the ``--joint-prefix`` to give
    when the one given names no arm there (added to the options), "" when it does.
    """
    fix = _read_instead("joint_states", arm_topics, config, types)
    return f"{fix} {prefix_fix}" if fix and prefix_fix else fix


def other_source_fix(source: str, arm_topics: list[str], config, types: dict[str, str],
                     prefix_fix: str = "") -> str:
    """Say how to read the states from the bag's other state source; "" when it has none.

    ``source``: the one read ("pose" or "joint_states"). From the pose: the arm's joint states
    (:func:`joint_states_instead`, ``prefix_fix`` as there); from the joint states: the bag's
    pose topic, ``--state-source pose`` (with ``--pose-topic`` when the one given is not it).
    """
    if source == "pose":
        return joint_states_instead(arm_topics, config, types, prefix_fix)
    return _read_instead("pose", topics_of_kind(types, "pose"), config, types)


def _read_instead(source: str, found: list[str], config, types: dict[str, str]) -> str:
    """Return 'read the states from the SOURCE instead: --state-source SOURCE [--TOPIC T]'.

    ``found``: the bag's topics that can serve as ``source``, best first ("" for none); the
    topic option is added when none of ``config``'s candidates is among them.
    """
    if not found:
        return ""
    fix = f"--state-source {source}"
    given = getattr(config, source)
    if not set(candidates(given)) & set(found):
        fix += " " + _option(source, found[0], given, types)
    what = "joint states" if source == "joint_states" else "pose"
    return f"read the states from the {what} instead: {fix}"


def nan_pose_fix(arm_topics: list[str], config, types: dict[str, str],
                 prefix_fix: str = "") -> str:
    """Return what to do when the pose topic holds a NaN or inf pose: the arm's joint states.

    ``arm_topics``, ``config``, ``types``, ``prefix_fix``: as :func:`joint_states_instead`.
    """
    return joint_states_instead(arm_topics, config, types, prefix_fix) or (
        "the bag has no arm joint states to read instead: record the arm's /joint_states with "
        "the pose, or re-record")
