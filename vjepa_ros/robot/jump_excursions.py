"""A hold's open jumps (:class:`_Excursion`) and when a state lands back from one.

Part of :mod:`vjepa_ros.robot.jump_watch` (``JumpWatch._undone``).
"""

from __future__ import annotations

import typing

import numpy as np

from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)
from vjepa_ros.robot.tcp_quaternions import _angle, _exp, _product

# A glitch's way back finds the arm where its own motion before the jump carries it: its velocity
# over the last VELOCITY_BASELINE_S, extrapolated, give or take this share of that motion and
# what accelerating at LAND_ACCEL_M_S2 (LAND_ANGULAR_ACCEL_RAD_S2) adds since (breaker41a: an arm
# starting from rest under a burst, or a speed read from one jittered or repeated step).
LAND_SPEED_SPREAD = 0.25
LAND_ACCEL_M_S2 = 1.0  # [m/s²] an arm under teleop or a controller; a planner's ≤ 0.1 m/s far less
LAND_ANGULAR_ACCEL_RAD_S2 = 2.0  # [rad/s²]


def way_back_reach(speed: float, elapsed: float, turning: bool = False) -> float:
    """Return how far [m] (``turning``: [rad]) a way back may lie off the arm's extrapolation.

    ``speed`` [m/s or rad/s]: the arm's speed before the jump; ``elapsed`` [s] since. A
    :data:`LAND_SPEED_SPREAD` share of that motion plus what accelerating at
    :data:`LAND_ACCEL_M_S2` (:data:`LAND_ANGULAR_ACCEL_RAD_S2`) adds, at most what an arm's top
    speed covers. One rule for a glitch's way back (:meth:`_Excursion.lands_back`) and a lone
    state's (``jump_course._Course.takes_back``). Slack not included.
    """
    top, accel = (MAX_TCP_ANGULAR_SPEED_RAD_S, LAND_ANGULAR_ACCEL_RAD_S2) if turning else \
        (MAX_TCP_SPEED_M_S, LAND_ACCEL_M_S2)
    return min(top * elapsed, LAND_SPEED_SPREAD * speed * elapsed + 0.5 * accel * elapsed ** 2)


class _Excursion(typing.NamedTuple):
    """One jump of a hold, open until a state lands back where it left (``JumpWatch``)."""

    xyz: np.ndarray  # [3] m: where the jump left
    turn: np.ndarray  # [4] quaternion: the orientation it left
    time: float  # [s] of the state it left (JumpWatch's time: arrivals within a coarse stamp)
    leap_m: float  # [m] how far the jump moved
    leap_rad: float  # [rad] how far it turned
    net_before: tuple | None  # the hold's added-up jumps before it
    velocity: np.ndarray  # [3] m/s: the arm's own velocity before the jump
    spin: np.ndarray  # [3] rad/s: ... and its angular velocity (base frame)

    def lands_back(self, xyz: np.ndarray, turn: np.ndarray, time: float) -> bool:
        """Whether a state at ``time`` [s] is back where this jump left (``JumpWatch._undone``).

        Back: within reach of where the arm's own velocity before the jump carries it over the
        time since (give or take :data:`LAND_SPEED_SPREAD` of that motion, what accelerating at
        :data:`LAND_ACCEL_M_S2` adds, and twice the slack; the orientation likewise, where its
        angular velocity turns it: breaker41d), and in each part the jump changed closer than
        half that change. Extrapolating tells a glitch whose arm moved on (a 0.3 s burst while
        it went 6 cm) from a second reset that puts it 15 cm from where it was (breaker40g, 41a).
        """
        elapsed = max(0.0, time - self.time)
        off = float(np.linalg.norm(xyz - (self.xyz + self.velocity * elapsed)))
        if off > way_back_reach(self.speed, elapsed) + 2 * TCP_JUMP_SLACK_M or \
                self.leap_m > TCP_JUMP_SLACK_M and not off < self.leap_m / 2:
            return False  # (the position first: the orientation's extrapolation costs more)
        turned = _angle(turn, _product(_exp(self.spin * elapsed), self.turn))
        if turned > way_back_reach(self.spin_rad_s, elapsed, turning=True) + \
                2 * ORIENTATION_JUMP_SLACK_RAD:
            return False
        return not (self.leap_rad > ORIENTATION_JUMP_SLACK_RAD and not turned < self.leap_rad / 2)

    @property
    def speed(self) -> float:
        """The arm's speed [m/s] before the jump."""
        return float(np.linalg.norm(self.velocity))

    @property
    def spin_rad_s(self) -> float:
        """The arm's turning speed [rad/s] before the jump."""
        return float(np.linalg.norm(self.spin))
