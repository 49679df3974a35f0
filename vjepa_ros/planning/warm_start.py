"""Warm starts of the searches: a given one checked, a kept one shifted by the executed step."""

import torch


def check_warm_start(name: str, warm: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Return a warm start (``warm_mean`` [H, 7], iCEM's ``warm_elites`` [m, H, 7]) if usable.

    ``shape``: the one expected (a ``-1`` entry takes any size). Raises ValueError naming ``name``
    for a non-tensor, one not of a real floating dtype (an int, bool or complex tensor: a cast
    would drop the fraction or the imaginary part silently), another shape, or a NaN/inf entry
    (the box would keep a NaN, every sample would be NaN and the search would blame the world
    model; an inf would be clipped silently to the box's edge). Returned detached: a warm start
    that requires grad (edited through autograd) gives its values only, never a plan that
    requires grad (breaker54i); the searches cast it to float32 (float16/64 planned as float32).
    """
    if not isinstance(warm, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(warm).__name__}")
    if not warm.dtype.is_floating_point:
        raise ValueError(f"{name} (warm start) must be a real floating-point tensor (float32 is "
                         f"planned in; float16/64 are cast), got {warm.dtype}: convert it with "
                         ".float()")
    warm = warm.detach()
    if warm.ndim != len(shape) or any(
            n not in (-1, size) for n, size in zip(shape, warm.shape, strict=True)):
        wanted = ", ".join("m" if n == -1 else str(n) for n in shape)
        raise ValueError(f"{name} (warm start) must have shape [{wanted}], got "
                         f"{list(warm.shape)}")
    bad = ~torch.isfinite(warm)
    if bad.any():
        where = [int(i) for i in bad.nonzero()[0]]
        raise ValueError(f"{name} (warm start) must be finite, got {warm[tuple(where)].item()} "
                         f"at index {where}: give a finite start or None (start from 0)")
    return warm


def shift_plan(mean: torch.Tensor) -> torch.Tensor:
    """Shift a plan [..., H, 7] for warm start: drop the executed step, repeat the last one."""
    return torch.cat([mean[..., 1:, :], mean[..., -1:, :]], dim=-2)
