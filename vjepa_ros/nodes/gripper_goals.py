"""The planner node's ``control_msgs/GripperCommand`` goals (``control.gripper_action``).

Each gripper command the node publishes on ``gripper_command`` (closedness 0..1) is also sent as
a GripperCommand goal when ``control.gripper_action`` names an action server and ``control_msgs``
is importable: ``position`` = one finger's joint position, (1 − closedness) · max width / 2 [m]
(``joint_states.finger_position``), ``max_effort`` [N] (franka_gripper's action server moves to
width 2 · position when opening and grasps with that force when closing); an open is never
narrower than the fingers measured (a hand homed wider than ``robot.gripper_max_width`` would
take it as a grasp and close: ``gripper_release.goal_position``).

A goal that cannot go out, or whose answer does not come, is never dropped without a word: a
rejection, or an abort or cancel not superseded by a newer goal of ours (ros2_controllers'
gripper_action_controller cancels the active goal when the next arrives), is one warning; no server
at the name (the gripper driver not running, or a wrong name: ``/franka_gripper/...`` for an FR3's
``/fr3_gripper/...``), a send that raises (rclpy raises at once, e.g. once Ctrl-C shut the context
down), or goals unanswered ``control.gripper_result_timeout_s`` on, is one warning per outage and
one line at its end. A close that stopped on an object (ABORTED by franka_gripper, its result's
position, one finger [m], above the goal's) is a grasp, not a failure (the ``held`` of
``gripper_results.judge_result``), unless the fingers stayed at the hand's full opening (they
never closed: a failure, unless the finger measured when it was sent was wider: they closed onto
an object almost as wide as the hand); an open that finds the fingers at the hand's full opening
got there, whatever its status (a hand homed a little narrower than ``robot.gripper_max_width``:
franka_gripper aborts it as out of range); a goal ended SUCCEEDED but stalled away from its goal
(ros2_controllers' ``allow_stalling``) and holding nothing is a failure too (its ``stopped``). A
failed goal is sent again (its Delivery "failed"), but not a
goal canceled by another client (an operator's cancel, or the controller preempting it for another
node's goal: warned, the hand left where they stopped it) nor an open aborted with the fingers
unmoved short of the full opening (out of range: the warning names ``robot.gripper_max_width``; a
resend cannot open the hand). A server whose results are the width between the fingers (a ROS
1-style one: above the hand's half width, or twice the measured finger; a failed close read in
franka_ros2's units would be a hold) is said once and read so from then on
(``gripper_results.full_width_result``; a result wider than the hand opens tells nothing, a
result that claims its goal far from it, or with status UNKNOWN, is a failure).
:meth:`GripperGoals.send` returns the goal's :class:`Delivery`: the session sends the same
closedness again when it did not reach the hand (not sent, rejected, lost with a driver that
went, unanswered past the timeout, or failed).
:meth:`GripperGoals.cancel` stops a goal still running (``~/enable`` false, shutdown; the cancel's
answer read: a refusal is a warning, the hand may still move). An open to the full width that
franka_gripper would take as done while a grasp of ours may stand (fingers pried open) calls its
``stop`` service first (``robot.gripper_release``; only where franka_gripper's node serves it
beside the action) and goes out once the stop answered (``nodes.gripper_stop``), unless a newer
goal or a cancel came meanwhile (then it is dropped: "superseded" or "canceled"); a stop that
failed or went unanswered (one warning per outage) leaves that open "failed", sent again with
its stop (unless its late answer said it worked). Those rules,
and the goals awaited, are ``robot.awaited_goals.AwaitedGoals`` and ``robot.gripper_results``
(ROS-free: each result read once, ``judge_result``); this file is the action-client plumbing.
:meth:`GripperGoals.overdue` is asked by a steady-clock timer of the node. Nothing here blocks
the arm: the Float64 topic is still published and the arm's commands go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vjepa_ros.nodes.gripper_stop import STOP_ANSWER_S, OpenAfterStop
from vjepa_ros.robot.awaited_goals import PREFIX, AwaitedGoals
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.gripper_release import ReleaseStop, goal_position, stop_service_name
from vjepa_ros.robot.gripper_results import (
    STATUS_ABORTED,
    STATUS_CANCELED,
    judge_result,
    result_position,
)
from vjepa_ros.start_forms import restart_planner_with

__all__ = ["STATUS_ABORTED", "STATUS_CANCELED", "Delivery", "GripperGoals"]

# action_msgs/srv/CancelGoal's return codes (its Response.return_code)
CANCEL_ERROR_NONE, CANCEL_ERROR_REJECTED = 0, 1
CANCEL_ERROR_UNKNOWN_GOAL_ID, CANCEL_ERROR_GOAL_TERMINATED = 2, 3


class Delivery:
    """One gripper goal's way to the hand, as :meth:`GripperGoals.send` returns it.

    Returned only for a goal that went out (``send`` returns False otherwise). ``state``:
    "sent" (awaiting acceptance), "accepted" (also when that came after it was "lost"),
    "rejected" (or its request failed), "lost" (the server went while it was awaited, or it
    went unanswered past ``control.gripper_result_timeout_s``), "failed" (a result came: the
    hand did not get there: ``AwaitedGoals.finished``'s ``GoalEnd.resend``), "ended" (a result came
    otherwise, or canceled by another client: warned, not sent again), "canceled" (by us),
    "superseded" (an open waiting for franka_gripper's stop, dropped unsent: a newer goal went
    out meanwhile; dropped after a cancel it is "canceled"). An open whose stop failed or went
    unanswered ends "failed" (no longer for the stop once a late answer said it worked).
    Its state is set on the executor's thread.
    """

    def __init__(self, goals: GripperGoals, number: int, closedness: float,
                 start: float | None = None):
        self.goals, self.number, self.closedness = goals, number, closedness
        self.start = start  # [m] one finger measured when it was sent (None: not measured)
        self.state = "sent"
        # the stop called before it failed or went unanswered: a grasp may still hold the
        # fingers, so the open's end, whatever it is, asks for a resend (its stop called again)
        self.stop_failed = False
        self.end_failed = False  # its result came and asked for a resend (GoalEnd.resend)

    def needs_resend(self) -> bool:
        """Tell whether the hand never got this goal and the server answers now.

        Lost or failed: once the server is ready (one resend per appearance; the session also
        spaces them out); rejected: True. An awaited goal whose server is not
        ready becomes lost (a driver that crashed forgot it). Asks ``server_is_ready``.
        """
        if self.state == "rejected":
            return True
        if self.state in ("lost", "failed"):
            return self.goals.server_ready()
        if self.state in ("sent", "accepted") and not self.goals.server_ready():
            self.state = "lost"
        return False


class GripperGoals:
    """Send GripperCommand goals to one action server and say when they cannot go or fail.

    ``client``: an ``rclpy.action.ActionClient`` for ``control_msgs/action/GripperCommand``
    (anything with ``server_is_ready()`` and ``send_goal_async(goal)``), ``goal_type`` its
    ``Goal`` class; ``name``: the server's name as configured (for the messages);
    ``max_width`` [m]: the hand's full opening; ``max_effort`` [N]; ``warn`` / ``info``: the
    node logger's methods (one line each); ``result_timeout_s`` [s]: how long a goal's acceptance,
    then its result, may take before :meth:`overdue` says so (0: never); ``clock``: steady
    seconds; ``measured_width``: the width [m] between the fingers measured now, raw (not
    clipped to ``max_width``; None: not measured), to tell a server that reports the full width
    between the fingers (``full_width``, said once). It also gives the finger where each goal
    started (a close that moved onto an object almost as wide as the hand holds it), and an
    open never goes out narrower than it (``gripper_release.goal_position``: a hand homed wider
    than ``max_width`` would take the narrower open as a grasp and close).
    ``deadband``: ``control.gripper_deadband``
    (closednesses within it are one command, warned once when failing). ``answers``: the goals
    awaited (``AwaitedGoals``).
    ``stop``: franka_gripper's ``stop`` service client (``std_srvs/srv/Trigger``: anything with
    ``service_is_ready()`` and ``call_async(request)``; None: never called), ``stop_request`` its
    ``Request`` class: called before an open to the full width that the server would take as
    done while a grasp of ours may stand (``robot.gripper_release``; fingers pried open under
    it are released only so).
    """

    def __init__(self, client, goal_type, name: str, max_width: float, max_effort: float,
                 warn: Callable[[str], None], info: Callable[[str], None],
                 result_timeout_s: float = 0.0, clock: Callable[[], float] = time.monotonic,
                 debug: Callable[[str], None] | None = None,
                 measured_width: Callable[[], float | None] | None = None,
                 deadband: float = ControlConfig.gripper_deadband,
                 stop=None, stop_request: Callable[[], object] | None = None):
        self.client, self.goal_type, self.name = client, goal_type, name
        self.max_width, self.max_effort = max_width, max_effort
        self.warn, self.info, self.debug, self.clock = warn, info, debug, clock
        self.measured_width = measured_width
        self.full_width = False  # its results are the width between the fingers (said once)
        self.answers = AwaitedGoals(name, result_timeout_s, deadband)
        self.latest: Delivery | None = None  # the newest goal's delivery
        self.handles: dict[int, object] = {}  # accepted goals without a result: their handles
        # of them, those whose server was found gone since (a driver that crashed took them)
        self.gone: set[int] = set()
        self.cancel_round = self.said_round = 0  # cancel() calls; the last one said canceled
        self.on_the_way: set[int] = set()  # goals sent whose acceptance was not taken yet
        self.stop, self.stop_request = stop, stop_request
        self.stop_name = stop_service_name(name)
        self.release = ReleaseStop()
        self.no_stop_said = False  # the missing stop service was said (once)
        # a stop failed or went unanswered (warned once per outage; a stop that works ends it)
        self.stop_failing = False
        # the stop awaited: (steady time it was called, the open's Delivery, the open waiting
        # for it: OpenAfterStop), or None
        self.stop_awaited: tuple[float, Delivery, OpenAfterStop] | None = None

    def server_ready(self) -> bool:
        """Tell whether the action server answers now (False when asking raises).

        False: the goals accepted so far went with their server (``gone``: :meth:`cancel`
        counts and says none of them).
        """
        try:
            ready = bool(self.client.server_is_ready())
        except Exception:  # noqa: BLE001 - a context shut down: no server to send to
            ready = False
        if not ready:
            self.gone.update(self.handles.copy())
        return ready

    def send(self, closedness: float) -> Delivery | bool:
        """Send a goal for ``closedness`` (0 open .. 1 closed).

        Returns its :class:`Delivery` (true) when it went out, False when it did not (no server
        ready, or the send raised: said once per outage).
        """
        goal = self.goal_type()
        number, start = self.answers.sending(), self._finger()  # where the fingers start
        position = goal_position(closedness, self.max_width, None if start is None
                                 else 2 * start)  # an open never narrower than the fingers
        goal.command.position, goal.command.max_effort = position, self.max_effort
        delivery, stop = Delivery(self, number, closedness, start), None
        try:
            future = None
            if self.client.server_is_ready():
                stop = self._stop_first(closedness, start)
                future = self.client.send_goal_async(goal) if stop is None else OpenAfterStop(
                    stop, lambda: self.client.send_goal_async(goal),
                    lambda: self._stop_late(delivery),
                    lambda done: self._stop_answered(done, delivery),
                    lambda: self._still_wanted(number), lambda: self._open_dropped(delivery))
        except Exception as exc:  # noqa: BLE001 - rclpy raises at once (an RCLError ...)
            future, why = None, f"sending to {self.name} failed ({exc})"
        else:
            why = (f"no GripperCommand action server at {self.name} (gripper driver not "
                   "running, or another name: see `ros2 action list`)")
        if future is None:
            self._say("warning", self.answers.not_sent(number, why))
            return False
        self.latest = delivery
        self.release.sent(closedness)
        self._drop_waiting_open()  # an older open waiting for its stop: this goal replaces it
        if stop is not None:  # read after sent(): a failed stop leaves the grasp standing
            self.stop_awaited = (self.clock(), delivery, future)
        sent_at = self.clock()
        self._say("info", self.answers.went_out(number, closedness, sent_at))
        self.on_the_way.add(number)
        future.add_done_callback(
            lambda done: self._answered(done, closedness, delivery, sent_at, position))
        if stop is not None:
            future.start()  # (the stop may have answered: the open may go out now)
        return delivery

    def _stop_first(self, closedness: float, finger: float | None):
        """Call the stop service before an open the server takes as done under a grasp.

        Asked only with the action server answering. ``finger``: one finger measured now [m]
        (None: not measured). Due per :class:`~vjepa_ros.robot.gripper_release.ReleaseStop`
        (a grasp of ours may stand); returns the stop's future (the open waits for it:
        :class:`~vjepa_ros.nodes.gripper_stop.OpenAfterStop`), or None: the open goes at once.
        No stop service beside the action is one info line (ever); a stop that fails or goes
        unanswered is one warning per outage (:meth:`_stop_answered`, :meth:`_stop_late`).
        """
        width = None if finger is None else 2 * finger
        if self.stop is None or not self.release.due(closedness, width, self.max_width):
            return None  # (no stop client: a caller that drives no franka_gripper)
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

    def _still_wanted(self, number: int) -> bool:
        """Tell whether goal ``number`` is the newest sent, no :meth:`cancel` since."""
        return self.answers.sent == number and number > self.answers.canceled_through

    def _drop_waiting_open(self) -> None:
        """Drop the open still waiting for its stop (a newer goal went out, or a cancel came)."""
        awaited = self.stop_awaited
        if awaited is not None and not self._still_wanted(awaited[1].number):
            awaited[2].drop()

    def _open_dropped(self, delivery: Delivery) -> None:
        """Note ``delivery``'s open, waiting for its stop, was dropped: never sent, not resent.

        Its state: "canceled" after a :meth:`cancel`, "superseded" after a newer goal went out
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

    def _stop_late(self, delivery: Delivery) -> None:
        """Take a stop unanswered :data:`STOP_ANSWER_S` after its call as failed (said once).

        Called by the open's :class:`OpenAfterStop` (its timer thread, or :meth:`overdue` on the
        node's steady clock, whichever comes first), just before the open goes out alone.
        """
        awaited = self.stop_awaited
        if awaited is not None and awaited[1] is delivery:
            self.stop_awaited = None
        self._stop_failed(delivery, f"{PREFIX}{self.stop_name} did not answer within "
                          f"{STOP_ANSWER_S:g} s: the open goes out anyway, and is sent again "
                          "with the stop (a grasp may still hold the fingers)")

    def _stop_answered(self, done, delivery: Delivery) -> None:
        """Read the stop's answer (``std_srvs/srv/Trigger`` response) for ``delivery``'s open.

        ``success`` false (its ``message`` said), or the call failed: as :meth:`_stop_failed`.
        A stop that works after failing ends the outage (one info line); after its wait ended
        (:meth:`_stop_late`), it ends the grasp all the same: the open is no longer "failed"
        for the stop (nor the grasp taken to stand, while it is the newest goal).
        """
        awaited = self.stop_awaited
        if awaited is not None and awaited[1] is delivery:
            self.stop_awaited = None
        response = _result_of(done)
        if response is None or not getattr(response, "success", False):
            why = getattr(response, "message", "") or "the call failed"
            self._stop_failed(delivery, f"{PREFIX}{self.stop_name} failed ({why}): a grasp may "
                              "still hold the fingers; the open is sent again with the stop")
            return
        if delivery.stop_failed:  # answered after its wait: the grasp ended after all
            delivery.stop_failed = False
            if delivery.state == "failed" and not delivery.end_failed:
                delivery.state = "ended"
            if self.latest is delivery:
                self.release.stopped()
        if self.stop_failing:
            self.stop_failing = False
            self._say("info", f"{PREFIX}{self.stop_name} answered again: the grasp was ended")

    def _stop_failed(self, delivery: Delivery, line: str) -> None:
        """Note a stop that did not end the grasp: ``delivery``'s open ends "failed" (resent).

        A grasp of ours may stand again unless a newer goal went out since (``release``);
        ``line`` is warned once per outage, debug after.
        """
        delivery.stop_failed = True
        if delivery.state == "ended":  # the open's end came first (done at once)
            delivery.state = "failed"
        if self.latest is delivery:
            self.release.not_stopped()
        self._say("debug" if self.stop_failing else "warning", line)
        self.stop_failing = True

    def _answered(self, done, closedness: float, delivery: Delivery, sent_at: float,
                  position: float) -> None:
        """Take the server's answer to a goal: say a rejection, await an accepted goal's end.

        ``position`` [m]: one finger's, as the goal sent it.
        """
        handle, number = _result_of(done), delivery.number
        self.on_the_way.discard(number)
        if handle is None or not getattr(handle, "accepted", False):
            delivery.state = "rejected"
            self._say("warning", self.answers.rejected(number, closedness, sent_at, self.clock(),
                                                       request_failed=handle is None))
            return
        if delivery.state in ("sent", "lost"):  # a late acceptance: the hand got it
            delivery.state = "accepted"
        self.answers.accepted(number, closedness, self.clock())
        self.handles[number] = handle
        if number <= self.answers.canceled_through:  # canceled while it was on its way
            self._cancel(number)
        handle.get_result_async().add_done_callback(
            lambda finished: self._finished(finished, closedness, delivery, sent_at, position))

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
        code = getattr(_result_of(done), "return_code", None)
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

    def problem(self) -> str:
        """Return why the goals do not reach the hand now ("": they do; ``AwaitedGoals``)."""
        return self.answers.problem(self.server_ready())

    def overdue(self) -> list[int]:
        """Say goals without an answer ``result_timeout_s`` on; return their numbers (ascending).

        Each is forgotten (an answer that comes later ends the outage); the first of an outage
        is warned, naming the server and the parameter, the others counted
        (``AwaitedGoals.overdue``).
        """
        now = self.clock()
        numbers, line = self.answers.overdue(now)
        self._say("warning", line)
        awaited = self.stop_awaited  # a stop unanswered (cleared on its answer): the open
        if awaited is not None and now - awaited[0] >= STOP_ANSWER_S:  # goes, said, by this clock
            awaited[2].wait_over()  # too (its timer thread may not have come yet)
        latest = self.latest
        if latest is not None and latest.number in numbers and latest.state in ("sent",
                                                                                "accepted"):
            latest.state = "lost"  # sent again once the server is ready (Delivery)
        return numbers

    def _finished(self, finished, closedness: float, delivery: Delivery, sent_at: float,
                  position: float) -> None:
        """Take an accepted goal's end: say aborted or canceled unless superseded or a grasp.

        ``position`` [m]: one finger's, as the goal sent it.
        """
        response, number = _result_of(finished), delivery.number
        self.handles.pop(number, None)
        self.gone.discard(number)
        status = getattr(response, "status", None)
        if response is not None and delivery.state != "canceled":
            delivery.state = "ended"
        result = getattr(response, "result", None)
        judged = judge_result(status, position, result,
                              self.max_width, self.full_width, delivery.start, self._finger())
        if judged.full_width and not self.full_width:  # a ROS 1-style server, told now
            self.full_width = True
            self._say("warning", self._full_width_line(result_position(result)))
        end = self.answers.finished(
            number, closedness, sent_at, self.clock(), status, request_failed=response is None,
            held=judged.held, stopped=judged.stopped, reached=judged.reached,
            advice=judged.advice)
        delivery.end_failed = end.resend
        if (end.resend or delivery.stop_failed) and delivery.state == "ended":
            delivery.state = "failed"  # sent again (Delivery.needs_resend)
        if end.said is not None:
            self._say(*end.said)

    def _finger(self) -> float | None:
        """Return one finger's measured position [m] now, half the raw width (None: unmeasured)."""
        width = None if self.measured_width is None else self.measured_width()
        return None if width is None else float(width) / 2

    def _full_width_line(self, position: float) -> str:
        """Say (once) that the server's results are the width between the fingers."""
        restart = restart_planner_with("control.gripper_action", what=(
            "a franka_ros2 gripper action (ros2 action list: .../gripper_action of "
            "franka_gripper)"))
        return (f"{PREFIX}{self.name}'s result position {position * 1000:.1f} mm is the width "
                f"between the fingers (a ROS 1-style gripper server; franka_ros2's reports one "
                f"finger's, half the width, which this node sends and reads): its results are "
                f"read as full widths from now on; {restart}, or empty to drive the hand by "
                f"gripper_command alone")

    def _say(self, level: str, line: str) -> None:
        """Log ``line`` at ``level`` ("warning", "info" or "debug"); nothing when it is empty.

        One call line per severity: rclpy's logger keys each call by its caller's file and line
        and raises ValueError ("Logger severity cannot be changed between calls") when one line
        logs at a second severity: the planning step that sent the goal failed with it.
        """
        if not line:
            return
        if level == "warning":
            self.warn(line)
        elif level == "info":
            self.info(line)
        elif self.debug is not None:
            self.debug(line)


def _result_of(future):
    """Return a done future's result, or None when it ended in an exception."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a failed send or result request: no result to read
        return None
