"""A goal image its publisher keeps re-sending, remembered across ``~/clear_goals``.

``ros2 topic pub`` without ``--once`` re-sends its message at 1 Hz (an ``image_publisher`` with
``rate_hz`` > 0 with fresh stamps): while that goal is active its copies are no new goal
(``PlannerGoals._same_goal_image``). ``~/clear_goals`` ends the goal, and the next copy would
set it again within a second: an enabled arm moves on, and the clear did not hold (breaker56a).
:class:`ResentGoal` keeps the publisher and pixels of the active goal once a copy of it came
(that publisher is seen re-sending); while no goal is set since, a copy of that message (the
same publisher where rclpy gives ids, ``publisher_ids``; the same header stamp and pixels: the
message repeated as ``ros2 topic pub`` repeats it) is not taken, and the node says why and what
to do (:func:`resent_after_clear`) once per clear. A message sent again on purpose after a clear
(a script's re-send with a new stamp, breaker54i; ``ros2 topic pub --once`` again: a new
publisher, breaker49i) is taken, as is any image once another goal was set. Not caught: a
publisher that re-sends with fresh stamps (an ``image_publisher`` with ``rate_hz``), whose copies
look like a script's deliberate re-sends. ROS-free.
"""

from __future__ import annotations

import numpy as np


class ResentGoal:
    """The goal image seen re-sent, and its publisher (module docstring; one thread)."""

    def __init__(self):
        # (publisher_ids.publisher_id or None, the header stamp (sec, nanosec)) of the re-sent
        self.sender: object = None
        self.image: np.ndarray | None = None  # the goal's pixels [H, W, 3] uint8 (not copied)
        self.said = False  # its refusal logged since the clear

    def resent(self, sender: object, image: np.ndarray) -> None:
        """Note a copy of the active goal ``image`` (not taken: no new goal).

        ``sender``: ``(publisher id or None, header stamp (sec, nanosec))`` of the copy.
        """
        self.sender, self.image, self.said = sender, image, False

    def goal_set(self, goal_is_set: bool) -> None:
        """Note a goal change: a goal set (not a clear) forgets the re-sent image."""
        if goal_is_set:
            self.sender, self.image = None, None

    def refuses(self, sender: object, rgb: np.ndarray) -> bool:
        """Whether ``rgb`` from ``sender``, with no goal set, is the re-sent goal's copy."""
        return (self.image is not None and sender == self.sender
                and np.array_equal(self.image, rgb))


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


def stamp_fields(message) -> tuple[int, int]:
    """Return a message's header stamp as ``(sec, nanosec)``: one message's copies share it."""
    stamp = message.header.stamp
    return int(stamp.sec), int(stamp.nanosec)
