"""Cancel the planner node's GripperCommand goals (``~/enable`` false, a failure, shutdown).

:class:`GoalCancels` is mixed into :class:`~vjepa_ros.robot.gripper_goals.GripperGoals`: the
goals accepted and not yet ended, and those still on their way (canceled as their acceptance is
taken), are canceled; each cancel's answer is read (``action_msgs/srv/CancelGoal``): taken, one
info line per call (the hand stops where it is); refused, one warning naming the server (the
hand may still move to the goal's end). It uses the goals' ``answers``, ``handles``, ``gone``,
``on_the_way``, ``latest``, ``cancel_round``, ``said_round``, ``name`` and ``_say``.
"""

from __future__ import annotations

from vjepa_ros.robot.awaited_goals import PREFIX
from vjepa_ros.robot.gripper_stop import result_of

# action_msgs/srv/CancelGoal's return codes (its Response.return_code)
CANCEL_ERROR_NONE, CANCEL_ERROR_REJECTED = 0, 1
CANCEL_ERROR_UNKNOWN_GOAL_ID, CANCEL_ERROR_GOAL_TERMINATED = 2, 3


class GoalCancels:
    """The cancel methods of ``GripperGoals`` (see the module docstring)."""

    def cancel(self) -> int:
        """Cancel the goals accepted and not yet ended, and those still on their way.

        Each cancel's answer is read (:meth:`_cancel_answered`): taken, the hand stops where it
        is (franka_gripper stops it on a cancel; one info line per call); refused (rclpy's
        ``ActionServer`` without a ``cancel_callback`` refuses every cancel), one warning: the
        hand may still move to the goal's end. Their CANCELED ends are not warned. Goals whose
        server went since they were accepted (``gone``: a driver that crashed) are canceled
        too, in case it was a passing glitch, but not counted. Returns how many were canceled.
        """
        self.answers.cancelling()
        self.cancel_round += 1
        self._drop_waiting_open()  # an open waiting for its stop is not sent after a cancel
        numbers = sorted(self.handles)
        running = [number for number in numbers if number not in self.gone]
        for number in numbers:
            self._cancel(number)
        return len(running)

    def cancel_pending(self) -> bool:
        """Tell whether a goal canceled on its way still awaits its acceptance.

        Its cancel goes out when the acceptance is taken (:meth:`_answered`, on the node's
        executor): a shutdown lets that executor spin until this is False (or its bound), so
        that a goal the server accepts after Ctrl-C is canceled too, not left to move the hand.
        """
        through = self.answers.canceled_through
        return any(number <= through for number in self.on_the_way.copy())

    def _cancel(self, number: int) -> None:
        """Ask the server to cancel accepted goal ``number`` (a failed request is a warning).

        Once per goal: :meth:`cancel` (any thread) and ``_answered`` (the executor) may both
        reach a goal; the second finds its handle gone and does nothing.
        """
        handle = self.handles.pop(number, None)
        if self.latest is not None and self.latest.number == number:
            self.latest.state = "canceled"
        gone = number in self.gone
        self.gone.discard(number)
        if handle is None:  # canceled already by the other path
            return
        try:
            answer = handle.cancel_goal_async()
        except Exception as exc:  # noqa: BLE001 - the context shut down: nothing more to do
            if not gone:
                self._say("warning", f"{PREFIX}canceling the gripper goal to {self.name} "
                          f"failed ({exc}); the hand may still move")
            return
        if hasattr(answer, "add_done_callback"):
            cancel_round = self.cancel_round
            answer.add_done_callback(
                lambda done: self._cancel_answered(done, cancel_round, gone))

    def _cancel_answered(self, done, cancel_round: int, gone: bool) -> None:
        """Read a cancel's answer (``action_msgs/CancelGoal`` response; the executor's thread).

        Taken (ERROR_NONE): the hand stops where it is, one info line per :meth:`cancel` call.
        Refused (ERROR_REJECTED), or no answer (the request failed) for a goal whose server did
        not go (``gone`` False): one warning naming the server: the hand may still move to the
        goal's end. A goal the server does not know or that had ended: nothing to say.
        """
        code = getattr(result_of(done), "return_code", None)
        if code == CANCEL_ERROR_NONE:
            if self.said_round != cancel_round:
                self.said_round = cancel_round
                self._say("info", f"{PREFIX}the gripper goal to {self.name} was canceled: the "
                          "hand stops where it is")
        elif code == CANCEL_ERROR_REJECTED:
            self._say("warning", f"{PREFIX}{self.name} refused to cancel the gripper goal (an "
                      "rclpy ActionServer without a cancel_callback refuses every cancel): the "
                      "hand may still move to the goal's end; stop it at its driver")
        elif code not in (CANCEL_ERROR_UNKNOWN_GOAL_ID, CANCEL_ERROR_GOAL_TERMINATED) and \
                not gone:
            self._say("warning", f"{PREFIX}the cancel of the gripper goal to {self.name} got "
                      f"no answer (return code {code}): the hand may still move to the goal's "
                      "end; stop it at its driver")
