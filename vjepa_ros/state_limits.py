"""The limits a planner's state and a measured state share: reach, closedness, one turn.

A leaf both ``planning/`` (``plan_inputs``: the state the planner is given) and ``robot/``
(``state_ranges``: measured states, episode files) import, so that the planning core stands on
no robot or recordings module (docs/architecture.md). The other ranges of a Franka's measured
state (joint limits, finger travel, speeds) are in :mod:`vjepa_ros.robot.state_ranges`.
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.message_words import message_words

# Farthest a measured TCP may be from the base frame's origin [m]: forward kinematics over the
# joint limits puts the Franka Hand TCP at most 1.28 m from it (the datasheet's 855 mm reach is
# measured from the shoulder); 1.5 m leaves room for a longer tool.
MAX_REACH_M = 1.5
CLOSEDNESS_TOLERANCE = 0.01  # gripper closedness is in [0, 1]
# Beyond one turn an Euler angle reads as degrees (or unwrapped past a turn); within it as
# radians (an angle beyond ±π but within a turn: the same rotation, unwrapped)
ONE_TURN_RAD = 2 * math.pi


def first_outside(values, lower, upper, tolerance: float) -> int | None:
    """Index of the first of ``values`` outside ``[lower - tolerance, upper + tolerance]``.

    ``lower``/``upper``: scalars or arrays broadcast against ``values``. None when all are in.
    """
    bad = np.flatnonzero((values < np.asarray(lower) - tolerance)
                         | (values > np.asarray(upper) + tolerance))
    return int(bad[0]) if len(bad) else None


def reach_problem(xyz, what: str = "message") -> str:
    """Say which position [..., 3] (m, base frame) lies beyond the arm's reach ("" when none).

    For several positions the first one beyond is named: a bag's ``message`` as
    ``message_words`` counts it (from 1), another ``<what> <index>`` (from 0).
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    distance = np.linalg.norm(xyz.reshape(-1, 3), axis=-1)
    bad = np.flatnonzero(distance > MAX_REACH_M)
    if not len(bad):
        return ""
    i = int(bad[0])
    label = message_words(i) if what == "message" else f"{what} {i}"
    where = f"{label}: " if xyz.ndim > 1 else ""
    x, y, z = xyz.reshape(-1, 3)[i]
    return (f"{where}end-effector position ({x:.3g}, {y:.3g}, {z:.3g}) is {distance[i]:.3g} m "
            f"from the base, beyond a Franka's reach ({MAX_REACH_M:g} m): positions must be in "
            "metres, in the arm's base frame")


def closedness_problem(values, where: str) -> str:
    """Say which gripper closedness of ``values`` lies outside [0, 1] ("" when none does).

    ``values``: one closedness or a series [T] (0 open, 1 closed); a value within
    :data:`CLOSEDNESS_TOLERANCE` of the range passes. ``where``: the words naming them, first
    in the message (``[6] (gripper closedness)``, ``gripper closedness (states[:, 6])``). One
    value is named with what to do about a raw reading (``WHERE = 255 is outside [0, 1] (0
    open, 1 closed): divide a raw reading by its full scale ...``); a series' first value
    outside with its step (``WHERE must be in [0, 1] (0 open, 1 closed), got 5 at step 0``).
    """
    values = np.asarray(values, dtype=np.float64)
    i = first_outside(values.reshape(-1), 0.0, 1.0, CLOSEDNESS_TOLERANCE)
    if i is None:
        return ""
    value = values.reshape(-1)[i]
    if values.ndim == 0:
        return (f"{where} = {value:g} is outside [0, 1] (0 open, 1 closed): divide a raw "
                "reading by its full scale (255 for a 0-255 command, 100 for a percentage)")
    return f"{where} must be in [0, 1] (0 open, 1 closed), got {value:g} at step {i}"
