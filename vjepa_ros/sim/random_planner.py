"""The random-action baseline in the planner's place (``vjepa-ros reach --random-actions``).

:class:`RandomActionPlanner` answers ``CEMPlanner.plan`` with uniform xyz actions in the CEM's
search box, no model; ``sim.reach.run_reach_episode`` runs it when ``random_actions`` is set.
"""

from __future__ import annotations

import math
import time

import torch

from vjepa_ros.planning.cem import PlanResult, make_generator
from vjepa_ros.planning.config import CEMConfig


class RandomActionPlanner:
    """Baseline in the planner's place: uniform xyz actions within ±maxnorm per axis.

    Rotation and gripper deltas are 0, as in the CEM's plans. It ignores the representations,
    so the session still encodes frames (with whatever model it was given) but nothing uses them.
    """

    def __init__(self, config: CEMConfig, seed: int | None = 0):
        """Draw from ``seed``'s generator; None: a random seed, as the planners take it."""
        self.config = config
        self.generator = make_generator(seed)

    def reset(self) -> None:
        """Nothing to forget (the CEM planner's interface)."""

    def plan(self, context_reps, context_state, goal_reps, token_weights=None,
             should_stop=None, context_cache=None, fixed_axes=()) -> PlanResult:
        """Return uniform random actions (the arguments of ``CEMPlanner.plan``).

        Only ``fixed_axes`` ((index, value), ...) is used, as the planners use it: those axes
        take their value (a baseline held to the same axes as the planner it stands in for).
        """
        del context_reps, context_state, goal_reps, token_weights, should_stop, context_cache
        started = time.perf_counter()
        horizon, maxnorm = self.config.horizon, self.config.maxnorm
        actions = torch.zeros(horizon, 7)
        actions[:, :3] = (torch.rand(horizon, 3, generator=self.generator) * 2 - 1) * maxnorm
        for index, value in self.config.with_held_axes(fixed_axes).fixed_axes:
            actions[:, index] = value
        nan = torch.full((1,), math.nan)
        return PlanResult(
            first_action=actions[0].clone(), actions=actions, elite_energies=nan,
            best_energies=nan, mean=actions.clone(), std=torch.zeros(horizon, 7),
            iterations_run=0, stopped_early=False,
            timings={"total": time.perf_counter() - started},
        )
