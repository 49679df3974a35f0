"""The periods a ROS timer keeps (``Node.create_timer``), checked before a node makes one.

rclpy turns a timer's period [s] into whole nanoseconds in a C ``int64`` (``rclpy.timer.Timer``)
and rcl adds it to the clock's time (nanoseconds since 1970 for ROS time, about 1.8e18 in 2026)
for the next call: a period past ``2**63 - 1`` ns (292 years) ends the node in a TypeError
(an infinite one, ``1 / 1e-300`` Hz, in an OverflowError), and one near it overflows the sum.
:data:`MAX_TIMER_PERIOD_S` (1e9 s, about 31.7 years) keeps the sum inside int64 for centuries
and is far past any rate a lab means (``rate_hz`` 1e-9 still runs). At the short end a period
under a nanosecond is 0 ns to rcl: a timer called on every turn of the executor, a busy core.
No rclpy here.
"""

from __future__ import annotations

import math

MAX_TIMER_PERIOD_S = 1e9  # [s] the longest timer period a node makes (int64 ns, with room)
MIN_POLL_PERIOD_S = 1e-3  # [s] the shortest period of a timer that only checks a deadline


def lowest(value: float) -> float:
    """Return ``value`` rounded UP to 3 significant digits (a least setting to name; > 0)."""
    shown = float(f"{value:.3g}")
    if shown < value:  # rounded down: one in the third digit more
        shown = float(f"{shown + 10.0 ** (math.floor(math.log10(value)) - 2):.3g}")
    return shown


def long_period(setting: str, value: float, period_s: float, give: str) -> str:
    """Return why a timer ``period_s`` [s] long, set by ``setting`` = ``value``, cannot run.

    '' where ``period_s`` is at most :data:`MAX_TIMER_PERIOD_S`; else one line naming the
    parameter and ``give``, what to give instead (``rate_hz 1e-09 or more, or 0 to publish
    once``): ``rate_hz 1e-10: a timer every 1e+10 s, longer than a ROS timer keeps ...``.
    """
    if period_s <= MAX_TIMER_PERIOD_S:
        return ""
    return (f"parameter '{setting}' {value:g}: a timer every {period_s:.3g} s, longer than a "
            f"ROS timer keeps ({MAX_TIMER_PERIOD_S:g} s, about 31 years: rclpy counts it in "
            f"int64 nanoseconds past the clock's time); give {give}")


def poll_period(deadline_s: float, longest: float = 1.0) -> float:
    """Return the period [s] of a timer checking a deadline ``deadline_s`` [s] (> 0) away.

    Half the deadline (a miss said at most half of it late), at most ``longest``, at least
    :data:`MIN_POLL_PERIOD_S`: a deadline of 1e-12 s would otherwise make a 0 ns timer, called
    on every turn of the executor.
    """
    return min(longest, max(MIN_POLL_PERIOD_S, deadline_s / 2))


def check_period(setting: str, value: float, period_s: float, give: str) -> None:
    """Raise ValueError with :func:`long_period`'s line where a timer cannot keep ``period_s``.

    ``setting`` = ``value`` sets the timer's period ``period_s`` [s]; ``give``: what to give
    instead. Returns None where ``period_s`` is at most :data:`MAX_TIMER_PERIOD_S`.
    """
    problem = long_period(setting, value, period_s, give)
    if problem:
        raise ValueError(problem)
