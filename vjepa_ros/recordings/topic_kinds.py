"""The kinds of topic a bag is read for, their options, and a fix's option text.

``OPTIONS`` (``--pose-topic (data.topics.pose)``), ``KIND_TYPES`` (the message types of each
kind), :func:`topics_of_kind`, :func:`candidates` (a setting's candidate topics) and
``_option``, the fix ``--pose-topic TOPIC (data.topics.pose)`` that keeps the candidates given.
Used by ``topic_choice`` and ``state_source_fixes`` (importable from ``topic_choice`` as before).
"""

from __future__ import annotations

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.replayed_commands import recorded_commands

OPTIONS = {"image": "--image-topic (data.topics.image)",
           "pose": "--pose-topic (data.topics.pose)",
           "joint_states": "--joint-states-topic (data.topics.joint_states)",
           "gripper": "--gripper-topic (data.topics.gripper)"}
KIND_TYPES = {"image": m.IMAGE_TYPES, "pose": m.POSE_TYPES, "joint_states": (m.JOINT_STATE,),
              "gripper": (m.JOINT_STATE,)}
# Settings whose '' means something: the gripper's, the JointState topic holding the fingers
# (config/train.yaml writes it so); what their default is, in words.
EMPTY_DEFAULTS = {"gripper": "'': the JointState topic holding the finger joints"}


def topics_of_kind(types: dict[str, str], kind: str) -> list[str]:
    """Topics of the bag (``types``: topic -> message type) that can serve as ``kind``, best first.

    ``kind``: "image", "pose", "joint_states" or "gripper"; JointState topics named *gripper* are
    left out of "joint_states" (they hold the fingers, not the arm). Measured topics come before
    commands (:func:`measured_first`), each group by name: a fix names a command topic only when
    the bag has no measured one of the kind (and then says it is one, :func:`_option`).
    """
    return measured_first(sorted(t for t, ty in types.items() if ty in KIND_TYPES[kind]
                                 and not (kind == "joint_states" and "gripper" in t)), types)


def measured_first(topics, types: dict[str, str]) -> list[str]:
    """Return ``topics`` with the commands among them last, each group in its order.

    Commands by the package's rule, ``replayed_commands.recorded_commands`` on ``types`` (topic
    -> message type): a PoseStamped ``/target_pose`` or ``/equilibrium_pose``, a JointState
    ``/fr3/joint_command``, the set-points sent to the arm, not its measured state.
    """
    commands = recorded_commands({t: types[t] for t in topics if t in types})
    return sorted(topics, key=lambda topic: topic in commands)


def command_words(types: dict[str, str], topic: str) -> str:
    """Say that ``topic`` is a command (``recorded_commands``), for a fix naming it; else "".

    ``types``: the bag's topic -> message type. Words: ``; /target_pose is the planner's
    command, not a measured state: read as the arm's state it gives the motion commanded, not
    the one made``.
    """
    what = recorded_commands({topic: types[topic]}).get(topic) if topic in types else None
    return (f"; {topic} is {what}, not a measured state: read as the arm's state it gives the "
            "motion commanded, not the one made" if what else "")


def candidates(value: str) -> list[str]:
    """Return the candidate topics of a topic setting, each once: ``"A B A"`` -> ``["A", "B"]``."""
    return list(dict.fromkeys(value.split()))


def _option(kind: str, topic: str, given: str | None = None,
            types: dict[str, str] | None = None) -> str:
    """Return the fix ``--pose-topic TOPIC (data.topics.pose)``.

    With a ``given`` value that is not the default, also the candidate form that keeps it
    (``...; for bags with either topic give both, --pose-topic GIVEN TOPIC)``): another bag
    may need the topic given. Candidates that this bag (``types``: topic -> message type) holds
    with another kind's type are left out of it (they are to be replaced, not kept), and each
    is named once. A ``topic`` that ``types`` shows is a command (a state kind's only candidate
    there: :func:`topics_of_kind` ranks them last) is said to be one (:func:`command_words`).
    """
    flag, key = OPTIONS[kind].split(" ", 1)
    kept = [c for c in candidates(given or "")
            if c != topic and not (types and c in types and types[c] not in KIND_TYPES[kind])]
    said = command_words(types, topic) if types and kind != "image" else ""
    if not given or given == _default(kind) or topic in candidates(given) or not kept:
        return f"{flag} {topic} {key}{said}"
    return (f"{flag} {topic} {key[:-1]}; the topic options apply to every bag read: for "
            f"bags with either topic give both, {flag} {' '.join(kept)} {topic}){said}")


def _default(kind: str) -> str:
    """Return ``kind``'s default setting (:data:`EMPTY_DEFAULTS`: ''), as messages show it."""
    return EMPTY_DEFAULTS.get(kind) or getattr(BagTopics(), kind)
