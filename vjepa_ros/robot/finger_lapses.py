"""Lapses of a measured closedness and its return (:class:`FingerLapses`).

A mixin of ``FingerWatch``: a closedness that stops being measured (silence past
``safety.max_gripper_state_age_s``, an unusable message, a jump) is one line per lapse, at most
one per ``LAPSE_NOTE_INTERVAL_S`` (a flapping topic would otherwise flood the log), with advice
to raise ``safety.max_gripper_state_age_s`` (a restart) when the gripper driver publishes more
slowly; the fingers' return after a logged lapse is one line. ROS-free.
"""

from __future__ import annotations

import math

from vjepa_ros.start_forms import restart_planner_with


class FingerLapses:
    """When the closedness stops, and starts again, being measured (``FingerWatch``'s fields)."""

    def lapse(self, now: float) -> str:
        """Say when a measured closedness stops being measured at ``now`` ("" otherwise).

        Call it as states are built. One line per lapse, at most one per
        ``LAPSE_NOTE_INTERVAL_S`` (the next says how many were not logged); it names the topic,
        why and the consequence. :meth:`offer` says when the fingers are back after a logged one.
        """
        if (self.closedness is None or self._in_lapse or self.measured(now) or self.conflict
                or self.crowd):
            return ""
        self._in_lapse = True
        count = self._lapses.start(now)
        if count is None:
            return ""
        unsaid = f" ({count} more lapses since the last such line)" if count else ""
        why = (self._jumps.words() if self._jumps.jump and not self._unusable else
               "its newest message was unusable" if self._unusable else
               "none of this arm's hand yet" if self.last is None else
               f"no message for {now - self.last:.1f} s (safety.max_gripper_state_age_s "
               f"{self.max_age_s:g})")
        return (f"finger joint states on {self.topic}: {why}{unsaid}; the gripper's closedness "
                "is unknown, so no planned gripper command goes out until they arrive again "
                "(the arm is commanded as planned); check the gripper driver")

    def _back(self, topic: str, gap: float | None, jumped: bool = False) -> str:
        """Say the fingers are back after a logged lapse, with the gap when it was silence.

        ``jumped``: the lapse was a jump (:mod:`closedness_jumps`) that the readings settled.
        """
        self._in_lapse = False
        was_noted = self._lapses.end()
        if not was_noted:
            return ""
        if jumped:
            return (f"finger joint states on {topic} agree again for {self._jumps.recovery_s:g}"
                    f" s: the gripper's closedness ({self.closedness:.2f}) is measured and "
                    "planned gripper commands resume")
        slow = ""
        if gap is not None and gap > self.max_age_s:
            slow = (f" after {gap:.1f} s without one; if the gripper driver publishes this "
                    f"slowly, raise safety.max_gripper_state_age_s above {gap:.1f}: "
                    + restart_planner_with("safety.max_gripper_state_age_s",
                                           math.ceil(gap * 12.0) / 10.0))
        return (f"finger joint states on {topic} arrive again{slow}: the gripper's closedness "
                "is measured and planned gripper commands resume")
