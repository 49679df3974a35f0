"""When an open to the hand's full width must first end a standing grasp (franka_gripper's stop).

Facts (franka_ros2 ``franka_gripper``: ``src/gripper_action_server.cpp``, ``doc/index.rst``):

- its ``gripper_action`` (``control_msgs/GripperCommand``) takes a goal whose width
  (2 · ``position``) lies within :data:`SAME_WIDTH` (0.1 mm) of the fingers' width now as done at
  once (SUCCEEDED, nothing commanded); a wider or equal width is libfranka's ``move`` (the fingers
  go there, a grasp holding ends), a narrower one its ``grasp`` (closing, then pressing with
  ``max_effort``); a width outside [0, the homed max width] is aborted;
- a ``grasp`` goal ends once the fingers stop (on an object, or shut); the hand keeps pressing
  after it, until the next ``move`` or a ``stop`` (a cancel stops only a goal still running);
- the node's ``stop`` service (``std_srvs/srv/Trigger``, beside ``gripper_action``:
  ``/fr3_gripper/stop``) "aborts gripper actions and stops grasping".

So fingers pried open to the full width under a standing grasp (a box turned between them:
breaker57e) are never released by a GripperCommand to the full width: it is done at once and the
grasp, still pressing, closes them on the object again. :class:`ReleaseStop` tells the client
(the planner node's ``GripperGoals``, the simulator's ``manipulation_loop.gripper_command_path``)
when to call the stop first.

A hand homed wider than ``robot.gripper_max_width`` (fingers at 80.5 mm with 0.08, a hand of
0.085) reads closedness 0 from the parameter's width on (clipped), and an open goal to the
parameter's width is *narrower* than its fingers: franka_gripper runs it as a grasp, which closes
the hand the planner asked to open. :func:`goal_position` never sends an open narrower than the
fingers measured (raw finger joints); :func:`wider_than_set` is the one warning naming the
parameter. ROS-free.
"""

from __future__ import annotations

from vjepa_ros.robot.gripper_results import OPEN_MARGIN_M
from vjepa_ros.robot.joint_states import FRANKA_HAND_MAX_WIDTH, finger_position
from vjepa_ros.start_forms import restart_planner_with

SAME_WIDTH = 1e-4  # m: franka_gripper treats a goal this close to the current width as done
STOP_SERVICE = "stop"  # franka_gripper's std_srvs/Trigger service beside its gripper_action
# [m] fingers measured this much wider than robot.gripper_max_width are a hand homed wider than
# set (said once: wider_than_set); a Franka finger reads to ~0.1 mm
WIDER_TOLERANCE = 2 * SAME_WIDTH
# [m] between the fingers: this close to robot.gripper_max_width (or wider) is the node's "fully
# open" (gripper_results: an open finding each finger within OPEN_MARGIN_M of the full opening got
# there), e.g. a hand homed at 79.5 mm with 0.08, whose open to 80 mm franka_gripper aborts
OPEN_WIDTH_MARGIN = 2 * OPEN_MARGIN_M
# [m] between the fingers: the widest width an open of ours ended at (ReleaseStop.opened) counts
# as this hand's own full opening (a hand homed narrower than robot.gripper_max_width: 77 mm with
# 0.08) when it lies at most this far below the parameter (no Franka Hand homes narrower by more)
HOMED_NARROWER_M = 0.01
# stops failed or unanswered in a row after which the client stops calling the stop and sends no
# open that needs it, until the user acts (a new goal, ~/enable true): StopOutage
STOP_TRIES = 3


def goal_position(closedness: float, max_width: float, measured_width: float | None) -> float:
    """Return one finger's GripperCommand ``position`` [m] for ``closedness`` (0 open .. 1).

    ``(1 - closedness) * max_width / 2`` (``joint_states.finger_position``, closedness clipped
    to [0, 1]); but an open (closedness 0 after the clip) is never narrower than the fingers
    measured: ``measured_width`` [m] between them, raw (not the clipped closedness; None: not
    measured), less ``SAME_WIDTH`` / 2, so that franka_gripper takes it as done (within
    :data:`SAME_WIDTH`) instead of as a grasp that closes the hand. Fingers measured past the
    hand's homed opening make that goal out of range for franka_gripper (aborted, the fingers
    left open: ``gripper_results``' "reached").
    """
    position = finger_position(closedness, max_width)
    if closedness > 0.0 or measured_width is None:
        return position
    return max(position, (float(measured_width) - SAME_WIDTH / 2) / 2)


def wider_than_set(measured_width: float | None, max_width: float) -> str:
    """Say that the fingers measure wider than ``robot.gripper_max_width`` ("" when they do not).

    ``measured_width`` [m] between the fingers (raw; None: not measured), ``max_width`` [m] the
    parameter. Wider by more than :data:`WIDER_TOLERANCE`: the hand's closedness reads 0 from
    the parameter's width on, and opens go out at the fingers' width (:func:`goal_position`).
    """
    if measured_width is None or measured_width <= max_width + WIDER_TOLERANCE:
        return ""
    if measured_width <= FRANKA_HAND_MAX_WIDTH + WIDER_TOLERANCE:
        advice = restart_planner_with("robot.gripper_max_width",
                                      what="this hand's width fully open after homing")
    else:  # the parameter's range ends at the Franka Hand's full opening
        advice = (f"robot.gripper_max_width goes to {FRANKA_HAND_MAX_WIDTH:g} m at most (the "
                  "Franka Hand's full opening): check the hand's homing if it is a Franka Hand")
    return (f"the fingers measure {measured_width * 1000:.1f} mm apart, wider than "
            f"robot.gripper_max_width {max_width:g} m: the hand reads closedness 0 (open) from "
            f"{max_width * 1000:.1f} mm on, and an open goes out at the fingers' width, never "
            f"narrower (franka_gripper would run a narrower one as a grasp and close the "
            f"hand); {advice}")


FRANKA_ACTION = "gripper_action"  # franka_gripper's GripperCommand action (last name part)


def stop_service_name(action: str) -> str:
    """Return franka_gripper's stop service beside the GripperCommand action ``action`` ("").

    ``/fr3_gripper/gripper_action`` -> ``/fr3_gripper/stop``; ``gripper_action`` (relative) ->
    ``stop``; an action named otherwise (ros2_controllers' ``/gripper_controller/gripper_cmd``)
    is no franka_gripper's: "" (no stop: an unrelated ``/stop`` service is never called; those
    servers need none, a goal to the width they hold replaces the running one). The caller also
    calls it only where the node serving the action serves it (``robot/gripper_stop.py``).
    """
    head, slash, last = action.rstrip("/").rpartition("/")
    return f"{head}{slash}{STOP_SERVICE}" if last == FRANKA_ACTION else ""


class ReleaseStop:
    """Whether a gripper goal must be preceded by franka_gripper's stop (one client's goals).

    :meth:`due` before each goal, :meth:`sent` after it went out, :meth:`stopped` once a stop
    ended the grasp, :meth:`not_stopped` once one failed (or went unanswered). Only a grasp of
    ours is ended: none stands before our first goal (a lab's open hand at start asks for no
    stop).
    """

    def __init__(self) -> None:
        # a goal of ours other than the full opening went out since the last open or stop
        self.grasp_may_stand = False
        self.widest: float | None = None  # [m] the widest width an open of ours ended at

    def opened(self, width: float | None) -> None:
        """Note the fingers' width [m] measured as an open of ours ended there (None: unmeasured).

        Only the width of an open that got as far as the hand opens counts (the client's rule:
        ``GripperGoals`` notes an open that succeeded at its goal, reached the full opening, or
        was aborted as out of range with the fingers unmoved: a hand homed narrower). Widths
        merely seen (fingers holding an object at 72 mm since before any open) never count: an
        open to ``max_width`` is a ``move`` for such fingers, which ends a grasp by itself.
        """
        if width is not None and (self.widest is None or width > self.widest):
            self.widest = float(width)

    def full_opening(self, max_width: float) -> float:
        """Return this hand's full opening [m]: ``max_width``, or the widest an open ended at.

        A hand homed narrower than ``robot.gripper_max_width`` (``max_width`` [m]) shows its own
        full opening where an open of ours ended (:meth:`opened`): that, when it lies within
        :data:`HOMED_NARROWER_M` below ``max_width``; else (none yet, or narrower) ``max_width``.
        """
        widest = self.widest
        if widest is None or widest >= max_width or widest < max_width - HOMED_NARROWER_M:
            return max_width
        return widest

    def due(self, closedness: float, measured_width: float | None, max_width: float) -> bool:
        """Tell whether a goal for ``closedness`` (0 open .. 1) needs a stop before it.

        True for a goal to the full opening (closedness 0 after the clip) while a grasp may
        stand, with the fingers measured (``measured_width`` [m] between them) fully open by the
        node's own rule: within :data:`OPEN_WIDTH_MARGIN` of the hand's full opening (its edge
        included) or wider: ``max_width`` [m], or the widest width an open of ours ended at when
        the hand homed narrower (:meth:`full_opening`, :meth:`opened`: fingers only seen at a
        width, never opened there, are not fully open).
        There franka_gripper takes that goal as done (within :data:`SAME_WIDTH`), or aborts it
        as out of range (a hand homed narrower than ``max_width``, its fingers pried to its own
        full opening: 77 mm with 0.08 got no stop and its grasp stood), and a grasp would stand.
        Fingers measured narrower make it a ``move``, which ends the grasp by itself, and
        fingers not measured (None) leave it to the goal: no stop then.
        """
        if closedness > 0.0 or not self.grasp_may_stand or measured_width is None:
            return False
        edge = self.full_opening(max_width) - OPEN_WIDTH_MARGIN
        return measured_width - edge >= -1e-9  # (rounding at the edge)

    def sent(self, closedness: float) -> None:
        """Note a goal for ``closedness`` went out: any but the full opening may leave a grasp."""
        self.grasp_may_stand = closedness > 0.0

    def stopped(self) -> None:
        """Note the stop ended the grasp: no grasp stands until the next goal."""
        self.grasp_may_stand = False

    def not_stopped(self) -> None:
        """Note a stop failed or went unanswered: a grasp may still stand (the next open stops)."""
        self.grasp_may_stand = True


class StopOutage:
    """Stops that failed or went unanswered in a row; the give-up after :data:`STOP_TRIES`.

    ``stop_name``: the stop service (for the lines); ``epoch``: returns the count of the user's
    acts that start over (a new goal, ``~/enable`` true: the session's ``user_epoch``; None:
    none, a give-up stands for good). :meth:`failed` per stop that did not end the grasp,
    :meth:`worked` per stop that did; :meth:`given_up` before calling one. ROS-free; the lines
    are the caller's to log at the level returned.
    """

    def __init__(self, stop_name: str, epoch=None, tries: int = STOP_TRIES):
        self.stop_name, self.epoch, self.tries = stop_name, epoch, tries
        self.failures = 0  # in a row, since the last stop that worked or the user's act
        self.counted_at: object = None  # the user's epoch at the first failure counted
        self.line = ""  # the give-up's line while it stands ("": none)
        self.given_up_at: object = None  # the user's epoch at the give-up

    def _epoch(self):
        return None if self.epoch is None else self.epoch()

    def failed(self, why: str, line: str) -> tuple[str, str]:
        """Count a stop that did not end the grasp; return (level, line) to log.

        ``why``: what it did ("failed (gripper in error)", "did not answer within 1 s"); ``line``:
        the outage's line. The first of an outage: ("warning", ``line``); the
        :data:`STOP_TRIES` th in a row: ("error", the give-up, :attr:`line`: the stop is called
        no more and no open that needs it goes out until the user acts, naming the service and
        what to do); others ("debug", ``line``). A failure after the user's act (its epoch moved
        since the count began) is the first of a new count: the user recovered the gripper
        meanwhile, and a give-up after one try would say "3 times in a row" (breaker59i #3).
        """
        self.resume()
        epoch = self._epoch()
        if self.failures and not self.line and epoch != self.counted_at:
            self.failures = 0
        if not self.failures:
            self.counted_at = epoch
        self.failures += 1
        if self.line or self.failures < self.tries:
            return ("warning" if self.failures == 1 else "debug"), line
        self.given_up_at = self._epoch()
        self.line = (
            f"{self.stop_name} did not end the grasp {self.failures} times in a row (last: "
            f"{why}): the stop is no longer called and no open that needs it "
            f"is sent, so a grasp may still hold the fingers; check the gripper (its error "
            f"recovery; `ros2 service call {self.stop_name} std_srvs/srv/Trigger` should answer "
            f"success), then set a new goal or call ~/enable false and true to try again")
        return "error", self.line

    def worked(self) -> str:
        """Note a stop that ended the grasp; return the outage's end line ("" when none)."""
        was, self.failures, self.line = self.failures, 0, ""
        return (f"{self.stop_name} answered again: the grasp was ended") if was else ""

    def resume(self) -> str:
        """End a give-up once the user acted since (its epoch moved); return its info line."""
        if not self.line or self._epoch() == self.given_up_at:
            return ""
        self.failures, self.line = 0, ""
        return (f"{self.stop_name}: trying the stop again (a new goal or ~/enable since the "
                "node gave up on it)")

    def given_up(self) -> bool:
        """Tell whether the give-up stands (the user did not act since; no side effect)."""
        return bool(self.line) and self._epoch() == self.given_up_at
