"""Whether the measured arm has arrived at a commanded pose: the one test, position and turn.

ROS-free. The planner's stream (``stream_session._arm_arrived``), the demo's reach follower
(``sim/reach_follower.py``) and the camera check's moves and trial (``camera_check_run``,
``camera_check_trial``) all judge arrival by one test, :func:`arm_arrived`'s: the measured TCP
within ``control.arrival_tolerance_m`` of the target AND turned from it by at most
``control.arrival_tolerance_rad`` (:func:`within`, on :func:`arrival_gaps`' two numbers, for a
caller that also words them: computed once). A wrist 0.15 rad short of a 0.3 rad turn is not
there, whatever its position (breaker55c); a camera check's translation whose wrist drifted 0.2
rad has not arrived either (its orientation is the target's, held still). The two tolerances
are separate parameters: a turn derived from the position's (``tolerance_m / HAND_REACH_M``)
asked 0.018 rad of a compliant wrist under a 2 mm position tolerance, and every step waited
``control.arrival_timeout_s`` (breaker59f).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.tcp_quaternions import _angle, _quaternion

# [m] the hand's far edge (the fingertips' outer side) from the TCP: a turn of the wrist moves
# it by this times the angle (frame_rest.REST_TOLERANCE_RAD's scale)
HAND_REACH_M = 0.11
# [rad] control.arrival_tolerance_rad's default: the turn that moves the hand's far edge
# (HAND_REACH_M from the TCP) by control.arrival_tolerance_m's default 0.01 m (0.0909)
DEFAULT_TOLERANCE_RAD = 0.091


def arrival_gaps(pose, target, tolerance_m: float) -> tuple[float, float]:
    """Return the measured ``pose``'s distance [m] and turn [rad] from ``target``.

    ``pose``, ``target``: [7] (x, y, z [m], roll, pitch, yaw [rad] extrinsic xyz, gripper),
    float arrays; ``pose`` None (no state yet): ``(inf, inf)``. The turn is only computed for a
    distance within ``tolerance_m`` (inf otherwise: the stream asks every tick), with numpy
    quaternions as the jump watch's (``tcp_quaternions``; ``targets.poses_apart``'s scipy angle
    to ~1e-9 rad, wrap-free: a roll of +π and of −π are the same).
    """
    if pose is None:
        return float("inf"), float("inf")
    close = float(np.linalg.norm(np.asarray(pose[:3]) - np.asarray(target[:3])))
    if close > tolerance_m:
        return close, float("inf")
    return close, _angle(_quaternion(pose[3:6]), _quaternion(target[3:6]))


def within(close: float, turn: float, tolerance_m: float, tolerance_rad: float) -> bool:
    """Whether :func:`arrival_gaps`' ``close`` [m] and ``turn`` [rad] are arrived ones.

    ``close`` within ``tolerance_m`` [m] (``control.arrival_tolerance_m``) and ``turn`` within
    ``tolerance_rad`` [rad] (``control.arrival_tolerance_rad``).
    """
    return close <= tolerance_m and turn <= tolerance_rad


def arm_arrived(pose, target, tolerance_m: float, tolerance_rad: float) -> bool:
    """Whether ``pose`` [7] is at ``target`` [7]: within ``tolerance_m`` [m] and ``tolerance_rad``.

    ``tolerance_rad`` [rad]: the turn allowed (``control.arrival_tolerance_rad``). The set-point
    at rest on the target, or a timeout, are the caller's to add.
    """
    return within(*arrival_gaps(pose, target, tolerance_m), tolerance_m, tolerance_rad)


def gap_words(close: float, turn: float) -> str:
    """Return :func:`arrival_gaps`' ``close`` [m] and ``turn`` [rad] in words.

    ``1.2 cm away``; ``0.4 cm away, turned 0.200 rad`` where the turn was computed (not inf).
    """
    said = f"{close * 100:.1f} cm away"
    return said if turn == float("inf") else f"{said}, turned {turn:.3f} rad"


def arrival_miss(close: float, turn: float, tolerance_m: float, tolerance_rad: float) -> str:
    """Return why :func:`arrival_gaps`' ``close`` [m], ``turn`` [rad] did not arrive, in words.

    Names the tolerance missed and the parameter to raise when the arm rests there (a compliant
    controller): ``0.012 m away; control.arrival_tolerance_m is 0.01 m: ...`` or ``0.001 m
    away, turned 0.030 rad; control.arrival_tolerance_rad is 0.018 rad: ...``; a miss of
    neither (the set-point still moving): the gaps alone.
    """
    turned = "" if turn == float("inf") else f", turned {turn:.3f} rad"
    said = f"{close:.3f} m away{turned}"
    if close > tolerance_m:
        name, value, unit, what = "arrival_tolerance_m", tolerance_m, "m", "arm"
    elif turn > tolerance_rad:
        name, value, unit, what = "arrival_tolerance_rad", tolerance_rad, "rad", "wrist"
    else:
        return said
    return (f"{said}; control.{name} is {value:g} {unit}: raise it if the {what} comes to rest "
            "that far off its target")
