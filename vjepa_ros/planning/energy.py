"""Energies: how far imagined representations are from the goal one (lower is better)."""

import math

import torch

from vjepa_ros.planning.config import ENERGIES


def check_token_weights(token_weights: torch.Tensor | None, tokens: int) -> torch.Tensor | None:
    """Validate per-token weights [N] (finite, >= 0, not all 0) and return them as float32."""
    if token_weights is None:
        return None
    token_weights = torch.as_tensor(token_weights)
    if token_weights.shape != (tokens,):
        raise ValueError(
            f"token_weights must have shape [{tokens}] (one per token), "
            f"got {list(token_weights.shape)}"
        )
    token_weights = token_weights.float()
    if not torch.isfinite(token_weights).all() or (token_weights < 0).any():
        raise ValueError("token_weights must be finite and >= 0")
    if not token_weights.sum() > 0:
        raise ValueError("token_weights must not all be 0")
    return token_weights


def energy(
    reps: torch.Tensor,
    goal_reps: torch.Tensor,
    kind: str = "l1",
    token_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Energy of each imagined representation [S, N, D] against the goal [1, N, D] → [S], float32.

    ``l1`` (published): mean |reps − goal| over tokens and dims; ``l2``: mean (reps − goal)². With
    ``token_weights`` [N], the per-token means are averaged with these weights instead of
    uniformly. Computed in float32 whatever the input dtype.
    """
    if kind not in ENERGIES:
        raise ValueError(f"energy kind must be one of {ENERGIES}, got {kind!r}")
    diff = reps.float() - goal_reps.float()  # [S, N, D]
    per_token = diff.abs_() if kind == "l1" else diff.square_()
    per_token = per_token.mean(dim=-1)  # [S, N]
    if token_weights is None:
        return per_token.mean(dim=-1)
    weights = token_weights.to(per_token.device, torch.float32)
    return per_token @ (weights / weights.sum())


class NoFiniteEnergyError(ValueError):
    """Every energy a search scored was NaN or inf: the world model's predictions are not finite.

    Raised by every search method (``cem.SearchLog.score``) instead of a plan made of arbitrary
    samples; the MPC session turns it into a ``planner_error`` refusal (nothing commanded).
    """


def finite_energies(energies: torch.Tensor) -> torch.Tensor:
    """Return the mask [S] (bool) of the finite entries of ``energies`` [S].

    Raises :class:`NoFiniteEnergyError` (one line) when none is finite.
    """
    finite = torch.isfinite(energies)
    if not bool(finite.any()):
        raise NoFiniteEnergyError(
            f"every predicted energy is NaN or inf ({energies.numel()} action sequences "
            "scored): the world model's output is not finite (an fp16 overflow? a damaged "
            "checkpoint?); nothing planned")
    return finite


def finite_topk(energies: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (values, indices) [k'] of the ``k`` lowest finite ``energies`` [S], lowest first.

    NaN/inf energies are never among them: with fewer than ``k`` finite energies, k' is their
    number (0 when none is; ``cem.SearchLog.score`` raises first). With all finite, exactly
    ``energies.topk(k, largest=False)`` (the published elites, ties as torch breaks them).
    """
    finite = torch.isfinite(energies)
    count = min(k, int(finite.sum()))
    masked = torch.where(finite, energies, torch.full_like(energies, math.inf))
    return masked.topk(count, largest=False)
