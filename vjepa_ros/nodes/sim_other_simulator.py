"""A sim node's check for a second simulator on its topics: the newcomer refuses, the first warns.

A second simulator on the same topics is always a mistake (two ``/clock`` streams interleave, two
arms' ``joint_states`` mix). Each sim node looks for other publishers of its ``joint_states`` and
``/clock`` at start and every :data:`PUBLISHER_CHECK_S`. One found within :data:`NEWCOMER_S` of
its start (discovery takes up to ~3.5 s between processes) means this node is the second one: it
refuses, with one line naming the topic and the node, and stops publishing (``run_node`` exits
with status 1). One found later came after it: the running simulator, which planners use, warns
once and goes on, while that newcomer refuses by itself.

:class:`OtherSimulatorCheck` is a mixin of :class:`vjepa_ros.nodes.sim_node.SimNode`: it reads the
node's ``own_topics``, ``started`` (``time.monotonic()`` at the start), its publishers and
``step_timer``, and keeps ``refused``, ``warned_others`` and the ``done`` event.
"""

from __future__ import annotations

import time

from vjepa_ros.nodes.graph_publishers import other_publishers

REFUSED = ("this simulator started second, so it refuses to run: stop the other one first, or "
           "give this one another ROS_DOMAIN_ID")
PUBLISHER_CHECK_S = 1.0  # [s] between checks for another publisher of joint_states or /clock
NEWCOMER_S = 5.0  # [s] another publisher found this soon after the start: this node came second


class OtherSimulatorCheck:
    """Another publisher of the sim node's ``joint_states`` or ``/clock``: refuse or warn."""

    def _other_simulator(self, own: int) -> str:
        """One line naming each of the node's topics another node publishes ("" when none).

        ``own``: this node's publishers per topic (0 before it makes them).
        """
        found = []
        for topic in self.own_topics:
            others, _ = other_publishers(self, topic, own)
            if others:
                found.append(f"{topic} by {', '.join(others)}")
        if not found:
            return ""
        return (f"another node publishes {'; '.join(found)}: a second simulator? two clocks or "
                "arms on the same topics interleave")

    def check_other_simulator(self) -> None:
        """Refuse as the newcomer (:data:`NEWCOMER_S`), else warn once per set of others."""
        if self.refused:
            return
        problem = self._other_simulator(own=1)
        if problem and time.monotonic() - self.started < NEWCOMER_S:
            self.refused = f"{problem}; {REFUSED}"
            self.get_logger().error(self.refused)
            self.step_timer.cancel()
            for publisher in (self.joint_pub, self.pose_pub, self.image_pub, self.info_pub,
                              self.clock_pub):
                if publisher is not None:  # off the graph: the other one sees one simulator
                    self.destroy_publisher(publisher)
            self.done.set()
        elif problem and problem != self.warned_others:
            self.get_logger().warning(f"{problem}; this simulator started first and keeps running "
                                      "(the other one refuses): stop the other one")
        self.warned_others = problem

    def exit_status(self) -> int:
        """1 when it refused to run beside another simulator (run_node's status), else 0."""
        return 1 if self.refused else 0
