"""What ``planner status --follow`` prints of a stream of statuses: changes, not counts.

A status message that changes only in its numbers (``no camera image on ... in 9 s``, then
``... in 10 s``; an age, a count) is the same state: :func:`words` drops the numbers, and
:class:`StatusChanges` says a status again only when its level, words or watched values change,
or as a reminder every :data:`REMIND_S` while its numbers keep changing; a status that ends is
said with how long it lasted (docs60w #1: the waiting warning was printed every second). A gap in
the stream (the planner stopped or restarted; the follow calls :meth:`StatusChanges.went_quiet`)
is no part of any status's length: the status before it lasted until its last message, the first
after it is always said and counted from its return (mend62f: a restart's 21 s were counted).
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
        self.since = self.said = self.heard = clock()
        self.known_start = False
        self.quiet = False  # the stream stopped (went_quiet) and no status came since

    def quiet_s(self) -> float:
        """Return the seconds since the last status (since following began if none came)."""
        return self.clock() - self.heard

    def went_quiet(self) -> None:
        """Mark a gap: the status shown ended at its last message; the next is said anew."""
        self.quiet = True

    def _length(self, end: float) -> str:
        return ("" if self.known_start else "at least ") + lasted(end - self.since)

    @staticmethod
    def _shape(status: tuple) -> tuple:
        return (status[0], words(status[1]), *status[2:])

    def line(self, status: tuple, text: str) -> str | None:
        """Return the line to print for ``status`` (``text``: how it reads), or None.

        ``status``: ``(level, message, values...)``. A new state: ``text`` and how long the one
        before lasted; the same state with other numbers, :data:`REMIND_S` after it was last
        said: ``still`` and ``text`` with how long it holds; the first status after a gap
        (:meth:`went_quiet`), whatever it is: ``text`` and how long the one before the gap lasted
        until its last message; otherwise None.
        """
        now = self.clock()
        heard, self.heard = self.heard, now
        if self.quiet or self._shape(status) != self.shape:
            before = f"{self.shown[0]} before the gap" if self.quiet else \
                f"{self.shown[0]} before it"
            before += " lasted " + self._length(heard if self.quiet else now)
            self.shown, self.shape, self.since, self.said = (status, self._shape(status), now,
                                                              now)
            self.known_start, self.quiet = True, False
            return f"{text}; the {before}"
        if status[1] != self.shown[1] and now - self.said >= REMIND_S:
            self.shown, self.said = status, now
            return f"still {text}; for {self._length(now)}"
        return None
