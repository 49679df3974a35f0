"""The gripper goals awaiting an answer from their action server, and its outages (ROS-free).

``robot.gripper_goals.GripperGoals`` sends each goal and hands every event here: a goal numbered
(:meth:`AwaitedGoals.sending`), not sent (:meth:`~AwaitedGoals.not_sent`), sent
(:meth:`~AwaitedGoals.went_out`), rejected, accepted, finished, and the steady-clock check for
goals overdue (:meth:`~AwaitedGoals.overdue`). Each returns the line to say ("": none). The rules:

- No server (or a send that raises) is one outage: one warning, then one line when a goal goes
  out again, counting the goals not sent and those sent before it went that no answer came for
  (they are not timed meanwhile).
- A goal without an answer ``control.gripper_result_timeout_s`` on (not accepted that long after
  it was sent, or no result that long after it was accepted) starts an outage: one warning for its
  first goal, the later ones counted; the next answer (a result, or a rejection) ends it in one
  line. A failed request (a future that ended in an exception) is no answer and ends nothing.
- An answer answers older goals too: a result all of them (the driver preempts an accepted goal
  with a newer one), a rejection only those not yet accepted (it preempts nothing).
- A closing goal whose fingers stopped on an object (``held``, ``robot.gripper_results``) is a
  grasp holding an object, not a failure: said once at info ("holding an object N mm wide"), then
  at debug level. An open whose fingers are at the full opening got there, whatever its status
  (``reached``); one aborted with the fingers unmoved short of it is out of range (``advice``):
  warned naming ``robot.gripper_max_width``, never sent again (a resend cannot open the hand). A
  goal that stopped away from its goal holding nothing (``stopped``) is a failure as any abort,
  also when ros2_controllers ends it SUCCEEDED with ``stalled`` (``allow_stalling``).
- A result whose status is no terminal one (STATUS_UNKNOWN: rclpy's and rclcpp's servers answer
  so for a goal they do not know: another server on the same name answered first) says nothing
  of the hand: a failure, sent again, warned once (naming the server) until a result with a
  terminal status comes, and :meth:`AwaitedGoals.problem` names it meanwhile.
- A failure of the closedness that failed last (within ``deadband``: a planned close drifts
  from resend to resend), no goal ended well since (the session sends a failed goal again), is
  counted in ``failed`` and said at debug level, not warned again; the first goal of that
  closedness that ends well says how many failed before it (info).
- A rejection of the closedness rejected last (within ``deadband``), no goal accepted since
  (the session sends a goal that never reached the hand again), is counted in ``failed``, not
  said again.
- A cancel of ours (:meth:`AwaitedGoals.cancelling`: ``~/enable`` false, shutdown) is no
  failure; a cancel by another client (an operator stopping the hand, gripper_action_controller
  preempting ours for another node's goal) is warned, naming the server, and not sent again: the
  planner does not fight it for the hand.
- An abort or cancel is a failure unless a newer goal went out and was not rejected (superseded):
  the newest accepted, any sent after it still unjudged, or one dropped unaccepted as overdue and
  not rejected since (a goal rejected after it was dropped supersedes nothing). Those are kept
  as spans of goal numbers (``goal_spans.GoalSpans``): a hung server's goals are one span
  however many (breaker45z), each rejection a hole in it, and however many later ones are
  rejected a goal never rejected still supersedes (breaker46m); past :data:`MAX_FORGOTTEN_SPANS`
  spans (rejections and drops interleaved) the oldest span is dropped, and an abort it would
  have excused is warned of.

Thread-safe: the answers come on the executor's thread, the sends on the planning worker's.
The outages (goals not sent, sent again, answered, overdue) are the ``goal_outages.GoalOutages``
mixin's; ``PREFIX`` is importable from here as before.
"""

from __future__ import annotations

import dataclasses
import threading

from vjepa_ros.robot.goal_outages import PREFIX, GoalOutages
from vjepa_ros.robot.goal_spans import GoalSpans
from vjepa_ros.robot.gripper_results import (
    STATUS_ABORTED,
    STATUS_CANCELED,
    STATUS_SUCCEEDED,
    TERMINAL_STATUSES,
)

MAX_FORGOTTEN_SPANS = 64  # spans of goals dropped unaccepted as overdue kept (the newest)


@dataclasses.dataclass(frozen=True)
class GoalEnd:
    """What an accepted goal's end means (:meth:`AwaitedGoals.finished` returns it).

    ``said``: (level, line) to log ("warning", "info" or "debug"), None: nothing to say;
    ``resend``: the goal failed and sending it again may mend it (its Delivery is "failed").
    """

    said: tuple[str, str] | None = None
    resend: bool = False


class AwaitedGoals(GoalOutages):
    """The goals sent to the server at ``name`` and their answers (see the module docstring).

    ``result_timeout_s`` [s]: how long a goal's acceptance, then its result, may take (0: goals
    are not timed, nothing is kept). Times ``now`` / ``sent_at`` [s] are the caller's steady
    clock. Goals are numbered from 1 in the order sent. ``deadband`` (closedness, 0..1,
    ``control.gripper_deadband``): closednesses this close are one command (a planned one drifts
    within it from resend to resend), warned once when failing or rejected.
    """

    def __init__(self, name: str, result_timeout_s: float = 0.0, deadband: float = 0.0):
        self.name, self.result_timeout_s, self.deadband = name, result_timeout_s, deadband
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
        # goal accepted, the goals sent after it still awaiting acceptance (bounded by the goals
        # in flight, never flushed by rejections), and those dropped unaccepted as overdue since
        # (neither accepted nor rejected yet: the newest MAX_FORGOTTEN_SPANS spans of them)
        self.newest_accepted = 0
        self.unjudged: set[int] = set()
        self.forgotten = GoalSpans(MAX_FORGOTTEN_SPANS)
        self.failed = 0  # goals rejected, or aborted / canceled while the newest
        self.rejecting: float | None = None  # closedness of the last goal rejected, none since
        self.canceled_through = 0  # goals up to this number were canceled by us (cancelling)
        self.holding_said = False  # "holding an object" said once at info; then at debug
        # the last result came with no terminal status (a server that does not know the goal):
        # warned once, until a result with a terminal status comes
        self.unknown_status = False
        # closedness of the last goal that failed (aborted, canceled, stalled short), no goal
        # ended well since; how many failed meanwhile
        self.failing: float | None = None
        self.failing_count = 0
        self._lock = threading.Lock()

    @property
    def unanswered_now(self) -> int:
        """How many goals went without an answer in time in the outage under way (0: none)."""
        return len(self.late)

    def sending(self) -> int:
        """Give the goal about to be sent its number (before the send: it may preempt the last)."""
        with self._lock:
            self.sent += 1
            self.unjudged.add(self.sent)
            return self.sent

    def withdrawn(self, number: int) -> None:
        """Note goal ``number``, counted as sent, was dropped before it went out: not awaited."""
        with self._lock:
            self.awaiting.pop(number, None)
            self.lost.pop(number, None)
            self.unjudged.discard(number)
            self.forgotten.discard(number)

    def rejected(self, number: int, closedness: float, sent_at: float, now: float,
                 request_failed: bool = False) -> str:
        """Note goal ``number`` was rejected (or its request failed); return the warning.

        "" for a repeat: the closedness rejected last, rejected again (no goal accepted since).
        """
        with self._lock:
            self.failed += 1
            self.unjudged.discard(number)  # preempts nothing: an older accepted goal stands
            self.forgotten.discard(number)  # nor does it supersede one, overdue or not
            if request_failed:  # no answer: the outage goes on
                self.awaiting.pop(number, None)
                back = ""
            else:
                back = self._back(number, sent_at, now, superseding=False)
            again = not (request_failed or back) and self._same(self.rejecting, closedness)
            self.rejecting = None if request_failed else closedness
        if again:  # the session sending the closedness again: said with the first rejection
            return ""
        failed = " (its request failed: no answer)" if request_failed else ""
        return (f"{PREFIX}{self.name} rejected the gripper goal (closedness {closedness:.2f})"
                f"{failed}; the hand was not commanded{back}")

    def accepted(self, number: int, closedness: float, now: float) -> None:
        """Note goal ``number`` was accepted at ``now``: its result is awaited."""
        with self._lock:
            self.rejecting = None
            self.unjudged.discard(number)
            self.forgotten.discard(number)
            if number > self.newest_accepted:  # the goals still awaited before it matter no more
                self.newest_accepted = number
                self.unjudged = {n for n in self.unjudged if n > number}
                self.forgotten.drop_through(number)
            self.lost.pop(number, None)  # answered: not lost with the server
            if number in self.awaiting:  # not yet overdue: its result may take as long again
                self.awaiting[number] = (now, closedness, True)

    def cancelling(self) -> int:
        """Note every goal sent so far is being canceled by us; return the newest's number.

        Their CANCELED ends are no failure (``~/enable`` false or shutdown stopped the hand).
        """
        with self._lock:
            self.canceled_through = self.sent
            return self.sent

    def finished(self, number: int, closedness: float, sent_at: float, now: float,
                 status: int | None, request_failed: bool = False,
                 held: float | None = None, stopped: str = "", reached: bool = False,
                 advice: str = "") -> GoalEnd:
        """Note accepted goal ``number`` ended with ``status`` (a GoalStatus; None: unknown).

        Returns its :class:`GoalEnd`: ``said`` (level, line), or None: an abort or cancel not
        superseded is a warning (not a grasp holding an object, ``held``: its width [m], nor a
        cancel of ours), and so is a SUCCEEDED goal whose fingers stopped away from its goal and
        hold nothing (``stopped``: where they stopped, in words; "" when they reached it or
        nothing tells: ros2_controllers' ``allow_stalling``); a failure of the closedness
        failing already is said at debug level (module docstring). A result that ends an outage
        is an info line, a grasp holding an object one info line the first time ("debug"
        after). ``request_failed``: no answer came. ``reached``: the fingers are where asked
        whatever the status: no failure. A cancel by another client (not ours, not superseded:
        an operator's cancel, gripper_action_controller preempting it for another node's goal)
        is warned, never a failure to send again. ``advice``: a failure that sending again
        cannot mend (out of range), warned with it. ``held``, ``stopped``, ``reached`` and
        ``advice`` are a result's ``gripper_results.judge_result``. A ``status`` that is no
        terminal one (STATUS_UNKNOWN, None) is a failure whatever the rest (module docstring).
        Any other failure is ``resend``: its Delivery is sent again.
        """
        with self._lock:
            if request_failed:  # the result request failed: no answer, the outage goes on
                self.awaiting.pop(number, None)
                return GoalEnd()
            back = self._back(number, sent_at, now)
            superseded = (self.newest_accepted > number or self.forgotten.newest > number
                          or any(n > number for n in self.unjudged))
            ours = status == STATUS_CANCELED and number <= self.canceled_through
            theirs = status == STATUS_CANCELED and not (ours or superseded or reached)
            holding = held is not None and not superseded
            unknown = status not in TERMINAL_STATUSES and not (superseded or ours)
            failed = unknown or (status in (STATUS_ABORTED, STATUS_CANCELED) or bool(stopped)
                                 and status == STATUS_SUCCEEDED) and not (
                superseded or ours or holding or reached or theirs)
            unknown_again = self.unknown_status and unknown
            if not (superseded or ours):  # the newest answer tells whether the server knows it
                self.unknown_status = unknown
            self.failed += failed or theirs
            first_hold, self.holding_said = not self.holding_said, self.holding_said or holding
            again = failed and self._same(self.failing, closedness)
            recovered = self.failing_count if self._same(self.failing, closedness) and not (
                failed or superseded or ours or theirs) else 0  # the failing goal got there
            if failed:
                self.failing, self.failing_count = closedness, self.failing_count + 1
            elif not (superseded or ours or theirs):  # ended as asked (or on an object)
                self.failing, self.failing_count = None, 0
        if holding:
            return GoalEnd(("info" if first_hold or back or recovered else "debug",
                            f"{PREFIX}holding an object {held * 1000:.0f} mm wide (closedness "
                            f"{closedness:.2f} asked: the fingers stopped on it)"
                            f"{_after(recovered)}{back}"))
        where = f" ({stopped})" if stopped else ""
        if theirs:
            return GoalEnd(("warning", f"{PREFIX}the gripper goal to {self.name} (closedness "
                            f"{closedness:.2f}) was canceled by another client (an operator's "
                            f"cancel, or the controller preempting it for another node's goal): "
                            f"the hand stops where it is{where}; it is not sent again (the next "
                            f"gripper change is){back}"))
        if failed and advice:  # a resend cannot mend it
            return GoalEnd(("warning", f"{PREFIX}the gripper goal to {self.name} was aborted "
                            f"(closedness {closedness:.2f}): {advice}; it is not sent again (a "
                            f"resend cannot open the hand){back}"))
        if unknown:
            return GoalEnd(("debug" if unknown_again and not back else "warning",
                            f"{PREFIX}the result of the gripper goal to {self.name} (closedness "
                            f"{closedness:.2f}) came with status {status} (UNKNOWN: a server "
                            f"that does not know the goal; is another GripperCommand server on "
                            f"this name? ros2 action info {self.name}): the hand's end is "
                            f"unknown; it is sent again (further such results are not said)"
                            f"{back}"), resend=True)
        if failed:
            word = {STATUS_ABORTED: "was aborted", STATUS_CANCELED: "was canceled"}.get(
                status, "ended SUCCEEDED away from its goal")
            return GoalEnd(("debug" if again and not back else "warning",
                            f"{PREFIX}the gripper goal to {self.name} {word} (closedness "
                            f"{closedness:.2f}): the driver did not complete it; check the "
                            f"hand{where}; it is sent again while the server answers (its "
                            f"further failures are counted, not said){back}"), resend=True)
        if back or recovered:
            return GoalEnd(("info", f"{PREFIX}a result came for the gripper goal (closedness "
                            f"{closedness:.2f}){_after(recovered)}{back}"))
        return GoalEnd()

    def problem(self, server_ready: bool) -> str:
        """Return why gripper goals do not reach the hand now, in one line; "" when they do.

        For ``/diagnostics`` while commanding: no server at :attr:`name` (warned as a goal could
        not go out, and ``server_ready`` False still), goals unanswered past the timeout (the
        outage under way), the last goal rejected (none accepted since), or the closedness
        failing (none ended well since). ``server_ready``: whether the server answers now.
        """
        with self._lock:
            if self.missing and not server_ready:
                return (f"no GripperCommand action server at {self.name}: gripper goals are not "
                        f"sent ({self.unsent_now} not sent)")
            if self.late:
                return (f"{len(self.late)} gripper goal(s) to {self.name} unanswered past "
                        "control.gripper_result_timeout_s: the driver may have hung or died")
            if self.rejecting is not None:
                return (f"{self.name} rejected the gripper goal (closedness "
                        f"{self.rejecting:.2f}): the hand is not commanded")
            if self.unknown_status:
                return (f"results from {self.name} come with status UNKNOWN (a server that does "
                        f"not know the goal: another GripperCommand server on this name?): the "
                        f"hand's end is unknown")
            if self.failing is not None:
                return (f"the gripper goal to {self.name} (closedness {self.failing:.2f}) "
                        f"failed {self.failing_count} time(s): the hand did not get there")
        return ""

    def _same(self, last: float | None, closedness: float) -> bool:
        """Tell whether ``closedness`` is command ``last`` (None: none) within the deadband."""
        return last is not None and abs(last - closedness) <= self.deadband + 1e-9

def _after(failures: int) -> str:
    """Return the words for a goal that ended well after ``failures`` failed ("" for none)."""
    return f" (after {failures} failed)" if failures else ""
