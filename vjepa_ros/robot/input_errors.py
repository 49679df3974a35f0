"""How often the planner node logs a bad input message: per problem, whatever its values.

A bad message's text carries its values (``arm joint positions contain NaN or inf: [0.31, nan,
...]``), which change with every message of a moving arm: keyed by the whole text, each would be
a new error line. Keyed by the text with its numbers left out (:func:`problem_shape`), a problem
is logged at once the first time and then at most once every :data:`REPEAT_S` (the newest
values); another problem is logged at once. ``/diagnostics`` shows every refusal as it happens.
ROS-free.
"""

from __future__ import annotations

import re

REPEAT_S = 5.0  # [s] the same problem is logged at most this often, after its first line
KEPT = 100  # problems remembered; more are forgotten at once (each then logged again)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b",
                    re.IGNORECASE)


def problem_shape(message: str) -> str:
    """``message`` with every number (nan and inf too) as ``#``: what stays with the values."""
    return NUMBER.sub("#", message)


class InputErrorLog:
    """Decides when a bad message is logged; ``now`` [s] on a steady clock."""

    def __init__(self, repeat_s: float = REPEAT_S):
        self.repeat_s = repeat_s
        self.last: dict[str, float] = {}  # problem shape → when its last line was logged

    def due(self, message: str, now: float) -> bool:
        """Return True when ``message`` (one line, naming its input) is to be logged now."""
        shape = problem_shape(message)
        last = self.last.get(shape)
        if last is not None and 0.0 <= now - last <= self.repeat_s:
            return False
        if len(self.last) >= KEPT:
            self.last.clear()
        self.last[shape] = now
        return True
