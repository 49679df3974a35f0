"""The hand a bag's own recorder says it wrote: its finger topic and its full opening.

A bag written by this package (``vjepa-ros record``, ``bag-from-npz``: ``bag_writing.write_bag``)
holds its fingers on two JointState topics (``/franka_gripper/joint_states`` and, merged with the
arm's, ``/joint_states``), which a bag of unknown origin leaves to the namespace rule and a note
(``hand_namespaces.hand_topics``). The writer knows which topic it took the fingers from and the
hand's opening it wrote them at: it records both in rosbag2's own place for such facts, the
``custom_data`` map of ``metadata.yaml`` (rosbag2 metadata version 6 on; ``ros2 bag record
--custom-data KEY=VALUE`` on Iron and later; the ``rosbags`` writer's ``set_custom_data``), under
:data:`GRIPPER_KEY` and :data:`WIDTH_KEY`. The bag readers (eval, train, pretrain, camera-check
offline: ``bags.read_recording`` through ``bag_gripper.gripper_closedness``) take that topic
without a note (:func:`recorded_topic`); not given ``--gripper-max-width``, eval and camera-check
read its fingers at the recorded opening (:func:`opening_read`, one line saying so), and a given
option wins, noted when the two differ (:func:`width_note`). A record naming a topic the bag lacks
(or one of another type, or without this arm's finger joints, or another arm's hand) is ignored,
saying so, for its topic and its opening alike (:func:`record_refused`, one rule): the reading
decides on the topics it found holding fingers, the bag opened once. Train fixes its run's
opening before reading (:func:`recorded_width`, from ``metadata.yaml`` alone) and says a bag read
at a record it then ignores. An opening recorded without a topic applies to none, said. A bag
without ``custom_data`` (a lab's ``ros2 bag record``, a data file given alone without its folder)
is read as before.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

from vjepa_ros.path_text import shown_path
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH

GRIPPER_KEY = "vjepa_ros.gripper_topic"  # custom_data: the JointState topic of the hand's fingers
WIDTH_KEY = "vjepa_ros.gripper_max_width"  # custom_data: the hand's full opening [m], as text
RECORDER_KEY = "vjepa_ros.recorder"  # custom_data: what wrote the bag ("vjepa-ros")


class HandRecord(NamedTuple):
    """What a bag's ``metadata.yaml`` records of its hand (:func:`recorded_hand`).

    ``topic``: the finger JointState topic ('' none recorded); ``width``: the full opening [m]
    the fingers were written at (None: none recorded); ``problem``: a recorded width that is no
    number in (0, 0.08] m, in words ('' none); ``where``: the metadata file, as shown;
    ``recorder``: what wrote the record (:data:`RECORDER_KEY`: "vjepa-ros" for this package's
    writer; '' none said: ``ros2 bag record --custom-data``), said by ``vjepa-ros inspect``.
    """

    topic: str
    width: float | None
    problem: str
    where: str
    recorder: str = ""


def hand_custom_data(topic: str, width: float) -> dict[str, str]:
    """Return the ``custom_data`` entries (str -> str) a writer records for its hand.

    ``topic``: the JointState topic the fingers are written on; ``width``: the opening [m] they
    were written at (``BagTopics.gripper_max_width``), written with ``repr`` (round-trips).
    """
    return {RECORDER_KEY: "vjepa-ros", GRIPPER_KEY: str(topic), WIDTH_KEY: repr(float(width))}


def recorded_hand(path: str | Path) -> HandRecord | None:
    """Return the hand ``path``'s ``metadata.yaml`` records, or None (a foreign bag).

    ``path``: a bag folder, or one data file its folder's ``metadata.yaml`` lists. None too
    when ``metadata.yaml`` is missing, unreadable (its reading reports that) or records no
    :data:`GRIPPER_KEY` / :data:`WIDTH_KEY`.
    """
    return _metadata_record(path)[0]


def recorded_hand_topics(path: str | Path) -> tuple[HandRecord | None, dict[str, str]]:
    """Return (:func:`recorded_hand`'s record, topic -> type ``metadata.yaml`` lists), one read.

    (None, {}) when ``metadata.yaml`` cannot be read (the bag's own reading names the problem).
    """
    try:
        return _metadata_record(path)
    except (OSError, ValueError):  # the bag's own reading names the problem
        return None, {}


def _metadata_record(path: str | Path) -> tuple[HandRecord | None, dict[str, str]]:
    """Return (:func:`recorded_hand`'s record, topic -> type ``metadata.yaml`` lists), one read.

    The listed topics: {} when ``metadata.yaml`` lists none (or cannot be read).
    """
    from vjepa_ros.recordings.recorded_files import listed_names, read_metadata

    path = Path(path)
    folder = path.parent if path.is_file() else path
    metadata = read_metadata(folder / "metadata.yaml")
    if path.is_file() and path.name not in (listed_names(folder, metadata) or ()):
        return None, {}  # a data file of no listed recording: its folder's record is another's
    try:
        info = metadata.info["rosbag2_bagfile_information"]
        custom = info.get("custom_data") or {}
    except (KeyError, TypeError, AttributeError):  # no rosbag2 metadata: its reading says so
        return None, {}
    listed = _listed_types(info)
    if not isinstance(custom, dict):
        return None, listed
    topic, width = custom.get(GRIPPER_KEY), custom.get(WIDTH_KEY)
    if topic is None and width is None:
        return None, listed
    where = shown_path(folder / "metadata.yaml")
    value, problem = None, ""
    if width is not None:
        try:
            value = float(str(width))
        except ValueError:
            value = math.nan
        if not 0 < value <= FRANKA_HAND_MAX_WIDTH:  # BagTopics.gripper_max_width's range
            problem = (f"{where} records {WIDTH_KEY} {str(width)!r}, not an opening in "  # NaN too
                       f"(0, {FRANKA_HAND_MAX_WIDTH:g}] m: the record is ignored")
            value = None
    recorder = str(custom.get(RECORDER_KEY) or "").strip()
    return HandRecord(str(topic or "").strip(), value, problem, where, recorder), listed


def _listed_types(info) -> dict[str, str]:
    """Return topic -> type of ``topics_with_message_count`` ({} when it is not a list)."""
    listed: dict[str, str] = {}
    entries = info.get("topics_with_message_count") if isinstance(info, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        try:
            listed[str(entry["topic_metadata"]["name"])] = str(entry["topic_metadata"]["type"])
        except (KeyError, TypeError):  # a damaged entry: its topic is not known to be there
            continue
    return listed


def recorded_topic(record: HandRecord | None, fingers, topics, notes: list[str],
                   state_topic: str = "") -> str:
    """Return the finger topic ``record`` names when the bag holds its fingers there, else ''.

    ``fingers``: the bag's JointState topics holding this arm's finger joints; ``topics``: all
    its topics; ``state_topic``: the arm's state topic, whose namespace is the arm's ('' none
    known). A record the reader does not follow (:func:`record_refused`) is ignored with its
    line in ``notes`` (the namespace rule then chooses, as for a foreign bag); a record of an
    opening alone (no topic) chooses nothing and is said by :func:`width_note` alone.
    """
    if record is None or not record.topic:
        return ""
    why = record_refused(record, fingers, topics, state_topic)
    notes += [why] if why else []
    return "" if why else record.topic


def record_refused(record: HandRecord, fingers, topics, state_topic: str = "") -> str:
    """Say why the reader does not follow ``record``'s finger topic ('' it does).

    The one rule for "the record applies", for the topic read (:func:`recorded_topic`) and the
    opening read at (:func:`opening_read`, :func:`recorded_width`): its topic is among
    ``fingers`` (the JointState topics holding this arm's finger joints; ``topics``: all the
    bag's) and lies in the namespace of ``state_topic`` (the arm's, '' none known) or no
    finger topic does (``hand_namespaces.hand_rank``: a bag of two arms whose record names one
    arm's hand never gives the other arm that hand, breaker59i #6). The words end "the record
    is ignored" (and, for another arm's hand, the option that reads it).
    """
    if record.topic in fingers:
        from vjepa_ros.recordings.hand_namespaces import hand_rank

        ours = [topic for topic in fingers if hand_rank(topic, state_topic) is not None]
        if not state_topic or not ours or hand_rank(record.topic, state_topic) is not None:
            return ""
        return (f"{record.where} records the gripper topic {record.topic} ({GRIPPER_KEY}), "
                f"outside the namespace of the state topic {state_topic} (another arm's "
                f"hand?), while {', '.join(sorted(ours))} lies in it: the record is ignored "
                "(name the hand with --gripper-topic to read another)")
    why = ("holds no finger joints of this arm" if record.topic in topics else
           "is not in the bag")
    return (f"{record.where} records the gripper topic {record.topic} ({GRIPPER_KEY}), "
            f"which {why}: the record is ignored")


def recorded_opening(record: HandRecord | None, fingers, topics,
                     state_topic: str = "") -> float | None:
    """Return the full opening [m] ``record`` gives the fingers read, or None: the one rule.

    The record applies when it holds an opening in (0, 0.08] m and a topic, and the reader
    follows that topic (:func:`record_refused`: among ``fingers``, in the arm's namespace).
    ``fingers``: the JointState topics that hold this arm's finger joints, as the caller knows
    them; ``topics``: all the bag's; ``state_topic``: the arm's ('' none known). eval's reading
    passes the topics it found holding fingers (:func:`opening_read`); train, which fixes one
    opening for its run before any bag is read, every JointState topic ``metadata.yaml`` lists
    (:func:`recorded_width`): a listed JointState topic without the fingers is followed there
    and ignored by the reading, which then says so (:func:`width_note`).
    """
    if not _names_an_opening(record):
        return None
    return None if record_refused(record, fingers, topics, state_topic) else record.width


def _names_an_opening(record: HandRecord | None) -> bool:
    """Whether ``record`` holds both an opening in (0, 0.08] m and a finger topic."""
    return record is not None and record.width is not None and bool(record.topic)


def opening_read(record: HandRecord | None, fingers, topics, state_topic: str, width: float,
                 recorded: bool) -> float:
    """Return the full opening [m] the fingers on the topic read are read at.

    ``fingers``, ``topics``, ``state_topic``: as the reading found them (:func:`recorded_opening`);
    ``width``: ``BagTopics.gripper_max_width``; ``recorded``: that width was not given (eval's
    and camera-check's ``--gripper-max-width`` left out) and no gripper topic was named: the
    record's opening when it applies (:func:`recorded_opening`), else ``width`` (the default).
    Decided by the reading itself, on the topics it found holding fingers: a record it ignores
    sets no opening (review59t #3).
    """
    opening = recorded_opening(record, fingers, topics, state_topic) if recorded else None
    return width if opening is None else opening


def recorded_width(path: str | Path, topics) -> float | None:
    """Return the opening [m] ``path``'s ``metadata.yaml`` records for its hand, or None.

    For train, which fixes one opening for the run (and its feature cache, and world_model.pt)
    before any bag is read (``train.recorded_width``). ``topics``: the reader's ``BagTopics``.
    None with ``no_gripper``, a gripper topic named (the record applies to its own topic
    only), no record, or one :func:`recorded_opening` does not apply on what ``metadata.yaml``
    lists (every topic listed as ``sensor_msgs/msg/JointState`` standing for one holding
    fingers; the state topic chosen as the reading chooses it,
    ``topic_choice.resolve_state_topic``, gives the arm's namespace, as for eval: review60a #3).
    ``metadata.yaml`` read once (milliseconds), the bag never opened: one found without this
    arm's fingers as the bag is read is said then (:func:`width_note`).
    """
    if topics.no_gripper or topics.gripper:
        return None
    try:
        record, listed = _metadata_record(path)
    except OSError:  # the bag's own reading names the problem
        return None
    if not _names_an_opening(record):  # nothing to apply: no state topic to choose
        return None
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.messages import JOINT_STATE
    from vjepa_ros.recordings.topic_choice import resolve_state_topic

    try:  # the arm's state topic as the reading chooses it: its namespace is the arm's
        _, state_topic = resolve_state_topic(Path(path), listed, topics)
    except BagError:  # the bag's own reading names the problem
        return None
    joint_states = {topic for topic, kind in listed.items() if kind == JOINT_STATE}
    return recorded_opening(record, joint_states, listed, state_topic or "")


def width_note(record: HandRecord | None, topic: str, width: float) -> str:
    """Say that the opening ``record`` gives differs from ``width`` [m] read with ('' not).

    ``topic``: the finger topic read; only the recorded topic's record applies. A recorded
    width that is no opening (``record.problem``) is said instead. A recorded opening other
    than the Franka Hand's (``franka_hand.FRANKA_HAND_MAX_WIDTH``) read as recorded
    (:func:`opening_read`, or the option given at it) is said once too: the closedness is not
    on the default's scale. Another topic read
    (the record ignored: :func:`record_refused`) at the record's opening other than the default
    (train's run takes the opening all its bags' ``metadata.yaml`` record before any is read:
    :func:`recorded_width`) is said, and so is an opening recorded with no topic, not applied.
    """
    if record is None:
        return ""
    if record.problem:  # said where its topic is read (or it names none)
        return record.problem if topic == record.topic or not record.topic else ""
    if record.width is None:
        return ""
    same = math.isclose(record.width, width, abs_tol=1e-9)
    default = math.isclose(width, FRANKA_HAND_MAX_WIDTH, abs_tol=1e-9)
    if not record.topic:  # an opening alone: it names no hand to apply to
        return "" if same else (
            f"{record.where} records the hand's full opening {record.width:g} m ({WIDTH_KEY}) "
            f"but no gripper topic ({GRIPPER_KEY}): it is not applied, the fingers on {topic} "
            f"are read at gripper_max_width {width:g} m; give --gripper-max-width "
            f"{record.width:g} (train: data.topics.gripper_max_width) to read them at it")
    if topic != record.topic:  # ignored, or another topic named: its opening is not theirs
        return "" if not same or default else (
            f"{record.where} records the hand's full opening {record.width:g} m for "
            f"{record.topic} ({WIDTH_KEY}), not the topic read, yet the fingers on {topic} are "
            f"read at gripper_max_width {width:g} m, not at {FRANKA_HAND_MAX_WIDTH:g} m: give "
            "--gripper-max-width (train: data.topics.gripper_max_width) the opening of the hand "
            "on that topic")
    if same:
        return "" if default else (
            f"{record.where} records the hand's full opening {record.width:g} m ({WIDTH_KEY}): "
            f"its fingers on {topic} are read at it, not at {FRANKA_HAND_MAX_WIDTH:g} m "
            "(--gripper-max-width gives another)")
    return (f"{record.where} records the hand's full opening {record.width:g} m ({WIDTH_KEY}), "
            f"but its fingers on {topic} are read at gripper_max_width {width:g} m: its "
            f"closedness is not what was recorded; give --gripper-max-width {record.width:g} "
            f"(train: data.topics.gripper_max_width) to read it as recorded")
