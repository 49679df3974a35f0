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
  open would abort it.
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

    ``send()`` sends the goal and returns its future; it is called once: from the stop's done
    callback, or from a timer thread ``wait_s`` after construction (or :meth:`wait_over`) when
    no answer came (then ``late()`` is called first, to say so). :meth:`add_done_callback` and
    :meth:`result` are the goal's future's (``result`` raises what ``send`` raised).
    """

    def __init__(self, stop, send: Callable[[], object], late: Callable[[], None],
                 wait_s: float = STOP_ANSWER_S):
        self._send, self._late = send, late
        self._lock = threading.Lock()
        self._sent = self._done = False
        self._future, self._error, self._callbacks = None, None, []
        self._timer = threading.Timer(wait_s, self._timed_out)
        self._timer.daemon = True
        stop.add_done_callback(lambda _answer: self._go())
        with self._lock:
            if not self._sent:
                self._timer.start()

    def wait_over(self) -> None:
        """End the wait now when no answer came (``late()``, then the goal goes out).

        The owner's steady clock (the node's timer) may tell it before the timer thread does;
        nothing happens once the goal went out.
        """
        self._timed_out()

    def _timed_out(self) -> None:
        with self._lock:
            if self._sent:
                return
        self._late()
        self._go()

    def _go(self) -> None:
        with self._lock:
            if self._sent:
                return
            self._sent = True
        self._timer.cancel()
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
            if not self._done:
                self._callbacks.append(callback)
                return
        callback(self)

    def result(self):
        if self._error is not None:
            raise self._error
        return self._future.result()
