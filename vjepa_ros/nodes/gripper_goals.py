"""The planner node's ``control_msgs/GripperCommand`` goals (``control.gripper_action``).

Each gripper command the node publishes on ``gripper_command`` (closedness 0..1) is also sent as
a GripperCommand goal when ``control.gripper_action`` names an action server and ``control_msgs``
is importable: ``position`` = one finger's joint position, (1 − closedness) · max width / 2 [m]
(``joint_states.finger_position``), ``max_effort`` [N] (franka_gripper's action server moves to
width 2 · position when opening and grasps with that force when closing).

A goal that cannot go out is never dropped without a word: no server at the name (the gripper
driver not running, or a wrong name: ``/franka_gripper/...`` for an FR3's ``/fr3_gripper/...``)
gives one warning naming ``control.gripper_action`` and the name, and one line when the server
appears; a goal the server rejects gives one warning, and so does one it aborts or cancels
unless a newer goal of ours had gone out (ros2_controllers' gripper_action_controller cancels
the active goal when the next arrives: our own doing, not a failure). A send that raises (rclpy
raises at once, e.g. once Ctrl-C shut the context down) is one warning per outage too. An
accepted goal whose result has not come ``control.gripper_result_timeout_s`` after it was accepted
(the driver took it, then hung or died) gives one warning per goal (:meth:`GripperGoals.overdue`,
asked by a steady-clock timer of the node). Nothing here blocks the arm: the Float64 topic is
still published and the arm's commands go on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from vjepa_ros.robot.joint_states import finger_position

STATUS_ABORTED = 6  # action_msgs/GoalStatus.STATUS_ABORTED
STATUS_CANCELED = 5  # action_msgs/GoalStatus.STATUS_CANCELED


class GripperGoals:
    """Send GripperCommand goals to one action server and say when they cannot go or fail.

    ``client``: an ``rclpy.action.ActionClient`` for ``control_msgs/action/GripperCommand``
    (anything with ``server_is_ready()`` and ``send_goal_async(goal)``), ``goal_type`` its
    ``Goal`` class; ``name``: the server's name as configured (for the messages);
    ``max_width`` [m]: the hand's full opening; ``max_effort`` [N]; ``warn`` / ``info``: the
    node logger's methods (one line each); ``result_timeout_s`` [s]: how long an accepted goal's
    result may take before :meth:`overdue` says so (0: never); ``clock``: steady seconds.
    """

    def __init__(self, client, goal_type, name: str, max_width: float, max_effort: float,
                 warn: Callable[[str], None], info: Callable[[str], None],
                 result_timeout_s: float = 0.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.goal_type, self.name = client, goal_type, name
        self.max_width, self.max_effort = max_width, max_effort
        self.warn, self.info = warn, info
        self.result_timeout_s, self.clock = result_timeout_s, clock
        # accepted goals awaiting their result: number -> (when accepted [s], closedness)
        self.awaiting: dict[int, tuple[float, float]] = {}
        self.unanswered = 0  # accepted goals said to have no result in time
        self.missing = False  # warned that no server answers at ``name`` (until it does)
        self.sent = 0  # goals sent (also the number of the newest)
        self.unsent = 0  # goals not sent: no server ready, or the send raised (all outages)
        self.unsent_now = 0  # of them, in the outage under way (or the last one)
        self.failed = 0  # goals rejected, or aborted / canceled while the newest
        self._lock = threading.Lock()  # the answers come on the executor's thread

    def send(self, closedness: float) -> bool:
        """Send a goal for ``closedness`` (0 open .. 1 closed); return True when it went out."""
        goal = self.goal_type()
        goal.command.position = finger_position(closedness, self.max_width)
        goal.command.max_effort = self.max_effort
        with self._lock:
            self.sent += 1  # before the send: it may cancel the goal before (a preemption)
            number = self.sent
        try:
            future = self.client.send_goal_async(goal) if self.client.server_is_ready() \
                else None
        except Exception as exc:  # noqa: BLE001 - rclpy raises at once (an RCLError ...)
            future, why = None, f"sending to {self.name} failed ({exc})"
        else:
            why = (f"no GripperCommand action server at {self.name} (gripper driver not "
                   "running, or another name: see `ros2 action list`)")
        if future is None:
            with self._lock:
                self.sent -= 1
                said, self.missing = self.missing, True
                self.unsent += 1
                self.unsent_now = self.unsent_now + 1 if said else 1
            if not said:
                self.warn(f"control.gripper_action: {why}; gripper goals are not sent until "
                          "it answers (gripper_command is still published)")
            return False
        with self._lock:
            said, self.missing = self.missing, False
        if said:
            self.info(f"control.gripper_action: the GripperCommand server at {self.name} "
                      f"answers; gripper goals are sent again ({self.unsent_now} not sent)")
        future.add_done_callback(lambda done: self._answered(done, closedness, number))
        return True

    def _answered(self, done, closedness: float, number: int) -> None:
        """Take the server's answer to a goal: say a rejection, await an accepted goal's end."""
        handle = _result_of(done)
        if handle is None or not getattr(handle, "accepted", False):
            with self._lock:
                self.failed += 1
            self.warn(f"control.gripper_action: {self.name} rejected the gripper goal "
                      f"(closedness {closedness:.2f}); the hand was not commanded")
            return
        if self.result_timeout_s > 0:
            with self._lock:
                self.awaiting[number] = (self.clock(), closedness)
        handle.get_result_async().add_done_callback(
            lambda finished: self._finished(finished, closedness, number))

    def overdue(self) -> list[int]:
        """Warn once for each accepted goal without a result ``result_timeout_s`` on; numbers.

        Each goal is said once (then forgotten: a result that comes later is taken as any
        other), naming the server and the parameter; returns the goals said now.
        """
        if self.result_timeout_s <= 0:
            return []
        now = self.clock()
        with self._lock:
            late = sorted((number, closedness) for number, (accepted, closedness)
                          in self.awaiting.items() if now - accepted >= self.result_timeout_s)
            for number, _ in late:
                del self.awaiting[number]
            self.unanswered += len(late)
        for _, closedness in late:
            self.warn(f"control.gripper_action: no result from {self.name} for the gripper goal "
                      f"(closedness {closedness:.2f}) {self.result_timeout_s:g} s after the "
                      "server accepted it (control.gripper_result_timeout_s): the driver may have "
                      "hung or died; check the hand and its driver (ros2 action info "
                      f"{self.name})")
        return [number for number, _ in late]

    def _finished(self, finished, closedness: float, number: int) -> None:
        """Take an accepted goal's end: say aborted or canceled unless superseded."""
        response = _result_of(finished)
        status = getattr(response, "status", None)
        with self._lock:
            self.awaiting.pop(number, None)
            superseded = number != self.sent  # a newer goal of ours went out: its preemption
            failed = status in (STATUS_ABORTED, STATUS_CANCELED) and not superseded
            self.failed += failed
        if failed:
            word = "aborted" if status == STATUS_ABORTED else "canceled"
            self.warn(f"control.gripper_action: the gripper goal to {self.name} was {word} "
                      f"(closedness {closedness:.2f}): the driver did not complete it; check "
                      "the hand")


def _result_of(future):
    """Return a done future's result, or None when it ended in an exception."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a failed send or result request: no result to read
        return None
