"""The arm's course before an unconfirmed state: where a lone state's way back must land.

Part of :mod:`vjepa_ros.robot.jump_watch` (``JumpWatch._lone``). A state that is no jump but
leaves the course the arm was on (:class:`_Course`: the pose before it carried on at the
arm's own velocity for any part of the time since, the arm stopping anywhere on the way: a
simulator paused, an arm braking, a clock stepped forward) is *lone* until the next state
(copies of its pose carry that on, up to :data:`LONE_RUN` states or :data:`HELD_S`). If that
next state is a jump back onto the same course, the lone state was the glitch (one bad
state after a gap in the states passes the jump check, the gap making it look slow:
breaker46s) and the way back adds nothing to the hold's jumps. A teleport (a simulator's
``~/reset``) lands off the course and still adds up.

The course is a segment, not a reach that grows with the time squared (fix46w's, breaker46x:
a reset anywhere within 7.6 cm after a 0.3 s gap was taken for a way back), and it only
counts while the state comes within :data:`LONE_SPAN_S` of the pose before it. ROS-free;
numpy only.
"""

from __future__ import annotations

import typing

import numpy as np

from vjepa_ros.robot.accel_rule import STAMP_JITTER_S
from vjepa_ros.robot.jump_excursions import way_back_reach
from vjepa_ros.robot.state_ranges import ORIENTATION_JUMP_SLACK_RAD, TCP_JUMP_SLACK_M
from vjepa_ros.robot.tcp_quaternions import _angle, _inverse, _product

LONE_SPAN_S = 1.0  # [s] a state later than this after the pose before it is never lone
LONE_RUN = 3  # a glitch held this many states (its pose repeated) ...
HELD_S = 0.03  # [s] ... or this long: 3 states at 100 Hz, 30 at 1 kHz (a bad reading repeated)


class _Course(typing.NamedTuple):
    """Where the arm's own motion from one state carries it.

    ``JumpWatch._lone`` (a lone state's way back lands on it), ``_back`` (a glitch's way back,
    the course a lone state right after it leaves) and ``_undid`` (a put-back's way back).
    """

    xyz: np.ndarray  # [3] m: the state's position
    turn: np.ndarray  # [4] quaternion (w, x, y, z): its orientation
    time: float  # [s] its time (JumpWatch's time)
    velocity: np.ndarray  # [3] m/s: the arm's own velocity up to it
    spin: np.ndarray  # [3] rad/s: ... and its angular velocity (rotation vector, base frame)
    lone_m: float = 0.0  # [m] how far the lone state that left it was from it (0: none)
    lone_rad: float = 0.0  # [rad] ... and its angle from it
    lone_s: float = 0.0  # [s] the lone state's time after :attr:`time`
    states: int = 1  # the lone state and the copies of its pose after it, off this course

    def off(self, xyz: np.ndarray, turn: np.ndarray, time: float,
            jitter_s: float = STAMP_JITTER_S) -> tuple[float, float] | None:
        """Return how far a state (xyz [3] m, quaternion [4], at ``time`` [s]) is off this course.

        (distance [m], angle [rad]) when off it, None when on it: within ``TCP_JUMP_SLACK_M``
        plus the speed times ``jitter_s`` [s] (default ``accel_rule.STAMP_JITTER_S``; 0 for a
        put-back's course, where both states are the stream's own) of the segment from :attr:`xyz`
        along :attr:`velocity` for 0 to ``time - self.time`` seconds, and within
        ``ORIENTATION_JUMP_SLACK_RAD`` plus the turning speed times the jitter of the arc the
        angular velocity turns the orientation through over that time (:meth:`_off_arc`:
        exact, also past π).
        """
        distance, angle, _ = self._distances(xyz, turn, time)
        speed, spin = float(np.linalg.norm(self.velocity)), float(np.linalg.norm(self.spin))
        if distance > TCP_JUMP_SLACK_M + speed * jitter_s or \
                angle > ORIENTATION_JUMP_SLACK_RAD + spin * jitter_s:
            return distance, angle
        return None

    def takes_back(self, xyz: np.ndarray, turn: np.ndarray, time: float,
                   change: tuple[float, float] | None = None,
                   jitter_s: float = STAMP_JITTER_S) -> bool:
        """Whether a state (as for :meth:`off`) is the lone state's way back onto this course.

        Back: within what :meth:`off` allows plus what the arm's motion may have changed over
        the time since (``jump_excursions.way_back_reach``, as a glitch's way back gets: an arm
        speeding up 0.3-0.5 m/s² through a 0.3 s gap ended 1.4-2.3 cm past the segment:
        breaker47g), and closer than half as far as the lone state (:attr:`lone_m`,
        :attr:`lone_rad`) in each dimension where it was off. ``change`` (the step from the
        lone state to this one: [m], [rad]) spares a dimension the step left as the lone state
        had it, within the slack, where the lone state was off no farther than the arm's own
        motion reaches by its time (:attr:`lone_s`): a hand turning on its own through a 0.7 s
        gap while a glitch moved the position alone (session 48); a step that turned the hand
        elsewhere is no way back in the angle (breaker48c C). One dimension at least comes back.
        """
        distance, angle, span = self._distances(xyz, turn, time)
        came_back = False
        for off, lone, rate, slack, turning, step in (
                (distance, self.lone_m, self.velocity, TCP_JUMP_SLACK_M, False,
                 None if change is None else change[0]),
                (angle, self.lone_rad, self.spin, ORIENTATION_JUMP_SLACK_RAD, True,
                 None if change is None else change[1])):
            speed = float(np.linalg.norm(rate))
            tight = slack + speed * jitter_s
            if off > tight + way_back_reach(speed, span, turning):
                return False
            if lone <= tight:
                continue
            if off < lone / 2:
                came_back = True
            elif step is None or step > tight or \
                    lone > tight + way_back_reach(speed, self.lone_s, turning):
                return False
        return came_back

    def leaving(self, xyz: np.ndarray, turn: np.ndarray, time: float,
                jitter_s: float = STAMP_JITTER_S) -> _Course | None:
        """Return this course with a state (as for :meth:`off`) as its lone one; None if on it.

        The lone one's distance, angle (:attr:`lone_m`, :attr:`lone_rad`) and time after the
        course's (:attr:`lone_s`) set; :attr:`states` kept.
        """
        off = self.off(xyz, turn, time, jitter_s)
        return None if off is None else \
            self._replace(lone_m=off[0], lone_rad=off[1], lone_s=time - self.time)

    def _distances(self, xyz: np.ndarray, turn: np.ndarray,
                   time: float) -> tuple[float, float, float]:
        """Return the state's distance [m] to the segment, its angle [rad] to the arc, the span."""
        span = max(0.0, time - self.time)
        position = self._off_segment(xyz - self.xyz, self.velocity, span)
        angle = self._off_arc(turn, float(np.linalg.norm(self.spin)), span)
        return float(np.linalg.norm(position)), angle, span

    def _off_arc(self, turn: np.ndarray, spin: float, span: float) -> float:
        """Return the angle [rad] from ``turn`` [4] to the nearest orientation of the arc.

        The arc: exp(ω s) applied to :attr:`turn`, ω = :attr:`spin` (base frame, ``spin`` [rad/s]
        its norm), s in [0, ``span``]. With r = (w, v) the rotation from :attr:`turn` to
        ``turn`` and u = v · ω/|ω|, the cosine of half the angle to exp(ω s) is
        |w cos(θ/2) + u sin(θ/2)|, θ = |ω| s: largest, sqrt(w² + u²), at θ = 2 atan2(u, w)
        modulo 2π (the double cover), else at an end of the arc. A rotation vector wraps at π
        (a hand turning past π over a gap read 2.9 rad off its own course: breaker47c).
        """
        rotation = _product(turn, _inverse(self.turn))
        sweep = spin * span  # θ at the arc's end [rad]
        if sweep <= 1e-12:
            return _angle(turn, self.turn)
        w, u = float(rotation[0]), float(np.dot(rotation[1:], self.spin)) / spin
        best = max(abs(w), abs(w * np.cos(sweep / 2.0) + u * np.sin(sweep / 2.0)))
        if (2.0 * np.arctan2(u, w)) % (2.0 * np.pi) <= sweep:
            best = float(np.hypot(w, u))
        return float(2.0 * np.arccos(min(1.0, best)))

    @staticmethod
    def _off_segment(change: np.ndarray, rate: np.ndarray, span: float) -> np.ndarray:
        """Return ``change`` [3] less its nearest point on the segment ``rate`` × [0, span]."""
        norm2 = float(np.dot(rate, rate))
        if norm2 <= 1e-18 or span <= 0.0:
            return change
        fraction = min(max(float(np.dot(change, rate)) / norm2, 0.0), span)
        return change - rate * fraction
