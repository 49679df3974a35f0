"""The planner node's ``control_msgs/GripperCommand`` goals (``control.gripper_action``).

Each gripper command the node publishes on ``gripper_command`` (closedness 0..1) is also sent as
a GripperCommand goal when ``control.gripper_action`` names an action server and ``control_msgs``
is importable: ``position`` = one finger's joint position, (1 − closedness) · max width / 2 [m]
(``joint_states.finger_position``), ``max_effort`` [N] (franka_gripper's action server moves to
width 2 · position when opening and grasps with that force when closing).

A goal that cannot go out, or whose answer does not come, is never dropped without a word: a
rejection, or an abort or cancel not superseded by a newer goal of ours (ros2_controllers'
gripper_action_controller cancels the active goal when the next arrives), is one warning; no
server at the name (the gripper driver not running, or a wrong name: ``/franka_gripper/...`` for
an FR3's ``/fr3_gripper/...``), a send that raises (rclpy raises at once, e.g. once Ctrl-C shut
the context down), or goals unanswered ``control.gripper_result_timeout_s`` on, is one warning
per outage and one line at its end. Those rules, and the goals awaited, are
``robot.awaited_goals.AwaitedGoals`` (ROS-free); this file is the action-client plumbing.
:meth:`GripperGoals.overdue` is asked by a steady-clock timer of the node. Nothing here blocks
the arm: the Float64 topic is still published and the arm's commands go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vjepa_ros.robot.awaited_goals import STATUS_ABORTED, STATUS_CANCELED, AwaitedGoals
from vjepa_ros.robot.joint_states import finger_position

__all__ = ["STATUS_ABORTED", "STATUS_CANCELED", "GripperGoals"]


class GripperGoals:
    """Send GripperCommand goals to one action server and say when they cannot go or fail.

    ``client``: an ``rclpy.action.ActionClient`` for ``control_msgs/action/GripperCommand``
    (anything with ``server_is_ready()`` and ``send_goal_async(goal)``), ``goal_type`` its
    ``Goal`` class; ``name``: the server's name as configured (for the messages);
    ``max_width`` [m]: the hand's full opening; ``max_effort`` [N]; ``warn`` / ``info``: the
    node logger's methods (one line each); ``result_timeout_s`` [s]: how long a goal's acceptance,
    then its result, may take before :meth:`overdue` says so (0: never); ``clock``: steady
    seconds. ``answers``: the goals awaited (``AwaitedGoals``).
    """

    def __init__(self, client, goal_type, name: str, max_width: float, max_effort: float,
                 warn: Callable[[str], None], info: Callable[[str], None],
                 result_timeout_s: float = 0.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.goal_type, self.name = client, goal_type, name
        self.max_width, self.max_effort = max_width, max_effort
        self.warn, self.info, self.clock = warn, info, clock
        self.answers = AwaitedGoals(name, result_timeout_s)

    def send(self, closedness: float) -> bool:
        """Send a goal for ``closedness`` (0 open .. 1 closed); return True when it went out."""
        goal = self.goal_type()
        goal.command.position = finger_position(closedness, self.max_width)
        goal.command.max_effort = self.max_effort
        number = self.answers.sending()
        try:
            future = self.client.send_goal_async(goal) if self.client.server_is_ready() \
                else None
        except Exception as exc:  # noqa: BLE001 - rclpy raises at once (an RCLError ...)
            future, why = None, f"sending to {self.name} failed ({exc})"
        else:
            why = (f"no GripperCommand action server at {self.name} (gripper driver not "
                   "running, or another name: see `ros2 action list`)")
        if future is None:
            self._say("warning", self.answers.not_sent(number, why))
            return False
        sent_at = self.clock()
        self._say("info", self.answers.went_out(number, closedness, sent_at))
        future.add_done_callback(lambda done: self._answered(done, closedness, number, sent_at))
        return True

    def _answered(self, done, closedness: float, number: int, sent_at: float) -> None:
        """Take the server's answer to a goal: say a rejection, await an accepted goal's end."""
        handle = _result_of(done)
        if handle is None or not getattr(handle, "accepted", False):
            self._say("warning", self.answers.rejected(number, closedness, sent_at, self.clock(),
                                                       request_failed=handle is None))
            return
        self.answers.accepted(number, closedness, self.clock())
        handle.get_result_async().add_done_callback(
            lambda finished: self._finished(finished, closedness, number, sent_at))

    def overdue(self) -> list[int]:
        """Say goals without an answer ``result_timeout_s`` on; return their numbers (ascending).

        Each is forgotten (an answer that comes later ends the outage); the first of an outage
        is warned, naming the server and the parameter, the others counted
        (``AwaitedGoals.overdue``).
        """
        numbers, line = self.answers.overdue(self.clock())
        self._say("warning", line)
        return numbers

    def _finished(self, finished, closedness: float, number: int, sent_at: float) -> None:
        """Take an accepted goal's end: say aborted or canceled unless superseded."""
        response = _result_of(finished)
        said = self.answers.finished(number, closedness, sent_at, self.clock(),
                                     getattr(response, "status", None),
                                     request_failed=response is None)
        if said is not None:
            self._say(*said)

    def _say(self, level: str, line: str) -> None:
        """Log ``line`` at ``level`` ("warning" or "info"); nothing when it is empty."""
        if line:
            (self.warn if level == "warning" else self.info)(line)


def _result_of(future):
    """Return a done future's result, or None when it ended in an exception."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a failed send or result request: no result to read
        return None
