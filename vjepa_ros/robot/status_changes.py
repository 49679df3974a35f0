"""What ``planner status --follow`` prints of a stream of statuses: changes, not counts.

A status message that changes only in its numbers (``no camera image on ... in 9 s``, then
``... in 10 s``; an age, a count) is the same state: :func:`words` drops the numbers, and
:class:`StatusChanges` says a status again only when its level, words or watched values change,
or as a reminder every :data:`REMIND_S` while its numbers keep changing; a status that ends is
said with how long it lasted (docs60w #1: the waiting warning was printed every second).
"""

from __future__ import annotations

import re
import time

REMIND_S = 30.0  # a status whose numbers alone keep changing: said again this often
# a number standing alone (not part of a name like cam1 or 128x128): 9, 0.25, -3, 1e-3, 1/4
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


def words(message: str) -> str:
    """Return ``message`` with every number standing alone replaced by ``#``.

    ``"robot state is 0.31 s old (limit 0.25 s)"`` -> ``"robot state is # s old (limit # s)"``;
    digits inside a name (``/cam1``, ``128x128``) stay.
    """
    return _NUMBER.sub("#", message)


def lasted(seconds: float) -> str:
    """Return a duration [s] as ``12 s`` or ``3 min 5 s``."""
    whole = int(round(seconds))
    return f"{whole} s" if whole < 120 else f"{whole // 60} min {whole % 60} s"


class StatusChanges:
    """Decide which statuses of a followed stream to print.

    ``first``: the status shown when following began, ``(level, message, values...)``; its
    start is unknown, so its length is said as "at least". ``clock``: seconds, monotonic
    (``time.monotonic``; a test passes its own).
    """

    def __init__(self, first: tuple, clock=time.monotonic):
        self.clock = clock
        self.shown, self.shape = first, self._shape(first)
        self.since = self.said = clock()
        self.known_start = False

    @staticmethod
    def _shape(status: tuple) -> tuple:
        return (status[0], words(status[1]), *status[2:])

    def line(self, status: tuple, text: str) -> str | None:
        """Return the line to print for ``status`` (``text``: how it reads), or None.

        ``status``: ``(level, message, values...)``. A new state: ``text`` and how long the one
        before lasted; the same state with other numbers, :data:`REMIND_S` after it was last
        said: ``still`` and ``text`` with how long it holds; otherwise None.
        """
        now = self.clock()
        if self._shape(status) != self.shape:
            before = f"{self.shown[0]} before it lasted " + \
                ("" if self.known_start else "at least ") + lasted(now - self.since)
            self.shown, self.shape, self.since, self.said = (status, self._shape(status), now,
                                                              now)
            self.known_start = True
            return f"{text}; the {before}"
        if status[1] != self.shown[1] and now - self.said >= REMIND_S:
            self.shown, self.said = status, now
            held = ("" if self.known_start else "at least ") + lasted(now - self.since)
            return f"still {text}; for {held}"
        return None
