"""The ramp's own path ahead of a tick, followed on floats: the reach stop's look-ahead, faster.

:func:`vjepa_ros.robot.reach_stop.ramp_stays_inside` follows the ramp's ticks (``ramp_velocity``
with the reach ball's face) up to ``AHEAD_TICKS`` ahead on numpy vectors [3]: about 20 µs a
tick ahead, so a set-point creeping toward a target on the ball's surface (slow limits, 1 kHz:
some 350 ticks ahead, every tick) spent 7-8 ms of CPU a stream tick (perf58). :func:`ramp_ahead`
follows the same path with the same operations on Python floats (the math module's IEEE
operations and the float paths of ``face_braking.stopping_speed`` / ``face_stopping_speed``:
about 4 µs a tick ahead). Its one difference is the dot products: numpy's come from the BLAS
(OpenBLAS's fused multiply-adds on x86-64), these are plain sums, so the two paths part in the
last bits (their judged lengths 2.1e-16 m apart at most in a 5 cm reach: 84,454 ticks ahead of
1,843 look-aheads, perf58). Where a judged length (the distance from the anchor against the
radius, the end of the straight stop against it, the distance against 0) comes within
:data:`CLOSE_SHARE` of the radius of its bound, the result is None: the caller then follows the
numpy path itself, so the answer is numpy's, bit for bit.
"""

from __future__ import annotations

import math

from vjepa_ros.robot.face_braking import FACE_ACCEL_SHARE, face_stopping_speed, stopping_speed

# A judged length within this share of the radius of its bound is left to numpy's own path:
# 1e-14 m in a 5 cm reach, 50 times the float path's largest parting from numpy's seen there;
# below the streamer's own clamp (1e-12 of the radius inside), so a set-point held on the
# surface keeps the float path
CLOSE_SHARE = 2e-13


def _limited(x: float, y: float, z: float, limit: float) -> tuple[float, float, float]:
    """Return (x, y, z) scaled down to a norm of at most ``limit`` (``face_braking.limited``)."""
    norm = math.sqrt(x * x + y * y + z * z)
    if norm > limit:
        scale = limit / norm
        return x * scale, y * scale, z * scale
    return x, y, z


def ramp_ahead(offset, velocity, remaining, radius: float, max_accel: float,
               max_speed: float, dt: float, next_dt: float, ticks: int) -> bool | None:
    """Return ``reach_stop.ramp_stays_inside``'s answer, or None where numpy's must decide.

    ``offset`` [3]: the set-point less the anchor [m] before this tick; ``velocity`` [3]: this
    tick's [m/s]; ``remaining`` [3]: the target less the set-point [m]; ``radius`` [m] the
    reach; ``max_accel`` [m/s²] (> 0), ``max_speed`` [m/s]; ``dt`` [s] the tick each step ahead
    moves by, ``next_dt`` [s] the usual tick the ramp plans with (``ramp_velocity(v, left,
    max_speed, max_accel, next_dt, next_dt, None, reach_face(...))``); ``ticks``: how many ahead
    (``reach_stop.AHEAD_TICKS``). True when each tick's set-point stays within ``radius`` until
    a straight stop from it stays inside too; False when one leaves first or none within
    ``ticks``; None when a judged length came within :data:`CLOSE_SHARE` of the radius of
    its bound.
    """
    vx, vy, vz = (float(value) for value in velocity)
    ox, oy, oz = (float(value) for value in offset)
    lx, ly, lz = (float(value) for value in remaining)
    ox, oy, oz, lx, ly, lz = (ox + vx * dt, oy + vy * dt, oz + vz * dt,
                              lx - vx * dt, ly - vy * dt, lz - vz * dt)
    limit = max_accel * next_dt
    face_accel = max_accel * FACE_ACCEL_SHARE
    twice = 2.0 * max_accel
    sqrt = math.sqrt
    close, close_m = False, CLOSE_SHARE * radius
    for _ in range(ticks):
        distance = sqrt(ox * ox + oy * oy + oz * oz)
        close = close or abs(distance - radius) <= close_m or distance <= close_m
        if distance > radius:
            return None if close else False
        # reach_stop.stops_inside(offset, velocity, 0.0, radius, max_accel)
        speed = sqrt(vx * vx + vy * vy + vz * vz)
        reach = 0.0 + speed * speed / twice / speed if speed > 0.0 else 0.0
        ex, ey, ez = ox + vx * reach, oy + vy * reach, oz + vz * reach
        end = sqrt(ex * ex + ey * ey + ez * ez)
        close = close or abs(end - radius) <= close_m
        if end <= radius:
            return None if close else True
        vx, vy, vz = _ramp(vx, vy, vz, lx, ly, lz, (ox, oy, oz, distance, speed), radius,
                           max_accel, max_speed, next_dt, limit, face_accel)
        ox, oy, oz, lx, ly, lz = (ox + vx * dt, oy + vy * dt, oz + vz * dt,
                                  lx - vx * dt, ly - vy * dt, lz - vz * dt)
    return None if close else False


def _ramp(vx, vy, vz, lx, ly, lz, where, radius, max_accel, max_speed, dt, limit, face_accel):
    """Return the ramp's next velocity (x, y, z): ``velocity_ramp.ramp_velocity`` on floats.

    ``where``: (offset x, y, z [m], its length, the speed [m/s]) of this step; the reach face
    as ``face_braking.reach_face``, no box (``room`` None), ``next_dt`` = ``dt``.
    """
    ox, oy, oz, distance, speed = where
    far = math.sqrt(lx * lx + ly * ly + lz * lz)  # velocity_ramp._wanted_velocity
    if far > 0:
        scale = min(max_speed, stopping_speed(far, max_accel, dt, dt)) / far
        wx, wy, wz = lx * scale, ly * scale, lz * scale
    else:
        wx = wy = wz = 0.0
    if distance > 0.0:  # face_braking.reach_face
        ux, uy, uz, room = ox / distance, oy / distance, oz / distance, max(radius - distance,
                                                                            0.0)
    elif speed > 0.0:
        ux, uy, uz, room = vx / speed, vy / speed, vz / speed, radius
    else:
        room = None
    top = None if room is None else face_stopping_speed(room, face_accel, dt, dt)
    if top is None or top >= max(max_speed, speed):  # no clip can act: the plain ramp
        cx, cy, cz = _limited(wx - vx, wy - vy, wz - vz, limit)
        return vx + cx, vy + cy, vz + cz
    # face_braking.face_braked with the reach's face alone
    cut = max(wx * ux + wy * uy + wz * uz - top, 0.0)
    wx, wy, wz = wx - cut * ux, wy - cut * uy, wz - cut * uz
    cut = max(vx * ux + vy * uy + vz * uz - top, 0.0)
    fx, fy, fz = (vx - cut * ux) - vx, (vy - cut * uy) - vy, (vz - cut * uz) - vz
    if not (fx or fy or fz):
        cx, cy, cz = _limited(wx - vx, wy - vy, wz - vz, limit)
        return vx + cx, vy + cy, vz + cz
    fx, fy, fz = _limited(fx, fy, fz, limit)
    rx, ry, rz = wx - vx - fx, wy - vy - fy, wz - vz - fz
    square = rx * rx + ry * ry + rz * rz
    if square == 0.0:
        return vx + fx, vy + fy, vz + fz
    along = fx * rx + fy * ry + fz * rz
    spare = max(limit ** 2 - (fx * fx + fy * fy + fz * fz), 0.0)
    share = min(1.0, (math.sqrt(along ** 2 + square * spare) - along) / square)
    return vx + fx + share * rx, vy + fy + share * ry, vz + fz + share * rz
