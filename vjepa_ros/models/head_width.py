"""Which attention-head widths the 3D RoPE can rotate, and the nearest ones that work (no torch).

:mod:`vjepa_ros.models.rope` rotates a head's dims in adjacent pairs (``apply_rope`` views the
head as [-1, 2]) over three segments (time, row, column) of an even size of at least 2: a head
must be *even* and at least :data:`MIN_ROPE_HEAD_DIM` wide (8 and 10 work: their last 2 and 4
dims are left unrotated). The settings checks of train and pretrain use :func:`head_problem`
before any work, so that a width the model cannot take is refused with the widths that work;
:func:`mlp_ratio_problem` likewise for an MLP ratio that leaves a block's MLP no hidden unit.
"""

from __future__ import annotations

import math

# The narrowest head the 3D RoPE rotates: three segments of one pair each
MIN_ROPE_HEAD_DIM = 6


def rope_takes(head_dim: int) -> bool:
    """Return whether the 3D RoPE can rotate a head ``head_dim`` dims wide (even, >= 6)."""
    return head_dim >= MIN_ROPE_HEAD_DIM and head_dim % 2 == 0


def divisors(number: int) -> set[int]:
    """Return the divisors of ``number`` (>= 1), in O(sqrt(number)) steps.

    A width of 10**9 + 1 is answered at once (a loop over every number up to it took minutes).
    """
    found = set()
    for low in range(1, math.isqrt(number) + 1):
        if number % low == 0:
            found.update((low, number // low))
    return found


def head_problem(width: int, heads: int, width_name: str, heads_name: str) -> str | None:
    """Return why ``width`` over ``heads`` attention heads cannot be built, with fixes; or None.

    ``width_name``/``heads_name``: the settings as the message names them
    (``predictor.embed_dim``, ``predictor.num_heads``). The fixes are the nearest head counts
    that split ``width`` into heads the RoPE takes (none for an odd width), and the nearest
    widths, multiples of ``heads`` whose heads it takes. Both numbers must be >= 1.
    """
    if width % heads == 0 and rope_takes(width // heads):
        return None
    if width % heads:
        why = f"{width_name} {width} is not divisible by {heads_name} {heads}"
    else:
        head = width // heads
        why = (f"{width_name} {width} over {heads_name} {heads} leaves heads of width {head}, "
               + (f"too narrow for the 3D RoPE (needs >= {MIN_ROPE_HEAD_DIM})"
                  if head < MIN_ROPE_HEAD_DIM else
                  "odd: the 3D RoPE rotates a head's dims in pairs (needs an even width "
                  f">= {MIN_ROPE_HEAD_DIM})"))
    counts = sorted((d for d in divisors(width) if rope_takes(width // d)),
                    key=lambda d: (abs(d - heads), d))[:2]
    step = 2 * heads  # the widths whose heads are even: multiples of 2 * heads, >= 6 * heads
    lowest = MIN_ROPE_HEAD_DIM * heads
    below = width // step * step
    widths = sorted({w for w in (below, below + step) if w >= lowest} or {lowest})
    fixes = []
    if counts:
        fixes.append(f"{heads_name} {counts[0]}"
                     + (f" (or {counts[1]})" if len(counts) > 1 else ""))
    fixes.append(f"{width_name} {widths[0]} (a multiple of {heads})"
                 + (f" or {widths[1]}" if len(widths) > 1 else "")
                 + f" (heads of {' or '.join(str(w // heads) for w in widths)})")
    return f"{why}: give {', or '.join(fixes)}"


def mlp_hidden_dim(dim: int, mlp_ratio: float) -> int:
    """Hidden width of the MLP: int(dim * mlp_ratio) as official (robust to float noise)."""
    return int(dim * mlp_ratio + 1e-6)


def mlp_ratio_problem(width: int, ratio: float, width_name: str,
                      ratio_name: str) -> str | None:
    """Return why ``ratio`` gives an MLP of ``width`` no hidden unit, with the fix; or None.

    The hidden width is :func:`mlp_hidden_dim` (``int(width * ratio)``, official): a ratio
    below 1 / ``width`` makes it 0, and torch then builds blocks whose MLP adds only a bias
    (breaker60b). The fix names the smallest ratio, as short as it can be written, that gives
    one hidden unit. ``width`` >= 1.
    """
    if mlp_hidden_dim(width, ratio) >= 1:
        return None
    least = next(text for digits in range(3, 18)
                 if mlp_hidden_dim(width, float(text := f"{1 / width:.{digits}g}")) >= 1)
    return (f"{ratio_name} {ratio:g} leaves the MLPs no hidden unit (int({width_name} {width} "
            f"x {ratio:g}) = 0): give {ratio_name} >= {least} (1 / {width}), e.g. 4 (official)")
