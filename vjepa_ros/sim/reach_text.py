"""What the reach demo and benchmark print: one line per planning step and a summary.

:data:`STEP_HEADER` and :func:`format_step` (aligned columns: step, energy, distance [cm],
planning time [s]), :func:`format_summary` (the outcome, then distances and times) of the
``reach.ReachStep`` / ``reach.ReachEpisode`` records.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vjepa_ros.counts import counted

if TYPE_CHECKING:
    from vjepa_ros.sim.reach import ReachEpisode, ReachStep

STEP_HEADER = f"{'step':>4}  {'energy':>10}  {'distance':>9}  {'planning':>9}"


def format_step(step: ReachStep) -> str:
    """One line per planning step: step, energy, distance to goal [cm], planning time [s]."""
    energy = "-" if math.isnan(step.energy) else f"{step.energy:.6f}"
    return (f"{step.step:>4}  {energy:>10}  {step.distance * 100:>6.1f} cm  "
            f"{step.planning_s:>7.2f} s")


def format_summary(episode: ReachEpisode) -> str:
    """Two lines: the outcome, then distances and times."""
    radius = episode.success_radius * 100
    count = len(episode.steps)
    if episode.success:
        outcome = f"reached: within {radius:g} cm of the goal after {counted(count, 'step')}"
    else:
        outcome = (f"not reached: step limit ({counted(count, 'step')}), success radius "
                   f"{radius:g} cm")
    planning = ("" if not count else
                f", planning {episode.planning_s_median:.2f} s per step (median)")
    return (f"{outcome}\ndistance {episode.start_distance * 100:.1f} cm -> "
            f"{episode.final_distance * 100:.1f} cm{planning}, {episode.sim_seconds:.1f} s "
            f"simulated, {episode.wall_seconds:.1f} s wall")
