"""What a GripperCommand result says about the hand: held, stopped short, at its goal (ROS-free).

``robot.gripper_goals.GripperGoals`` reads each result once with :func:`judge_result` and hands its
:class:`ResultJudgement` to ``awaited_goals.AwaitedGoals.finished``. The rules:

- franka_ros2's convention: a result's ``position`` is one finger's joint position, half the width
  between the fingers [m]; a ROS 1-style server reports the whole width (:func:`full_width_result`,
  told from one result and read so from then on).
- A closing goal whose fingers stopped wider than asked (:func:`_held`: ABORTED, or
  SUCCEEDED stalled / not reached, or SUCCEEDED claiming its goal for a goal below the finger
  measured when it was sent or to the fully closed hand, :func:`_closing`: franka_gripper with
  wide grasp epsilons; its result's position above the goal's) is a grasp holding an
  object, not a failure; but fingers left at the hand's full opening (within
  :data:`OPEN_MARGIN_M`) hold nothing (the grasp failed before they moved: franka_gripper's hand
  in error, fingers blocked open), unless the finger measured when the goal was sent was wider by
  :data:`MOVED_MARGIN_M` (they closed onto an object almost as wide as the hand).
- An open whose fingers are at the full opening got there, whatever its status
  (:func:`_reached`: a hand homed narrower than ``robot.gripper_max_width``, its open aborted
  as out of range); one aborted with the fingers unmoved short of it is out of range too
  (:func:`_out_of_range`): a resend cannot open the hand.
- Fingers that stopped away from their goal, not reported as reaching it (:func:`_stopped`),
  are said where they stopped: an opening goal that stopped short is a failure as any abort, also
  when ros2_controllers ends it SUCCEEDED with ``stalled`` (``allow_stalling``). A result
  reported reaching its goal (SUCCEEDED, ``reached_goal``, not stalled) with its position
  ``control.gripper_goal_tolerance_m`` (:data:`REACHED_TOLERANCE_M`) or more from the goal's
  contradicts itself: the position, measured, wins over the claim (a failure, not a hold) for an
  open that stopped short and a middle width not known to close (:func:`_closing`).
- A position wider than the hand opens even read as the width between the fingers (above
  ``max_width`` by more than :data:`WIDER_MARGIN_M`: a driver's glitch, a result in mm) is no
  width of this hand in either convention (:func:`impossible_position`): it tells no convention,
  no hold, no open reached; the goal failed.
- A result whose status is no terminal one (STATUS_UNKNOWN: a server that does not know the goal)
  says nothing of the hand: its fields are not read (:func:`judge_result`).
"""

from __future__ import annotations

import dataclasses
import math

from vjepa_ros.start_forms import restart_planner_with

STATUS_ABORTED = 6  # action_msgs/GoalStatus.STATUS_ABORTED
STATUS_CANCELED = 5  # action_msgs/GoalStatus.STATUS_CANCELED
STATUS_SUCCEEDED = 4  # action_msgs/GoalStatus.STATUS_SUCCEEDED
# [m] of one finger: a result position this much above the goal's is fingers stopped wider than
# asked (franka_gripper counts a width within 1e-4 m of the current one as already there)
HOLD_MARGIN_M = 1e-4
# [m] a result's position this close to a finger joint reading is that reading (the reading's
# noise and the hand's last tenths of a millimetre between them)
READING_MARGIN_M = 1e-3
# [m] one finger read below this tells neither convention from the other (a closed hand: ~0 both)
READING_MIN_M = 2e-3
# [m] of one finger: a result this close to half the hand's full opening (or wider) is fingers
# that did not close at all: no object is that wide (a hand homed a little narrower than
# robot.gripper_max_width still reads open)
OPEN_MARGIN_M = 1e-3
# [m] of one finger: a result this much closer than the finger measured when the goal was sent is
# fingers that moved (onto an object almost as wide as the hand; a Franka finger reads to ~0.1 mm)
MOVED_MARGIN_M = 5e-4
# [m] of one finger: a result reported reaching its goal this far from it, or farther, did not
# (ros2_controllers' gripper_action_controller succeeds within goal_tolerance, 0.01 by default;
# franka_gripper's grasp within its epsilons, 5 mm of the width: 2.5 mm of one finger); the
# default of control.gripper_goal_tolerance_m, set to a server's larger goal_tolerance
REACHED_TOLERANCE_M = 0.01
# [m] a result this much wider than the hand's full opening (robot.gripper_max_width), or more,
# is no width of it even as the width between the fingers (a hand homed a little wider than
# set reads up to this as a full-width result)
WIDER_MARGIN_M = 0.01
TERMINAL_STATUSES = (STATUS_SUCCEEDED, STATUS_CANCELED, STATUS_ABORTED)


@dataclasses.dataclass(frozen=True)
class ResultJudgement:
    """One GripperCommand result, read once (:func:`judge_result`).

    ``held``: the width [m] of the object the fingers stopped on (:func:`_held`; None: not
    a hold); ``stopped``: where they stopped, in words ("" when at the goal or nothing tells,
    :func:`_stopped`); ``reached``: an open at the hand's full opening, whatever its status
    (:func:`_reached`); ``advice``: why a resend cannot open the hand (""; out of range,
    :func:`_out_of_range`); ``full_width``: the server's results are the width between the
    fingers (as given, or told from this result: :func:`full_width_result`).
    """

    held: float | None
    stopped: str
    reached: bool
    advice: str
    full_width: bool


def judge_result(status: int | None, goal_position: float, result, max_width: float,
                 full_width: bool = False, start: float | None = None,
                 finger: float | None = None,
                 reached_tolerance: float = REACHED_TOLERANCE_M) -> ResultJudgement:
    """Read a GripperCommand goal's result once: the hold, the stop, the goal, the advice.

    ``status``: its GoalStatus (None: unknown); ``goal_position`` [m]: one finger's, as sent;
    ``result``: the action's result (``position`` [m], ``stalled``, ``reached_goal``; None or a
    non-finite position: nothing to read); ``max_width`` [m]: the hand's full opening;
    ``full_width``: the server is known to report the width between the fingers; ``start`` [m]:
    one finger measured when the goal was sent (None: not measured); ``finger`` [m]: one finger
    measured now (None: not measured); ``reached_tolerance`` [m, one finger]: how far from its
    goal a result that claims it may lie (``control.gripper_goal_tolerance_m``, the server's
    goal tolerance: :func:`_stopped`). A server not yet known as full-width becomes one when this
    result lies above ``max_width`` / 2 or reads as a hold, and :func:`full_width_result` says it
    is the whole width (a ROS 1-style server: a failed close read in franka_ros2's units would be
    a hold): ``full_width`` True in the judgement, every field read so.
    A ``status`` that is no terminal one (STATUS_UNKNOWN: the answer of a server that does not
    know the goal, its Result empty) reads nothing: no hold, no stop, not reached. A position
    :func:`impossible_position` tells no convention and is said in ``stopped`` (a failure).
    """
    raw = result_position(result)
    if status not in TERMINAL_STATUSES:  # an empty Result: nothing of the hand to read
        return ResultJudgement(held=None, stopped="", reached=False, advice="",
                               full_width=full_width)
    if raw is not None and impossible_position(raw, max_width):
        return ResultJudgement(held=None, stopped=(
            f"its result position {raw * 1000:g} mm is wider than this hand opens "
            f"(robot.gripper_max_width {max_width:g} m), even as the width between the fingers: "
            "a driver's glitch or a result in mm, no position of the hand"), reached=False,
            advice="", full_width=full_width)
    if not full_width and raw is not None and (
            raw > max_width / 2 or _held(status, goal_position, raw, result, max_width, start)
            is not None) and full_width_result(raw, finger, max_width):
        full_width = True
    position = None if raw is None else raw / 2.0 if full_width else raw
    return ResultJudgement(
        held=_held(status, goal_position, position, result, max_width, start),
        stopped=_stopped(status, goal_position, position, result, max_width, start,
                         reached_tolerance),
        reached=_reached(goal_position, position, max_width),
        advice=_out_of_range(status, goal_position, position, max_width, start),
        full_width=full_width)


def open_got_there(status: int | None, judged: ResultJudgement) -> bool:
    """Tell whether an open's end left the fingers as wide as the hand opens (``judged``: its).

    SUCCEEDED without stopping short (a ``move`` done, or franka_gripper's "already there"),
    the full opening reached whatever the status (:func:`_reached`), or ABORTED as out of
    range with the fingers unmoved (:func:`_out_of_range`: franka_gripper refuses a width above
    the hand's homed opening). Not: an open canceled, stopped short, or with no terminal status.
    ``gripper_release.ReleaseStop.opened`` counts only such widths as the hand's full opening.
    """
    return judged.reached or bool(judged.advice) or (
        status == STATUS_SUCCEEDED and not judged.stopped and judged.held is None)


def result_position(result) -> float | None:
    """Return a GripperCommand result's finite ``position`` [m], else None."""
    position = getattr(result, "position", None)
    if isinstance(position, bool):
        return None
    try:
        position = float(position)
    except (TypeError, ValueError):
        return None
    return position if math.isfinite(position) else None


def impossible_position(position: float, max_width: float) -> bool:
    """Tell whether a result's ``position`` [m] is wider than a hand of ``max_width`` [m] opens.

    Above ``max_width`` + :data:`WIDER_MARGIN_M`: no finger's position nor the width between
    the fingers of this hand (0.2 m or 0.5 m for an 80 mm hand, 80.0 from a driver in mm).
    """
    return position > max_width + WIDER_MARGIN_M


def full_width_result(position: float, finger_m: float | None, max_width: float) -> bool:
    """Tell whether a result's ``position`` [m] is the width between the fingers, not one's.

    franka_ros2's convention (:func:`_held`) is one finger's position, at most half the
    hand's ``max_width`` [m]; a ROS 1-style server (franka_ros' ``franka_gripper``) reports the
    whole width. Full: above ``max_width`` / 2 (no finger of the hand as set gets there),
    unless the finger joint reading ``finger_m`` [m] (one finger, from joint_states; None:
    none) says the hand is fully open (a hand homed wider than set reads clipped there) and
    the result is not twice it: one wider finger's, not a switch for good on one result; below,
    with a reading, within :data:`READING_MARGIN_M` of twice the reading and not of the reading
    itself (a reading under :data:`READING_MIN_M` tells nothing: a closed hand reads ~0 both
    ways). Never for an :func:`impossible_position`: it fits neither convention.
    """
    if impossible_position(position, max_width):
        return False
    read = finger_m is not None and finger_m >= READING_MIN_M
    twice = read and abs(position - 2.0 * finger_m) <= READING_MARGIN_M
    if position > max_width / 2 + READING_MARGIN_M:  # wider than a finger of the hand as set
        # unless the hand reads fully open (its closedness clipped at 0: a hand homed wider
        # than robot.gripper_max_width) and the result is not twice that: one such finger's
        return twice or not read or finger_m < max_width / 2 - READING_MARGIN_M
    return twice and READING_MARGIN_M < abs(position - finger_m)


def _held(status: int | None, goal_position: float, position: float | None, result,
          max_width: float, start: float | None) -> float | None:
    """Return the width [m] of the object a closing goal's fingers stopped on; None: not that.

    franka_ros2's convention (``franka_gripper``'s ``gripper_action_server.cpp``): a
    GripperCommand's ``command.position`` and its result's ``position`` are one finger's joint
    position, half the width between the fingers [m] (a full-width server's is halved first:
    :func:`judge_result`). A close onto an object ends ABORTED there (libfranka's grasp stops
    outside its epsilons of the width asked) or, with ros2_controllers' gripper action,
    SUCCEEDED with ``stalled`` true / ``reached_goal`` false (``result``'s flags); its
    ``position`` [m] lies above ``goal_position`` [m] by more than :data:`HOLD_MARGIN_M`: the
    width held is 2 x that position. franka_gripper with grasp epsilons wide enough to accept the
    object (docs/subgoals_gripper.md) ends it SUCCEEDED, ``reached_goal`` true, there: a
    :func:`_closing` goal stopped above its goal is a hold whatever the server claims; any other
    goal claimed reached is not (the position wins: :func:`_stopped`). None for any other status,
    no ``position`` (None), a goal reached, and an opening goal that stopped short (below its
    goal: a failure). ``max_width``
    [m]: the hand's full opening; fingers within :data:`OPEN_MARGIN_M` of its half (or beyond)
    hold nothing: None (the close failed before they moved), unless they moved there:
    ``start`` [m], one finger measured when the goal was sent (None: not measured), more than
    :data:`MOVED_MARGIN_M` wider (they closed onto an object almost as wide as the hand).
    """
    if status not in (STATUS_ABORTED, STATUS_SUCCEEDED) or position is None:
        return None
    if position <= goal_position + HOLD_MARGIN_M:
        return None
    if position >= max_width / 2 - OPEN_MARGIN_M and not _moved(start, position):
        return None
    if _succeeded_at_goal(status, result) and not _closing(goal_position, start):
        return None
    return 2.0 * position


def _stopped(status: int | None, goal_position: float, position: float | None, result,
             max_width: float, start: float | None,
             reached_tolerance: float = REACHED_TOLERANCE_M) -> str:
    """Say where a goal's fingers stopped when its result is not at its goal; "" otherwise.

    ``position``: the result's, one finger's [m] (None: none, ""). "" for one within
    :data:`HOLD_MARGIN_M` of ``goal_position`` [m, one finger], a SUCCEEDED one the server says
    reached its goal (``result``'s ``reached_goal`` true, not ``stalled``: franka_gripper's
    grasp within its epsilons) within ``reached_tolerance`` [m] of it (the server's goal
    tolerance; default :data:`REACHED_TOLERANCE_M`), and one at the hand's
    full opening after an open (:func:`_reached`). Else the width between the fingers [mm] and
    the width asked, or, for fingers at the hand's full opening (``max_width`` [m]) after a goal
    to close, not moved from ``start`` (:func:`_held`), that they never closed and hold nothing;
    for one the server says reached its goal, that the position wins over that claim (not for a
    :func:`_closing` goal stopped above its goal: a hold, whatever the claim).
    """
    if position is None or abs(position - goal_position) <= HOLD_MARGIN_M or \
            _reached(goal_position, position, max_width) or _succeeded_at_goal(status, result) \
            and abs(position - goal_position) < reached_tolerance:
        return ""
    claimed = (" (its result says it reached the goal: the position, measured, wins over that "
               "claim)" if _succeeded_at_goal(status, result) and not (
                   _closing(goal_position, start) and position > goal_position) else "")
    opening = max_width / 2 - OPEN_MARGIN_M
    if position >= opening > goal_position and not _moved(start, position):
        return (f"the fingers stayed at the hand's full opening, {2000 * position:.0f} mm: "
                f"they never closed, nothing is held{claimed}")
    return (f"the fingers stopped at {2000 * position:.0f} mm, {2000 * goal_position:.0f} mm "
            f"asked{claimed}")


def _reached(goal_position: float, position: float | None, max_width: float) -> bool:
    """Tell whether an open's fingers are where asked, whatever its status.

    ``goal_position`` and the result's ``position`` [m, one finger; None: none, False] both at
    the hand's full opening (within :data:`OPEN_MARGIN_M` of ``max_width`` / 2 [m]):
    franka_gripper aborts a width above the hand's homed opening as out of range at once, and a
    hand homed at 79.5 mm with ``robot.gripper_max_width`` 0.08 is open as asked (as a close's
    fingers left there are "never closed", :func:`_stopped`).
    """
    return position is not None and min(position, goal_position) >= max_width / 2 - OPEN_MARGIN_M


def _out_of_range(status: int | None, goal_position: float, position: float | None,
                  max_width: float, start: float | None) -> str:
    """Say why an open to the hand's full opening was aborted with the fingers unmoved; "" if not.

    An ABORTED goal to ``max_width`` / 2 [m] (within :data:`OPEN_MARGIN_M`: closedness 0), its
    result's ``position`` [m, one finger; None: none, ""] short of the full opening and not
    moved from ``start`` [m, one finger measured when it was sent; None: not measured] by more
    than :data:`MOVED_MARGIN_M`: franka_gripper aborts a width above the hand's homed opening
    as out of range, at once, so sending it again cannot open the hand (a hand holding an
    object at 30 mm keeps it). The words advise a restart with ``robot.gripper_max_width`` at
    the hand's homed opening (``start_forms.restart_planner_with``).
    """
    opening = max_width / 2 - OPEN_MARGIN_M
    if status != STATUS_ABORTED or position is None or goal_position < opening or \
            position >= opening or (start is not None and abs(position - start) > MOVED_MARGIN_M):
        return ""
    restart = restart_planner_with("robot.gripper_max_width",
                                   what="this hand's width fully open after homing")
    return (f"the fingers stayed at {2000 * position:.0f} mm: franka_gripper aborts an open "
            f"wider than the hand's homed opening as out of range, and robot.gripper_max_width "
            f"{max_width:g} m may be above this hand's: {restart}, or check the hand (an error "
            f"needs its recovery)")


def _succeeded_at_goal(status: int | None, result) -> bool:
    """Tell whether the server says the goal ended at its goal: SUCCEEDED, not stalled, reached.

    (``reached_goal`` true: franka_gripper's grasp within its epsilons; a result without the
    fields counts as not stalled and reached.) The flags alone: a claim, which the position
    may contradict (:func:`_stopped`); such a result is no hold either (:func:`_held`).
    """
    return status == STATUS_SUCCEEDED and not getattr(result, "stalled", False) and \
        getattr(result, "reached_goal", True)


def _closing(goal_position: float, start: float | None) -> bool:
    """Tell whether a goal closes the hand onto whatever lies between the fingers.

    A goal to the fully closed hand (``goal_position`` [m, one finger] within
    :data:`HOLD_MARGIN_M` of 0, closedness 1: no width for the fingers to stop short of but on
    something between them), or one below ``start`` [m, one finger measured when the goal was
    sent; None: not measured] by more than :data:`MOVED_MARGIN_M` (franka_gripper runs it as a
    grasp, whatever the width asked). A middle width unmeasured tells neither (an open that
    stopped short, a close that stopped on an object): not closing.
    """
    return goal_position <= HOLD_MARGIN_M or (
        start is not None and start - goal_position > MOVED_MARGIN_M)


def _moved(start: float | None, position: float) -> bool:
    """Tell whether a finger measured at ``start`` [m] (None: unknown) closed to ``position``."""
    return start is not None and start - position > MOVED_MARGIN_M
