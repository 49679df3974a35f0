"""Goal images decoded off the executor thread: the newest request first, handed back in turn.

The planner node's executor thread also runs the set-point stream timer, its watchdog,
``/diagnostics`` and the services, so it decodes no goal image itself (a 4032x3024 JPEG takes
0.5 s, an 8192x8192 PNG 3.5 s: the arm's target would stand still meanwhile, breaker59a #1).
A goal file set by parameter and a goal image on ``~/goal_image`` (or ``/compressed``) are
decoded here, on one thread of :class:`GoalDecoder`'s own, and handed back: ``ready()`` (the
node triggers a guard condition) and the executor applies the outcomes there
(:meth:`GoalDecoder.hand_over`), so the node's goal state keeps one thread. A request counts as
done only once applied (or refused) there: :meth:`GoalDecoder.idle` is False until then (what a
caller on another thread settles on: the goal in force is then the decoded one, mend60a).

Which request wins: the newest one *that becomes the goal*. A request supersedes the older ones
only once the node applied it (:meth:`GoalDecoder.hand_over`'s ``apply``); one that changes
nothing (a re-sent copy of the goal in force) or is refused (an 8x8 image, a transparent file)
drops no other request: the older ones are then handed over in turn, newest first (breaker59h #1: a
1 Hz ``ros2 topic pub`` copy of the old goal silently dropped a goal file set meanwhile). So
the thread decodes the newest request, and an older one only once every newer one was taken
without being applied (a decode already under way ends first). :meth:`GoalDecoder.cancel` (a
goal set another way: a service) drops every request. ROS-free.

A request for a picture already requested and not taken yet (``identity``: the node's picture of
a goal image, its ``goal_images.message_key`` without the stamp) is not decoded again: that
request becomes the newest, with the newer copy's ``what``, its decode (waiting, under way or
done) kept. A goal re-published faster than it decodes (``image_publisher`` at 10 Hz, ``ros2
topic pub -r 5``: a 4032x3024 JPEG decodes in 0.5-0.85 s) would otherwise be superseded by its
next copy before each decode ended, and never become the goal (review59r #1).

What waits is bounded (review59t #1: a 10 Hz stream of *different* 4032x3024 pictures, 36 MB
each, piled up at 0.3 GB/s, none ever handed over while the newest still decoded). Per ``lane``
(the node's: goal images; every request one lane by default): a request waiting (not started) is
dropped once a newer one of its lane is submitted, and while the lane's newest request waits or
decodes, only its newest decoded request is kept as the fallback should that one change nothing
or be refused (older decoded ones are dropped). So a lane holds at most one decoded, one decoding
and one waiting request. A request whose ``lane`` is None is bounded by the caller
(:meth:`retain`; the node's goal files: the set named now and the one named before it). Chosen
over handing an older decoded request over while a newer one decodes: that would apply a goal
the newer one may replace a moment later (the plan voided twice) and judge a re-sent copy of
the goal in force against the older goal instead (breaker59h #1); the cost: pictures that
each arrive before the newest ends decoding become the goal only once the stream pauses for
one decode.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Hashable
from typing import Any


@dataclasses.dataclass
class Decoded:
    """The outcome of one request: ``value`` (what ``decode`` returned) or its ``error``."""

    ticket: int
    what: Any  # the request's own description (the node's: which goal, to apply it)
    value: Any = None
    error: BaseException | None = None


@dataclasses.dataclass(eq=False)  # one request is itself alone (``in``: by identity)
class _Request:
    ticket: int
    what: Any
    decode: Callable[[], Any]
    identity: Hashable = None  # the picture it decodes (GoalDecoder's ``identity``), or None
    lane: Hashable = None  # what it is bounded with (GoalDecoder's ``lane``), None: by the caller
    started: bool = False
    outcome: Decoded | None = None


class GoalDecoder:
    """Run one goal decode at a time on a daemon thread; hand outcomes back newest first.

    ``ready()``: called on the decoder's thread once the newest request's outcome waits (the
    node triggers a guard condition with it; it must not block). ``identity(what)``: what a
    request decodes (a hashable; None: tell it from no other), to decode one picture once
    while it is requested again (module docstring); None: every request is decoded.
    ``lane(what)``: the requests bounded together (module docstring; a hashable, None: not
    bounded here); None: every request in one lane. Thread-safe.
    """

    def __init__(self, ready: Callable[[], None], name: str = "goal decoder",
                 identity: Callable[[Any], Hashable] | None = None,
                 lane: Callable[[Any], Hashable] | None = None):
        self._ready, self._name, self._identity = ready, name, identity
        self._lane = lane or (lambda what: 0)
        self._lock = threading.Condition()
        self._ticket = 0  # the newest request's number
        self._requests: list[_Request] = []  # not taken yet, oldest first
        self._busy = False  # a decode runs now (its request may have been dropped since)
        self._handing = 0  # hand_over calls under way: what they took is not applied yet
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, what: Any, decode: Callable[[], Any]) -> int | None:
        """Decode by ``decode()`` on the decoder's thread; return the request's ticket.

        ``what``: handed back with the outcome (:class:`Decoded`). Drops no earlier request
        (one applied in :meth:`hand_over` does). A request not taken yet with the same
        ``identity`` is made the newest instead (this ``what``, this ticket; ``decode`` not
        called): its outcome, when decoded already, is ready at once. Returns None, the request
        dropped, once :meth:`close` was called (the node is shutting down; a goal arriving then
        is no error: breaker59h #4).
        """
        identity = None if self._identity is None else self._identity(what)
        lane = self._lane(what)
        with self._lock:
            if self._closed:
                return None
            self._ticket += 1
            same = [r for r in self._requests if identity is not None and r.identity == identity]
            if same:  # one picture requested again: decoded once, the newest request now
                request = same[-1]
                self._requests.remove(request)
                request.ticket, request.what = self._ticket, what
            else:
                request = _Request(self._ticket, what, decode, identity, lane)
            self._requests.append(request)
            self._bound()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._lock.notify_all()
            ticket, ready = self._ticket, request.outcome is not None
        if ready:
            self._ready()
        return ticket

    def _applied(self, ticket: int) -> None:
        """Note that request ``ticket`` became the goal: every older request is dropped."""
        with self._lock:
            self._requests = [r for r in self._requests if r.ticket > ticket]

    def retain(self, keep: Callable[[Any], bool]) -> None:
        """Drop every request not taken whose ``what`` ``keep`` refuses (its lane's or not).

        The caller's bound for requests without a lane; a decode under way ends unused.
        """
        with self._lock:
            self._requests = [r for r in self._requests if keep(r.what)]

    def cancel(self) -> None:
        """Drop every request waiting, decoding or not taken (a goal set another way)."""
        with self._lock:
            self._requests = []

    def pending(self) -> list:
        """Return the ``what`` of every request not taken yet (waiting, decoding, decoded).

        Oldest first; [] when none.
        """
        with self._lock:
            return [request.what for request in self._requests]

    def idle(self) -> bool:
        """Whether nothing waits, decodes, waits to be taken or is being handed over.

        False while :meth:`hand_over` runs: an outcome it took counts until applied (or
        refused) and its ``finish`` ran, so a caller on another thread that sees True reads
        the goal the outcomes left (tests settle on it; a True between taking an outcome and
        applying it read the old goal: mend60a).
        """
        with self._lock:
            return not self._requests and not self._busy and not self._handing

    def hand_over(self, apply: Callable[[Decoded], bool],
                  finish: Callable[[], None] | None = None) -> None:
        """Apply every outcome ready, newest first, on the calling thread (the node's executor).

        ``apply(done)`` returns whether ``done`` became the goal: older requests are dropped
        then; else the next older outcome is taken in turn. ``finish()``:
        called once after the last one (the caller's state that follows from what is left).
        :meth:`idle` stays False until both returned. What they raise is raised here.
        """
        with self._lock:
            self._handing += 1
        try:
            while (done := self._take()) is not None:
                if apply(done):
                    self._applied(done.ticket)
            if finish is not None:
                finish()
        finally:
            with self._lock:
                self._handing -= 1

    def _take(self) -> Decoded | None:
        """Return the newest request's outcome once, or None (none, or still decoding).

        Taken, the request is gone; an older one is the newest then (take again until None).
        :meth:`_applied` with its ticket if it became the goal. Only :meth:`hand_over` takes
        (the node's way: :meth:`idle` stays False until it is applied).
        """
        with self._lock:
            if not self._requests or self._requests[-1].outcome is None:
                return None
            request = self._requests.pop()
            self._lock.notify_all()  # an older request may be decoded now
            # (its newest copy's: requested again while it decoded, see submit)
            return dataclasses.replace(request.outcome, ticket=request.ticket, what=request.what)

    def close(self) -> None:
        """Stop taking requests; every one is dropped (the thread is a daemon)."""
        with self._lock:
            self._closed = True
            self._requests = []
            self._lock.notify_all()

    def _next(self) -> _Request | None:
        """Return the request to decode now: the newest one, not started yet (locked)."""
        if self._requests and not self._requests[-1].started:
            return self._requests[-1]
        return None

    def _bound(self) -> None:
        """Drop what a lane holds beyond one waiting, one decoding and one decoded (locked)."""
        drop = set()
        for lane in {r.lane for r in self._requests if r.lane is not None}:
            mine = [r for r in self._requests if r.lane == lane]
            drop.update(id(r) for r in [r for r in mine if not r.started][:-1])
            if mine[-1].outcome is None:  # the newest undecided: one fallback decoded
                drop.update(id(r) for r in [r for r in mine if r.outcome is not None][:-1])
        if drop:
            self._requests = [r for r in self._requests if id(r) not in drop]

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._next() is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                request = self._next()
                request.started, self._busy = True, True
            outcome = Decoded(request.ticket, request.what)
            try:
                outcome.value = request.decode()
            except Exception as exc:  # noqa: BLE001 - handed to the executor, which says it
                outcome.error = exc
            with self._lock:
                self._busy = False
                if self._closed or request not in self._requests:
                    continue  # dropped while decoding: cancelled, or a newer goal applied
                request.outcome = outcome
                self._bound()
                newest = bool(self._requests) and self._requests[-1] is request
            if newest:  # else a newer request is decoded first: taken before this one
                self._ready()
