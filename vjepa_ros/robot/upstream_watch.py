"""A bag player started behind a relay that already runs: seen by its upstream topic's count.

The planner node knows a bag player among its inputs' publishers per message (a new publisher
id, or on Humble/Iron a change of the topic's publisher count, asks the ROS graph at once). A
player started *upstream* of a relay that already runs (``ros2 bag play`` onto
``/camera/compressed`` while ``image_transport republish`` turns it into the camera topic)
adds no publisher to the input: only the 2 Hz graph check saw it, up to 0.5 s of frames later.
:class:`UpstreamWatch` keeps the publisher count of every topic the inputs' relays subscribe to
(collected by that check: ``nodes.graph_publishers.PlayerNodes.upstream``); input messages
count them again at most every ``recheck_s``, and a change asks the graph at once. A topic
whose publisher the graph has not named yet is looked at again each time for ``unnamed_s``
(then it waits for the 2 Hz check, as a DDS bridge never named would keep asking). ROS-free;
not thread-safe (executor callbacks).
"""

from __future__ import annotations

UPSTREAM_RECHECK_S = 0.05  # [s] input messages count the relays' upstream publishers this often
UPSTREAM_UNNAMED_S = 2.0  # [s] an unnamed upstream publisher is asked about this long


class UpstreamWatch:
    """Publisher counts of the topics the inputs' relays subscribe to (module docstring).

    ``recheck_s``, ``unnamed_s``: [s, steady clock], :data:`UPSTREAM_RECHECK_S`,
    :data:`UPSTREAM_UNNAMED_S`.
    """

    def __init__(self, recheck_s: float = UPSTREAM_RECHECK_S,
                 unnamed_s: float = UPSTREAM_UNNAMED_S):
        self.recheck_s, self.unnamed_s = recheck_s, unnamed_s
        self.counts: dict[str, int] = {}  # topic → its publishers at the last graph check
        self.unnamed_since: dict[str, float] = {}  # topic → [s] first seen with an unnamed one
        self.looked = -float("inf")

    def reset(self, counts: dict[str, int], unnamed: set[str], now: float) -> None:
        """Note a graph check: ``counts`` per upstream topic, ``unnamed`` those it could not name.

        An unnamed topic is kept "changed" (looked at again) for ``unnamed_s`` from when it
        was first seen so.
        """
        self.unnamed_since = {topic: self.unnamed_since.get(topic, now) for topic in unnamed}
        self.counts = {topic: (-1 if now - self.unnamed_since.get(topic, now) < self.unnamed_s
                               and topic in unnamed else count)
                       for topic, count in counts.items()}
        self.looked = now

    def due(self, now: float) -> bool:
        """Whether an input message at ``now`` should count the upstream publishers again."""
        return bool(self.counts) and now - self.looked >= self.recheck_s

    def changed(self, counts: dict[str, int], now: float) -> bool:
        """Note a look at ``now``; return whether the upstream ``counts`` differ (ask again)."""
        self.looked = now
        return counts != self.counts
