"""Goal images on the planner node's ``~/goal_image``: taken unless a bag player sent them.

A bag recorded with ``ros2 bag record -a`` beside a planner holds its goal topic; replayed
beside a live planner, the old run's latched goal would silently replace the goal set now
(``robot.recorded_inputs.recorded_goal_problem``: ignored with one warning). Each image is
decided by its own publisher where rclpy gives ids (``graph_publishers.goal_players``). A
latched image comes once, so one the graph cannot judge yet waits (:attr:`GoalImages.pending`)
for the node's 2 Hz check (:meth:`GoalImages.retry`): its publisher's node not named yet
(dropped with a warning after ``UNNAMED_WARN_S``, or then taken with
``safety.take_unnamed_publishers``), or its publisher listed for less than
``GOAL_SETTLE_S`` (a player under another name is known by its services, which discovery may
list after its name: breaker29a). A waiting image is dropped when a goal is set meanwhile by a
service or goal files (not by a ``goal_steps`` retune of the old goal: breaker29b), and replaced
by a newer image that is taken or waits (not by one that is ignored). A publisher listed, named
and no player's when its image came, and gone before the settle ended (a script that published
and quit), is taken for live.

The node hears the topic twice: a transient-local subscription (a latched goal published before
the node started) and a volatile one (a publisher of the default QoS, ``ros2 topic pub``, which
DDS never matches with a transient-local reader). A transient-local publisher's live message
comes on both; :class:`GoalImages` takes it once (:func:`message_key`: its publisher where
rclpy gives ids, its header and pixels; the copy is the same key on the other subscription
within :data:`COPY_S`, so a message its publisher sends again is taken again).
"""

from __future__ import annotations

import collections
import dataclasses
import time
from collections.abc import Callable

from vjepa_ros.nodes.goal_topics import COMPRESSED, RAW, goal_message_kind, other_type_warnings
from vjepa_ros.nodes.graph_publishers import goal_players, goal_publishers
from vjepa_ros.nodes.input_sources import UNNAMED_WARN_S
from vjepa_ros.nodes.publisher_ids import sender_gid
from vjepa_ros.robot.goal_image_rules import IGNORE, TAKE, goal_image_verdict
from vjepa_ros.robot.message_pixels import MessagePixels
from vjepa_ros.robot.recorded_inputs import FirstListed
from vjepa_ros.robot.resent_goals import ResentGoal

RECENT_KEYS = 8  # goal images remembered to drop their second copy (two subscriptions)
COPY_S = 2.0  # [s] the other subscription's copy of a message comes within this (DDS: ms)


def message_key(message, sender: object) -> tuple:
    """Return what tells one goal image message from another: publisher, header, pixels.

    ``message``: ``sensor_msgs/Image`` (its size and encoding count) or ``CompressedImage``
    (its format). ``sender``: its publisher's id (``publisher_ids.publisher_id``) or None where
    rclpy gives none; the same image with the same stamp from two id-less publishers is one
    message then. ``key[0]`` is ``sender``; ``key[-1]`` the data, a
    :class:`~vjepa_ros.robot.message_pixels.MessagePixels` (equal when the bytes are; its
    ``settle()`` hashes them, off the executor: ``PlannerGoalImages._take_goal_image``).
    """
    header = message.header
    layout = ((str(message.format),) if goal_message_kind(message) == COMPRESSED
              else (message.height, message.width, message.encoding))
    return (sender, header.stamp.sec, header.stamp.nanosec, header.frame_id, *layout,
            MessagePixels(message.data))


def picture_key(key: tuple) -> tuple:
    """Return :func:`message_key` ``key`` without the header stamp: one picture, re-sent or not.

    ``image_publisher`` re-sends its picture with fresh stamps, ``ros2 topic pub -r`` with the
    same one: either way the same publisher, frame_id, layout and bytes.
    """
    return (key[0], *key[3:])


@dataclasses.dataclass
class WaitingGoal:
    """A goal image the graph could not judge yet."""

    message: object  # sensor_msgs/Image or CompressedImage (goal_topics)
    topic: str
    sender: object  # publisher id (publisher_ids.publisher_id) or None
    key: tuple  # message_key(message, sender)
    since: float  # [s, steady] when it came
    changes: int  # GoalImages.changes when it came
    live: bool = False  # its publisher was listed, named and no player's at a look


class GoalImages:
    """Decide each goal image of a planner node (rclpy graph queries; one executor thread).

    ``node``: the planner node (its graph queries, logger and ``goal_image_topic``); ``take``:
    sets the goal from an image message and its :func:`message_key`.
    """

    def __init__(self, node, take: Callable[[object, tuple], None]):
        self.node, self.take = node, take
        self.pending: WaitingGoal | None = None
        self.listed = FirstListed()  # the goal topic's publishers: listed since when
        self.changes = 0  # goals set by services or goal files (goal_set): supersede a waiting one
        # (message_key, via, steady time) of recent first arrivals, to match their copies
        self.recent: collections.deque = collections.deque(maxlen=RECENT_KEYS)
        self.resent = ResentGoal()  # goals their publisher re-sends, across goals set since
        self.other_types: set = set()  # (topic, gid) of publishers of another type, named

    def goal_set(self) -> None:
        """Note a goal set another way (a service, goal files): a waiting image is older."""
        self.changes += 1  # (copies of a message seen re-sent stay refused: resent_goals)

    def arrived(self, message, topic: str, sender: object, via: str = "") -> None:
        """Decide a goal image that came now on ``topic`` from ``sender``; once per message.

        ``via``: the subscription it came on ("latched", "volatile"; "": the only one). A
        message that came on the node's *other* subscription within :data:`COPY_S` is that
        message's copy and is dropped (each first arrival matches one copy). The same message
        sent again by its publisher (an unstamped goal kept and re-sent after ``~/clear_goals``,
        goals A, B, A) comes again on the same subscription: taken (breaker49i).
        """
        now, key = time.monotonic(), message_key(message, sender)
        self._forget_old(now)
        for first in self.recent:  # the key compared last: its bytes only where all else fits
            if via and first[1] not in ("", via) and now - first[2] < COPY_S and first[0] == key:
                self.recent.remove(first)  # the copy of a message taken: dropped
                return
        self.recent.append((key, via, now))
        self._decide(WaitingGoal(message, topic, sender, key, time.monotonic(), self.changes),
                     fresh=True)

    def _forget_old(self, now: float) -> None:
        """Drop first arrivals older than :data:`COPY_S` (no copy matches them): their data."""
        while self.recent and now - self.recent[0][2] >= COPY_S:
            self.recent.popleft()

    def retry(self) -> None:
        """Note the goal topics' publishers and decide a waiting image again (2 Hz check).

        A publisher of another type on a goal topic is named once, with what to publish
        (``goal_topics.other_type_warnings``).
        """
        node, now, topic = self.node, time.monotonic(), self.node.goal_image_topic
        self._forget_old(now)  # (an ignored image's key held its data until now)
        compressed = node.compressed_goal_topic
        infos = node.get_publishers_info_by_topic(topic)
        self.listed.note([bytes(info.endpoint_gid) for info in infos], now)
        for line in other_type_warnings(
                {topic: RAW, compressed: COMPRESSED},
                {topic: infos, compressed: node.get_publishers_info_by_topic(compressed)},
                self.other_types):
            node.get_logger().warning(line)
        waiting = self.pending  # kept until decided: never "nothing pending" before then
        if waiting is None:
            return
        if waiting.changes != self.changes:
            self.pending = None
            node.get_logger().info(f"the goal image on {waiting.topic} that waited for the ROS "
                                   "graph is dropped: a goal was set since")
            return
        self._decide(waiting, fresh=False, infos=infos if waiting.topic == topic else None)

    def _decide(self, goal: WaitingGoal, fresh: bool, infos: list | None = None) -> None:
        """Take, ignore or keep waiting ``goal``; ``infos``: the graph's answer if just asked.

        One answer of the graph (its publishers of the goal topic) for every rule
        (``robot.goal_image_rules.goal_image_verdict`` decides from it). ``fresh``: it came now;
        else it is :attr:`pending`, decided again. :attr:`pending` changes only once the image
        taken was handed to ``take``, so a caller on another thread sees it waiting here or
        handed over, never neither.
        """
        node, now, topic = self.node, time.monotonic(), goal.topic
        gid = sender_gid(goal.sender)
        if infos is None:
            infos = node.get_publishers_info_by_topic(topic)
            self.listed.note([bytes(info.endpoint_gid) for info in infos], now)  # unnamed too
        mine = gid is not None and any(bytes(info.endpoint_gid) == gid for info in infos)
        players = goal_players(node, topic, gid, infos=infos)
        goal.live = goal.live or (mine and players == [])
        if goal.live and not mine:  # live when it came, gone now (a script that quit)
            players, settled = [], True
        else:
            settled = players is not None and self.listed.settled(
                [bytes(info.endpoint_gid) for info in goal_publishers(infos, gid)], now)
        verdict = goal_image_verdict(topic, players, now - goal.since, UNNAMED_WARN_S,
                                     node.config.safety.take_unnamed_publishers, settled)
        if verdict.warning:
            node.get_logger().warning(verdict.warning)
        if verdict.action == IGNORE:
            if not fresh:  # the waiting one, ignored now (a fresh one replaces nothing)
                self.pending = None
            return
        if fresh and self.pending is not None:
            node.get_logger().info(f"a newer goal image on {topic} replaces the one waiting "
                                   "for the ROS graph")
        if verdict.action == TAKE:
            self.take(goal.message, goal.key)  # with the decoder before it stops waiting
            self.pending = None
        else:  # latched: it will not come again; decide once the graph knows
            self.pending = goal
