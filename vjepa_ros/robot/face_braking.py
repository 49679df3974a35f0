"""Braking the set-point's velocity ahead of what stops it: the box's faces and the reach's ball.

The set-point streamer (:mod:`vjepa_ros.robot.targets`) clamps every set-point into the
workspace box and into the ball of ``max_step_m`` around the measured pose its target was made
safe against. A clamp that acts stops the motion in one tick, whatever the acceleration limit;
so the velocity toward each face of the box, and outward along the ball's radius (the ball's
tangent plane at the nearest point of its surface, a face like the box's), is braked ahead of
it by one rule (:func:`face_stopping_speed`): every tick ends with room to stop before the face
at ``max_accel·FACE_ACCEL_SHARE``, however short the ticks after it (a timer catching up: a
19 ms tick, then 1 ms).
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.robot.safety import BRAKING_MARGIN

# Each face's braking is planned at this share of max_accel, so the faces braked at once (an
# edge, a corner: up to three axes) share max_accel·dt (breaker50h: two faces planned at 0.4
# m/s² each met the edge moving, 1.8 m/s²)
FACE_ACCEL_SHARE = 1 / math.sqrt(3.0)  # a float: np.sqrt's bits, float arithmetic


def _floor(value: float) -> float:
    """Return ``value`` rounded down, a float (inf and nan as they are, as ``np.floor``)."""
    return float(math.floor(value)) if math.isfinite(value) else value


# (maximum, minimum, floor, sqrt): a float's in the math module (a stream tick's single faces:
# about 2 µs a call against numpy's 13), an array's in numpy; the same IEEE operations, so
# both give the same bits (test_stream_tick_same)
_FLOAT_OPS = (max, min, _floor, math.sqrt)
_ARRAY_OPS = (np.maximum, np.minimum, np.floor, np.sqrt)


def _ops(value):
    """Return ``value`` as a float or a float64 array, and the operations for it."""
    if isinstance(value, float):  # np.float64 too
        return float(value), _FLOAT_OPS
    return np.asarray(value, dtype=np.float64), _ARRAY_OPS


def stopping_speed(distance, max_accel, dt, next_dt):
    """Return the speed [m/s] to move at for a tick of ``dt`` [s] with ``distance`` [m] left.

    The largest speed from which, after moving at it for ``dt``, the set-point still stops
    within ``distance`` slowing by ``max_accel·(1 - BRAKING_MARGIN)·next_dt`` per tick of
    ``next_dt`` [s] (the usual tick, at most ``dt``) and ending with a step onto the goal (≈
    √(2·a·d)). A late tick (``dt`` > ``next_dt``) moves slower than the usual profile so that
    the usual ticks after it still stop in time (breaker50d: braking onto the box's floor, a
    50 ms tick passed the target by what the box clamp then stopped in one tick). Works on
    floats (a float back, math module) and on arrays of distances alike (numpy's element-wise
    rules; a 0-d array gives a numpy float), with the same bits.
    """
    speed_step = max_accel * (1 - BRAKING_MARGIN) * next_dt
    per_tick = speed_step * next_dt  # 0 (a tick under ~1e-150 s): numpy's inf, no exception
    distance, (maximum, minimum, floor, sqrt) = _ops(distance if per_tick else
                                                     np.asarray(distance))
    ticks = maximum(distance, 0.0) / per_tick
    late = dt / next_dt  # this tick in usual ticks (1: the usual tick)
    # Moving at (1 + m + f)·speed_step for this tick, then stopping from (m + f)·speed_step,
    # slowing by speed_step per usual tick, covers speed_step·next_dt·((1 + m + f)·late +
    # m(m+1)/2 + (m+1)·f) and ends with a step of f·speed_step onto the goal: solve for the
    # whole m (-1: this tick's step alone, then at rest) and the fraction f.
    whole = maximum(floor(sqrt((late - 0.5) ** 2 + 2.0 * ticks) - late - 0.5), -1.0)
    fraction = minimum(
        (ticks - (whole + 1) * late - whole * (whole + 1) / 2) / (late + whole + 1), 1.0)
    return speed_step * (1 + whole + fraction)


def face_stopping_speed(room, face_accel, dt, next_dt):
    """Return the speed [m/s] toward a face ``room`` [m] away to move at for a tick of ``dt`` [s].

    :func:`stopping_speed` at ``face_accel`` [m/s²], and at most the speed from which any later
    ticks, however short, still stop before the face braking at ``face_accel``: the tick ends
    with ``room ≥ v²/(2·face_accel)`` left. A timer catching up (a 19 ms tick, then 1 ms) would
    otherwise have the discrete profile's last step meet the face moving and the clamp stop it
    in the short tick (breaker50h 3: 0.8-1.5 m/s² against 0.5; the reach's ball: 2.8, fix51i);
    so the set-point nears the face ever slower (the remaining room squares each tick: about 4
    ticks more at 10 ms) and lands on it within float rounding. Works on floats (a float
    back) and arrays, as :func:`stopping_speed`.
    """
    room, (maximum, minimum, _, sqrt) = _ops(room)
    room = maximum(room, 0.0)
    creep = face_accel * (sqrt(dt * dt + 2.0 * room / face_accel) - dt)
    return minimum(stopping_speed(room, face_accel, dt, next_dt), creep)


def norm3(vector) -> float:
    """Return the length of a float64 vector [3]: ``np.linalg.norm``'s bits, without its checks."""
    vector = np.asarray(vector, dtype=np.float64)
    return math.sqrt(float(vector.dot(vector)))


def reach_face(offset, radius: float, velocity):
    """Return the reach ball's nearest face: (outward [3], room [m]), or None.

    ``offset`` [3]: the set-point less the ball's centre (the anchor) [m]; ``radius`` [m];
    ``velocity`` [3] [m/s]. The face is the ball's tangent plane at the surface point nearest
    the set-point: ``outward`` the unit radius through the set-point, ``room`` the distance to
    the surface along it (0 on or outside it). At the centre the radius is taken along the
    motion (every direction has the same room); at the centre and at rest: None.
    """
    distance = norm3(offset)
    if distance > 0.0:
        return offset / distance, max(radius - distance, 0.0)
    speed = norm3(velocity)
    return (velocity / speed, radius) if speed > 0.0 else None


def limited(change, limit: float) -> np.ndarray:
    """Return ``change`` [3] scaled down to a norm of at most ``limit`` (itself when within)."""
    norm = norm3(change)
    return change * (limit / norm) if norm > limit else change


def nearest_room(room, reach) -> float:
    """Return the least room [m] of the box faces' ``room`` and the ``reach`` face (either None).

    ``room``: None or (below [3], above [3]) [m]; ``reach``: None or :func:`reach_face`'s pair.
    No face at all: inf.
    """
    nearest = np.inf if reach is None else reach[1]
    if room is not None:
        nearest = min(nearest, float(np.min(room[0])), float(np.min(room[1])))
    return nearest


def _face_speeds(rooms, face_accel, dt, next_dt) -> np.ndarray:
    """Return :func:`face_stopping_speed` of each of ``rooms`` [3] [m], face by face on floats.

    The math module on each float takes a third of numpy's time on the three-element array,
    with the same bits.
    """
    return np.array([face_stopping_speed(room, face_accel, dt, next_dt)
                     for room in np.asarray(rooms, dtype=np.float64).ravel().tolist()])


def face_braked(velocity, wanted, room, max_accel, dt, next_dt, reach=None) -> np.ndarray:
    """Return the next velocity [3] [m/s] toward ``wanted`` [3] with the faces braked first.

    ``room``: None or (below [3], above [3]) [m], how far the set-point may still move along
    each axis down and up (the box's faces); ``reach``: None or :func:`reach_face`'s (outward,
    room). The velocity toward each face is braked to :func:`face_stopping_speed` of its room at
    ``max_accel·FACE_ACCEL_SHARE`` first, the rest of the change (at most ``max_accel·dt`` in
    all) goes toward ``wanted`` clipped the same way.
    """
    limit = max_accel * dt
    face_accel = max_accel * FACE_ACCEL_SHARE
    braked = velocity
    if room is not None:
        lowest = -_face_speeds(room[0], face_accel, dt, next_dt)
        highest = _face_speeds(room[1], face_accel, dt, next_dt)
        wanted = np.clip(wanted, lowest, highest)  # a target in the box: seldom acts
        braked = np.clip(velocity, lowest, highest)
    if reach is not None:  # the ball's tangent plane: the same rule along its outward radius
        outward, reach_room = reach
        top = face_stopping_speed(float(reach_room), face_accel, dt, next_dt)
        wanted = wanted - max(float(np.dot(wanted, outward)) - top, 0.0) * outward
        braked = braked - max(float(np.dot(braked, outward)) - top, 0.0) * outward
    forced = braked - velocity  # the faces' braking
    if not forced.any():  # no face near: the plain ramp
        return velocity + limited(wanted - velocity, limit)
    forced = limited(forced, limit)
    rest = wanted - velocity - forced
    # the largest share t of the rest with |forced + t·rest| <= limit
    square = float(np.dot(rest, rest))
    if square == 0.0:
        return velocity + forced
    along = float(np.dot(forced, rest))
    spare = max(limit ** 2 - float(np.dot(forced, forced)), 0.0)
    share = min(1.0, (math.sqrt(along ** 2 + square * spare) - along) / square)
    return velocity + forced + share * rest
