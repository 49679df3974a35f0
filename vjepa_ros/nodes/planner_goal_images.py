"""The planner node's goal images from ``~/goal_image`` and its ``/compressed`` (a mixin).

:class:`PlannerGoalImages` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: goal
images on ``~/goal_image`` (decided by :class:`vjepa_ros.nodes.goal_images.GoalImages`), decoded
and checked (``image_limits.goal_image_problem``) on the node's
:class:`vjepa_ros.robot.goal_decoder.GoalDecoder` thread, never on the executor's, then applied
back on the executor (``nodes/goal_decodes.py``): a copy of the goal in force changes nothing, a
refused image is said in one error line and the previous goal stays. Goal files from the goal
parameters: :mod:`vjepa_ros.nodes.planner_goals`, whose ``forget_goal_files`` a goal image
taken calls.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.image_limits import goal_image_problem
from vjepa_ros.images import ImageError, decode_image_message
from vjepa_ros.nodes.goal_topics import COMPRESSED, goal_message_kind
from vjepa_ros.nodes.publisher_ids import gives_publisher_ids
from vjepa_ros.robot.goal_decoder import Decoded
from vjepa_ros.robot.resent_goals import finished_goal_stays
from vjepa_ros.robot.subgoal import SubGoal


class PlannerGoalImages:
    """Goal images from ``~/goal_image`` (or its ``/compressed``): decoded, checked, applied."""

    def _on_goal_image(self, msg, topic: str = "", sender: object = None,
                       via: str = "") -> None:
        """Take a goal image (``~/goal_image`` or its ``/compressed``) unless a player sent it.

        ``msg``: ``sensor_msgs/Image`` or ``CompressedImage`` (``nodes/goal_topics.py``);
        ``via``: the subscription it came on ("latched" or "volatile"), to drop the other's copy.
        """
        self.goal_images.arrived(msg, topic or self.goal_topic(msg), sender, via)

    def goal_topic(self, msg) -> str:
        """Return the full name of the goal topic ``msg`` came on (by its type: goal_topics).

        The names the node resolved once as it subscribed (``goal_image_topic``,
        ``compressed_goal_topic``; a subscription's name never changes): one source for every
        line, the graph checks and the goal's source, and no locked rcl call per message.
        """
        if goal_message_kind(msg) == COMPRESSED:
            return self.compressed_goal_topic
        return self.goal_image_topic

    @property
    def pending_goal(self):
        """The goal image waiting for the ROS graph (``goal_images.WaitingGoal``), or None."""
        return self.goal_images.pending

    def _take_goal_image(self, msg, key: tuple) -> None:
        """Decode goal image ``msg`` off the executor thread, then set it as the goal.

        ``msg``: ``sensor_msgs/Image`` or ``CompressedImage``; ``key``: its
        ``goal_images.message_key``. Decoded on the node's :class:`GoalDecoder` thread (a
        4032x3024 JPEG: 0.5 s the stream must not stand still for), then applied on the
        executor by :meth:`_apply_goal_image`; a newer goal set meanwhile wins. Dropped (said
        once) while the node shuts down.
        """
        topic = self.goal_topic(msg)
        if self.goal_decoder.submit(("image", msg, key, topic),
                                    lambda: _settled_and_decoded(msg, key)) is None:
            self._goal_dropped_at_shutdown(topic)  # its decoder closed (breaker59h #4)

    def _apply_goal_image(self, done: Decoded) -> bool:
        """Set the goal from a decoded ``~/goal_image`` (or ``/compressed``) unless refused.

        Returns whether it became the goal. Refused (one error line, the previous goal kept):
        what ``_decoded_goal_image`` raised, and a goal the session refuses (ValueError:
        ``goals.gripper`` subgoal needs the hand's closedness, which no image carries).
        """
        _, msg, key, topic = done.what  # topic: which sender to fix, in every line
        if done.error is not None:
            return _goal_image_refused(self, topic, done.error)
        rgb = done.value
        if self._same_goal_image(rgb, key, topic):  # re-sent (topic pub at 1 Hz): no goal
            return False
        # by its type, not its name: the compressed topic may be remapped on its own
        source = "~/goal_image" + ("/compressed" if goal_message_kind(msg) == COMPRESSED else "")
        try:
            self.session.set_goals([SubGoal(rgb, 0, source=source)])
        except ValueError as exc:  # (breaker59h #3: it ended the executor's spin)
            return _goal_image_refused(self, topic, exc)
        self.goal_images.resent.taken(key)  # its publisher's older copies: taken again
        self.forget_goal_files()  # (and a waiting image is older now)
        warning = self.goal_frame_ids.goal(  # another camera's frame_id: said (breaker56a)
            self.session.goal_version, msg.header.frame_id, topic,
            self.image_subscription.topic_name)
        if warning:
            self.get_logger().warning(warning)
        return True

    def _same_goal_image(self, rgb, key: tuple, topic: str) -> bool:
        """Whether ``rgb`` [H, W, 3] uint8 is the active goal's image, which came on this topic.

        ``key``: the message's ``goal_images.message_key``; ``topic``: the goal topic it came on.

        ``ros2 topic pub`` without ``--once`` re-sends its message at 1 Hz, an
        ``image_publisher`` with ``rate_hz`` > 0 with fresh stamps: each copy replacing the goal
        would void the plan in progress and the warm start every second (a plan slower than
        that never went out: breaker54a), and restart a goal of counted steps every second once
        done. The same pixels as the active goal's single sub-goal from ``~/goal_image`` or its
        ``/compressed`` (its counts retuned or not) change nothing, finished or not (``--once``
        sent twice looks the same as a 1 Hz re-send: no stamp or content tells them apart).
        Said once per goal and state (info), truly (breaker54i): a plan in progress goes on; a
        finished goal stays finished, and how to run it again (``~/clear_goals``, then send it
        anew; or another image); commanding off, the goal waits for ``~/enable true``. A goal
        replaced (A, B, A) or set another way since is no such goal: the image is taken again
        (breaker49i), sent again with a new stamp or from a new publisher, but not a copy of a
        message seen re-sent (its ``message_key``: ``resent_goals``), whatever ended its goal:
        a clear (breaker56a) or a goal set since (breaker58a); warned once per goal in force.
        The comparison is of the decoded pixels (any encoding of one picture is one goal):
        0.15 ms at 640x480 (benchmarks/bench_goal_resend.py).
        """
        goals, resent = self.session.goals, self.goal_images.resent
        same = (goals is not None and len(goals.goals) == 1
                and goals.goals[0].source.startswith("~/goal_image")
                and np.array_equal(goals.goals[0].image, rgb))
        if not same and resent.refuses(key):  # a clear or a goal set since holds
            line = resent.refusal(topic, gives_publisher_ids(), goals,
                                  "" if goals is None else goals.describe())
            if line:
                self.get_logger().warning(line)
            return True
        if not same:
            return False
        resent.resent(key)
        if goals.finished:
            state, stays = "finished", finished_goal_stays(goals.describe(),
                                                           gives_publisher_ids())
        elif self.session.enabled:
            state, stays = "pursued", "the goal stays as it is (the plan in progress goes on)"
        else:
            state, stays = "waiting", ("the goal stays as it is (commanding is off: ~/enable "
                                       "true pursues it)")
        said = (self.session.goal_version, state)
        if self.same_goal_said != said:
            self.same_goal_said = said
            self.get_logger().info(
                f"the goal image on {topic} came again with the same pixels: {stays}; said once "
                "per goal and state")
        return True

    def _goal_kept(self) -> str:
        """Return what a refused goal image leaves: the previous goal, pursued while enabled.

        A refused image changes nothing (bad input never moves the arm differently), so an
        enabled arm goes on towards the goal it had; the line says so and what stops it.
        """
        status = self.session.snapshot()
        if not status.goal:
            return "no goal is set"
        if status.enabled:
            return (f"the arm still pursues the previous goal ({status.goal}); ~/enable false "
                    "or ~/clear_goals stops it")
        return f"the previous goal stays ({status.goal})"


def _goal_image_refused(node, topic: str, why: Exception) -> bool:
    """Say in one error line that the goal image on ``topic`` is refused and why; False.

    ``why``: what its decode or the session raised; the line ends with what the refusal leaves
    (``node._goal_kept``). A function of ``node``, as ``PlannerGoalImages._apply_goal_image`` is
    called on stand-in nodes.
    """
    node.get_logger().error(f"ignoring goal image on {topic}: {why}; {node._goal_kept()}")
    return False


def _settled_and_decoded(msg, key: tuple):
    """Hash and let go of ``key``'s data, then :func:`_decoded_goal_image` (decoder's thread).

    ``key``: ``msg``'s ``goal_images.message_key``, kept by ``resent_goals`` and compared
    there; its ``MessagePixels.settle`` (37 ms at 36 MB) is kept off the executor (perf59).
    """
    key[-1].settle()
    return _decoded_goal_image(msg)


def _decoded_goal_image(msg):
    """Decode a goal image message (on the decoder's thread): ``[H, W, 3]`` uint8 RGB.

    Decoded as camera frames are (``images.decode_image_message``; transparent pixels refused,
    as in a goal file), then ``image_limits.goal_image_problem``'s checks: ImageError.
    """
    rgb = decode_image_message(msg, goal=True)
    problem = goal_image_problem(rgb)
    if problem:
        raise ImageError(f"the image {problem}")
    return rgb
