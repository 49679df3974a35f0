"""How often the planner node logs a bad input message: per input, not per message text.

A bad message's text carries its values (``arm joint positions contain NaN or inf: [0.31, nan,
...]``), which change with every message of a moving arm: keyed by text, each would be a new
error line. Keyed by the input it came on (the joint states, a camera topic), the first is logged
at once and then at most one every :data:`REPEAT_S` (the newest); ``/diagnostics`` shows every
refusal as it happens. ROS-free.
"""

from __future__ import annotations

REPEAT_S = 5.0  # [s] at most one error line per input this often, after its first


class InputErrorLog:
    """Decides when a bad message on an input is logged; ``now`` [s] on a steady clock."""

    def __init__(self, repeat_s: float = REPEAT_S):
        self.repeat_s = repeat_s
        self.last: dict[str, float] = {}  # input → when its last error line was logged

    def due(self, source: str, now: float) -> bool:
        """Return True when a bad message on ``source`` (an input's name) is to be logged now."""
        last = self.last.get(source)
        if last is not None and 0.0 <= now - last <= self.repeat_s:
            return False
        self.last[source] = now
        return True
