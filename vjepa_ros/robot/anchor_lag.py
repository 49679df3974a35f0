"""A new anchor measured from an arm that trails its set-point: when to take it, and how.

``SetpointStreamer.set_target(target, anchor=measured)`` bounds every later set-point within the
reach of the measured pose (``max_step_m``, ``max_rotation_step_rad``). An arm that only lags
its set-point (tracking lag plus the state's latency: 200 ms at 1 m/s is 20 cm) leaves the
set-point outside that reach, or inside it but moving outward faster than the room left lets it
brake; taking the reach at once would stop the set-point in one tick or restart it at the arm
(breaker52j: 5.4 m/s against 0.5, 117 rad/s² against 25). Such an anchor (:func:`trails`: the
measured pose lies on the set-point's recent path) waits until the set-point can keep within it
within the limits (:func:`settles`); until then the reach taken before still bounds it.
The recent path is a time (:class:`Trail`, :func:`trail_seconds`), not a count of ticks: 128
ticks were 1.28 s at 100 Hz but 0.128 s at 1 kHz, where an arm 200 ms behind was "not on the
path" and its anchor taken at once (breaker58f: 127 m/s² against 2, or a 5 cm jump in 1 ms).
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.face_braking import FACE_ACCEL_SHARE, face_stopping_speed, norm3
from vjepa_ros.robot.safety import SafetyLimits

# [s] How far an arm may track behind its set-point (a compliant controller's tracking lag, on
# top of the state's own age, at most safety.max_state_age_s): the recent path covers both
TRACKING_LAG_S = 1.0
# A measured orientation this close [rad] to one on the recent path (plus a tick's turn at the
# top angular speed) is the arm trailing its set-point, not a turned one
TRAIL_TOLERANCE_RAD = 0.05


def trail_seconds(limits: SafetyLimits) -> float:
    """Return how long [s] the set-point's recent path is kept: the state's age plus the lag.

    ``limits.max_state_age_s`` (the oldest state admitted; 0.25 s by default) plus
    :data:`TRACKING_LAG_S`: 1.25 s by default, at every stream rate.
    """
    return limits.max_state_age_s + TRACKING_LAG_S


class Trail:
    """The set-points [7] of the last few seconds of stream time, each with its time.

    Time is the sum of the ticks' lengths given to :meth:`append` (the stream's own clock, so
    a stream at 100 Hz or 1 kHz keeps the same span: about 125 or 1250 set-points for 1.25 s).
    Kept in one growing float64 array [capacity, 7], so :meth:`points` is a slice, not a
    thousand rows copied one by one; their times [s] in a deque beside it.
    """

    def __init__(self):
        self._rows = np.empty((256, 7))
        self._first = self._end = 0  # the rows kept: _rows[_first:_end]
        self._times: deque[float] = deque()  # [s] each kept row's time, on _clock
        self._clock = 0.0  # [s] the sum of the ticks appended since the last clear

    def clear(self) -> None:
        self._first = self._end = 0
        self._times.clear()
        self._clock = 0.0

    def append(self, point, dt: float, seconds: float) -> None:
        """Add the set-point ``point`` [7] reached after a tick of ``dt`` [s] (0: the first).

        Set-points older than ``seconds`` [s] (:func:`trail_seconds`) are dropped, the newest
        always kept.
        """
        if self._end == len(self._rows):  # full: move the rows kept to the front, grow if half
            kept = self._rows[self._first:self._end]
            if 2 * len(kept) > len(self._rows):
                self._rows = np.empty((2 * len(self._rows), 7))
            self._rows[:len(kept)] = kept.copy()
            self._first, self._end = 0, len(kept)
        self._clock += dt
        self._rows[self._end] = point
        self._end += 1
        self._times.append(self._clock)
        while self._clock - self._times[0] > seconds:
            self._times.popleft()
            self._first += 1

    def points(self) -> np.ndarray:
        """Return the set-points [N, 7] kept, oldest first (N >= 1 once appended to)."""
        return self._rows[self._first:self._end].copy()

    def __len__(self) -> int:
        return self._end - self._first


def trails(anchor, path, limits: SafetyLimits, dt: float) -> bool:
    """Whether the measured pose ``anchor`` [7] lies on the set-point's recent ``path``.

    ``path``: the set-points [N, 7] of the last ticks (N >= 1: a :class:`Trail`'s points,
    the last :func:`trail_seconds`); ``dt``: the longest of the
    last ticks [s] (0: none yet). On it means within ``workspace_tolerance_m`` plus a tick's
    step at ``max_speed_m_s`` of one of them, its orientation within
    :data:`TRAIL_TOLERANCE_RAD` plus a tick's turn at ``max_angular_speed_rad_s`` of that
    one's: the arm where the set-point was recently (lagging it). Anything else (pushed, moved
    by hand, another plan's pose) is not.
    """
    points = np.asarray(path, dtype=np.float64).reshape(-1, 7)
    anchor = np.asarray(anchor, dtype=np.float64).reshape(7)
    apart = np.linalg.norm(points[:, :3] - anchor[:3], axis=1)
    near = apart <= limits.workspace_tolerance_m + limits.max_speed_m_s * dt
    if not near.any():
        return False
    turns = (Rotation.from_euler("xyz", points[near, 3:6])
             * Rotation.from_euler("xyz", anchor[3:6]).inv()).magnitude()
    return bool((turns <= TRAIL_TOLERANCE_RAD + limits.max_angular_speed_rad_s * dt).any())


def settles(setpoint, velocity, angular_velocity, anchor, reach_m: float,
            limits: SafetyLimits, dt: float, next_dt: float) -> bool:
    """Whether a set-point can keep within ``anchor``'s reach from now on, within the limits.

    ``setpoint``, ``anchor`` [7]; ``velocity`` [3] [m/s], ``angular_velocity`` [3] [rad/s]
    (base frame); ``reach_m`` [m] the translation reach (``max_rotation_step_rad`` the
    rotation's); ``dt``, ``next_dt`` [s] this tick and the shortest usual one. True when the
    set-point lies within both reaches and its speed outward along each (the reach ball's
    radius through it) is at most what the reach face's braking allows with the room left
    (``face_braking.face_stopping_speed`` at ``FACE_ACCEL_SHARE`` of the acceleration limit),
    and a tick on plus a straight stop at that share ends inside too (a motion across the
    ball): the streamer's face braking then keeps it inside without a clamp.
    """
    turn = (Rotation.from_euler("xyz", setpoint[3:6])
            * Rotation.from_euler("xyz", anchor[3:6]).inv()).as_rotvec()
    for offset, motion, radius, accel in (
            (np.asarray(setpoint[:3]) - anchor[:3], velocity, reach_m, limits.max_accel_m_s2),
            (turn, angular_velocity, limits.max_rotation_step_rad,
             limits.max_angular_accel_rad_s2)):
        distance = norm3(offset)
        if distance > radius + 1e-9:
            return False
        # at the centre every direction has the same room: the speed is outward
        outward = float(np.dot(motion, offset)) / distance if distance else norm3(motion)
        face_accel = accel * FACE_ACCEL_SHARE
        if outward > face_stopping_speed(max(radius - distance, 0.0), face_accel, dt, next_dt):
            return False
        # a motion across the ball nears its surface too (the tangent plane's braking does not
        # see it coming): a tick on and a stop straight ahead must end inside
        speed = norm3(motion)
        if norm3(offset + motion * (dt + speed / (2.0 * face_accel))) > radius:
            return False
    return True
