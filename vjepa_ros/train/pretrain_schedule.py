"""Schedules of V-JEPA pretraining: learning rate, weight decay and the target encoder's momentum.

Source: the V-JEPA pretraining code and configs (``facebookresearch/jepa``: ``src/utils/
schedulers.py`` ``WarmupCosineSchedule`` and ``CosineWDSchedule``, ``app/vjepa/train.py``
momentum scheduler; configs ``vitl16.yaml``: ``start_lr`` 2e-4, ``lr`` 6.25e-4, ``final_lr``
1e-6, warm-up 40 of 300 epochs, ``weight_decay`` 0.04 -> ``final_weight_decay`` 0.4,
``ema`` [0.998, 1.0], ``ipe_scale`` 1.25). V-JEPA 2 (arXiv 2506.09985) keeps the momentum at
0.99925 and trains at a constant rate with a final cool-down; this package's default starts the
ramp at V-JEPA's 0.998 (``PretrainConfig.ema_start``, ``config/pretrain.yaml``); V-JEPA 2's
0.99925 is run B of docs/pretraining.md.

All three are functions of the update number ``step`` (0-based) and ``total`` = the schedule's
length, which the official code stretches to ``ipe_scale`` x the updates actually run, so that
training ends before the cosine reaches ``final_lr`` and before the momentum reaches 1: the lr and
weight decay schedules' ``T_max`` is ``int(ipe_scale x updates)``, the momentum's divisor the
product itself (:func:`schedule_lengths`). Whole counts of a product (``T_max``, the warm-up
:func:`warmup_updates`) are the whole part of the product as a decimal (:func:`whole_updates`):
the float ``0.58 * 50`` is 28.999999999999996, which ``int()`` made 28 (breaker57b). The
official lr and weight decay schedulers are stepped once *before* every update, so update
``step`` gets their value at ``step + 1``; the momentum generator's first value (``i = 0``)
serves the first update.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch-free: pretrain_config checks a run's schedule before torch loads
    from torch import nn

# decimals a product is rounded to before its whole part is taken: the float error of a product
# of a setting and a step count (1e-15 of it) goes, a real fraction of an update stays
PRODUCT_DECIMALS = 9


def warmup_cosine_lr(step: int, total: int, warmup: int, start_lr: float, lr: float,
                     final_lr: float) -> float:
    """Linear warm-up ``start_lr -> lr`` over ``warmup`` updates, then cosine to ``final_lr``.

    As ``WarmupCosineSchedule`` stepped before update ``step``: with ``n = step + 1``,
    ``n < warmup``: ``start_lr + n / warmup * (lr - start_lr)``; afterwards
    ``final_lr + (lr - final_lr) * 0.5 * (1 + cos(pi * p))`` with
    ``p = (n - warmup) / (total - warmup)`` (clamped to 1): the peak ``lr`` at update
    ``warmup - 1`` alone.
    """
    count = step + 1
    if count < warmup:
        return start_lr + count / warmup * (lr - start_lr)
    progress = min(1.0, (count - warmup) / max(1, total - warmup))
    return final_lr + (lr - final_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


def cosine_weight_decay(step: int, total: int, weight_decay: float,
                        final_weight_decay: float) -> float:
    """Weight decay rising (or falling) along a half cosine from ``weight_decay`` to the final.

    As ``CosineWDSchedule`` stepped before update ``step``: progress ``(step + 1) / total``
    (clamped to 1), so the first update already decays a little more (or less) than
    ``weight_decay``.
    """
    progress = min(1.0, (step + 1) / max(1, total))
    return final_weight_decay + (weight_decay - final_weight_decay) * 0.5 * (
        1.0 + math.cos(math.pi * progress))


def ema_momentum(step: int, total: float, start: float, end: float) -> float:
    """Momentum of the target encoder, linear from ``start`` (step 0) to ``end`` (step total).

    ``total``: the momentum's divisor, ``ipe_scale x steps`` unrounded (:func:`schedule_lengths`).
    """
    return start + (end - start) * min(1.0, step / max(1, total))


def whole_updates(product: float) -> int:
    """Return the whole part of ``product`` (>= 0) as a decimal: ``floor(round(product, 9))``.

    ``int()`` of the float product truncates its rounding error: 0.58 x 50 = 28.999999999999996
    gave 28 updates, 0.29 x 100 and 0.57 x 100 one short too. Raises ValueError for a product
    that is not finite (a setting x steps beyond a float).
    """
    if not math.isfinite(product):
        raise ValueError(f"a schedule of {product} updates (a setting x steps beyond a float)")
    return math.floor(round(product, PRODUCT_DECIMALS))


def warmup_updates(warmup_fraction: float, steps: int) -> int:
    """Return the warm-up's updates: the whole part of ``warmup_fraction x steps`` (decimal).

    The official warm-up is whole epochs x iterations per epoch, exact; here a fraction of the
    steps, its whole part (:func:`whole_updates`): the defaults 0.133 x 1500 give 199.
    """
    return whole_updates(warmup_fraction * steps)


def schedule_lengths(steps: int, ipe_scale: float) -> tuple[int, float]:
    """Return ``(T, divisor)``: the lr / weight decay schedules' length and the momentum's.

    As the official ``init_opt`` and momentum generator: ``T = int(ipe_scale x steps)``
    (the whole part of the product as a decimal, :func:`whole_updates`; at least 1), the
    divisor ``ipe_scale x steps`` as it is. Raises ValueError when the product is not finite
    (``PretrainConfig`` refuses such an ``ipe_scale`` first).
    """
    return max(1, whole_updates(ipe_scale * steps)), ipe_scale * steps


def peak_lr(steps: int, warmup: int, total: int, start_lr: float, lr: float,
            final_lr: float) -> float:
    """Return the highest learning rate :func:`warmup_cosine_lr` gives any of ``steps`` updates.

    The warm-up rises to ``lr`` at update ``warmup - 1`` and the cosine falls after it, so the
    highest is update ``max(0, warmup - 1)``'s (0 when ``steps`` is 0): 0 means no update moves
    a weight (AdamW's step and decoupled decay are both x lr).
    """
    if steps < 1:
        return 0.0
    return warmup_cosine_lr(max(0, warmup - 1), total, warmup, start_lr, lr, final_lr)


def ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """``target <- momentum * target + (1 - momentum) * online``, parameter by parameter.

    ``target`` and ``online`` are modules of the same architecture (ValueError otherwise).
    """
    import torch

    target_params, online_params = list(target.parameters()), list(online.parameters())
    if len(target_params) != len(online_params):
        raise ValueError("ema_update: target and online modules differ in parameters")
    with torch.no_grad():
        for t, o in zip(target_params, online_params, strict=True):
            t.lerp_(o, 1.0 - momentum)
