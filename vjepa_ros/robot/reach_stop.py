"""A set-point's straight stop kept within the reach's curved surface (translation and rotation).

The reach's face braking (:mod:`vjepa_ros.robot.face_braking`) brakes the speed outward along
the radius through the set-point, against the ball's tangent plane there. A set-point moving
across the ball (a target on its surface reached at an angle, the velocity carried over from an
earlier target: a trailing arm's anchor waiting, :mod:`vjepa_ros.robot.anchor_lag`) nears a
surface that curves toward it faster than that plane does; the reach clamp then stopped it in
one tick (session 52's sweep: 1.2-2x the acceleration limit, arm 20 ticks behind, plans every
5-10 ticks). The rule here keeps a straight stop within the ball: after every tick, braking
along the velocity at the acceleration limit ends inside (:func:`stops_inside`). Braking
straight keeps that true tick after tick, whatever the ticks' lengths, so a velocity that
breaks it is moved toward the straight brake just far enough (:func:`kept_stoppable`): within
the acceleration limit, and the clamp does not act. A straight approach to a target in the
ball (the ramp's braking at 0.8 of the limit) already keeps it: nothing changes there.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.face_braking import norm3, reach_face
from vjepa_ros.robot.ramp_ahead import ramp_ahead
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.velocity_ramp import ramp_velocity

# Ticks the ramp's own path is followed ahead before it is judged to meet the surface
AHEAD_TICKS = 400
# Bisection steps for the share of the velocity's change kept: it gives up at most 2^-12 (0.02 %)
# of max_accel·dt (the kept end always keeps the stop inside); each step is one inside() test
SHARE_STEPS = 12


def stop_length(speed: float, max_accel: float) -> float:
    """Return the length [m or rad] of a straight stop from ``speed`` at ``max_accel`` (> 0)."""
    return speed * speed / (2.0 * max_accel)


def stops_inside(offset, velocity, dt: float, radius: float, max_accel: float) -> bool:
    """Whether a tick at ``velocity`` and a straight stop after it end within ``radius``.

    ``offset`` [3]: the set-point less the ball's centre (the anchor) [m] before the tick;
    ``velocity`` [3] [m/s]; ``dt`` [s]; ``max_accel`` [m/s²] (> 0). The ball is convex, so
    the whole stop (each tick's set-point on the segment) then lies inside.
    """
    speed = norm3(velocity)
    reach = dt + stop_length(speed, max_accel) / speed if speed > 0.0 else 0.0
    return norm3(np.asarray(offset, dtype=np.float64) + velocity * reach) <= radius


def turn_stops_inside(offset: Rotation, spin, dt: float, limit: float, max_accel: float) -> bool:
    """Whether a tick turning at ``spin`` and a straight stop after it end within ``limit``.

    ``offset``: the set-point's orientation times the anchor's inverse; ``spin`` [3] [rad/s]
    (base frame, as the set-point turns: ``Rotation.from_rotvec(spin·dt) * orientation``);
    ``limit`` [rad] the rotation reach; ``max_accel`` [rad/s²] (> 0). A turn about one fixed
    axis adds its angles, so braking straight keeps turning about the same axis.
    """
    speed = norm3(spin)
    if speed == 0.0:
        return offset.magnitude() <= limit
    ahead = speed * dt + stop_length(speed, max_accel)
    if offset.magnitude() + ahead <= limit:  # angles add at most (no rotation needed)
        return True
    turned = Rotation.from_rotvec(np.asarray(spin, dtype=np.float64) * (ahead / speed)) * offset
    return turned.magnitude() <= limit


def ramp_stays_inside(offset, velocity, remaining, radius: float, max_accel: float, dt: float,
                      ramp: Callable) -> bool:
    """Whether the ramp's own ticks keep within the ball until a straight stop is inside again.

    ``offset`` [3]: the set-point less the anchor [m] before this tick; ``velocity`` [3]: this
    tick's [m/s] (``dt`` [s]); ``remaining`` [3]: the target less the set-point [m];
    ``ramp(velocity, remaining, reach)``: the next tick's velocity (``ramp_velocity`` at the
    usual tick). The target held, the usual ticks after this one: True when each tick's
    set-point stays within ``radius`` until a straight stop from it stays inside too
    (:func:`stops_inside`; from there :func:`kept_stoppable` keeps it), within
    :data:`AHEAD_TICKS`. A ramp turning toward a target inside the ball (its path curving
    away from the surface) is left as it is.
    """
    offset, left = offset + velocity * dt, remaining - velocity * dt
    for _ in range(AHEAD_TICKS):
        if norm3(offset) > radius:
            return False
        if stops_inside(offset, velocity, 0.0, radius, max_accel):
            return True
        velocity = ramp(velocity, left, reach_face(offset, radius, velocity))
        offset, left = offset + velocity * dt, left - velocity * dt
    return False


def kept_stoppable(before, candidate, max_accel: float, dt: float,
                   inside: Callable[[np.ndarray], bool]) -> np.ndarray:
    """Return the velocity [3] for this tick: ``candidate``, or moved toward a straight brake.

    ``before``: the velocity [3] of the tick before; ``candidate``: the ramp's velocity [3]
    (within ``max_accel·dt`` of ``before``); ``inside(velocity)``: whether a tick at it and
    a straight stop after it stay within the reach (:func:`stops_inside`,
    :func:`turn_stops_inside`). Where ``candidate`` keeps it, ``candidate`` itself. Else the
    straight brake (``before`` slowed by ``max_accel·dt`` along itself) keeps it where the
    tick before did; the result is then the point nearest ``candidate`` on the segment from
    that brake that keeps it (both ends within ``max_accel·dt`` of ``before``: so is it).
    A brake that does not keep it either (the reach just taken, the velocity of before not
    stoppable in it): ``candidate``, as without this rule.
    """
    if inside(candidate):
        return candidate
    speed = norm3(before)
    brake = before * max(0.0, 1.0 - max_accel * dt / speed) if speed > 0.0 else before * 0.0
    if not inside(brake):
        return candidate
    change = candidate - brake
    low, high = 0.0, 1.0
    for _ in range(SHARE_STEPS):
        middle = 0.5 * (low + high)
        if inside(brake + middle * change):
            low = middle
        else:
            high = middle
    return brake + low * change


def kept_in_reach(before, velocity, offset, remaining, radius: float, limits: SafetyLimits,
                  dt: float, next_dt: float) -> np.ndarray:
    """Return this tick's velocity [3] [m/s]: the ramp's ``velocity``, or braked to keep inside.

    ``before`` [3]: the velocity of the tick before; ``offset`` [3]: the set-point less the
    anchor [m]; ``remaining`` [3]: the target less the set-point [m]; ``radius`` [m]: the
    reach; ``dt``, ``next_dt`` [s]: this tick and the usual one. Where a straight stop after
    the tick would leave the ball (:func:`stops_inside`) and the ramp's own path ahead meets
    its surface (:func:`ramp_stays_inside`), the velocity moves toward a straight brake from
    ``before`` just enough (:func:`kept_stoppable`, within ``max_accel_m_s2``).
    """
    accel = limits.max_accel_m_s2
    if stops_inside(offset, velocity, dt, radius, accel) or _ramp_keeps_inside(
            offset, velocity, remaining, radius, limits, dt, next_dt):
        return velocity
    return kept_stoppable(before, velocity, accel, dt,
                          lambda v: stops_inside(offset, v, dt, radius, accel))


def _ramp_keeps_inside(offset, velocity, remaining, radius: float, limits: SafetyLimits,
                       dt: float, next_dt: float) -> bool:
    """:func:`ramp_stays_inside` of the ramp at the usual tick ``next_dt``, on floats first.

    ``ramp_ahead.ramp_ahead`` follows the same path on Python floats (about 5x faster); where
    it leaves the answer to numpy (a judged length within ``ramp_ahead.CLOSE_SHARE`` of the
    radius of its bound), numpy's own path gives it: the answer is numpy's, bit for bit.
    """
    accel, speed = limits.max_accel_m_s2, limits.max_speed_m_s
    inside = ramp_ahead(offset, velocity, remaining, radius, accel, speed, dt, next_dt,
                        AHEAD_TICKS)
    if inside is None:
        inside = ramp_stays_inside(offset, velocity, remaining, radius, accel, dt,
                                   lambda v, left, face: ramp_velocity(
                                       v, left, speed, accel, next_dt, next_dt, None, face))
    return inside
