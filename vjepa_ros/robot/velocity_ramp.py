"""The set-point's velocity toward its target: the speed/acceleration ramp and the landing rule.

:func:`ramp_velocity` gives the next tick's velocity [3] toward a point (the wanted velocity from
which it can still stop there, reached within the acceleration limit, braked ahead of the box's
and the reach's faces by :mod:`vjepa_ros.robot.face_braking`); :func:`_passes` and
:func:`_lands_within` say whether a step reaches its target and whether landing on it (and
stopping there) is within the acceleration limit. Used by the set-point streamer
(:mod:`vjepa_ros.robot.targets`) for translation and rotation alike.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.face_braking import (
    FACE_ACCEL_SHARE,
    face_braked,
    face_stopping_speed,
    limited,
    nearest_room,
    norm3,
    stopping_speed,
)

# A step that would pass a target lands on it (and stops there) only when that is within the
# acceleration limit, up to this share: the landing tick's change of velocity and the stop after
# it, each at most max_accel·(1 + LANDING_SLACK) over the tick (breaker42m: a ±10 % jittered
# timer landed from 0.01 m/s in one tick, 0.82-1.2 m/s² against 0.5). Otherwise the step brakes
# at the limit and passes by what is left of it, then comes back as after any pass.
LANDING_SLACK = 0.01


def _passes(step, remaining) -> bool:
    """Whether a ``step`` [3] reaches or passes a point ``remaining`` [3] away (along it)."""
    return float(np.dot(step, remaining)) >= float(np.dot(remaining, remaining))


def _lands_within(before, landing, max_accel, dt, next_dt) -> bool:
    """Whether moving by ``landing`` [3] in a tick of ``dt`` [s] and stopping is within the limit.

    ``before``: the velocity [3] of the tick before; ``next_dt``: the shortest tick the stop
    after the landing may come in [s] (the caller's: the shortest of the last few ticks, so a
    timer alternating 10 and 12 ms does not stop a 12 ms landing in 10 ms above the limit:
    breaker42o). The landing tick's
    velocity is ``landing/dt``; its change from ``before`` and the stop from it are each at most
    ``max_accel·(1 + LANDING_SLACK)`` times their tick.
    """
    allowed = max_accel * (1 + LANDING_SLACK)
    motion = np.asarray(landing, dtype=np.float64) / dt
    return bool(norm3(motion - before) <= allowed * dt
                and norm3(motion) <= allowed * min(dt, next_dt))


def ramp_velocity(velocity, remaining, max_speed, max_accel, dt, next_dt=None,
                  room=None, reach=None) -> np.ndarray:
    """Return the velocity [3] toward a point ``remaining`` [3] away, speed/accel-limited.

    The wanted velocity points at the goal with the speed from which the set-point can still stop
    in the remaining distance when slowing by ``max_accel·dt`` per tick (:func:`stopping_speed`,
    the usual tick ``next_dt`` [s], default ``dt``; at most ``max_speed``); the velocity changes
    by at most ``max_accel·dt`` per tick. ``room``: None, or (below [3], above [3]) [m] how far
    the point may still move along each axis down and up (the workspace box's faces);
    ``reach``: None, or the reach ball's face (``face_braking.reach_face``: outward [3], room
    [m]). The velocity toward each face is braked first (``face_braking.face_braked``: three
    faces at once within ``max_accel·dt``), the rest of the change goes toward the wanted
    velocity (breaker50d: a retarget turning the motion near a face spent the change on the
    turn, the set-point met the face still moving and the box clamp stopped it in one tick).
    Faces whose nearest is farther than the larger of ``max_speed`` and the velocity (its
    components; its norm with a ``reach``) can stop in act as None (no clip can act: the usual
    tick far from the faces skips them).
    """
    next_dt = dt if next_dt is None else next_dt
    wanted = _wanted_velocity(remaining, max_speed, max_accel, dt, next_dt)
    if room is not None or reach is not None:  # the nearest face's stopping speed is the least
        moving = float(np.abs(velocity).max()) if reach is None else norm3(velocity)
        fastest = max(max_speed, moving)  # |wanted| <= max_speed
        nearest = nearest_room(room, reach)
        if face_stopping_speed(float(nearest), max_accel * FACE_ACCEL_SHARE, dt,
                               next_dt) >= fastest:
            room = reach = None
    if room is None and reach is None:
        return velocity + limited(wanted - velocity, max_accel * dt)
    return face_braked(velocity, wanted, room, max_accel, dt, next_dt, reach)


def _wanted_velocity(remaining, max_speed, max_accel, dt, next_dt) -> np.ndarray:
    """Return the velocity [3] toward a point ``remaining`` [3] away that can still stop there."""
    distance = norm3(remaining)
    wanted_speed = min(max_speed, stopping_speed(distance, max_accel, dt, next_dt))
    return remaining * (wanted_speed / distance) if distance > 0 else np.zeros(3)
