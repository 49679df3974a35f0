"""Start-up check of the pretraining masks: no drawn block size may leave the context empty.

Torch-free (``pretrain_config`` runs it before torch loads). The masks (``pretrain_masks``)
draw one block size per mask from ``spatial_scale`` and ``aspect_ratio``
(:func:`block_shape`), then the positions of ``num_blocks`` rectangles of that size, redrawing
the positions while they cover the whole grid (the official ``MaskCollator``
``src/masks/multiblock3d.py`` redraws without end; ``pretrain_masks.sample_block_mask`` gives
up after ``MAX_TRIES``). A size equal to the grid covers it on every draw (the official loops
forever, ours ended the run mid-way: breaker40d, breaker50c), and a size close to it with many
blocks covers it on nearly every draw. :func:`mask_problem` refuses both at start-up in one
line.
"""

from __future__ import annotations

import math

MAX_TRIES = 1000  # position redraws per mask before sample_block_mask gives up
RISK = 1e-12  # the largest accepted chance that MAX_TRIES redraws all cover the grid


def block_shape(count: int, ratio: float, rows: int, cols: int) -> tuple[int, int]:
    """Return (height, width) [tokens] of a block of ``count`` tokens, height / width ``ratio``.

    As the official ``_sample_block_size``: ``round(sqrt(count x ratio))`` by
    ``round(sqrt(count / ratio))``, each at least 1 and clipped to the ``rows x cols`` grid.
    """
    height = min(rows, max(1, round(math.sqrt(count * ratio))))
    width = min(cols, max(1, round(math.sqrt(count / ratio))))
    return height, width


def corner_cover_chance(height: int, width: int, rows: int, cols: int, blocks: int) -> float:
    """Return an upper bound on the chance that ``blocks`` rectangles cover the grid.

    The rectangles' top-left corners are uniform over the ``(rows - height + 1) x (cols - width
    + 1)`` positions. Covering the grid needs each grid corner covered, which only one position
    does: the chance that every such position is drawn (inclusion-exclusion) bounds it.
    """
    tops, lefts = rows - height + 1, cols - width + 1
    needed = len({(t, left) for t in (0, tops - 1) for left in (0, lefts - 1)})
    positions = tops * lefts
    return max(0.0, sum((-1) ** j * math.comb(needed, j) * (1 - j / positions) ** blocks
                        for j in range(needed + 1)))


def largest_shapes(scale_high: float, aspect_ratio, side: int) -> set[tuple[int, int]]:
    """Return the block shapes of the largest count the scale range draws, over its ratios.

    The count is ``int(scale_high x side^2)`` (the high end counted as drawn); the ratios are
    the range's ends and every ratio where a side's rounding changes, with their midpoints.
    """
    count = max(1, int(scale_high * side * side))
    low, high = aspect_ratio
    edges = {low, high}
    for k in range(side + 1):
        edges.update(r for r in ((k + 0.5) ** 2 / count, count / (k + 0.5) ** 2)
                     if low <= r <= high)
    ratios = sorted(edges)
    ratios += [(a + b) / 2 for a, b in zip(ratios, ratios[1:], strict=False)]
    return {block_shape(count, r, side, side) for r in ratios}


def mask_problem(name: str, num_blocks: int, spatial_scale, aspect_ratio, side: int,
                 grid_note: str) -> str | None:
    """Return the one-line refusal of a mask some of whose draws cannot leave context, or None.

    ``name``: the mask's setting (``PretrainConfig.mask_long``); ``side``: the token grid's
    side; ``grid_note``: how the grid comes about (``img_size 128 / patch_size 16``). A block
    size covering the whole grid is refused when any aspect ratio of the range draws it at the
    scale range's high end (rounding ties counted as covering); a smaller one when
    ``num_blocks`` such blocks cover the grid so often that ``MAX_TRIES`` redraws may all fail
    (chance above ``RISK``, by :func:`corner_cover_chance`).
    """
    low, high = aspect_ratio
    cells = side * side
    # round(sqrt(count x r)) and round(sqrt(count / r)) both reach side for some r in range
    covering = math.ceil((side - 0.5) ** 2 * max(1.0, low, 1.0 / high))
    grid = f"the whole {side}x{side} token grid ({grid_note})"
    if covering <= cells and max(1, int(spatial_scale[1] * cells)) >= covering:
        most = math.floor(covering / cells * 1000 - 1e-9) / 1000
        return (f"{name}.spatial_scale {list(spatial_scale)}: its larger rectangles (aspect_ratio "
                f"{list(aspect_ratio)}) cover {grid}, leaving nothing to predict from: give a "
                f"high end below {covering / cells:.4g} (e.g. {most:g}), or a smaller patch_size")
    if num_blocks < 2:
        return None  # one rectangle smaller than the grid always leaves context
    for height, width in sorted(largest_shapes(spatial_scale[1], aspect_ratio, side)):
        chance = corner_cover_chance(height, width, side, side, num_blocks)
        if chance > 0 and MAX_TRIES * math.log(chance) > math.log(RISK):
            return (f"{name}: {num_blocks} rectangles of {height}x{width} tokens (spatial_scale "
                    f"{list(spatial_scale)}, aspect_ratio {list(aspect_ratio)}) may cover {grid} "
                    f"in up to {chance:.1%} of draws, too often to redraw: give fewer num_blocks "
                    "or a lower spatial_scale")
    return None
