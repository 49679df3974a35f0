"""A goal pose outside the planner's workspace box, refused by ``vjepa-ros planner goal-pose``.

Every target the planner plans is clamped into ``safety.workspace_min``..``workspace_max`` (base
frame, m: ``robot/safety.py``), so a goal pose beyond the box is one the arm never reaches:
enabled, the planner would chase it for good ("clipped: workspace box" in its reports) while the
simulator renders it happily (its arm reaches farther: user62 #3). ``goal-pose`` reads the box
from the node and refuses such a pose before sending it (status 1, docs/cli.md), in one line:
the box, the axes beyond it and the restart that widens it. ROS-free.
"""

from __future__ import annotations

from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import BOX_TOLERANCE, beyond_box
from vjepa_ros.ros_values import shell_arg_value
from vjepa_ros.start_forms import start_forms
from vjepa_ros.state_limits import MAX_REACH_M

WIDEN_MARGIN_M = 0.05  # the widened corner lies this far past the goal, up to ±REACH_M [m]
REACH_M = MAX_REACH_M  # a corner's coordinates stay within ±1.5 m (SafetyLimits' check)


def outside_box_refusal(position, low, high) -> str:
    """Return the one-line refusal of goal ``position`` [x, y, z] (m) outside the box, or "".

    ``low``, ``high``: the planner's ``safety.workspace_min`` / ``workspace_max`` (3 numbers
    each, m, base frame; anything else, a node without them: "", nothing judged). The axes are
    judged as the planner's own note on a goal beyond the box (``workspace_box.beyond_box``,
    its 1 mm tolerance); the advice names the ``vjepa-ros launch -p`` / ``--ros-args -p`` restart
    with each corner moved :data:`WIDEN_MARGIN_M` past the goal, capped at ±:data:`REACH_M`
    (1.5 m, a Franka's reach: the widest corner ``SafetyLimits`` takes); a goal that no such box
    holds (a coordinate past 1.5 m and the 1 mm tolerance) gets "no box reaches" instead.
    """
    if len(low or []) != 3 or len(high or []) != 3:
        return ""
    low, high = [float(v) for v in low], [float(v) for v in high]
    axes = beyond_box(position, SafetyLimits(workspace_min=low, workspace_max=high))
    if not axes:
        return ""
    position = [float(v) for v in position]
    if any(abs(p) > REACH_M + BOX_TOLERANCE for p in position):  # no box reaches there
        widen = f"as no box reaches past ±{REACH_M:g} m (a Franka's reach)"
    else:  # the corner past the goal, but no farther than a box may reach (it still holds it)
        wider = {"safety.workspace_min": [round(min(lo, max(p - WIDEN_MARGIN_M, -REACH_M)), 2)
                                          for lo, p in zip(low, position, strict=True)],
                 "safety.workspace_max": [round(max(hi, min(p + WIDEN_MARGIN_M, REACH_M)), 2)
                                          for hi, p in zip(high, position, strict=True)]}
        forms = "; ".join(start_forms("planner", name, shell_arg_value(name, value))
                          for (name, value), was in zip(wider.items(), (low, high), strict=True)
                          if value != was)
        widen = ("or restart the planner with a wider one if the table and the cell allow "
                 f"({forms})")
    shown = ", ".join(f"{v:g}" for v in position)
    return (f"goal pose [{shown}] not sent: it lies outside the planner's workspace box (min "
            f"{low}, max {high}; {', '.join(axes)}), which every target it plans stays in, so "
            f"enabled it would never get there; give a pose inside the box, {widen}")
