"""What the MPC session needs from the world model and the planner (``typing.Protocol``).

Anything with these methods plugs in: ``models.WorldModel``, the simulator's oracle
(``sim.oracle.OracleWorldModel``), ``planning.CEMPlanner``, the random-action baseline
(``sim.reach.RandomActionPlanner``), or a test's wrapper around one of them. They are given to
:class:`~vjepa_ros.robot.mpc.MPCSession` at construction and never swapped afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import torch

from vjepa_ros.planning.cem import PlanResult


@runtime_checkable
class Encoder(Protocol):
    def encode(self, frames) -> torch.Tensor:
        """uint8 frames [B, H, W, 3] (or [H, W, 3]) → layer-normed representations [B, N, D]."""


@runtime_checkable
class Predictor(Protocol):
    tokens_per_frame: int
    embed_dim: int

    def new_cache(self) -> Any:
        """Return an empty key/value cache (``copy()`` gives a branch that leaves it as is)."""

    def step(self, frame_reps: torch.Tensor, action: torch.Tensor, state: torch.Tensor,
             cache: Any, append: bool = True) -> torch.Tensor:
        """Frame reps [B, N, D], action and state [B, 7] → the next frame's reps [B, N, D]."""


@runtime_checkable
class WorldModel(Encoder, Protocol):
    """An encoder with an action-conditioned predictor (``.predictor``)."""

    predictor: Predictor


@runtime_checkable
class Planner(Protocol):
    def reset(self) -> None:
        """Forget warm-start state (a new goal, the arm moved by hand)."""

    def plan(self, context_reps: torch.Tensor, context_state: torch.Tensor,
             goal_reps: torch.Tensor, token_weights: torch.Tensor | None = None,
             should_stop: Callable[[], bool] | None = None, **context) -> PlanResult:
        """Plan from reps [1, N, D] and state [7] toward goal reps [1, N, D].

        ``should_stop`` is polled between iterations; when true the planner raises
        ``planning.cancel.PlanCancelled``. ``context`` may hold ``context_cache`` (a predictor
        cache holding the frames before ``context_reps``; async control passes it) and
        ``fixed_axes`` ((action index, value), ...: axes held at that value in this plan only,
        ``goals.axes`` subgoal; passed only when not empty).
        """


@runtime_checkable
class CommandFollowingPlanner(Planner, Protocol):
    """A planner whose warm start follows what the arm executed (``planning.SamplingPlanner``).

    The session calls ``follow_commands()`` once when it is given the planner and
    ``commanded()`` whenever a plan's first action goes to the arm. A planner without these
    methods shifts its warm start after every plan, executed or not.
    """

    def follow_commands(self) -> None:
        """Shift the warm start from now on only for plans reported ``commanded()``."""

    def commanded(self) -> None:
        """Note that the last plan's first action was commanded."""
