"""Finger messages of the chosen hand from several publishers (:class:`FingerCrowds`).

A mixin of ``FingerWatch``: two publishers on the chosen finger topic (a bag played onto the
live topic) make the hand ambiguous, told by publisher ids (``offer``'s ``sender``, within
``max_age_s``), else by the graph when the topic's publisher count changes and twice a second;
unmeasured until one is left. The start is said at most once per ``LAPSE_NOTE_INTERVAL_S``
(``said_sparingly``), the end when the start was. ROS-free.
"""

from __future__ import annotations


class FingerCrowds:
    """The chosen hand's publishers, by the graph and by message (``FingerWatch``'s fields)."""

    def publishers(self, topic: str, nodes: list[str], now: float = 0.0) -> str:
        """Take the nodes publishing on ``topic`` (the graph's, at 2 Hz and on a change).

        Two or more on the chosen finger topic (not the arm's own topic, where arm and fingers
        may come from two nodes: there only the publishers of finger messages count, by
        ``offer``'s ``sender``) make the hand ambiguous until one is left. Returns a line to
        log ("" when nothing changed, and at most one crowd line per ``LAPSE_NOTE_INTERVAL_S``).
        """
        if topic != self.topic or topic == self.arm_topic:
            return ""
        crowd = ""
        if len(nodes) > 1:  # one entry per publisher: two on one node count as two
            crowd = (f"finger joint states on {topic} have {len(nodes)} publishers (nodes "
                     f"{', '.join(sorted(set(nodes)))}; a bag played onto the live topic?)")
        # the graph only adds an ambiguity: one the publisher ids saw ends by their window
        return self._set_crowd(topic, crowd, self.crowd_sent, now)

    def _sent_by(self, topic: str, sender: object, now: float) -> str:
        """Count ``sender`` among the chosen hand's recent publishers; a crowd line or ""."""
        count = self._senders.saw(sender, now)
        crowd = ""
        if count > 1:
            crowd = (f"finger joint states on {topic} come from {count} "
                     "publishers (a bag played onto the live topic, or the gripper driver "
                     "re-created its publisher?)")
        return self._set_crowd(topic, self.crowd_graph, crowd, now)

    def _set_crowd(self, topic: str, graph: str, sent: str, now: float) -> str:
        """Set both crowd reasons; say the start (rate-limited) and, if said, the end."""
        was = self.crowd
        self.crowd_graph, self.crowd_sent = graph, sent
        if bool(self.crowd) == bool(was):
            return ""
        if self.crowd:
            self.generation += 1  # a plan may have started from the other publisher's hand
            self.last = None
            if self._crowds.start(now) is None:
                return ""
            return (f"{self.crowd}: which is this gripper's is unknown, so no planned gripper "
                    "command goes out; stop the other publisher")
        self._in_lapse = True  # no lapse line besides: this line says why
        self._senders.clear()
        if not self._crowds.end():
            return ""
        return (f"finger joint states on {topic} come from one publisher again: the gripper's "
                "closedness is measured from its next message")
