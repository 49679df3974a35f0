"""Lines about episodes (a lapse, a crowd) said sparingly: a start at most once per interval.

ROS-free: the caller passes the steady clock in and logs a line only when told to.
"""

from __future__ import annotations

import dataclasses

LAPSE_NOTE_INTERVAL_S = 30.0  # [s] at most one lapse line per this interval


@dataclasses.dataclass
class SaidSparingly:
    """One kind of episode (a lapse, a crowd): its start said at most once per interval.

    Its end is said only when its start was (one line each way); starts not said are counted
    for the next one that is.
    """

    interval_s: float = LAPSE_NOTE_INTERVAL_S
    last: float | None = None  # [s] when a start was last said
    unsaid: int = 0  # starts not said since
    said: bool = False  # the current episode's start was said

    def start(self, now: float) -> int | None:
        """Start an episode at ``now`` [s]: None (not to be said) or how many went unsaid."""
        if self.last is not None and now - self.last < self.interval_s:
            self.unsaid, self.said = self.unsaid + 1, False
            return None
        unsaid, self.unsaid, self.last, self.said = self.unsaid, 0, now, True
        return unsaid

    def end(self) -> bool:
        """End the episode: True when its start was said (then say its end too)."""
        said, self.said = self.said, False
        return said
