"""A goal image its publisher keeps re-sending, remembered across ``~/clear_goals``.

``ros2 topic pub`` without ``--once`` re-sends its message at 1 Hz (an ``image_publisher`` with
``rate_hz`` > 0 with fresh stamps): while that goal is active its copies are no new goal
(``PlannerGoals._same_goal_image``). ``~/clear_goals`` ends the goal, and the next copy would
set it again within a second: an enabled arm moves on, and the clear did not hold (breaker56a).
:class:`ResentGoal` keeps the :func:`~vjepa_ros.nodes.goal_images.message_key` of the
active goal's copy once one came (that publisher is seen re-sending); while no goal is set since,
a message with that key (the same publisher where rclpy gives ids, ``publisher_ids``; the same
header, size, encoding and bytes: the message repeated as ``ros2 topic pub`` repeats it) is not
taken, and the node says why and what to do (:func:`resent_after_clear`) once per clear. A
message sent again on purpose after a clear (a script's re-send with a new stamp, breaker54i;
``ros2 topic pub --once`` again: a new publisher, breaker49i) is taken, as is any image once
another goal was set. Not caught: a publisher that re-sends with fresh stamps (an
``image_publisher`` with ``rate_hz``), whose copies look like a script's deliberate re-sends.
ROS-free.
"""

from __future__ import annotations


class ResentGoal:
    """The goal image message seen re-sent (module docstring; one thread)."""

    def __init__(self):
        self.key: tuple | None = None  # goal_images.message_key of the re-sent goal's copy
        self.said = False  # its refusal logged since it was seen re-sent

    def resent(self, key: tuple) -> None:
        """Note a copy of the active goal, ``key`` its ``message_key`` (not taken: no new goal)."""
        self.key, self.said = key, False

    def goal_set(self, goal_is_set: bool) -> None:
        """Note a goal change: a goal set (not a clear) forgets the re-sent message."""
        if goal_is_set:
            self.key = None

    def refuses(self, key: tuple) -> bool:
        """Whether the message with ``message_key`` ``key`` is the re-sent copy (no goal set)."""
        return self.key is not None and key == self.key

    def refusal(self, topic: str, ids: bool) -> str:
        """Return the line for a refused copy on ``topic`` the first time; "" once said.

        ``ids``: rclpy tells publishers apart (``publisher_ids.gives_publisher_ids``).
        """
        if self.said:
            return ""
        self.said = True
        return resent_after_clear(topic, ids)


def resent_after_clear(topic: str, ids: bool) -> str:
    """Return the one line for a cleared goal's copy not taken; ``ids``: publishers told apart."""
    again = ("; the picture sent once with a new header stamp, or from a new publisher (ros2 "
             "topic pub --once), is taken" if ids else "; the picture sent once with a new "
             "header stamp is taken (this rclpy names no publisher)")
    return (f"the goal image on {topic} came again with the pixels of the goal cleared by "
            "~/clear_goals, from the publisher that kept re-sending it (ros2 topic pub without "
            "--once, an image_publisher's rate_hz): not taken, the goals stay cleared; stop "
            f"that publisher (or publish with --once), or send another image{again}")


def finished_goal_stays(goal: str, ids: bool) -> str:
    """Return what the finished goal ``goal`` (``describe()``) sent again leaves, and how to rerun.

    ``ids``: rclpy tells publishers apart (``publisher_ids.gives_publisher_ids``): only then is
    the same message from a new publisher (``ros2 topic pub --once``) taken after the clear;
    without ids (Humble) a copy is told by its header stamp alone, so only a new stamp is.
    """
    again = ("send it once with a new stamp or from a new publisher (ros2 topic pub --once: "
             "the copies this one repeats stay refused after the clear)" if ids else
             "send it once with a new header stamp (this rclpy names no publisher, so the "
             "same stamp from a new publisher, ros2 topic pub --once, stays refused after the "
             "clear)")
    return (f"the goal is finished ({goal}) and stays so: the same image again is no new goal "
            "(a re-sending publisher would restart it every time); to run it again call "
            f"~/clear_goals, then {again}, or send another image")

