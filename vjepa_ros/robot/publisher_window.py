"""The distinct publishers of one input stream within a recent window (ROS-free).

A second publisher on a live input topic is most often a bag played onto it (``ros2 bag play``
uses the recorded topic names) or a second driver: its messages interleave with the robot's, so
the planner would plan from, or command the gripper by, another robot's (or another time's)
state. Where rclpy gives each message's publisher (``MessageInfo['publisher_gid']``, Jazzy and
newer: :mod:`vjepa_ros.nodes.publisher_ids`), the planner node counts them per stream with
:class:`PublisherWindow` and refuses the stream while more than one sends (a publisher that sent
counts while the graph lists it, however long it is silent). Where it does not
(Humble, Iron), the ROS graph's publisher count of the topic stands in
(:func:`count_crowd_problem`): every listed publisher counts, a silent one too.
"""

from __future__ import annotations

from collections.abc import Callable

STATE_PUBLISHER_WINDOW_S = 1.0  # [s] two publishers of the arm state within this: refused


class PublisherWindow:
    """Distinct publisher ids seen in the last ``window_s`` seconds (steady clock) of a stream.

    A publisher silent for longer than ``window_s`` is forgotten (a driver that re-created its
    publisher on reconnect counts twice for at most that long) — unless the ROS graph still
    lists it on the topic (:meth:`set_listed`): a publisher that sent is counted for as long as
    it exists. Silence is no proof that a publisher stopped: on a loaded machine DDS can deliver
    one publisher's messages and drop the other's for seconds (a second camera delivered 1 of
    ~75 frames in 2.5 s while the planner computed on 2 busy cores), and the 1 s window alone
    then let the planner resume on two interleaved views.

    ``gid_of``: the graph's ``endpoint_gid`` bytes of a publisher id (None when it has none;
    such a publisher is forgotten by the window alone).
    """

    def __init__(self, window_s: float, gid_of: Callable[[object], bytes | None] | None = None):
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s!r}")
        self.window_s = window_s
        self._gid_of = gid_of
        self._listed: frozenset[bytes] = frozenset()  # gids the graph lists on the topic
        self._last: dict[object, float] = {}  # publisher id → [s] its newest message

    def set_listed(self, gids) -> None:
        """Note the publishers the ROS graph lists on the topic now (``endpoint_gid`` bytes).

        Called by the node's graph check (twice a second); a listed publisher that sent stays
        counted however long it is silent, one no longer listed is forgotten ``window_s`` after
        its last message (at once when that is past). Thread-safe (one attribute swap).
        """
        self._listed = frozenset(bytes(gid) for gid in gids)

    def _listed_now(self, sender: object) -> bool:
        if self._gid_of is None:
            return False
        gid = self._gid_of(sender)
        return gid is not None and gid in self._listed

    def silent(self, now: float) -> int:
        """How many counted publishers sent nothing for over ``window_s`` at ``now`` [s].

        Those are counted only because the graph lists them (:meth:`set_listed`).
        """
        return sum(now - last > self.window_s for last in self._last.values())

    def saw(self, sender: object, now: float) -> int:
        """Record a message of ``sender`` at ``now`` [s]; return how many sent lately."""
        self._last[sender] = now
        for other, last in list(self._last.items()):
            if now - last > self.window_s and not self._listed_now(other):
                del self._last[other]
        return len(self._last)

    def clear(self) -> None:
        """Forget every publisher (the stream changed)."""
        self._last.clear()

    def forget(self, gone: Callable[[object], bool]) -> None:
        """Forget the publishers ``gone(sender)`` says left (a bag player that stopped)."""
        for sender in [sender for sender in self._last if gone(sender)]:
            del self._last[sender]


def crowd_problem(window: PublisherWindow, sender: object, now: float, words: str,
                  whose: str = "the arm's") -> str:
    """Why an input message of ``sender`` at ``now`` [s] is refused ("" when it is not).

    ``words``: the stream in words ("arm joint states", "camera images on /cam"); ``whose``:
    what the stream should be ("the arm's", "this camera's"); ``sender``: the message's
    publisher id (None where rclpy gives none: not counted, never refused). Two publishers within
    ``window.window_s`` are refused until one has been silent that long and the graph no longer
    lists it (:class:`PublisherWindow`: a bag played onto the live topic, a second driver; a
    driver that re-created its publisher clears by itself once the old one is gone).
    """
    count = 0 if sender is None else window.saw(sender, now)
    if count < 2:
        return ""
    silent = window.silent(now)
    when = (f"within {window.window_s:g} s" if not silent else
            f"({silent} of them silent for over {window.window_s:g} s but still on the topic: "
            "ros2 topic info -v names it)")
    return (f"{words} come from {count} publishers {when} (a bag played "
            f"onto the live topic, or a second driver?): which is {whose} is unknown; stop the "
            "other publisher (a driver that re-created its publisher or restarted clears this "
            f"by itself {window.window_s:g} s after its old publisher is gone)")


def count_crowd_problem(count: int, words: str, whose: str = "the arm's") -> str:
    """Why an input message is refused where rclpy gives no publisher ids ("" when it is not).

    ``count``: how many publishers of this stream the ROS graph lists on its topic (Humble and
    Iron rclpy say nothing of a message's publisher: the graph's count, asked per message by the
    planner node, less the publishers of other streams seen there, is all there is); ``words``
    and ``whose`` as for :func:`crowd_problem`. Two or more are refused while the graph lists
    them, a publisher that sends nothing too (it cannot be told from one that does).
    """
    if count < 2:
        return ""
    return (f"{words} come from {count} publishers (the ROS graph lists them; this rclpy, "
            "Humble or Iron, does not say which sent a message): which is "
            f"{whose} is unknown; stop the other publishers (a driver killed and restarted "
            "is listed twice until DDS drops its old publisher, within about 20 s)")


ARM_KINDS = frozenset({"arm", "arm+fingers"})  # JointState messages with the arm's states
OTHER_KINDS = frozenset({"fingers", "other joints"})  # without: a publisher of their own


class StreamKinds:
    """Without publisher ids: the kinds of JointState message seen on each topic (ROS-free).

    Humble/Iron's publisher count of the arm's topic also lists publishers of other streams:
    a finger-only node (franka_ros' split layout), a mobile base's driver on a shared
    ``/joint_states``. Each kind of message without the arm ("fingers", "other joints") seen
    since the topic's publisher count last changed takes one publisher off the count (however
    slowly it comes: review30); two arm layouts ("arm", "arm+fingers") are two arm publishers
    (breaker30b). Limits (no ids tell more): two finger-only publishers count one; one node
    sending both layouts counts two. Not thread-safe (executor callbacks).
    """

    def __init__(self):
        self.seen: dict[str, tuple[int, set[str]]] = {}  # topic → (its count then, kinds)

    def note(self, topic: str, count: int, kind: str) -> None:
        """Note a message of ``kind`` on ``topic`` while the graph lists ``count`` publishers."""
        known = self.seen.get(topic)
        if known is None or known[0] != count:
            known = self.seen[topic] = (count, set())
        known[1].add(kind)

    def arm_publishers(self, topic: str, count: int) -> int:
        """How many of the ``count`` publishers of ``topic`` send the arm's states, at least."""
        seen, kinds = self.seen.get(topic, (count, set()))
        kinds = kinds if seen == count else set()
        return max(count - len(kinds & OTHER_KINDS), len(kinds & ARM_KINDS))
