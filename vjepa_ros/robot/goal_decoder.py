"""Goal images decoded off the executor thread: the newest request wins, the result handed back.

The planner node's executor thread also runs the set-point stream timer, its watchdog,
``/diagnostics`` and the services, so it decodes no goal image itself (a 4032x3024 JPEG takes
0.5 s, an 8192x8192 PNG 3.5 s: the arm's target would stand still meanwhile, breaker59a #1).
A goal file set by parameter and a goal image on ``~/goal_image`` (or ``/compressed``) are
decoded here, on one thread of :class:`GoalDecoder`'s own, and handed back: ``ready()`` (the
node triggers a guard condition) and the executor takes the outcome with :meth:`take` and
applies it there, so the node's goal state keeps one thread. One request at a time is kept: a
newer one (or :meth:`cancel`: a goal set another way) supersedes an older one still decoding,
whose outcome is dropped (the newest goal wins, whatever its source). ROS-free.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class Decoded:
    """The outcome of one request: ``value`` (what ``decode`` returned) or its ``error``."""

    ticket: int
    what: Any  # the request's own description (the node's: which goal, to apply it)
    value: Any = None
    error: BaseException | None = None


class GoalDecoder:
    """Run one goal decode at a time on a daemon thread; keep only the newest request's outcome.

    ``ready()``: called on the decoder's thread once an outcome waits (the node triggers a guard
    condition with it; it must not block).
    """

    def __init__(self, ready: Callable[[], None], name: str = "goal decoder"):
        self._ready, self._name = ready, name
        self._lock = threading.Condition()
        self._ticket = 0  # the newest request's (or cancel's) number
        self._request: tuple[int, Any, Callable[[], Any]] | None = None  # waiting to start
        self._busy, self._busy_what = 0, None  # the ticket being decoded (0: none), its what
        self._outcome: Decoded | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, what: Any, decode: Callable[[], Any]) -> int:
        """Decode by ``decode()`` on the decoder's thread; return the request's ticket.

        ``what``: handed back with the outcome (:class:`Decoded`). Supersedes every earlier
        request: an outcome of one not taken yet, or still decoding, is dropped.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the goal decoder is closed (the node is shutting down)")
            self._ticket += 1
            self._request, self._outcome = (self._ticket, what, decode), None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._lock.notify_all()
            return self._ticket

    def cancel(self) -> None:
        """Drop the request waiting or decoding and any outcome not taken (a newer goal)."""
        with self._lock:
            self._ticket += 1
            self._request = self._outcome = None

    def pending(self) -> Any:
        """Return the ``what`` of the request waiting or decoding now (None when none)."""
        with self._lock:
            if self._request is not None:
                return self._request[1]
            return self._busy_what if self._busy == self._ticket and self._busy else None

    def idle(self) -> bool:
        """Whether nothing waits, decodes or waits to be taken (tests settle on it)."""
        with self._lock:
            return self._request is None and not self._busy and self._outcome is None

    def take(self) -> Decoded | None:
        """Return the newest request's outcome once, or None (none, or superseded)."""
        with self._lock:
            outcome, self._outcome = self._outcome, None
            return outcome if outcome is not None and outcome.ticket == self._ticket else None

    def close(self) -> None:
        """Stop taking requests; an outcome decoding now is dropped (the thread is a daemon)."""
        with self._lock:
            self._closed = True
            self._request = self._outcome = None
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._request is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                (ticket, what, decode), self._request = self._request, None
                self._busy, self._busy_what = ticket, what
            outcome = Decoded(ticket, what)
            try:
                outcome.value = decode()
            except Exception as exc:  # noqa: BLE001 - handed to the executor, which says it
                outcome.error = exc
            with self._lock:
                self._busy = 0
                if self._closed or ticket != self._ticket:
                    continue  # superseded while decoding: a newer goal wins
                self._outcome = outcome
            self._ready()
