"""Who publishes ``/clock`` for the planner node: the note on two clocks, the bag players.

:class:`ClockSources` asks the ROS graph for ``/clock``'s publishers at the 2 Hz graph check
(``InputSources.check_graph``, with that check's one :class:`PlayerNodes`, so a node is judged a
bag player or not once per check, alike for ``/clock`` and for the inputs) and when a stale-input
refusal starts (:meth:`ClockSources.note_now`). Its answers feed the session's stale-input
refusals (``robot.input_checks``: the note, ``clock_players_cause``). The rclpy side; the graph
rules are ``nodes.graph_publishers``'.
"""

from __future__ import annotations

import threading
import time

from vjepa_ros.nodes.graph_publishers import UNKNOWN, PlayerNodes, full_name

CLOCK_RECHECK_S = 0.1  # [s] a stale-input refusal asks /clock's publishers again after this
CLOCK_TOPIC = "/clock"


class ClockSources:
    """``/clock``'s publishers as last seen (module docstring).

    ``node``: the planner node (its graph queries, ``use_sim_time``, ``safety.not_relays``).
    Attributes: ``note`` ("/clock has 2 publishers: ..." on sim time, else ""), ``published``
    (/clock has a publisher, on sim time or not), ``players`` (the full names of the bag players
    among its publishers when it last had some), ``checked`` ([s, steady] of the last answer).
    """

    def __init__(self, node):
        self.node = node
        self.note = ""
        self.published = False
        self.players: list[str] = []
        self.checked = -float("inf")
        self.lock = threading.Lock()  # one graph query at a time; callers wait for it

    def note_now(self) -> str:
        """Return the /clock note for a stale-input refusal, asking the graph if 0.1 s old.

        A second /clock (a bag played with ``--clock`` beside a simulator) makes stamps look
        stale at once; the refusal is logged once, when it starts, so the note must not wait
        for the 2 Hz check. Called under the session's lock, from any thread (rclpy's graph
        queries take the node's handle).
        """
        with self.lock:  # a query in flight on another thread: wait for its answer
            if time.monotonic() - self.checked >= CLOCK_RECHECK_S:
                self._query(None)
            return self.note

    def check(self, ask: PlayerNodes) -> None:
        """Ask the graph for /clock's publishers at the graph check; ``ask``: that check's own."""
        with self.lock:
            self._query(ask)

    def _query(self, ask: PlayerNodes | None) -> None:
        """Ask the graph for /clock's publishers; the caller holds ``lock``.

        ``ask``: the graph check's :class:`PlayerNodes` (None: a refusal's own, told of
        ``safety.not_relays`` as the check's is). ``checked`` is set when the answer is in, so
        a caller on another thread never takes the note from before a query still in flight.
        """
        node = self.node
        infos = node.get_publishers_info_by_topic(CLOCK_TOPIC)
        # on the wall clock too: a publisher means a simulator (or a bag's --clock) runs
        self.published = bool(infos)
        names = [full_name(info.node_name, info.node_namespace) for info in infos]
        if infos:  # kept once they are gone: a frozen clock names the player that exited
            ask = ask or PlayerNodes(node, node.config.safety.not_relays)
            self.players = sorted(
                name for name, info in zip(names, infos, strict=True)
                if info.node_name != UNKNOWN and ask.check(info.node_name, info.node_namespace))
        self.note = "" if len(names) < 2 or not node.get_parameter("use_sim_time").value else (
            f"/clock has {len(names)} publishers: {', '.join(names)} — two clocks "
            "interleave, stop all but one")
        self.checked = time.monotonic()
