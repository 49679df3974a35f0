"""AdamW for the predictor and the warm-up / constant / linear-decay learning rate.

The schedule follows the official ``WSDSchedule`` (``src/utils/schedulers.py``) used by the
V-JEPA 2-AC DROID training: for update number s = 1 .. total,

- s < warmup: ``start_lr + s / warmup * (lr - start_lr)`` (linear warm-up);
- warmup <= s < total - decay: ``lr`` (constant);
- otherwise: ``lr + (s - (total - decay)) / decay * (final_lr - lr)`` (linear decay, reaching
  ``final_lr`` at the last update).

A resumed run keeps its warm-up in steps when its ``steps`` change (:func:`resumed_schedule`).

Weight decay applies to weight matrices only; biases and 1-D parameters (norms) get none, as the
official ``init_opt`` groups them. The official weight-decay schedule is constant at 0.04 in the
DROID config (``weight_decay`` = ``final_weight_decay``), so it is a constant here.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn


@dataclasses.dataclass(frozen=True)
class LRSchedule:
    total: int
    warmup: int
    decay: int
    start_lr: float
    lr: float
    final_lr: float

    def __post_init__(self):
        if self.total < 1 or self.warmup < 0 or self.decay < 0 or \
                self.warmup + self.decay > self.total:
            raise ValueError(f"schedule phases warmup {self.warmup} + decay {self.decay} must "
                             f"fit in {self.total} steps")

    def phases(self) -> dict:
        """Return ``{"total", "warmup", "decay"}`` [steps] (what ``latest.pt`` stores)."""
        return {"total": self.total, "warmup": self.warmup, "decay": self.decay}

    def __call__(self, step: int) -> float:
        """Learning rate of update number ``step`` (1-based)."""
        if step < self.warmup:
            return self.start_lr + step / max(1, self.warmup) * (self.lr - self.start_lr)
        decay_start = self.total - self.decay
        if step < decay_start:
            return self.lr
        return self.lr + (step - decay_start) / max(1, self.decay) * (self.final_lr - self.lr)


def resumed_schedule(current: LRSchedule, stored: dict) -> tuple[LRSchedule, str | None]:
    """Return the schedule a resumed run continues with, and a note when its steps changed.

    ``current``: the schedule of the resumed run's settings (its phases fractions of its new
    ``steps``); ``stored``: the run's schedule so far (``total``, ``warmup``, ``decay`` [steps],
    as :meth:`phases` gives). The warm-up keeps its steps (a run past it never re-enters it);
    with the same total the stored phases are kept; with another the decay is the settings'
    at the new end (as long as it fits after the warm-up), and the note says so in one line.
    """
    warmup = min(int(stored["warmup"]), current.total)
    if int(stored["total"]) == current.total:
        return dataclasses.replace(current, warmup=warmup, decay=int(stored["decay"])), None
    decay = max(0, min(current.decay, current.total - warmup))
    new = dataclasses.replace(current, warmup=warmup, decay=decay)
    # phases of 0 steps said as none (user59w: "its first 0 steps", "the last 0 steps")
    kept = f"its warm-up kept at its first {warmup} steps" if warmup else "no warm-up"
    then = (f"lr {current.lr:g} to step {current.total - decay}, then a linear decay over the "
            f"last {decay} steps" if decay else f"lr {current.lr:g} to the end, no decay")
    was = (f"decay from step {int(stored['total']) - int(stored['decay'])}"
           if int(stored["decay"]) else "no decay")
    note = (f"steps {stored['total']} -> {current.total} on resume: schedule extended, {kept}, "
            f"{then} (was: {was})")
    return new, note


def make_optimizer(module: nn.Module, weight_decay: float, betas=(0.9, 0.999),
                   eps: float = 1e-8) -> torch.optim.AdamW:
    """AdamW over the trainable parameters: weight decay on matrices, none on biases/norms."""
    decay, no_decay = [], []
    for name, parameter in module.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if name.endswith("bias") or parameter.ndim <= 1 else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=0.0, betas=tuple(betas), eps=eps)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
