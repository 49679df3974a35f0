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

    The count is ``int(side^2 x scale_high)`` (the high end counted as drawn); the ratios are
    the range's ends and every ratio where a side's rounding changes, with their midpoints.
    """
    count = max(1, int(side * side * scale_high))
    low, high = aspect_ratio
    edges = {low, high}
    for k in range(side + 1):
        edges.update(r for r in ((k + 0.5) ** 2 / count, count / (k + 0.5) ** 2)
                     if low <= r <= high)
    ratios = sorted(edges)
    ratios += [(a + b) / 2 for a, b in zip(ratios, ratios[1:], strict=False)]
    return {block_shape(count, r, side, side) for r in ratios}


def _problem(num_blocks: int, spatial_scale, aspect_ratio, side: int):
    """Return what of the mask cannot leave context, or None.

    ("cover", covering): a drawn block covers the grid, ``covering`` the least token count of
    such a block; ("blocks", (height, width, chance)): that many blocks cover it too often.
    """
    low, high = aspect_ratio
    cells = side * side
    # round(sqrt(count x r)) and round(sqrt(count / r)) both reach side for some r in range
    covering = math.ceil((side - 0.5) ** 2 * max(1.0, low, 1.0 / high))
    if covering <= cells and max(1, int(cells * spatial_scale[1])) >= covering:
        return "cover", covering
    if num_blocks < 2:
        return None  # one rectangle smaller than the grid always leaves context
    for height, width in sorted(largest_shapes(spatial_scale[1], aspect_ratio, side)):
        chance = corner_cover_chance(height, width, side, side, num_blocks)
        if chance > 0 and MAX_TRIES * math.log(chance) > math.log(RISK):
            return "blocks", (height, width, chance)
    return None


def mask_passes(num_blocks: int, spatial_scale, aspect_ratio, side: int) -> bool:
    """Return whether :func:`mask_problem` accepts the mask on a ``side x side`` token grid."""
    return _problem(num_blocks, spatial_scale, aspect_ratio, side) is None


def _largest(passes, top: int) -> int:
    """Return the largest k in 1..top with ``passes(k)`` (bisected), or 0.

    ``low`` only ever holds a k that passed; where none bisected passes, 1..top is searched from
    the top down.
    """
    low, high = 0, top
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if passes(middle) else (low, middle - 1)
    if low:  # set only from a k that passed
        return low
    return next((k for k in range(top, 0, -1) if passes(k)), 0)


def _high_end(num_blocks: int, spatial_scale, aspect_ratio, side: int) -> list[float] | None:
    """Return the spatial_scale [low, high] with the largest 3-decimal high end that passes.

    The low end is kept where it is at most that high end; None where no high end passes.
    """
    top = min(999, math.ceil(spatial_scale[1] * 1000) - 1)

    def scale(k):
        return [min(spatial_scale[0], k / 1000), k / 1000]

    best = _largest(lambda k: mask_passes(num_blocks, scale(k), aspect_ratio, side), top)
    return scale(best) if best else None


def _range(scale) -> str:
    """Word a suggested spatial_scale: its high end, then the whole range."""
    return f"e.g. {scale[1]:g}, spatial_scale [{scale[0]:g}, {scale[1]:g}]"


def finer_patches(img_size: int, patch_size: int, others) -> list[tuple[int, int]]:
    """Return (patch_size, side) of each smaller patch size at which the ``others`` masks pass.

    ``img_size`` [px] and ``patch_size`` [px]: the model's; ``others``: the other masks (each
    with ``num_blocks``, ``spatial_scale``, ``aspect_ratio``: ``PretrainConfig.mask_short``),
    which a patch_size :func:`mask_advice` names must leave passing. Largest patch_size first;
    only those dividing ``img_size`` into a grid of at least 2x2. The ``finer`` of
    :func:`mask_problem`.
    """
    return [(patch, img_size // patch) for patch in range(patch_size - 1, 0, -1)
            if not img_size % patch and img_size // patch >= 2
            and all(mask_passes(o.num_blocks, o.spatial_scale, o.aspect_ratio, img_size // patch)
                    for o in others)]


def mask_advice(kind: str, num_blocks: int, spatial_scale, aspect_ratio, side: int,
                finer=()) -> str:
    """Return "give ...", naming settings that each pass :func:`mask_passes` as stated.

    ``kind``: "cover" or "blocks" (which refusal; its option first); ``finer``: (patch_size,
    side) pairs, largest patch_size first, of the smaller patch sizes at which every other mask
    passes. Named: a lower spatial_scale high end (num_blocks kept), fewer num_blocks (scale
    kept), else both; a smaller patch_size (the rest kept) where one passes, with its token grid
    and how many times ``side`` x ``side`` tokens it is (the encoder's cost grows at least so).
    """
    scale = _high_end(num_blocks, spatial_scale, aspect_ratio, side)
    fewer = _largest(lambda n: mask_passes(n, spatial_scale, aspect_ratio, side),
                     num_blocks - 1)
    options = {"scale": f"a lower spatial_scale ({_range(scale)})" if scale else "",
               "blocks": f"fewer num_blocks (at most {fewer})" if fewer else ""}
    if not scale and not fewer:
        both = _largest(lambda n: _high_end(n, spatial_scale, aspect_ratio, side) is not None,
                        num_blocks - 1)
        scale = _high_end(both, spatial_scale, aspect_ratio, side) if both else None
        if scale:
            options["blocks"] = (f"fewer num_blocks and a lower spatial_scale ({both} blocks, "
                                 f"{_range(scale)})")
    order = ["scale", "blocks"] if kind == "cover" else ["blocks", "scale"]
    named = [options[key] for key in order if options[key]]
    patch, grid = next(((p, grid) for p, grid in finer
                        if mask_passes(num_blocks, spatial_scale, aspect_ratio, grid)), (0, 0))
    if patch:  # the tokens a frame grow as the grid's area: the encoder's cost at least as much
        named.append(f"a smaller patch_size (e.g. {patch}: a {grid}x{grid} token grid, "
                     f"{(grid / side) ** 2:.3g}x the tokens of the {side}x{side} now, the "
                     "encoder's compute at least as much more)")
    return "give " + ", or ".join(named) if named else "give other mask settings"


def mask_problem(name: str, num_blocks: int, spatial_scale, aspect_ratio, side: int,
                 grid_note: str, finer=()) -> str | None:
    """Return the one-line refusal of a mask some of whose draws cannot leave context, or None.

    ``name``: the mask's setting (``PretrainConfig.mask_long``); ``side``: the token grid's
    side; ``grid_note``: how the grid comes about (``img_size 128 / patch_size 16``); ``finer``:
    as :func:`mask_advice`. A block size covering the whole grid is refused when any aspect ratio
    of the range draws it at the scale range's high end (rounding ties counted as covering); a
    smaller one when ``num_blocks`` such blocks cover the grid so often that ``MAX_TRIES``
    redraws may all fail (chance above ``RISK``, by :func:`corner_cover_chance`). The advice
    (:func:`mask_advice`) is checked against this whole check.
    """
    problem = _problem(num_blocks, spatial_scale, aspect_ratio, side)
    if problem is None:
        return None
    kind, detail = problem
    advice = mask_advice(kind, num_blocks, spatial_scale, aspect_ratio, side, finer)
    grid = f"the whole {side}x{side} token grid ({grid_note})"
    if kind == "cover":
        return (f"{name}.spatial_scale {list(spatial_scale)}: its larger rectangles (aspect_ratio "
                f"{list(aspect_ratio)}) cover {grid}, leaving nothing to predict from unless the "
                f"high end is below {detail / (side * side):.4g}: {advice}")
    height, width, chance = detail
    return (f"{name}: {num_blocks} rectangles of {height}x{width} tokens (spatial_scale "
            f"{list(spatial_scale)}, aspect_ratio {list(aspect_ratio)}) may cover {grid} "
            f"in up to {chance:.1%} of draws, too often to redraw: {advice}")
