"""Multi-block "tube" masks of V-JEPA pretraining on a clip's token grid.

Source: V-JEPA (Bardes et al. 2024, arXiv 2404.08471, §3.2 and its configs) and V-JEPA 2
(arXiv 2506.09985, which keeps the masking): every step draws two masks, each the union of
``num_blocks`` rectangles of the same size on the ``rows x cols`` spatial grid, extended over
every temporal position of the clip (``temporal_scale`` 1.0: a "tube", so the masked region cannot
be copied from a neighbouring frame):

- short-range: 8 blocks of ``spatial_scale`` 0.15 of the frame each;
- long-range: 2 blocks of ``spatial_scale`` 0.7 each;

both with ``aspect_ratio`` (height / width) drawn uniformly from [0.75, 1.5]. A block of scale s
covers ``int(rows * cols * s)`` tokens (the official ``int(self.height * self.width *
mask_scale)``, in its order: ``int(s * rows * cols)`` gave one token less at some sides, 46 for
47 at 0.47 and side 10): height ``round(sqrt(n * ar))``, width
``round(sqrt(n / ar))``, clipped to the grid. The masked tokens are the targets the predictor must
infer; the rest are the context the context encoder sees. A new mask is drawn every step.

Per batch, either one mask serves every sample (``sample_block_mask``) or, as the official
``MaskCollator`` of ``src/masks/multiseq_multiblock3d.py`` does, every sample gets its own
rectangles (``sample_batch_masks``): the block size is drawn once per batch, the positions per
sample, and every sample's context and target index lists are cut to the batch's shortest (the
official ``[:min_keep]``), so the batch stays one tensor.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from vjepa_ros.train.pretrain_config import (  # noqa: F401  (the mask settings, torch-free)
    LONG_RANGE,
    SHORT_RANGE,
    MaskConfig,
)
from vjepa_ros.train.pretrain_mask_check import MAX_TRIES, block_shape


@dataclasses.dataclass(frozen=True)
class BlockMask:
    context: Tensor  # long [K] (or [B, K] per sample): token indices the context encoder sees
    target: Tensor  # long [M] (or [B, M] per sample): token indices the predictor must infer


def sample_block_size(rows: int, cols: int, spec: MaskConfig,
                      generator: torch.Generator) -> tuple[int, int]:
    """Draw one rectangle (height, width) in tokens for a ``rows x cols`` grid (see module doc)."""
    scale = _uniform(generator, *spec.spatial_scale)
    ratio = _uniform(generator, *spec.aspect_ratio)
    return block_shape(max(1, int(rows * cols * scale)), ratio, rows, cols)


def sample_block_mask(grid: tuple[int, int, int], spec: MaskConfig, generator: torch.Generator,
                      min_context: int = 1, max_tries: int = MAX_TRIES,
                      size: tuple[int, int] | None = None) -> BlockMask:
    """Draw a tube mask on a ``(time, rows, cols)`` grid (token index t*rows*cols + r*cols + c).

    The ``num_blocks`` rectangles share one size (height, width in tokens), ``size`` or drawn
    once per mask (as the official mask collator); their positions are uniform. Redraws the
    positions until at least ``min_context`` spatial positions stay visible (the official
    redraws without end; the settings whose draws could fail are refused at start-up:
    ``pretrain_mask_check``). Returns 1-D sorted index tensors. Raises ``ValueError`` for a
    grid smaller than 2x2 or when no draw in ``max_tries`` leaves enough context (lower
    ``num_blocks`` or ``spatial_scale``).
    """
    time_steps, rows, cols = grid
    if rows < 2 or cols < 2 or time_steps < 1:
        raise ValueError(f"a token grid of {time_steps}x{rows}x{cols} is too small to mask")
    height, width = size or sample_block_size(rows, cols, spec, generator)
    for _ in range(max_tries):
        masked = torch.zeros(rows, cols, dtype=torch.bool)
        for _ in range(spec.num_blocks):
            top = int(torch.randint(0, rows - height + 1, (1,), generator=generator))
            left = int(torch.randint(0, cols - width + 1, (1,), generator=generator))
            masked[top:top + height, left:left + width] = True
        if int((~masked).sum()) >= min_context:
            flat = masked.flatten().repeat(time_steps)  # the same rectangles at every time step
            return BlockMask(context=(~flat).nonzero()[:, 0], target=flat.nonzero()[:, 0])
    raise ValueError(
        f"could not draw a mask leaving {min_context} context positions in {max_tries} tries: "
        f"lower num_blocks ({spec.num_blocks}) or spatial_scale ({spec.spatial_scale})"
    )


def sample_batch_masks(grid: tuple[int, int, int], spec: MaskConfig, batch_size: int,
                       generator: torch.Generator, min_context: int = 1) -> BlockMask:
    """One tube mask per sample: ``context`` long [B, K], ``target`` long [B, M].

    As the official collator: one block size for the batch, rectangle positions drawn per sample
    (``sample_block_mask``), then each sample's sorted context and target lists cut to the
    shortest in the batch (K = min context count, M = min target count), so a few of a sample's
    masked tokens may be neither context nor target. Errors as ``sample_block_mask``;
    ``ValueError`` for ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    size = sample_block_size(grid[1], grid[2], spec, generator)
    masks = [sample_block_mask(grid, spec, generator, min_context, size=size)
             for _ in range(batch_size)]
    keep_context = min(len(mask.context) for mask in masks)
    keep_target = min(len(mask.target) for mask in masks)
    return BlockMask(context=torch.stack([mask.context[:keep_context] for mask in masks]),
                     target=torch.stack([mask.target[:keep_target] for mask in masks]))


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))
