"""Which finger topic and hand are this arm's (:class:`FingerChoice`, a mixin of ``FingerWatch``).

The rules (``finger_watch`` says what a measured closedness needs besides): **this arm's hand**,
once the arm's prefix is known fingers whose prefix
:func:`~vjepa_ros.robot.joint_states.hand_of_arm` allows (the arm's; for a bare arm also a model
word's, franka_gripper's default ``fr3_``; a hand of another prefix is dropped with a warning);
**from this arm's gripper topic**, ranked by namespace and the arm's prefix
(:func:`vjepa_ros.robot.finger_topics.topic_rank`; a ``*gripper*`` topic in another robot's
namespace is not taken, said once with the parameter to set); **one candidate**, two topics or
two hands at the best rank make the choice ambiguous (said once with what settles it). Each
change of the hand chosen, or its becoming ambiguous, bumps ``generation``. Advice to name the
topic is a restart (``start_forms.restart_planner_with``: :data:`TOPIC_PARAMETER` is read at
start only). ROS-free.
"""

from __future__ import annotations

from vjepa_ros.robot.arm_models import PLAIN_PREFIXES
from vjepa_ros.robot.finger_topics import (
    CONFIGURED_RANK,
    MERGED_RANK,
    PREFIX_RANK,
    FingerSource,
    topic_parts,
    topic_rank,
)
from vjepa_ros.robot.joint_states import hand_of_arm
from vjepa_ros.start_forms import restart_planner_with

# the planner's parameter naming this arm's finger topic (read at start only: advice restarts)
TOPIC_PARAMETER = "robot.gripper_state_topic"


class FingerChoice:
    """The choice of the finger topic and hand among those seen (``FingerWatch``'s fields)."""

    def _see(self, topic: str, prefix: str | None) -> str:
        """Record that ``topic`` brings ``prefix``'s fingers; choose again when it is new."""
        if (topic, prefix) in self.sources:
            return ""
        if prefix is not None:
            self.sources.pop((topic, None), None)  # its prefix is known now
        if self.configured_topic:
            if topic != self.configured_topic:
                return ""
            self.sources[(topic, prefix)] = FingerSource(topic, prefix, CONFIGURED_RANK)
            if self.arm_prefix is not None and not hand_of_arm(prefix, self.arm_prefix):
                return (f"the finger joints on {topic} are another hand's ({prefix}finger_joint1"
                        f"/2; this arm is {self.arm_prefix}joint1..7): they do not count as "
                        f"this gripper's state; {self._restart_topic()}")
            return self._choose()
        rank = topic_rank(topic, self.arm_topic, self.anchor_topic)
        self.sources[(topic, prefix)] = FingerSource(topic, prefix, rank)
        note = self._choose()
        if rank is None and prefix is not None and topic not in self.noted and \
                (topic, prefix) != (self.topic, self.prefix):
            self.noted.add(topic)
            anchor = self.anchor_topic or self.arm_topic
            note = "; ".join(n for n in (note, (
                f"finger joints {prefix}finger_joint1/2 on {topic} are not taken as this "
                f"gripper's state: the topic is not in the namespace of this arm's state topic "
                f"({anchor}) or one above it, so it may be another robot's hand; if it is this "
                f"arm's gripper, {restart_planner_with(TOPIC_PARAMETER, topic)}")) if n)
        return note

    def may_take(self, topic: str) -> bool:
        """Whether finger states on ``topic`` could be taken as this arm's hand (a candidate).

        The configured topic alone when one is set; otherwise a topic the automatic search
        ranks (by namespace, or by this arm's distinctive prefix below its namespace). The node
        asks the graph for bag players on these before any of them is chosen (breaker28d).
        """
        if self.configured_topic:
            return topic == self.configured_topic
        known = {prefix for (where, prefix) in self.sources
                 if where == topic and prefix is not None}
        if known and self.arm_prefix is not None and not any(
                hand_of_arm(prefix, self.arm_prefix) for prefix in known):
            return False  # its fingers are another hand's (another prefix): breaker28e
        if topic_rank(topic, self.arm_topic, self.anchor_topic) is not None:
            return True  # in the arm's namespace or above
        # outside them only by this arm's distinctive prefix: once its fingers showed it
        # (a two-arm cell's other hand, never offered, is no candidate: breaker28e)
        return self.arm_prefix in known and self._rank(
            FingerSource(topic, self.arm_prefix, None)) is not None

    def _rank(self, source: FingerSource) -> int | None:
        """Return ``source``'s rank now: by namespace, else by this arm's distinctive prefix."""
        if source.rank is not None:
            return source.rank
        space = topic_parts(self.anchor_topic or self.arm_topic)[:-1]
        if (source.prefix == self.arm_prefix and self.arm_prefix not in (None, *PLAIN_PREFIXES)
                and topic_parts(source.topic)[:len(space)] == space):
            return PREFIX_RANK  # below the arm's namespace: another cell's hand is not
        return None

    def _choose(self) -> str:
        """Choose the nearest (topic, prefix) of this arm's hand; ambiguous when two tie."""
        fitting = [source for source in self.sources.values() if self._rank(source) is not None
                   and (None in (self.arm_prefix, source.prefix)
                        or hand_of_arm(source.prefix, self.arm_prefix))]
        best = min((self._rank(source) for source in fitting), default=None)
        tied = sorted(((s.topic, s.prefix) for s in fitting if self._rank(s) == best),
                      key=lambda key: (key[0], key[1] or ""))
        before = (self.topic, self.prefix)
        if len(tied) > 1:
            was = self.conflict
            self.topic, self.prefix, self.last = self.configured_topic or None, None, None
            self.conflict = self._conflict_words(tied)
            if self.conflict == was:
                return ""
            self.generation += 1
            return self.conflict
        self.conflict = ""
        topic, prefix = tied[0] if tied else (self.configured_topic or None, None)
        if (topic, prefix) == before:
            return ""
        self.topic, self.prefix, self.last, self._unusable = topic, prefix, None, False
        self.crowd_graph = self.crowd_sent = ""  # counted again for the new topic
        self._senders.clear()
        self.generation += 1
        if prefix != before[1]:
            self.closedness = None  # another hand's closedness is no guess for this one
        notes = []
        if before[1] is not None and self.arm_prefix is not None and \
                not hand_of_arm(before[1], self.arm_prefix):
            notes.append(f"the finger joints on {before[0]} are another hand's ({before[1]}"
                         f"finger_joint1/2; this arm is {self.arm_prefix}joint1..7): they no "
                         "longer count as this gripper's state")
        if prefix is not None:
            notes.append(f"gripper state from {topic} (found by its finger joints "
                         f"{prefix}finger_joint1/2{self._why_chosen(tied[0])})")
        elif topic is not None and not self.configured_topic:
            notes.append(f"gripper state from {topic} once its finger joints can be read "
                         "(its messages so far were unusable)")
        elif notes:
            notes.append(self._restart_topic() if self.configured_topic else
                         "searching again for this arm's hand")
        return "; ".join(notes)

    def _why_chosen(self, key: tuple[str, str]) -> str:
        """Which rule chose ``key``, with the fix when it may be another robot's hand."""
        if self.configured_topic:
            return ""
        rank = self._rank(self.sources[key])
        if rank == MERGED_RANK:
            return self._merged_words(key[0])
        if rank == 0:
            return ", in this arm's namespace"
        anchor = self.anchor_topic or self.arm_topic
        where = (f"{rank} namespace(s) above this arm's state topic {anchor}"
                 if rank != PREFIX_RANK else
                 "outside this arm's namespace, by its distinctive prefix")
        restart = restart_planner_with(TOPIC_PARAMETER, what="this arm's gripper topic")
        return f", {where}; if it is another robot's hand, {restart}"

    def _merged_words(self, topic: str) -> str:
        """Say why the arm's own state ``topic`` is the finger topic, as its name reads.

        A topic named for the gripper (``--joint-states-topic /franka_gripper/joint_states``)
        carries the arm's joints and the fingers: said so, not "no gripper topic" (user58u);
        else the fingers are merged into the arm's joint states and no other topic near this
        arm brought them.
        """
        if any("gripper" in part.lower() for part in topic_parts(topic)):
            return ", the arm's state topic itself, which carries the arm's joints and the fingers"
        return (", merged into the arm's joint states: no other finger topic in this arm's "
                "namespace or above brought them")

    def _restart_topic(self) -> str:
        """Return the advice to name this arm's finger topic (``robot.gripper_state_topic``)."""
        return restart_planner_with(TOPIC_PARAMETER,
                                    what=f"the topic of {self.arm_prefix}finger_joint1/2")

    def _conflict_words(self, tied: list[tuple[str, str]]) -> str:
        """Say why the choice among ``tied`` (topic, prefix) is ambiguous, and what settles it."""
        prefixes = sorted({prefix for _, prefix in tied if prefix is not None})
        where = ", ".join(
            f"{'<unreadable>' if prefix is None else prefix}finger_joint1/2 on {topic}"
            for topic, prefix in tied)
        fix = (restart_planner_with("robot.joint_prefix", what="this arm's prefix")
               + f" (or {TOPIC_PARAMETER})" if len(prefixes) > 1 else
               restart_planner_with(TOPIC_PARAMETER, what="the topic of this arm's gripper"))
        return (f"which hand is this arm's is ambiguous ({where}): the gripper's closedness "
                f"counts as unknown and no planned gripper command goes out; {fix}")
