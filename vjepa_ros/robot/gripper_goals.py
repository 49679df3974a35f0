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
beside the action) and goes out once the stop answered (``robot.gripper_stop``), unless a newer
goal or a cancel came meanwhile (then it is dropped: "superseded" or "canceled"); a stop that
failed or went unanswered (one warning per outage) leaves that open "failed", sent again with
its stop (unless its late answer said it worked), until ``gripper_release.STOP_TRIES`` in a row:
one ERROR line, then no such open goes out ("withheld") until the user acts (a new goal,
``~/enable`` true: ``user_epoch``; ``robot.gripper_stop.StopBookkeeping``). Those rules,
and the goals awaited, are ``robot.awaited_goals.AwaitedGoals`` and ``robot.gripper_results``
(ROS-free: each result read once, ``judge_result``); this file is the action-client plumbing.
:meth:`GripperGoals.overdue` is asked by a steady-clock timer of the node. Nothing here blocks
the arm: the Float64 topic is still published and the arm's commands go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vjepa_ros.robot.awaited_goals import PREFIX, AwaitedGoals
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.gripper_cancel import GoalCancels
from vjepa_ros.robot.gripper_release import (
    ReleaseStop,
    StopOutage,
    goal_position,
    stop_service_name,
)
from vjepa_ros.robot.gripper_results import (
    REACHED_TOLERANCE_M,
    STATUS_ABORTED,
    STATUS_CANCELED,
    judge_result,
    open_got_there,
    result_position,
)
from vjepa_ros.robot.gripper_stop import WITHHELD, StopBookkeeping, result_of
from vjepa_ros.start_forms import restart_planner_with

__all__ = ["STATUS_ABORTED", "STATUS_CANCELED", "Delivery", "GripperGoals"]


class Delivery:
    """One gripper goal's way to the hand, as :meth:`GripperGoals.send` returns it.

    Returned only for a goal that went out (``send`` returns False otherwise). ``state``:
    "sent" (awaiting acceptance), "accepted" (also when that came after it was "lost"),
    "rejected" (or its request failed), "lost" (the server went while it was awaited, or it
    went unanswered past ``control.gripper_result_timeout_s``), "failed" (a result came: the
    hand did not get there: ``AwaitedGoals.finished``'s ``GoalEnd.resend``), "ended" (a result came
    otherwise, or canceled by another client: warned, not sent again), "canceled" (by us),
    "superseded" (an open waiting for franka_gripper's stop, dropped unsent: a newer goal went
    out meanwhile; dropped after a cancel it is "canceled"), "withheld" (an open that needs the
    stop, not sent: the stop was given up). An open whose stop failed or went unanswered ends
    "failed" (no longer for the stop once a late answer said it worked). Its state is set on
    the executor's thread.
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
        spaces them out); rejected: True; an open whose stop failed, or withheld: never while
        the stop is given up (``GripperGoals.stop_given_up``). An awaited goal whose server is not
        ready becomes lost (a driver that crashed forgot it). Asks ``server_is_ready``.
        """
        if self.state == "rejected":
            return True
        if self.stop_failed or self.state == "withheld":  # its stop first: not once given up
            if self.goals.stop_given_up():
                return False
            if self.state == "withheld":
                return self.goals.server_ready()
        if self.state in ("lost", "failed"):
            return self.goals.server_ready()
        if self.state in ("sent", "accepted") and not self.goals.server_ready():
            self.state = "lost"
        return False


class GripperGoals(GoalCancels, StopBookkeeping):
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
    ``error``: the logger's error method (the stop's give-up; None: ``warn``); ``user_epoch``:
    returns the count of the user's acts that end that give-up (the session's ``user_epoch``:
    a new goal, ``~/enable`` true; None: it stands); ``reached_tolerance`` [m, one finger]:
    ``control.gripper_goal_tolerance_m`` (``gripper_results.judge_result``).
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
                 stop=None, stop_request: Callable[[], object] | None = None,
                 error: Callable[[str], None] | None = None,
                 user_epoch: Callable[[], object] | None = None,
                 reached_tolerance: float = REACHED_TOLERANCE_M):
        self.client, self.goal_type, self.name = client, goal_type, name
        self.max_width, self.max_effort = max_width, max_effort
        self.warn, self.info, self.debug, self.clock = warn, info, debug, clock
        self.error = warn if error is None else error
        self.reached_tolerance = reached_tolerance
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
        # the stops that failed in a row, the give-up after STOP_TRIES (until the user acts)
        self.outage = StopOutage(self.stop_name, user_epoch)

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
                if stop is WITHHELD:  # the stop was given up: this open is not sent
                    return self._open_withheld(delivery)
                future = self.client.send_goal_async(goal) if stop is None else \
                    self._open_after_stop(stop, goal, delivery)
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

    def _answered(self, done, closedness: float, delivery: Delivery, sent_at: float,
                  position: float) -> None:
        """Take the server's answer to a goal: say a rejection, await an accepted goal's end.

        ``position`` [m]: one finger's, as the goal sent it.
        """
        handle, number = result_of(done), delivery.number
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
        self._stop_overdue(now)  # a stop unanswered: the open goes, said, by this clock too
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
        response, number = result_of(finished), delivery.number
        self.handles.pop(number, None)
        self.gone.discard(number)
        status = getattr(response, "status", None)
        if response is not None and delivery.state != "canceled":
            delivery.state = "ended"
        result = getattr(response, "result", None)
        finger = self._finger()
        judged = judge_result(status, position, result, self.max_width, self.full_width,
                              delivery.start, finger, reached_tolerance=self.reached_tolerance)
        if closedness <= 0.0 and finger is not None and open_got_there(status, judged):
            self.release.opened(2 * finger)  # the hand's own full opening (homed narrower)
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
        """Log ``line`` at ``level`` ("error", "warning", "info", "debug"); nothing when empty.

        One call line per severity: rclpy's logger keys each call by its caller's file and line
        and raises ValueError ("Logger severity cannot be changed between calls") when one line
        logs at a second severity: the planning step that sent the goal failed with it.
        """
        if not line:
            return
        if level == "error":
            self.error(line)
        elif level == "warning":
            self.warn(line)
        elif level == "info":
            self.info(line)
        elif self.debug is not None:
            self.debug(line)

