"""The live camera check's settings against the safety limits, refused before anything moves.

A check accepted with settings its moves cannot keep stops after its first command or strands
the arm away from its start (breaker49g): a motion of a whole ``safety.max_step_m`` is
commanded from an arm up to ``control.arrival_tolerance_m`` off the last target, so the safety
filter clips it; its orientation, held, is commanded from a wrist up to
``control.arrival_tolerance_rad`` turned, more than ``safety.max_rotation_step_rad`` clipped the
same way; a move too long for ``camera_check.motion.timeout_s`` at
``safety.max_speed_m_s`` times out a few cm out. :func:`settings_problem` says so in one line
naming the parameters and what to set; the session refuses the call with it, the node its
start-up (``PlannerNodeConfig``).
"""

from __future__ import annotations

import math

from vjepa_ros.robot.arrival import DEFAULT_TOLERANCE_RAD
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, step_problem
from vjepa_ros.robot.safety import BRAKING_MARGIN, SafetyLimits


def move_time(distance_m: float, limits: SafetyLimits) -> float:
    """Return the time [s] the set-point stream needs for a straight move of ``distance_m`` [m].

    From rest to rest: up to ``max_speed_m_s`` at ``max_accel_m_s2``, braking at the stream's
    own share of it (``safety.BRAKING_MARGIN``); a move too short for the top speed is a
    triangle. The discrete ticks add a few of their periods.
    """
    speed, speed_up = limits.max_speed_m_s, limits.max_accel_m_s2
    brake = speed_up * (1 - BRAKING_MARGIN)
    ramps = 1 / (2 * speed_up) + 1 / (2 * brake)  # distance per v² of both ramps
    if distance_m >= speed * speed * ramps:
        return distance_m / speed + speed * ramps
    peak = math.sqrt(distance_m / ramps)
    return peak / speed_up + peak / brake


def room_problem(distance_m: float, arrival_tolerance_m: float, limits: SafetyLimits) -> str:
    """Say why a check motion of ``distance_m`` [m] has no room within one step ('' fine).

    Each move is commanded once the arm is within ``arrival_tolerance_m`` [m] of the last
    target, and filtered from where it is measured: up to ``distance_m + arrival_tolerance_m``
    away, more than ``limits.max_step_m`` is clipped and stops the check.
    """
    if distance_m + arrival_tolerance_m <= limits.max_step_m * (1 + 1e-9):
        return ""
    return (f"camera_check.motion.distance_m ({distance_m:g} m) plus "
            f"control.arrival_tolerance_m ({arrival_tolerance_m:g} m) must be at most "
            f"safety.max_step_m ({limits.max_step_m:g} m): each check move is one step, "
            "commanded from an arm up to the arrival tolerance off the last target; set "
            f"camera_check.motion.distance_m to at most "
            f"{max(limits.max_step_m - arrival_tolerance_m, 0):g} or safety.max_step_m to at "
            f"least {distance_m + arrival_tolerance_m:g}")


def turn_room_problem(arrival_tolerance_rad: float, limits: SafetyLimits) -> str:
    """Say why a check move's held orientation has no room within one step ('' fine).

    The angular counterpart of :func:`room_problem`: each move holds the start's orientation
    and is commanded once the wrist is within ``arrival_tolerance_rad`` [rad] of the last
    target's; from there the command turns it back by up to that much, and a turn over
    ``limits.max_rotation_step_rad`` is clipped and stops the check.
    """
    if arrival_tolerance_rad <= limits.max_rotation_step_rad * (1 + 1e-9):
        return ""
    return (f"control.arrival_tolerance_rad ({arrival_tolerance_rad:g} rad) must be at most "
            f"safety.max_rotation_step_rad ({limits.max_rotation_step_rad:g} rad): each check "
            "move holds the start's orientation, commanded from a wrist up to the arrival "
            "tolerance turned off it; set control.arrival_tolerance_rad to at most "
            f"{limits.max_rotation_step_rad:g} or safety.max_rotation_step_rad to at least "
            f"{arrival_tolerance_rad:g}")


def timing_problem(config: CheckMotionConfig, limits: SafetyLimits, trial=None) -> str:
    """Say why a check's moves cannot arrive within ``config.timeout_s`` ('' fine).

    Each motion (``config.distance_m``) must arrive within the timeout at the stream's speed
    and acceleration limits (:func:`move_time`), else it stops the check away from its start.
    ``trial``: a ``camera_check_trial.CheckTrialConfig`` (None or ``when`` never: no trial):
    the move to each trial's starting pose, ``offset_m`` from the start (one step), must arrive
    within it too (the planned steps' lengths are the model's, not known here).
    """
    moves = [("a check motion", config.distance_m)]
    if trial is not None and trial.when != "never":
        moves.append(("the move to a correction trial's start", trial.offset_m))
    for what, distance in moves:
        hops = max(math.ceil(distance / limits.max_step_m - 1e-9), 1)
        needed = hops * move_time(distance / hops, limits)
        if needed > config.timeout_s:
            return (f"camera_check.motion.timeout_s ({config.timeout_s:g} s) is shorter than "
                    f"{what} ({distance:g} m) takes at safety.max_speed_m_s "
                    f"({limits.max_speed_m_s:g} m/s) and safety.max_accel_m_s2 "
                    f"({limits.max_accel_m_s2:g} m/s²): {needed:.1f} s; the check would stop "
                    "with the arm away from its start: set camera_check.motion.timeout_s to at "
                    f"least {math.ceil(needed + 1):g} or raise safety.max_speed_m_s")
    return ""


def settings_problem(config: CheckMotionConfig | None, limits: SafetyLimits,
                     arrival_tolerance_m: float, trial=None,
                     arrival_tolerance_rad: float = DEFAULT_TOLERANCE_RAD) -> str:
    """Say in one line why the check's settings do not fit the safety limits ('' fine).

    :func:`camera_check_motions.step_problem`, :func:`room_problem`,
    :func:`turn_room_problem`, :func:`timing_problem`, in that order; ``config`` None: the
    defaults. ``arrival_tolerance_m`` [m], ``arrival_tolerance_rad`` [rad]: ``control``'s.
    """
    config = config or CheckMotionConfig()
    return (step_problem(config.distance_m, limits)
            or room_problem(config.distance_m, arrival_tolerance_m, limits)
            or turn_room_problem(arrival_tolerance_rad, limits)
            or timing_problem(config, limits, trial))
