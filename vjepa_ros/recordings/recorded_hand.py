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
read its fingers at the recorded opening (:func:`recorded_width`, one line saying so), and a given
option wins, noted when the two differ (:func:`width_note`). A record naming a topic the bag lacks
(or one without finger joints) is ignored, saying so. A bag without ``custom_data`` (a lab's ``ros2
bag record``, a data file given alone without its folder) is read as before.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

from vjepa_ros.path_text import shown_path

DEFAULT_WIDTH = 0.08  # [m] BagTopics.gripper_max_width's default, the Franka Hand's full opening

GRIPPER_KEY = "vjepa_ros.gripper_topic"  # custom_data: the JointState topic of the hand's fingers
WIDTH_KEY = "vjepa_ros.gripper_max_width"  # custom_data: the hand's full opening [m], as text
RECORDER_KEY = "vjepa_ros.recorder"  # custom_data: what wrote the bag ("vjepa-ros")


class HandRecord(NamedTuple):
    """What a bag's ``metadata.yaml`` records of its hand (:func:`recorded_hand`).

    ``topic``: the finger JointState topic ('' none recorded); ``width``: the full opening [m]
    the fingers were written at (None: none recorded); ``problem``: a recorded width that is no
    number in (0, 0.08] m, in words ('' none); ``where``: the metadata file, as shown.
    """

    topic: str
    width: float | None
    problem: str
    where: str


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
    from vjepa_ros.recordings.recorded_files import listed_names, read_metadata

    path = Path(path)
    folder = path.parent if path.is_file() else path
    metadata = read_metadata(folder / "metadata.yaml")
    if path.is_file() and path.name not in (listed_names(folder, metadata) or ()):
        return None  # a data file of no listed recording: its folder's record is another's
    try:
        custom = metadata.info["rosbag2_bagfile_information"].get("custom_data") or {}
    except (KeyError, TypeError, AttributeError):  # no rosbag2 metadata: its reading says so
        return None
    if not isinstance(custom, dict):
        return None
    topic, width = custom.get(GRIPPER_KEY), custom.get(WIDTH_KEY)
    if topic is None and width is None:
        return None
    where = shown_path(folder / "metadata.yaml")
    value, problem = None, ""
    if width is not None:
        try:
            value = float(str(width))
        except ValueError:
            value = math.nan
        if not 0 < value <= 0.08:  # BagTopics.gripper_max_width's range (NaN fails too)
            problem = (f"{where} records {WIDTH_KEY} {str(width)!r}, not an opening in "
                       "(0, 0.08] m: the record is ignored")
            value = None
    return HandRecord(str(topic or "").strip(), value, problem, where)


def recorded_topic(record: HandRecord | None, fingers, topics, notes: list[str],
                   state_topic: str = "") -> str:
    """Return the finger topic ``record`` names when the bag holds its fingers there, else ''.

    ``fingers``: the bag's JointState topics holding this arm's finger joints; ``topics``: all
    its topics; ``state_topic``: the arm's state topic, whose namespace is the arm's ('' none
    known). A recorded topic that is not among ``topics``, or holds no finger joints, is
    ignored with a line in ``notes`` saying so (the namespace rule then chooses, as for a
    foreign bag). So is one outside the arm's namespace while another finger topic lies in it
    (``hand_namespaces.hand_rank``): the namespace rule wins, so that a bag of two arms whose
    record names one arm's hand never gives the other arm that hand (breaker59i #6); where no
    finger topic lies in the namespace, the record chooses.
    """
    if record is None or not record.topic:
        return ""
    if record.topic in fingers:
        from vjepa_ros.recordings.hand_namespaces import hand_rank

        ours = [topic for topic in fingers if hand_rank(topic, state_topic) is not None]
        if not state_topic or not ours or hand_rank(record.topic, state_topic) is not None:
            return record.topic
        notes.append(f"{record.where} records the gripper topic {record.topic} ({GRIPPER_KEY}), "
                     f"outside the namespace of the state topic {state_topic} (another arm's "
                     f"hand?), while {', '.join(sorted(ours))} lies in it: the record is ignored "
                     "(name the hand with --gripper-topic to read another)")
        return ""
    why = ("holds no finger joints of this arm" if record.topic in topics else
           "is not in the bag")
    notes.append(f"{record.where} records the gripper topic {record.topic} ({GRIPPER_KEY}), "
                 f"which {why}: the record is ignored")
    return ""


def recorded_width(path: str | Path, topics) -> float | None:
    """Return the full opening [m] ``path``'s bag records for a reader not given one, or None.

    ``topics``: the reader's ``BagTopics``. None with ``no_gripper``, a gripper topic named
    (the record applies to its own topic only), no record, a record with a problem or without
    a width, or one whose topic ``metadata.yaml`` does not list (the reader ignores it, saying
    so). Read from ``metadata.yaml`` alone (milliseconds), before the bag.
    """
    if topics.no_gripper or topics.gripper:
        return None
    try:
        record = recorded_hand(path)
    except OSError:  # the bag's own reading names the problem
        return None
    if record is None or record.problem or record.width is None:
        return None
    from vjepa_ros.recordings.recorded_files import read_metadata

    folder = Path(path).parent if Path(path).is_file() else Path(path)
    try:
        listed = read_metadata(folder / "metadata.yaml").info["rosbag2_bagfile_information"][
            "topics_with_message_count"]
        names = {entry["topic_metadata"]["name"] for entry in listed}
    except (KeyError, TypeError, AttributeError):
        return None
    return record.width if record.topic in names else None


def width_note(record: HandRecord | None, topic: str, width: float) -> str:
    """Say that the opening ``record`` gives differs from ``width`` [m] read with ('' not).

    ``topic``: the finger topic read; only the recorded topic's record applies. A recorded
    width that is no opening (``record.problem``) is said instead. A recorded opening other
    than :data:`DEFAULT_WIDTH` read as recorded (:func:`recorded_width`, or the option given
    at it) is said once too: the closedness is not on the default's scale.
    """
    if record is None or topic != record.topic:
        return ""
    if record.problem:
        return record.problem
    if record.width is None:
        return ""
    if math.isclose(record.width, width, abs_tol=1e-9):
        return "" if math.isclose(width, DEFAULT_WIDTH, abs_tol=1e-9) else (
            f"{record.where} records the hand's full opening {record.width:g} m ({WIDTH_KEY}): "
            f"its fingers on {topic} are read at it, not at {DEFAULT_WIDTH:g} m "
            "(--gripper-max-width gives another)")
    return (f"{record.where} records the hand's full opening {record.width:g} m ({WIDTH_KEY}), "
            f"but its fingers on {topic} are read at gripper_max_width {width:g} m: its "
            f"closedness is not what was recorded; give --gripper-max-width {record.width:g} "
            f"(train: data.topics.gripper_max_width) to read it as recorded")
