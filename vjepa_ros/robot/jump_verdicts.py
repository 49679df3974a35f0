"""What the jump rule (:class:`~vjepa_ros.robot.jump_watch.JumpWatch`) answers, and its words.

:class:`Verdict`: one state judged (its problem, and whether it was taken out of order);
:class:`Landing`: where a hold's jumps put the arm; :func:`jump_words`: a jump's one-line
problem, which the watch and its clocks (``jump_clocks``) share. ROS-free; no imports beyond
the limits in ``state_ranges``.
"""

from __future__ import annotations

import typing

from vjepa_ros.robot.state_ranges import MAX_TCP_ANGULAR_SPEED_RAD_S, MAX_TCP_SPEED_M_S


class Landing(typing.NamedTuple):
    """Where a hold's jumps put the arm (``JumpWatch.landed``): their sum, not undone."""

    moved_m: float  # [m] the jumps' position changes added up
    turned_rad: float  # [rad] the angle of the jumps' rotations composed


class Verdict(typing.NamedTuple):
    """:meth:`JumpWatch.judge`'s answer about one state."""

    problem: str  # why the state is a jump ("" when it is not)
    # not taken in order: judged at its stamp against the arm's states there, or on a clock
    # stepped back whose step is not confirmed yet, or another clock's (refused)
    behind: bool


def jump_words(moved: float, turned: float, interval: float, jumped: bool) -> str:
    """Return the problem of a state that moved ``moved`` [m] or turned ``turned`` [rad].

    Over ``interval`` [s]; ``jumped``: its position is the jump (else its orientation alone, a
    wrist joint read wrong). E.g. ``jumps 0.150 m in 10 ms, faster than an arm moves (3 m/s)``.
    """
    if not jumped:
        return (f"turns {turned:.2f} rad in {interval * 1e3:.0f} ms, faster than an arm "
                f"turns ({MAX_TCP_ANGULAR_SPEED_RAD_S:g} rad/s)")
    return (f"jumps {moved:.3f} m in {interval * 1e3:.0f} ms, faster than an arm moves "
            f"({MAX_TCP_SPEED_M_S:g} m/s)")
