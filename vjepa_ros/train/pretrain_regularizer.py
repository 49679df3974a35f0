"""Optional variance/covariance regularizer of pretraining — beyond the V-JEPA recipe.

V-JEPA and V-JEPA 2 prevent collapse with the EMA target and the narrow predictor only. At laptop
scale those did not stop dimensional collapse (docs/pretraining.md), so ``vjepa-ros pretrain`` can
add VICReg's variance and covariance terms (Bardes, Ponce & LeCun 2022, arXiv 2105.04906, eq. 1-4;
applied to a JEPA's context encoder as C-JEPA does, Mo & Tong 2024, arXiv 2410.19560) to the
context encoder's output tokens. Off by default (weights 0).

For tokens z [N, D] (all context tokens of the batch, flattened):

- variance: mean over dimensions of max(0, gamma - sqrt(Var(z_d) + eps)), gamma 1, eps 1e-4;
- covariance: sum of the squared off-diagonal entries of Cov(z), divided by D.
"""

from __future__ import annotations

import torch
from torch import Tensor


def variance_covariance(tokens: Tensor, gamma: float = 1.0,
                        eps: float = 1e-4) -> tuple[Tensor, Tensor]:
    """(variance term, covariance term) of tokens [..., D] (module doc), both scalar tensors.

    Raises ``ValueError`` for fewer than two tokens.
    """
    flat = tokens.reshape(-1, tokens.shape[-1]).float()
    count, dim = flat.shape
    if count < 2:
        raise ValueError(f"variance_covariance needs >= 2 tokens, got {count}")
    centred = flat - flat.mean(0)
    std = torch.sqrt(centred.var(0) + eps)
    variance = torch.relu(gamma - std).mean()
    covariance = centred.T @ centred / (count - 1)
    off_diagonal = covariance - torch.diag(torch.diagonal(covariance))
    return variance, off_diagonal.pow(2).sum() / dim
