"""One short line per command the planner sent, for its terminal (the node logs it at INFO).

An enabled planner said nothing for minutes while it moved the arm (user57u): its plans went to
``~/plan_report`` and ``/diagnostics`` only. :func:`command_line` words a commanded
:class:`~vjepa_ros.robot.plan_report.PlanReport`. ROS-free. Quiet it as any ROS logger:
``vjepa-ros launch --log-level vjepa_planner:=warn`` (``ros2 run``: ``--ros-args --log-level
vjepa_planner:=warn``).
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport


def command_line(report: PlanReport) -> str:
    """Return ``"command 12: energy 0.4213, plan 1.85 s, move 8.2 mm, gripper 0.00"``, or "".

    "" unless ``report.outcome`` is COMMANDED. ``command`` N: ``commands_sent`` (this one
    included); energy: the plan's elite energy (the model's scale); plan: ``latency_s``
    (encode + search, wall time); move: the safe target's distance [mm] from the state planned
    from (``command`` − ``start``, xyz; omitted without either); gripper: the closedness sent,
    only when one was (``gripper_command``); a sub-goal list adds ``sub-goal i/n``.
    """
    if report.outcome is not PlanOutcome.COMMANDED:
        return ""
    parts = [f"command {report.commands_sent}:"]
    words = []
    if report.energy is not None:
        words.append(f"energy {report.energy:.4g}")
    words.append(f"plan {report.latency_s:.2f} s")
    if report.command is not None and report.start is not None:
        moved = float(np.linalg.norm(np.asarray(report.command[:3], np.float64)
                                     - np.asarray(report.start[:3], np.float64)))
        words.append(f"move {moved * 1e3:.1f} mm")
    if report.gripper_command is not None:
        words.append(f"gripper {report.gripper_command:.2f}")
    progress = report.subgoal
    if progress is not None and progress.count > 1:
        words.append(f"sub-goal {min(progress.index + 1, progress.count)}/{progress.count}")
    return " ".join(parts + [", ".join(words)])
