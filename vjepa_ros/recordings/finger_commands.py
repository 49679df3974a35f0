"""Finger joints on a command topic: never searched out as the hand's state, said when skipped.

A JointState topic that the package's rule calls a command (``replayed_commands.
recorded_commands``: ``/gripper_command``, ``/fr3/joint_command``) holds what a teleop or a
controller told the fingers to do, not where they were: the finger search of
``bag_gripper.gripper_closedness`` leaves it out (:func:`finger_commands`), and when no measured
hand is left, the warning and the fix say so and how to read it anyway
(:func:`skipped_words`). Named with ``--gripper-topic``, or read as the arm's state topic, it is
read (the user's choice).
"""

from __future__ import annotations

from vjepa_ros.recordings.messages import JOINT_STATE
from vjepa_ros.recordings.replayed_commands import recorded_commands


def finger_commands(found, state_topic: str) -> dict[str, str]:
    """Return the command topics among ``found`` (topics holding finger joints): topic -> words.

    ``state_topic``: the arm's state topic, never counted (read as the state, its fingers are
    the user's choice). Words: ``a controller's command, JointState``.
    """
    commands = recorded_commands(dict.fromkeys(found, JOINT_STATE))
    return {topic: what for topic, what in commands.items() if topic != state_topic}


def skipped_words(commands: dict[str, str]) -> tuple[str, str]:
    """Say why the fingers of ``commands`` (:func:`finger_commands`) were not read, and the fix.

    Returns ``(why, fix)``: ``; the finger joints on /gripper_command are a controller's
    command, JointState (what the fingers were told, not where they were)`` and ``give
    --gripper-topic /gripper_command to read the commanded fingers as the hand``; ("", "")
    for none.
    """
    if not commands:
        return "", ""
    why = "; ".join(f"the finger joints on {topic} are {what}" for topic, what in commands.items())
    first = next(iter(commands))
    return (f"; {why} (what the fingers were told, not where they were)",
            f"give --gripper-topic {first} (data.topics.gripper) to read the commanded fingers "
            "as the hand")
