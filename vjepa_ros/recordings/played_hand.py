"""A replayed bag's hand opening against the planner's ``robot.gripper_max_width``.

A bag written by this package records the full opening its fingers were written at
(``recorded_hand``: ``vjepa_ros.gripper_max_width`` in ``metadata.yaml``, e.g. 0.07 m); the
planner node reads the replayed fingers' closedness against its own ``robot.gripper_max_width``
(0.08 m by default), so a 0.07 m hand fully open reads 0.125 closed, and nothing says so
(the bag readers, eval and camera-check, read at the recorded opening; the node knows no
bag). Said where the user can act, by the one rule of when a record applies
(``recorded_hand.recorded_opening``: its topic among the played JointState topics):

- ``vjepa-ros launch --node bag_player`` beside the planner holds both start-up values and
  refuses a mismatch in one line before any node starts (:func:`check_bag_hand`), as it
  refuses a simulator on another robot (``sim/same_robot.check_sim_robot``);
- the ``bag_player`` node alone (``ros2 run``) knows no planner's value: it warns when the
  recorded opening is not the planner's default and names the ``-p`` to give it
  (:func:`player_hand_line`).
"""

from __future__ import annotations

from vjepa_ros.recordings.recorded_hand import (
    WIDTH_KEY,
    HandRecord,
    recorded_hand_topics,
    recorded_opening,
)
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH
from vjepa_ros.start_numbers import LENGTH_TOLERANCE, finite_number


def played_opening(bag, topics: dict[str, str], played) -> tuple[float | None, str]:
    """Return (the opening [m] the bag's record gives the played fingers, its record's words).

    ``bag``: the bag folder or file; ``topics``: topic -> type of all the bag holds;
    ``played``: the topics replayed. (None, "") when no record applies (none, no opening,
    its topic not played or not a JointState topic the bag holds). The words: "0.07 m for
    TOPIC (FILE, KEY)".
    """
    return _record_opening(recorded_hand_topics(bag)[0], topics, played)


def _record_opening(record: HandRecord | None, topics: dict[str, str],
                    played) -> tuple[float | None, str]:
    """Return :func:`played_opening`'s pair for a ``record`` already read (None: no record)."""
    from vjepa_ros.recordings.messages import JOINT_STATE

    fingers = {topic for topic in played if topics.get(topic) == JOINT_STATE}
    opening = recorded_opening(record, fingers, topics)
    if opening is None:
        return None, ""
    return opening, f"{opening:g} m for {record.topic} ({record.where}, {WIDTH_KEY})"


def player_hand_line(bag, topics: dict[str, str], played) -> str:
    """Return the bag player's warning of a recorded opening not the planner's default ('' none).

    Arguments as :func:`played_opening`.
    """
    opening, said = played_opening(bag, topics, played)
    if opening is None or abs(opening - FRANKA_HAND_MAX_WIDTH) <= LENGTH_TOLERANCE:
        return ""
    return (f"the bag records its hand's full opening {said}: a planner reads the replayed "
            f"fingers' closedness at its robot.gripper_max_width ({FRANKA_HAND_MAX_WIDTH:g} m "
            f"by default), so give it -p robot.gripper_max_width:={opening:g} (vjepa-ros launch:"
            f" -p planner.robot.gripper_max_width:={opening:g}), else the closedness it reads "
            "is not the recorded one")


def check_bag_hand(nodes: list) -> None:
    """Refuse a ``bag_player`` and a ``planner`` of ``nodes`` that read the hand apart.

    ``nodes``: ``NodeLaunch`` items (``start_value``, ``sources``). No bag player or no
    planner: nothing to compare. The bag's ``metadata.yaml`` is read (the bag is not opened);
    a bag that cannot be read, or a malformed value, is left to its node's own refusal.
    Raises ``config.UsageError`` (exit status 2), one line naming both values, their sources
    and the ``-p`` that makes them agree.
    """
    from vjepa_ros.config import UsageError

    named = {node.name: node for node in nodes}
    player, planner = named.get("bag_player"), named.get("planner")
    if player is None or planner is None:
        return
    bag, only = player.start_value("bag", ""), player.start_value("topics", "")
    if not isinstance(bag, str) or not bag or not isinstance(only, str):
        return
    record, topics = recorded_hand_topics(bag)  # metadata.yaml read once
    played = [t.strip() for t in only.split(",") if t.strip()] or list(topics)
    opening, said = _record_opening(record, topics, played)
    width = finite_number(planner.start_value("robot.gripper_max_width", FRANKA_HAND_MAX_WIDTH))
    if opening is None or width is None or abs(width - opening) <= LENGTH_TOLERANCE:
        return
    source = planner.sources().get("robot.gripper_max_width", "the default")
    raise UsageError(
        f"bag_player.bag {bag} records its hand's full opening {said}, but "
        f"planner.robot.gripper_max_width is {width:g} ({source}): the planner would read the "
        f"replayed fingers' closedness on another hand's scale; give -p "
        f"planner.robot.gripper_max_width:={opening:g} with this bag")
