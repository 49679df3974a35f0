"""franka_gripper's stop before an open: called only at franka_gripper, the open sent after it.

Three pieces of the planner node's ``GripperGoals`` path (``robot.gripper_release`` says when a
stop is due, and counts the stops that fail: ``StopOutage``):

- :class:`BesideActionStop`: the ``std_srvs/srv/Trigger`` client of the stop, ready only when
  the node that serves it also serves the GripperCommand action (the ROS graph: the action's
  ``<action>/_action/send_goal`` service and the stop on one node, as franka_gripper has them).
  A ``/stop`` of some other node (a conveyor's, a mobile base's) is never called.
- :class:`OpenAfterStop`: the open's send-goal future, sent once the stop answered, or
  :data:`STOP_ANSWER_S` after it was called without an answer (then the open goes out anyway):
  a stop and an open sent together reach franka_gripper in either order, and a stop after the
  open would abort it. An open overtaken meanwhile (a newer goal went out, or a cancel came) is
  dropped unsent: sent after that goal, it would leave the hand open against the plan.
- :class:`StopBookkeeping`: ``GripperGoals``' side of it (a mixin): the stop called, its answer
  or its silence read, the open's delivery marked (a stop that did not end the grasp leaves it
  "failed": sent again with a new stop), one warning per outage, and after
  ``gripper_release.STOP_TRIES`` in a row one ERROR line: no stop is called and no open that
  needs one is sent ("withheld") until the user acts (a new goal, ``~/enable`` true).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from vjepa_ros.robot.awaited_goals import PREFIX

STOP_ANSWER_S = 1.0  # s: how long the open waits for the stop's answer (libfranka's stop: ms)
ACTION_GOAL_SERVICE = "/_action/send_goal"  # an action server's hidden goal service (rcl_action)


class BesideActionStop:
    """The stop service's client, ready only where the action's node serves it.

    ``node``: the rclpy node (``resolve_service_name``, ``get_node_names_and_namespaces``,
    ``get_service_names_and_types_by_node``); ``client``: its ``std_srvs/srv/Trigger`` client
    of ``stop_name``; ``action``: the GripperCommand action's name as configured.
    """

    def __init__(self, node, client, action: str, stop_name: str):
        self.node, self.client = node, client
        self.goal_service = node.resolve_service_name(action) + ACTION_GOAL_SERVICE
        self.stop_service = node.resolve_service_name(stop_name)

    def service_is_ready(self) -> bool:
        """Tell whether the stop answers and is served by the node serving the action."""
        return bool(self.client.service_is_ready()) and self.beside_action()

    def beside_action(self) -> bool:
        """Tell whether one node of the graph serves both the stop and the action's goals."""
        for name, namespace in self.node.get_node_names_and_namespaces():
            try:
                served = {service for service, _types in
                          self.node.get_service_names_and_types_by_node(name, namespace)}
            except Exception:  # noqa: BLE001 - the node left the graph meanwhile
                continue
            if self.stop_service in served and self.goal_service in served:
                return True
        return False

    def call_async(self, request):
        """Call the stop (the client's future)."""
        return self.client.call_async(request)


class OpenAfterStop:
    """A send-goal future whose goal goes out once ``stop`` (the stop's future) is done.

    Once :meth:`start` ed, the wait ends once: at the stop's answer (``answered(done)`` is
    called with the stop's future), or ``wait_s`` later on a timer thread, or at
    :meth:`wait_over`, without one (``late()`` is called); then ``send()`` sends the goal and
    returns its future, unless ``wanted()`` is false by then (a newer goal went out, or a
    cancel came): the goal is dropped (``dropped()``, never sent). :meth:`drop` ends the wait
    with the goal dropped. ``late()`` is always over before ``answered`` runs (a stop answer
    after the wait ended is still passed on: it may clear what ``late`` noted). A dropped goal's
    stop answer is not passed on. :meth:`add_done_callback` and :meth:`result` are the goal's
    future's (``result`` raises what ``send`` raised); a dropped goal's never finishes.
    """

    def __init__(self, stop, send: Callable[[], object], late: Callable[[], None],
                 answered: Callable[[object], None], wanted: Callable[[], bool],
                 dropped: Callable[[], None], wait_s: float = STOP_ANSWER_S):
        self._stop, self._send, self._late, self._answered = stop, send, late, answered
        self._wanted, self._dropped = wanted, dropped
        self._lock, self._said = threading.Lock(), threading.Lock()  # (late before answered)
        self._ended = self._done = self.dropped = False  # the wait; the goal's answer; dropped
        self._future, self._error, self._callbacks = None, None, []
        self._timer = threading.Timer(wait_s, self._timed_out)
        self._timer.daemon = True

    def start(self) -> None:
        """Begin the wait (the caller's bookkeeping of the goal done: it may end at once)."""
        with self._lock:
            if not self._ended:
                self._timer.start()
        self._stop.add_done_callback(self._stop_done)

    def wait_over(self) -> None:
        """End the wait now when no answer came (``late()``, then the goal goes out).

        The owner's steady clock (the node's timer) may tell it before the timer thread does;
        nothing happens once the wait ended.
        """
        self._timed_out()

    def drop(self) -> None:
        """End the wait now with the goal dropped (``dropped()``); nothing once it ended."""
        if self._end():
            self._drop()

    def _end(self) -> bool:
        """Mark the wait ended; tell whether this call ended it (under the lock: once)."""
        with self._lock:
            ended, self._ended = self._ended, True
        if not ended:
            self._timer.cancel()
        return not ended

    def _stop_done(self, done) -> None:
        ended_now = self._end()
        if self.dropped:
            return
        if ended_now and not self._wanted():
            self._drop()
            return
        with self._said:
            self._answered(done)
        if ended_now:
            self._go()

    def _timed_out(self) -> None:
        if not self._end():
            return
        if not self._wanted():
            self._drop()
            return
        with self._said:
            self._late()
        self._go()

    def _drop(self) -> None:
        with self._lock:
            self.dropped, self._callbacks = True, []
        self._dropped()

    def _go(self) -> None:
        try:
            future = self._send()
        except Exception as exc:  # noqa: BLE001 - rclpy raises at once (a context shut down)
            self._error = exc
            self._finish()
            return
        self._future = future
        future.add_done_callback(lambda _done: self._finish())

    def _finish(self) -> None:
        with self._lock:
            self._done, callbacks, self._callbacks = True, self._callbacks, []
        for callback in callbacks:
            callback(self)

    def add_done_callback(self, callback: Callable[[OpenAfterStop], None]) -> None:
        with self._lock:
            if self.dropped:
                return
            if not self._done:
                self._callbacks.append(callback)
                return
        callback(self)

    def result(self):
        if self._error is not None:
            raise self._error
        return self._future.result()


WITHHELD = object()  # _stop_first's answer: the stop is due but given up, the open not sent


class StopBookkeeping:
    """The stop's bookkeeping of :class:`~vjepa_ros.robot.gripper_goals.GripperGoals` (a mixin).

    Uses its ``stop``, ``stop_request``, ``stop_name``, ``release`` (``ReleaseStop``),
    ``outage`` (``StopOutage``), ``answers``, ``latest``, ``on_the_way``, ``client``, ``name``,
    ``max_width``, ``clock`` and ``_say``; sets ``stop_awaited`` (steady time it was called,
    the open's Delivery, its :class:`OpenAfterStop`; None) and ``no_stop_said``.
    """

    stop_awaited = None
    no_stop_said = False  # the missing stop service was said (once)

    @property
    def stop_failing(self) -> bool:
        """A stop failed or went unanswered, none worked since (warned once per outage)."""
        return self.outage.failures > 0

    def stop_given_up(self) -> bool:
        """Tell whether opens that need the stop are withheld (``StopOutage``; said on its end)."""
        self._say("info", _prefixed(self.outage.resume()))
        return self.outage.given_up()

    def stop_error(self) -> str:
        """Return the give-up's line for ``/diagnostics`` (ERROR) while it stands; "" if not."""
        return _prefixed(self.outage.line) if self.outage.given_up() else ""

    def _stop_first(self, closedness: float, finger: float | None):
        """Call the stop service before an open the server takes as done under a grasp.

        Asked only with the action server answering. ``finger``: one finger measured now [m]
        (None: not measured). Due per :class:`~vjepa_ros.robot.gripper_release.ReleaseStop`
        (a grasp of ours may stand); returns the stop's future (the open waits for it:
        :class:`OpenAfterStop`), :data:`WITHHELD` (due, but the stop was given up: the open is
        not sent), or None: the open goes at once. No stop service beside the action is one
        info line (ever); a stop that fails or goes unanswered is one warning per outage
        (:meth:`_stop_answered`, :meth:`_stop_late`).
        """
        width = None if finger is None else 2 * finger
        if self.stop is None or not self.release.due(closedness, width, self.max_width):
            return None  # (no stop client: a caller that drives no franka_gripper)
        if self.stop_given_up():
            return WITHHELD
        try:
            ready = bool(self.stop.service_is_ready())
            future = self.stop.call_async(self.stop_request()) if ready else None
        except Exception as exc:  # noqa: BLE001 - rclpy raises at once (a context shut down)
            self._say("warning", f"{PREFIX}calling {self.stop_name} failed ({exc}): a grasp "
                      "may still hold the fingers")
            return None
        if future is None:
            if not self.no_stop_said:
                self.no_stop_said = True
                self._say("info", (
                    f"{PREFIX}no stop service at {self.stop_name} served beside {self.name} "
                    "(franka_gripper's std_srvs/srv/Trigger): opens go out alone; franka_gripper "
                    "takes an open to the width the fingers already have as done, so a grasp "
                    "standing on fingers pried fully open would not be released (with another "
                    "gripper server this is harmless)"))
            return None
        return future

    def _open_after_stop(self, stop, goal, delivery) -> OpenAfterStop:
        """Return the send-goal future of ``delivery``'s open, sent once ``stop`` answered."""
        number = delivery.number
        return OpenAfterStop(
            stop, lambda: self.client.send_goal_async(goal), lambda: self._stop_late(delivery),
            lambda done: self._stop_answered(done, delivery),
            lambda: self._still_wanted(number), lambda: self._open_dropped(delivery))

    def _open_withheld(self, delivery):
        """Keep ``delivery``'s open unsent: its stop was given up (state "withheld")."""
        delivery.state = "withheld"
        self.answers.withdrawn(delivery.number)
        self.latest = delivery
        self._drop_waiting_open()
        self._say("debug", f"{PREFIX}the open is not sent: {self.outage.line}")
        return delivery

    def _still_wanted(self, number: int) -> bool:
        """Tell whether goal ``number`` is the newest sent, no ``cancel`` since."""
        return self.answers.sent == number and number > self.answers.canceled_through

    def _drop_waiting_open(self) -> None:
        """Drop the open still waiting for its stop (a newer goal went out, or a cancel came)."""
        awaited = self.stop_awaited
        if awaited is not None and not self._still_wanted(awaited[1].number):
            awaited[2].drop()

    def _open_dropped(self, delivery) -> None:
        """Note ``delivery``'s open, waiting for its stop, was dropped: never sent, not resent.

        Its state: "canceled" after a ``cancel``, "superseded" after a newer goal went out
        (that goal is the hand's latest); no warning (one debug line).
        """
        awaited = self.stop_awaited
        if awaited is not None and awaited[1] is delivery:
            self.stop_awaited = None
        number = delivery.number
        self.on_the_way.discard(number)
        self.answers.withdrawn(number)
        canceled = number <= self.answers.canceled_through
        delivery.state = "canceled" if canceled else "superseded"
        self._say("debug", f"{PREFIX}the open waiting for {self.stop_name} was not sent: "
                  f"{'a cancel came' if canceled else 'a newer gripper goal went out'} meanwhile")

    def _stop_overdue(self, now: float) -> None:
        """End the wait of a stop unanswered :data:`STOP_ANSWER_S` on ``now`` (steady [s]).

        The open goes, said, by the node's clock too (its timer thread may not have come yet).
        """
        awaited = self.stop_awaited  # (cleared on its answer)
        if awaited is not None and now - awaited[0] >= STOP_ANSWER_S:
            awaited[2].wait_over()

    def _stop_late(self, delivery) -> None:
        """Take a stop unanswered :data:`STOP_ANSWER_S` after its call as failed (said once).

        Called by the open's :class:`OpenAfterStop` (its timer thread, or ``overdue`` on the
        node's steady clock, whichever comes first), just before the open goes out alone.
        """
        awaited = self.stop_awaited
        if awaited is not None and awaited[1] is delivery:
            self.stop_awaited = None
        self._stop_failed(delivery, f"did not answer within {STOP_ANSWER_S:g} s",
                          f"{PREFIX}{self.stop_name} did not answer within {STOP_ANSWER_S:g} s: "
                          "the open goes out anyway, and is sent again with the stop (a grasp "
                          "may still hold the fingers)")

    def _stop_answered(self, done, delivery) -> None:
        """Read the stop's answer (``std_srvs/srv/Trigger`` response) for ``delivery``'s open.

        ``success`` false (its ``message`` said), or the call failed: as :meth:`_stop_failed`.
        A stop that works after failing ends the outage (one info line; a give-up too); after
        its wait ended (:meth:`_stop_late`), it ends the grasp all the same: the open is no
        longer "failed" for the stop (nor the grasp taken to stand, while it is the newest goal).
        """
        awaited = self.stop_awaited
        if awaited is not None and awaited[1] is delivery:
            self.stop_awaited = None
        response = result_of(done)
        if response is None or not getattr(response, "success", False):
            why = getattr(response, "message", "") or "the call failed"
            self._stop_failed(delivery, f"failed ({why})",
                              f"{PREFIX}{self.stop_name} failed ({why}): a grasp may still hold "
                              "the fingers; the open is sent again with the stop")
            return
        if delivery.stop_failed:  # answered after its wait: the grasp ended after all
            delivery.stop_failed = False
            if delivery.state == "failed" and not delivery.end_failed:
                delivery.state = "ended"
            if self.latest is delivery:
                self.release.stopped()
        self._say("info", _prefixed(self.outage.worked()))

    def _stop_failed(self, delivery, why: str, line: str) -> None:
        """Note a stop that did not end the grasp: ``delivery``'s open ends "failed" (resent).

        A grasp of ours may stand again unless a newer goal went out since (``release``);
        ``line`` is warned once per outage, debug after; the give-up after
        ``gripper_release.STOP_TRIES`` in a row is one ERROR line (``StopOutage``), and the
        open is then not sent again (``Delivery.needs_resend``).
        """
        delivery.stop_failed = True
        if delivery.state == "ended":  # the open's end came first (done at once)
            delivery.state = "failed"
        if self.latest is delivery:
            self.release.not_stopped()
        level, said = self.outage.failed(why, line)
        self._say(level, said if level != "error" else _prefixed(said))


def _prefixed(line: str) -> str:
    """Return ``line`` led by the gripper goals' prefix ("" stays "")."""
    return f"{PREFIX}{line}" if line else ""


def result_of(future):
    """Return a done future's result, or None when it ended in an exception."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a failed send or result request: no result to read
        return None
