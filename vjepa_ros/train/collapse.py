"""Collapse monitors of self-supervised pretraining: pure functions of a feature set.

A JEPA can lower its loss by making every frame's representation the same (complete collapse) or
by squeezing them into a few directions (dimensional collapse). Three numbers watch for both, on
the layer-normed target-encoder features ``[N, T, D]`` of N fixed frames (T tokens of width D),
each frame encoded on its own as at planning time:

- ``feature_std``: per-dimension standard deviation across the N frames, averaged over the T x D
  (token, dim) entries — 0 when every frame gets the same features (VICReg's variance term,
  Bardes et al. 2022, watches the same quantity);
- ``effective_rank``: RankMe's formula (Garrido et al. 2023; Roy & Vetterli 2007: exp of the
  Shannon entropy of the L1-normalized singular values) on the features centred over frames:
  the token matrix ``[N * T, D]`` after each token position's mean over the N frames is
  subtracted. RankMe itself does not centre: a fully collapsed set reads 0 here, 1 in RankMe,
  and the centring drops the frames' mean direction (at most one dimension per token position),
  so the values are not RankMe's (three orthonormal directions, each twice: 2 here, RankMe 3).
  Kept centred on purpose: it measures the spread between frames that the planner's energies
  use; a constant offset carries no information about the scene. Between 0 and min(N*T, D).
  A direction whose spread is below :data:`RANK_TOLERANCE` of the features' own size (their RMS
  before centring) counts as none: float32 features of one picture differ at ~1e-7..1e-6 of
  their size from rounding alone, and RankMe's entropy, blind to scale, read such a fully
  collapsed set at full rank (47.5 of 48, a healthy random set 46.7: breaker57b);
- ``pairwise_distance``: mean |z_i - z_j| over all pairs of different frames — the planner's
  energy between two different frames (``planning.energy``: mean absolute difference).

Floors are relative to the value at the start of training (the seeded initialization): a run
whose monitor falls below ``floor x start`` is flagged. The issue-20 collapse took the
pairwise distance from 0.109 to 0.035 (0.32 x its start). A relative floor cannot work from a
start of 0 or near it (monitor frames that are one picture, an encoder that maps them alike from
the start: breaker59b): below :data:`ABSOLUTE_FLOORS` a monitor's floor is that absolute value,
and a monitor under it warns, at step 0 too (:func:`collapse_warnings`).
"""

from __future__ import annotations

import torch
from torch import Tensor

MONITORS = ("feature_std", "effective_rank", "pairwise_distance")
# the spread (RMS along a direction) below which a direction of the features counts as none, as a
# share of the features' RMS: 10x the 1e-6 at which float32 features of one picture may differ
# (float32's unit roundoff 6e-8, grown through an encoder's layers). Measured (fix57b): the
# seeded default encoder on 64 blob frames spreads its directions at >= 1.8e-3 of it but one,
# at 9e-8: the layer norm's (every token sums to 0 over D, so that direction holds rounding
# alone); effective_rank 6.5093038 before this rule, 6.5093033 with it
RANK_TOLERANCE = 1e-5
# The floor of a monitor whose relative floor (floor x start) would lie below it, i.e. a start of 0
# or near it. The features are layer-normed per token (RMS 1 over D): feature_std and
# pairwise_distance of frames that differ by float32 rounding alone read 1e-7..1e-6, of healthy
# seeded starts 0.2-0.45 and of the most collapsed run measured 0.057 (docs/pretraining.md), so
# 1e-3 lies 1000x above the one and 50x below the other; an effective_rank under 1 has no
# direction left (exp of an entropy is >= 1 while one singular value is: 0 is all that is under)
ABSOLUTE_FLOORS = {"feature_std": 1e-3, "effective_rank": 1.0, "pairwise_distance": 1e-3}


def effective_rank(matrix: Tensor, scale: float = 0.0) -> float:
    """exp(entropy of s / sum(s)) of the singular values s of ``matrix`` [M, D], as given.

    RankMe's formula; this function does not centre (``collapse_monitors`` centres its features
    over the frames before calling it). ``scale``: the size (RMS) of the features the matrix
    was made of; a singular value whose spread ``s / sqrt(M)`` is at most :data:`RANK_TOLERANCE`
    x ``scale`` counts as 0 (0: none drops; the all-zero matrix reads 0 either way). Returns
    0.0 when no singular value is left.
    """
    singular = torch.linalg.svdvals(matrix.double())
    singular = singular[singular > RANK_TOLERANCE * scale * matrix.shape[0] ** 0.5]
    total = singular.sum()
    if total <= 0:
        return 0.0
    p = singular / total
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


def collapse_monitors(features: Tensor) -> dict[str, float]:
    """Return the three monitors (module doc) of features [N, T, D] (N >= 2 frames).

    Raises ``ValueError`` for another shape, fewer than two frames, or features holding NaN
    or inf (torch's eigenvalue solver raised its own ``_LinAlgError`` on them).
    """
    if features.ndim != 3 or features.shape[0] < 2:
        raise ValueError(f"features must be [N >= 2, T, D], got {tuple(features.shape)}")
    if not bool(torch.isfinite(features).all()):
        raise ValueError("features hold NaN or inf: the encoder's weights are not finite")
    features = features.double()
    count = features.shape[0]
    centred = features - features.mean(0, keepdim=True)
    flat = features.flatten(1)  # [N, T*D]
    distances = torch.cdist(flat, flat, p=1) / flat.shape[1]  # mean |z_i - z_j|
    pairs = count * (count - 1)
    return {
        "feature_std": float(features.std(0).mean()),
        "effective_rank": effective_rank(centred.flatten(0, 1),
                                         float(features.square().mean().sqrt())),
        "pairwise_distance": float(distances.sum() / pairs),
    }


def collapse_warnings(start: dict[str, float], now: dict[str, float],
                      floors: dict[str, float]) -> list[str]:
    """One line per monitor of ``now`` below its floor (none: []).

    The floor of monitor ``name``: ``floors[name] x start[name]``, or :data:`ABSOLUTE_FLOORS`'
    value where that is larger (a start of 0 or near it, where a relative floor could never
    warn); ``floors[name]`` 0 turns the monitor's warnings off. The boundary is strict: a
    monitor at its floor does not warn.
    """
    lines = []
    for name, floor in floors.items():
        relative, absolute = floor * start[name], ABSOLUTE_FLOORS[name]
        if not floor:
            continue
        if relative >= absolute:
            if now[name] < relative:
                lines.append(f"{name} {now[name]:.4g} fell below its floor {floor:g} x start "
                             f"{start[name]:.4g} = {relative:.4g}: the encoder may be collapsing")
        elif now[name] < absolute:
            lines.append(f"{name} {now[name]:.4g} is below its absolute floor {absolute:g} (its "
                         f"start {start[name]:.4g} is too small for a floor relative to it): the "
                         "monitor frames' features do not differ, as from frames that are one "
                         "picture or a collapsed encoder")
    return lines
