"""franka_gripper's stop before an open: called only at franka_gripper, the open sent after it.

Two pieces of the planner node's ``GripperGoals`` path (``robot.gripper_release`` says when a
stop is due):

- :class:`BesideActionStop`: the ``std_srvs/srv/Trigger`` client of the stop, ready only when
  the node that serves it also serves the GripperCommand action (the ROS graph: the action's
  ``<action>/_action/send_goal`` service and the stop on one node, as franka_gripper has them).
  A ``/stop`` of some other node (a conveyor's, a mobile base's) is never called.
- :class:`OpenAfterStop`: the open's send-goal future, sent once the stop answered, or
  :data:`STOP_ANSWER_S` after it was called without an answer (then the open goes out anyway):
  a stop and an open sent together reach franka_gripper in either order, and a stop after the
  open would abort it. An open overtaken meanwhile (a newer goal went out, or a cancel came) is
  dropped unsent: sent after that goal, it would leave the hand open against the plan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

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
