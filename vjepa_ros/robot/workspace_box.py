"""The safety filter's workspace box: where a position lies against it, and the words for it.

The box is ``safety.workspace_min``..``safety.workspace_max`` [m, base frame] of
:class:`vjepa_ros.robot.safety.SafetyLimits`: :func:`box_problem` refuses corners that bound
nothing (checked by ``SafetyLimits``), :func:`in_box` and :func:`distance_outside_box` place a
position, :func:`outside_box_problem` refuses a measured pose outside it (the filter's first
check, :func:`vjepa_ros.robot.safety.filter_target`) and :func:`unreachable_goal_note` warns of a
goal outside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vjepa_ros.state_limits import MAX_REACH_M

if TYPE_CHECKING:
    from vjepa_ros.robot.safety import SafetyLimits

# The measured pose may lie this far outside the box and still count as inside (sensor noise) [m].
BOX_TOLERANCE = 1e-3
AXES = "xyz"  # the box's axes as its messages name them (base frame)
# What to do about a measured pose outside the box, on a real arm: the filter refuses every target
# from there, so a person brings the arm back (filter_target's outside_box_advice; the simulator
# passes its own: sim/reach.SIM_OUTSIDE_BOX_ADVICE).
OUTSIDE_BOX_ADVICE = "move it back by hand"


def box_problem(lower: np.ndarray, upper: np.ndarray) -> str:
    """Return why ``lower``..``upper`` [3] is no workspace box, naming parameters and axes ('' ok).

    A corner coordinate beyond ``state_limits.MAX_REACH_M`` (1.5 m) from the base is a unit
    mistake (centimetres, millimetres): ``safety.workspace_max [80.0, 45.0, 70.0] lies beyond a
    Franka's reach (x 80, y 45, z 70 m; each coordinate must lie within ±1.5 m of the base): the
    workspace box is in metres ...``.

    ``safety.workspace_min must lie below safety.workspace_max on every axis; x: 0.8 >= 0.8, z:
    0.9 >= 0.7 (min [...], max [...]): lower safety.workspace_min or raise
    safety.workspace_max on x, z``; a NaN or infinite corner: its entry (``safety.workspace_max[2]
    is inf``).
    """
    for name, corner in (("workspace_min", lower), ("workspace_max", upper)):
        bad = [f"safety.{name}[{i}] ({AXES[i]}) is {corner[i]}" for i in range(3)
               if not np.isfinite(corner[i])]
        if bad:
            return f"{'; '.join(bad)}: give finite corners of the workspace box [m]"
        far = [f"{AXES[i]} {corner[i]:g}" for i in range(3) if abs(corner[i]) > MAX_REACH_M]
        if far:
            return (f"safety.{name} {corner.tolist()} lies beyond a Franka's reach ("
                    f"{', '.join(far)} m; each coordinate must lie within ±{MAX_REACH_M:g} m "
                    f"of the base): the workspace box is in metres: give safety.{name} in "
                    "metres (80 cm is 0.8)")
    crossed = [i for i in range(3) if not lower[i] < upper[i]]
    if not crossed:
        return ""
    axes = ", ".join(AXES[i] for i in crossed)
    given = ", ".join(f"{AXES[i]}: {lower[i]:g} >= {upper[i]:g}" for i in crossed)
    return (f"safety.workspace_min must lie below safety.workspace_max on every axis; {given} "
            f"(min {lower.tolist()}, max {upper.tolist()}): lower safety.workspace_min or raise "
            f"safety.workspace_max on {axes}")


def in_box(xyz: np.ndarray, limits: SafetyLimits, tolerance: float = 0.0) -> bool:
    lower, upper = limits.box
    xyz = np.asarray(xyz, dtype=float)
    return bool(np.all(xyz >= lower - tolerance) and np.all(xyz <= upper + tolerance))


def distance_outside_box(xyz, limits: SafetyLimits) -> np.ndarray:
    """Distance [m] of positions ``xyz`` [..., 3] (base frame) outside the workspace box, [...].

    0 inside or on the box's faces; otherwise the Euclidean distance to the nearest point of the
    box (the norm of how far each axis lies beyond its face).
    """
    lower, upper = limits.box
    xyz = np.asarray(xyz, dtype=float)
    beyond = np.maximum(lower - xyz, 0.0) + np.maximum(xyz - upper, 0.0)
    with np.errstate(over="ignore"):  # a pose ~1e200 m out is inf m out
        return np.linalg.norm(beyond, axis=-1)


def beyond_box(xyz, limits: SafetyLimits) -> list[str]:
    """Return each axis on which ``xyz`` [3] (m, base frame) lies beyond the workspace box.

    One entry per axis, ``y 0.550 m > safety.workspace_max[1] 0.45``; a point up to
    ``BOX_TOLERANCE`` outside a face is inside. ``[]`` when inside.
    """
    xyz = np.asarray(xyz, dtype=float)[:3]
    lower, upper = limits.box
    names = "xyz"
    out = [f"{names[i]} {xyz[i]:.3f} m < safety.workspace_min[{i}] {lower[i]:g}"
           for i in range(3) if xyz[i] < lower[i] - BOX_TOLERANCE]
    return out + [f"{names[i]} {xyz[i]:.3f} m > safety.workspace_max[{i}] {upper[i]:g}"
                  for i in range(3) if xyz[i] > upper[i] + BOX_TOLERANCE]


def unreachable_goal_note(xyz, limits: SafetyLimits) -> str:
    """Return a warning when a goal's TCP position ``xyz`` [3] (m, base frame) is outside the box.

    Every planned target is clamped into ``safety.workspace_min``..``workspace_max``, so such a
    goal can never be reached (e.g. a grasp sub-goal below the box's floor: the hand would close
    above the object). ``""`` when inside (or ``xyz`` is None); otherwise one sentence naming the
    axes, the box and what to do.
    """
    out = [] if xyz is None else beyond_box(xyz, limits)
    if not out:
        return ""
    return (f"its TCP is outside the safety workspace box ({', '.join(out)}): the planner cannot "
            "reach it; widen safety.workspace_min/max if the table and the cell allow")


def outside_box_problem(current, limits: SafetyLimits,
                        advice: str = OUTSIDE_BOX_ADVICE) -> str:
    """Why the measured state ``current`` [7] (finite) lies outside the box ("" when inside).

    Outside by more than ``safety.workspace_tolerance_m`` (at least ``BOX_TOLERANCE``), as the
    Euclidean distance to the box (:func:`distance_outside_box`; per axis, a corner let a pose
    15.6 mm out through a 10 mm tolerance: breaker45g): every target planned from it is refused
    (:func:`filter_target`); ``advice`` ends the line.
    """
    outside = float(distance_outside_box(np.asarray(current[:3], dtype=float), limits))
    if outside <= max(limits.workspace_tolerance_m, BOX_TOLERANCE):
        return ""
    return (f"end effector is outside the workspace box (by more than "
            f"safety.workspace_tolerance_m {limits.workspace_tolerance_m:g} m): at "
            f"[{', '.join(f'{v:.3f}' for v in current[:3])}], box {limits.workspace_min}.."
            f"{limits.workspace_max}; {advice}")
