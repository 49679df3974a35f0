"""Goal images their publisher keeps re-sending: their copies are no new goal, ever.

``ros2 topic pub`` without ``--once`` re-sends its message at 1 Hz (an ``image_publisher`` with
``rate_hz`` > 0 with fresh stamps): while that goal is active its copies are no new goal
(``PlannerGoalImages._same_goal_image``). Once the goal is ended another way, by ``~/clear_goals``
(breaker56a) or by a goal set since (``~/capture_goal``, ``~/add_subgoal``, a goal file
parameter, another image on the topic: breaker58a), the next copy would set the old goal again
within a second: an enabled arm driven back toward the old picture. :class:`ResentGoal` keeps
the :func:`~vjepa_ros.nodes.goal_images.message_key` of every message seen re-sent (the last
:data:`RESENT_KEYS`); a message with one of those keys (the same publisher where rclpy gives
ids, ``publisher_ids``; the same header, size, encoding and bytes: the message repeated as
``ros2 topic pub`` repeats it) is not taken, and the node says why and what to do once per goal
in force (:func:`resent_copy_refused`). A message sent again on purpose (a script's re-send
with a new stamp, breaker54i; ``ros2 topic pub --once`` again: a new publisher, breaker49i) is
taken; so are the old copies once their publisher sent another message (it no longer repeats
the old one: a script switching goals A, B, A). Without publisher ids (Humble) no message tells
whose it is, so a message taken frees no copy (a second publisher's goal would free the copies
the first one still re-sends: breaker58i); the old picture again is taken with a new header
stamp. Not caught: a publisher that re-sends with fresh stamps (an ``image_publisher`` with
``rate_hz``), whose copies look like a script's deliberate re-sends. ROS-free.
"""

from __future__ import annotations

import collections

RESENT_KEYS = 8  # messages seen re-sent, remembered (a re-sending publisher or two at a time)
_UNSAID = object()  # ResentGoal.said_for before any refusal is said


class ResentGoal:
    """The goal image messages seen re-sent (module docstring; one thread)."""

    def __init__(self):
        # goal_images.message_key of each message seen re-sent, oldest first
        self.keys: collections.deque = collections.deque(maxlen=RESENT_KEYS)
        self.said_for: object = _UNSAID  # the goal (None: cleared) a refusal was said for

    def resent(self, key: tuple) -> None:
        """Note a copy of the active goal, ``key`` its ``message_key`` (not taken: no new goal)."""
        if key not in self.keys:
            self.keys.append(key)
        self.said_for = _UNSAID

    def taken(self, key: tuple) -> None:
        """Note the message ``key`` taken as the goal: its publisher's old copies are forgotten.

        A publisher that sends another message re-sends the old one no more (``ros2 topic pub``
        repeats one message); ``key[0]``: the publisher. None (no publisher ids, Humble): whose
        the message is cannot be told, so nothing is forgotten (another publisher's goal would
        let the re-sender's next copy replace it); the same picture with a new stamp is taken.
        """
        if key[0] is None:
            return
        for old in [old for old in self.keys if old[0] == key[0] and old != key]:
            self.keys.remove(old)

    def refuses(self, key: tuple) -> bool:
        """Whether the message with ``message_key`` ``key`` is a copy of one seen re-sent."""
        return key in self.keys

    def refusal(self, topic: str, ids: bool, goal: object = None, describe: str = "") -> str:
        """Return the line for a refused copy on ``topic`` the first time per goal; "" once said.

        ``goal``: the goal in force (the session's ``GoalSequence``; None: cleared), whose
        ``describe()`` is ``describe``. ``ids``: rclpy tells publishers apart
        (``publisher_ids.gives_publisher_ids``).
        """
        if self.said_for is goal:
            return ""
        self.said_for = goal
        if goal is None:
            return resent_after_clear(topic, ids)
        return resent_copy_refused(topic, ids, describe)


def _sent_again(ids: bool) -> str:
    """How the same picture is sent on purpose so that it is taken (``ids``: rclpy names them)."""
    return ("; the picture sent once with a new header stamp, or from a new publisher (ros2 "
            "topic pub --once), is taken" if ids else "; the picture sent once with a new "
            "header stamp is taken (this rclpy names no publisher)")


def resent_copy_refused(topic: str, ids: bool, goal: str) -> str:
    """Return the one line for an old goal's copy not taken while goal ``goal`` is in force."""
    return (f"the goal image on {topic} came again from the publisher that keeps re-sending an "
            "older goal (ros2 topic pub without --once, an image_publisher's rate_hz): not "
            f"taken, the goal set since stays ({goal}); stop that publisher (or publish with "
            f"--once), or send another image{_sent_again(ids)}")


def resent_after_clear(topic: str, ids: bool) -> str:
    """Return the one line for a cleared goal's copy not taken; ``ids``: publishers told apart."""
    return (f"the goal image on {topic} came again with the pixels of the goal cleared by "
            "~/clear_goals, from the publisher that kept re-sending it (ros2 topic pub without "
            "--once, an image_publisher's rate_hz): not taken, the goals stay cleared; stop "
            f"that publisher (or publish with --once), or send another image{_sent_again(ids)}")


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

