"""The planner node's ``control_msgs/GripperCommand`` goals (``control.gripper_action``).

Each gripper command the node publishes on ``gripper_command`` (closedness 0..1) is also sent as
a GripperCommand goal when ``control.gripper_action`` names an action server and ``control_msgs``
is importable: ``position`` = one finger's joint position, (1 − closedness) · max width / 2 [m]
(``joint_states.finger_position``), ``max_effort`` [N] (franka_gripper's action server moves to
width 2 · position when opening and grasps with that force when closing).

A goal that cannot go out is never dropped without a word: no server at the name (the gripper
driver not running, or a wrong name: ``/franka_gripper/...`` for an FR3's ``/fr3_gripper/...``)
gives one warning naming ``control.gripper_action`` and the name, and one line when the server
appears (goals sent before it went and still without an answer are counted into that outage,
not timed: one warning, one line at its end, which counts as never answered only those no answer
came for meanwhile); a goal the server rejects gives one warning, and so does one it aborts or
cancels unless a newer goal of ours had gone out and was not rejected (ros2_controllers'
gripper_action_controller cancels the active goal when the next arrives: our own doing, not a
failure; a rejected goal preempts nothing). A send that raises (rclpy
raises at once, e.g. once Ctrl-C shut the context down) is one warning per outage too. A goal
whose answer has not come ``control.gripper_result_timeout_s`` on (the server never accepted it
(its executor hung), or accepted it and its result never came: the driver hung or died) starts an
outage: one warning naming the server and the parameter, the goals overdue after it counted, not
said (a plan under continuous control sends one a second: a flood); the next answer (a result,
or a rejection) ends it in one line: how long that goal took and how many went unanswered; a
future that ended in an exception is no answer and ends nothing. A goal still pending when a
newer one's result comes is not overdue (the driver answers; it was superseded); a newer one's
rejection supersedes no accepted goal. :meth:`GripperGoals.overdue` is asked by a steady-clock
timer of the node. Nothing here blocks the arm: the Float64 topic is still published and the
arm's commands go on.
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
    node logger's methods (one line each); ``result_timeout_s`` [s]: how long a goal's acceptance,
    then its result, may take before :meth:`overdue` says so (0: never); ``clock``: steady
    seconds.
    """

    def __init__(self, client, goal_type, name: str, max_width: float, max_effort: float,
                 warn: Callable[[str], None], info: Callable[[str], None],
                 result_timeout_s: float = 0.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.goal_type, self.name = client, goal_type, name
        self.max_width, self.max_effort = max_width, max_effort
        self.warn, self.info = warn, info
        self.result_timeout_s, self.clock = result_timeout_s, clock
        # goals awaiting their answer: number -> (when sent, then accepted [s], closedness,
        # accepted); only with a result timeout
        self.awaiting: dict[int, tuple[float, float, bool]] = {}
        self.unanswered = 0  # goals found without an answer in time (all outages)
        self.late: set[int] = set()  # of them, those of the outage under way (none: no outage)
        self.missing = False  # warned that no server answers at ``name`` (until it does)
        self.sent = 0  # goals sent (also the number of the newest)
        self.unsent = 0  # goals not sent: no server ready, or the send raised (all outages)
        self.unsent_now = 0  # of them, in the outage under way (or the last one)
        # goals awaited when the server went (the outage under way), not answered since: number
        # -> accepted; not timed
        self.lost: dict[int, bool] = {}
        # whether a newer goal stands (sent, not rejected) to supersede an older one: the newest
        # goal accepted, and the goals sent after it still awaiting acceptance (bounded by the
        # goals in flight, never flushed by rejections), and the newest goal dropped unaccepted
        # as overdue (kept as a number only: a hung server's goals do not pile up, breaker45z)
        self.newest_accepted = 0
        self.newest_forgotten = 0
        self.unjudged: set[int] = set()
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
            self.unjudged.add(number)
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
                self._unstand(number)
                said, self.missing = self.missing, True
                self.unsent += 1
                self.unsent_now = self.unsent_now + 1 if said else 1
                if not said:  # the goals awaited go with the server: one outage, untimed
                    self.lost = {n: accepted for n, (_, _, accepted) in self.awaiting.items()}
                    self.lost.update((n, True) for n in self.late)
                    self.awaiting.clear()
                    self.late.clear()
                lost = len(self.lost)
            if not said:
                pending = f" ({lost} sent before had no answer yet)" if lost else ""
                self.warn(f"control.gripper_action: {why}; gripper goals are not sent until "
                          f"it answers (gripper_command is still published){pending}")
            return False
        sent_at = self.clock()
        with self._lock:
            said, self.missing = self.missing, False
            lost = len(self.lost) if said else 0  # those no answer came for meanwhile
            if said:
                self.lost.clear()
            if self.result_timeout_s > 0:
                self.awaiting[number] = (sent_at, closedness, False)
        if said:
            lost_words = f", {lost} sent before it went never answered" if lost else ""
            self.info(f"control.gripper_action: the GripperCommand server at {self.name} "
                      f"answers; gripper goals are sent again ({self.unsent_now} not sent"
                      f"{lost_words})")
        future.add_done_callback(lambda done: self._answered(done, closedness, number, sent_at))
        return True

    def _answered(self, done, closedness: float, number: int, sent_at: float) -> None:
        """Take the server's answer to a goal: say a rejection, await an accepted goal's end."""
        handle = _result_of(done)
        if handle is None or not getattr(handle, "accepted", False):
            with self._lock:
                self.failed += 1
                self._unstand(number)  # preempts nothing: an older goal accepted still stands
                if handle is None:  # the request failed: no answer, the outage goes on
                    self.awaiting.pop(number, None)
                back = "" if handle is None else self._back(number, sent_at, superseding=False)
            failed = " (its request failed: no answer)" if handle is None else ""
            self.warn(f"control.gripper_action: {self.name} rejected the gripper goal "
                      f"(closedness {closedness:.2f}){failed}; the hand was not commanded{back}")
            return
        with self._lock:
            self.unjudged.discard(number)
            if number > self.newest_accepted:  # the goals still awaited before it matter no more
                self.newest_accepted = number
                self.unjudged = {n for n in self.unjudged if n > number}
            self.lost.pop(number, None)  # answered: not lost with the server
            if number in self.awaiting:  # not yet overdue: its result may take as long again
                self.awaiting[number] = (self.clock(), closedness, True)
        handle.get_result_async().add_done_callback(
            lambda finished: self._finished(finished, closedness, number, sent_at))

    def _back(self, number: int, sent_at: float, superseding: bool = True) -> str:
        """Note goal ``number`` (sent at ``sent_at`` [s]) answered; locked.

        Older goals still awaited are not overdue (the server answers): all of them when its
        result came (``superseding``: the driver preempts an accepted goal with a newer
        accepted one), those not yet accepted when it was rejected (a rejection preempts
        nothing: an older goal accepted still awaits its result); so are the goals lost with
        the server by the same rule. Returns
        "" or, when this answer ends an outage, the words saying so ("; ..."): the outage ends.
        """
        self.awaiting = {n: entry for n, entry in self.awaiting.items()
                         if not _answered_by(n, entry[2], number, superseding)}
        self.lost = {n: accepted for n, accepted in self.lost.items()
                     if not _answered_by(n, accepted, number, superseding)}
        if not self.late:
            return ""
        count = len(self.late)
        self.late.clear()
        return (f"; {self.name} answers again, {self.clock() - sent_at:.1f} s after that goal "
                f"was sent ({count} goal{'s' if count != 1 else ''} went unanswered "
                "past control.gripper_result_timeout_s)")

    @property
    def unanswered_now(self) -> int:
        """How many goals went without an answer in time in the outage under way (0: none)."""
        return len(self.late)

    def _unstand(self, number: int) -> None:
        """Note goal ``number`` is not standing (rejected, or not sent); locked."""
        self.unjudged.discard(number)

    def _superseded(self, number: int) -> bool:
        """Tell whether a goal newer than ``number`` went out and was not rejected; locked."""
        return (self.newest_accepted > number or self.newest_forgotten > number
                or any(n > number for n in self.unjudged))

    def overdue(self) -> list[int]:
        """Say goals without an answer ``result_timeout_s`` on; return their numbers (ascending).

        Unaccepted after that long since sent, or without a result that long after accepted:
        each is forgotten (an answer that comes later ends the outage, see :meth:`_back`). The
        first of an outage is warned, naming the server and the parameter; the others of that
        outage are counted, said when it ends.
        """
        if self.result_timeout_s <= 0:
            return []
        now = self.clock()
        with self._lock:
            late = sorted((number, closedness, accepted) for number, (since, closedness, accepted)
                          in self.awaiting.items() if now - since >= self.result_timeout_s)
            for number, _, accepted in late:
                del self.awaiting[number]
                if not accepted and number in self.unjudged:  # forgotten: no longer kept, but
                    self.unjudged.discard(number)  # still a newer goal sent and not rejected
                    self.newest_forgotten = max(self.newest_forgotten, number)
            self.unanswered += len(late)
            first = not self.late
            self.late.update(number for number, _, _ in late)
        if late and first:
            _, closedness, accepted = late[0]
            what = (f"no result from {self.name} for the gripper goal (closedness "
                    f"{closedness:.2f}) {self.result_timeout_s:g} s after the server accepted it"
                    if accepted else f"{self.name} has not accepted the gripper goal (closedness "
                    f"{closedness:.2f}) {self.result_timeout_s:g} s after it was sent")
            self.warn(f"control.gripper_action: {what} (control.gripper_result_timeout_s): the "
                      "driver may have hung or died; check the hand and its driver (ros2 action "
                      f"info {self.name}); later goals without an answer are counted until it "
                      "answers")
        return [number for number, _, _ in late]

    def _finished(self, finished, closedness: float, number: int, sent_at: float) -> None:
        """Take an accepted goal's end: say aborted or canceled unless superseded."""
        response = _result_of(finished)
        status = getattr(response, "status", None)
        with self._lock:
            if response is None:  # the result request failed: no answer, the outage goes on
                self.awaiting.pop(number, None)
                return
            back = self._back(number, sent_at)
            # a newer goal of ours went out and was not rejected: its preemption
            superseded = self._superseded(number)
            failed = status in (STATUS_ABORTED, STATUS_CANCELED) and not superseded
            self.failed += failed
        if failed:
            word = "aborted" if status == STATUS_ABORTED else "canceled"
            self.warn(f"control.gripper_action: the gripper goal to {self.name} was {word} "
                      f"(closedness {closedness:.2f}): the driver did not complete it; check "
                      f"the hand{back}")
        elif back:
            self.info(f"control.gripper_action: a result came for the gripper goal (closedness "
                      f"{closedness:.2f}){back}")


def _answered_by(older: int, accepted: bool, number: int, superseding: bool) -> bool:
    """Tell whether goal ``older`` (``accepted`` by then) is answered by ``number``'s answer.

    Its own answer; a result (``superseding``) answers every older goal (the driver preempts
    them); a rejection answers only the older goals not yet accepted.
    """
    return older == number or (older < number and (superseding or not accepted))


def _result_of(future):
    """Return a done future's result, or None when it ended in an exception."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a failed send or result request: no result to read
        return None
