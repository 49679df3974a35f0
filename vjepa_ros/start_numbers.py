"""Start-up values a launch compares between two nodes, read as numbers. ROS-free.

``vjepa-ros launch`` refuses a simulator (``sim/same_robot.py``) or a bag player
(``recordings/played_hand.py``) beside a planner that reads the arm apart, from the values each
node would start with (``NodeLaunch.start_value``: any YAML value). A value that is not a finite
number here is left to its own node's refusal; a length within :data:`LENGTH_TOLERANCE` of
another is the same length.
"""

from __future__ import annotations

import math

# [m] 0.1 mm: what a person writes rounded to 4 decimals of a metre is the same length (a
# flange offset, a hand's opening, a TCP's position); ten times and more below what the
# simulator takes for arrived (``Sim.move_to``: 1 mm) and hundreds of times below a planner step
LENGTH_TOLERANCE = 1e-4


def finite_numbers(value, count: int) -> list[float] | None:
    """Return ``value`` (a start-up value: list, tuple) as ``count`` finite floats, else None.

    None for another length, a bool, a string, NaN or inf: a value the node refuses itself.
    """
    if not isinstance(value, (list, tuple)) or len(value) != count:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in value):
        return None
    return [float(v) for v in value]


def finite_number(value) -> float | None:
    """Return a start-up value as a finite float, else None (as :func:`finite_numbers`)."""
    numbers = finite_numbers([value], 1)
    return None if numbers is None else numbers[0]
