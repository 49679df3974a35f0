"""Multi-block masks for JEPA pretraining on one frame's token grid.

A mask is the union of a few random rectangles of the ``rows x cols`` grid (the target tokens the
predictor must infer); the rest are the context tokens the context encoder sees. As in I-JEPA /
V-JEPA, one mask serves the whole batch (every sample has the same token counts, so the batch
stays one tensor); a new mask is drawn every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class BlockMask:
    context: Tensor  # long [K]: token indices the context encoder sees
    target: Tensor  # long [M]: token indices the predictor must infer


def sample_block_mask(
    rows: int,
    cols: int,
    generator: torch.Generator,
    num_blocks: int = 4,
    block_scale: tuple[float, float] = (0.1, 0.25),
    aspect_ratio: tuple[float, float] = (0.75, 1.5),
    min_context: float = 0.25,
    max_tries: int = 100,
) -> BlockMask:
    """Draw ``num_blocks`` rectangles (area fraction in ``block_scale``) as the target.

    Redraws until at least ``min_context`` of the tokens remain as context (and one is a target).
    """
    if rows < 2 or cols < 2:
        raise ValueError(f"a token grid of {rows}x{cols} is too small to mask")
    if not 0 < block_scale[0] <= block_scale[1] <= 1 or num_blocks < 1:
        raise ValueError(f"bad mask settings: {num_blocks} blocks of scale {block_scale}")
    total = rows * cols
    for _ in range(max_tries):
        masked = torch.zeros(rows, cols, dtype=torch.bool)
        for _ in range(num_blocks):
            scale = _uniform(generator, *block_scale)
            log_ratio = _uniform(generator, math.log(aspect_ratio[0]), math.log(aspect_ratio[1]))
            ratio = math.exp(log_ratio)
            height = max(1, min(rows, round(math.sqrt(scale * total / ratio))))
            width = max(1, min(cols, round(math.sqrt(scale * total * ratio))))
            top = int(torch.randint(0, rows - height + 1, (1,), generator=generator))
            left = int(torch.randint(0, cols - width + 1, (1,), generator=generator))
            masked[top : top + height, left : left + width] = True
        flat = masked.flatten()
        if 0 < int(flat.sum()) <= (1 - min_context) * total:
            return BlockMask(context=(~flat).nonzero()[:, 0], target=flat.nonzero()[:, 0])
    raise ValueError(
        f"could not draw a mask leaving {min_context:.0%} context in {max_tries} tries: "
        f"lower num_blocks ({num_blocks}) or block_scale ({block_scale})"
    )


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))
