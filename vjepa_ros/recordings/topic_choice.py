"""Which topics of a bag to read: the camera and the arm's state, or one line saying what to pass.

A topic the bag lacks, or one of the wrong type, is refused with the option that fixes it and the
topic of the right type found in the bag (``--pose-topic /franka_robot_state_broadcaster/
current_pose``), as the ``--state-source`` and ``--joint-prefix`` errors do; only a bag with no
topic of the kind at all gets the advice to record one. Each option is followed by its key in
``train``'s config (``data.topics.pose``), which ``train --config`` sets; the commands without
that key (``eval``, ``camera-check``, ``pretrain``) name their option alone
(:func:`without_train_keys`).

The camera, pose, joint-state and gripper options take several candidate topics (``--image-topic
A B``, in a config ``image: "A B"`` or ``image: [A, B]``, :func:`topic_settings`): bags of
different drivers are read together, each by the one of
the candidates it holds (:func:`pick_topic`); a bag holding two of them is refused, naming both.
A fix for one bag, when the option was given, shows that form: the options apply to every bag.

The kinds, their options and a fix's option text are in ``topic_kinds.py``; the fixes that name
the other state source in ``state_source_fixes.py``; all importable from here as before.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.state_source_fixes import (  # noqa: F401 (re-exported)
    NO_OTHER_ARM_STATE,
    _state_fix,
    arm_topic_fix,
    joint_states_instead,
    nan_pose_fix,
    other_source_fix,
)
from vjepa_ros.recordings.topic_kinds import (  # noqa: F401 (re-exported)
    EMPTY_DEFAULTS,
    KIND_TYPES,
    OPTIONS,
    _default,
    _option,
    candidates,
    topics_of_kind,
)

DEFAULT_CAMERA = "/camera/camera/color/image_raw"


# train's settings key after an option: " (data.topics.pose)", "(data.topics.stamps: receive)",
# or the head of a longer parenthesis "(data.topics.pose; the topic options ...)"
_TRAIN_KEY = re.compile(r" ?\(data\.topics\.\w+(?:: \w+)?\)|(?<=\()data\.topics\.\w+(?:: \w+)?; ")


def without_train_keys(text: str) -> str:
    """Return a bag message without ``train``'s settings keys, for a command that has none.

    ``give --pose-topic X (data.topics.pose)`` -> ``give --pose-topic X``; ``(data.topics.pose;
    the topic options apply ...)`` -> ``(the topic options apply ...)``. ``eval``,
    ``camera-check`` and ``pretrain`` are set by their options alone: each names its own.
    """
    return _TRAIN_KEY.sub("", text)


NOT_COLOUR = ("depth", "infra", "/ir", "disparity", "confidence", "thermal", "mask")
COLOUR = ("color", "colour", "rgb")


def camera_topics(types: dict[str, str]) -> list[str]:
    """Return the bag's image topics, colour streams first: the ones to name as the camera.

    Names of depth, infrared and other non-colour streams (``aligned_depth_to_color``,
    ``infra1``, ``compressedDepth``) last, names saying colour (``color``, ``rgb``) first, then
    alphabetical.
    """
    def rank(topic: str):
        name = topic.lower()
        return any(w in name for w in NOT_COLOUR), not any(w in name for w in COLOUR), topic

    return sorted(topics_of_kind(types, "image"), key=rank)


def topic_settings(topics, prefix: str = "data.topics.") -> dict:
    """Return a settings file's ``data.topics`` mapping with its candidate topics as strings.

    ``image``, ``pose``, ``joint_states`` and ``gripper`` take a YAML list of candidates
    (``image: [/a, /b]``, the same as ``"/a /b"``; a candidate listed twice is kept once, where
    it is read); an empty or blank one ('' or ``[]``, or a blank item) is refused as on the
    command line: ConfigError (one line naming the setting and what to give), but for a
    :data:`EMPTY_DEFAULTS` setting's '' (its default). Other values, and a ``topics`` that is no
    mapping, are left to the typed loading (a number: ``expected a string``).
    """
    from vjepa_ros.config import ConfigError

    if not isinstance(topics, dict):
        return topics
    topics = dict(topics)
    for kind in OPTIONS:
        value = topics.get(kind)
        items = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(item, str) for item in items):
            continue
        if kind in EMPTY_DEFAULTS and value == "":
            continue
        if not items or not all(item.strip() for item in items):
            raise ConfigError(
                f"{prefix}{kind}: an empty value ({value!r}): give a topic name (or several "
                f"candidates, '/a /b' or a list), or leave the setting out for its default "
                f"({_default(kind)})")
        topics[kind] = " ".join(items)
    return topics


def joined_topics(value):
    """Return one topic setting from an option of several candidates: ``[A, B]`` -> ``"A B"``."""
    return " ".join(value) if isinstance(value, (list, tuple)) else value


def pick_topic(path: Path, types: dict[str, str], kind: str, value: str) -> str:
    """Return the one of ``value``'s candidate topics (``kind``'s) that the bag holds.

    The first candidate when the bag holds none (its errors then name it). An image candidate
    counts as held when only its ``/compressed`` topic is there. Raises BagError when the bag
    holds two of them: which one to read is then for the user to say.
    """
    listed = candidates(value)
    read = {t: t if t in types or kind != "image" else f"{t}/compressed" for t in listed}
    held: list[str] = []  # A and A/compressed are one stream
    for topic in listed:
        if read[topic] in types and read[topic] not in {read[h] for h in held}:
            held.append(topic)
    if len(held) > 1:
        flag = OPTIONS[kind].split(" ", 1)[0]
        raise BagError(
            f"{path}: holds both {held[0]} and {held[1]}, candidates of {flag} {value}: a bag "
            f"must hold only one of them; give the one to read for it ({flag} {held[0]} or "
            f"{flag} {held[1]}), and read bags that need the other in another run")
    return held[0] if held else (listed[0] if listed else value)


def _all_topics(types: dict[str, str]) -> str:
    return ", ".join(f"{t} [{ty}]" for t, ty in sorted(types.items())) or "none"


def resolve_image_topic(path: Path, types: dict[str, str], topic: str, notes: list[str],
                        counts: dict[str, int] | None = None) -> str:
    """Return the camera topic to read: ``topic``, or ``topic/compressed`` when only that is there.

    ``topic``: one camera topic, or several candidates (:func:`pick_topic`). ``counts``: topic
    -> its message count (None: not known); a ``topic`` listed with no message (a recorder
    told to record it, no driver publishing it) beside ``topic/compressed`` with messages reads
    that, noted. Raises BagError
    naming the option and the bag's image topics (or, when it has none, what to record); the
    option named gives its colour stream (:func:`camera_topics`), never its depth one.
    """
    given, topic = topic, pick_topic(path, types, "image", topic)
    compressed = f"{topic}/compressed"
    if topic not in types and compressed in types:
        notes.append(f"{topic} not recorded: reading {compressed}")
        topic = compressed
    elif counts is not None and topic in types and not counts.get(topic) and \
            counts.get(compressed):
        notes.append(f"{topic} recorded with no message: reading {compressed} "
                     f"({counts[compressed]} messages)")
        topic = compressed
    images = camera_topics(types)
    if not images:
        raise BagError(
            f"{path}: the bag has no image topic (sensor_msgs/Image or CompressedImage): "
            "evaluating and training need the camera's frames beside the arm's state; record "
            f"the camera's colour stream (e.g. {DEFAULT_CAMERA}) with it. Topics there: "
            f"{_all_topics(types)}"
        )
    if topic not in types:
        raise BagError(
            f"{path}: image topic {topic} is not in the bag; image topics there: "
            f"{', '.join(images)}: name the camera topic with "
            f"{_option('image', images[0], given, types)}"
        )
    if types[topic] not in m.IMAGE_TYPES:
        raise BagError(
            f"{path}: topic {topic} has type {types[topic]}, expected "
            f"{' or '.join(m.IMAGE_TYPES)}; "
            f"name the camera topic with {_option('image', images[0], given, types)}"
        )
    return topic


def resolve_state_topic(path: Path, types: dict[str, str], config,
                        notes: list[str] | None = None) -> tuple[str, str | None]:
    """Return ``(source, topic)`` of the arm's state for ``config`` (a ``BagTopics``).

    ``source``: "pose", "joint_states" or "none" (camera only, topic None). Raises BagError for
    a missing topic or one of the wrong type, naming the option to pass and the topic of the
    right type found in the bag. ``notes`` gets a note when auto passes over a pose topic that
    was named (not the default) for want of it in the bag, or over a named joint state topic
    for the recorded pose.
    """
    source = config.state_source
    if source == "none":
        return source, None
    given = config
    config = dataclasses.replace(config, pose=pick_topic(path, types, "pose", config.pose),
                                 joint_states=pick_topic(path, types, "joint_states",
                                                         config.joint_states))
    auto = source == "auto"
    if auto:
        source = "pose" if config.pose in types else "joint_states"
        named = config.pose != type(config)().pose
        if source == "joint_states" and named and config.joint_states in types and \
                notes is not None:
            notes.append(f"pose topic {config.pose} is not in the bag: states from "
                         f"{config.joint_states} by forward kinematics (--state-source auto)")
        if source == "pose" and given.joint_states != type(given)().joint_states and \
                notes is not None:  # a named joint state topic passed over (user30)
            there = "" if given.joint_states in types else " (it is not in the bag either)"
            notes.append(f"joint state topic {given.joint_states} was named but --state-source "
                         f"auto takes the recorded pose topic {config.pose}{there}; give "
                         "--state-source joint_states to use the joint states")
    topic = config.pose if source == "pose" else config.joint_states
    if topic not in types:
        also = (f", nor is the pose topic {config.pose}" if auto and source == "joint_states"
                else "")
        raise BagError(
            f"{path}: state topic {topic} ({source}) is not in the bag{also}; "
            f"{_state_fix(types, config, source, auto, given)}. Topics there: "
            f"{_all_topics(types)}"
        )
    if types[topic] not in KIND_TYPES[source]:
        found = [t for t in topics_of_kind(types, source) if t != topic]
        fix = (f"give {_option(source, found[0], None, types)}" if found else
               f"name a {KIND_TYPES[source][0]} topic with {OPTIONS[source]}")
        raise BagError(
            f"{path}: topic {topic} has type {types[topic]}, expected "
            f"{' or '.join(KIND_TYPES[source])}: {fix}"
        )
    return source, topic


def resolve_gripper_topic(path: Path, types: dict[str, str], value: str) -> str:
    """Return the gripper topic to read: the one of ``value``'s candidates the bag holds.

    ``value``: ``BagTopics.gripper`` ('': none named, the finger joints are searched for:
    returns ''). The first candidate when the bag holds none (the finger search then names it).
    Raises BagError when the bag holds two candidates (:func:`pick_topic`), or the one it holds
    is no JointState (naming its type and what to give).
    """
    if not value:
        return ""
    topic = pick_topic(path, types, "gripper", value)
    if topic in types and types[topic] not in KIND_TYPES["gripper"]:
        joints = [t for t, ty in sorted(types.items()) if ty in KIND_TYPES["gripper"]]
        fix = (f"give the topic of the finger joints ({', '.join(joints)} are JointState) with "
               f"--gripper-topic, or leave it out to search them" if joints else
               "record the gripper's sensor_msgs/JointState, or leave --gripper-topic out and "
               "pass --no-gripper to use closedness 0")
        raise BagError(f"{path}: gripper topic {topic} has type {types[topic]}, expected "
                       f"{m.JOINT_STATE}: {fix}")
    return topic


def gripper_topic_fix(value: str, finger_topics: list[str], types: dict[str, str],
                      fingerless: str = "") -> str:
    """Say what to give when no candidate of ``value`` (``--gripper-topic``) brings the fingers.

    ``finger_topics``: the bag's other JointState topics holding finger joints, best first;
    the fix names the first (in the form that keeps the candidates given for other bags,
    :func:`_option`; ``fingerless``, a candidate this bag holds without finger joints, is left
    out of it as one of the wrong type is), then the search and ``--no-gripper``.
    """
    if fingerless:
        types = {**types, fingerless: "(no finger joints)"}
    ways = [f"give {_option('gripper', finger_topics[0], value, types)}"] if finger_topics \
        else []
    ways += ["leave --gripper-topic out to search them",
             "leave it out and pass --no-gripper to use closedness 0"]  # both: refused
    return ", or ".join([", ".join(ways[:-1]), ways[-1]])
