"""The validation split: whole episode sources held out, by seed, nearest a fraction of the frames.

Split from ``episodes`` (which finds and reads the sources); ``data_banks`` draws the split.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.train.episodes import EpisodeError, Source


def split_sources(sources: list[Source], val_fraction: float, seed: int,
                  left_out: list[str] = (), frames: dict[Source, int] | None = None,
                  keys: dict[Source, str] | None = None):
    """Split whole sources into (train, val), at least one in each.

    ``frames`` (each source's usable frames): the sources are taken in an order drawn from
    ``seed``, each held out when that brings the held-out frames nearer ``val_fraction`` of all
    frames (:data:`SPLIT_RULE`), so a long bag is not held out for a fraction of a short one;
    none (runs older than that rule): round(fraction * n) sources. ``keys`` (each source's
    content digest, ``data_identity``): the order is drawn over the sources ranked by them, so
    the split follows the data, not where it lies (a folder moved, a copy: the same split);
    none (runs older than that): over the sources in path order. Deterministic for a seed
    and the set of sources; ``val_fraction`` 0 holds out none. ``left_out``: the notes on other
    sources left out as too short (named in the error when fewer than 2 sources are left).
    """
    if val_fraction <= 0:
        return list(sources), []
    if len(sources) < 2:
        usable = " usable" if left_out else ""
        more = f" ({'; '.join(left_out)})" if left_out else ""
        raise EpisodeError(
            f"{len(sources)}{usable} episode source(s){more}: cannot hold one out for "
            "validation; add episodes, give --val DIR, or --val-fraction 0 (no validation)"
        )
    ranked = np.arange(len(sources)) if keys is None else np.array(
        sorted(range(len(sources)), key=lambda i: (keys[sources[i]], sources[i].name)))
    order = ranked[np.random.default_rng(seed).permutation(len(sources))]
    if frames is None:
        count = min(len(sources) - 1, max(1, int(round(val_fraction * len(sources)))))
        held = set(order[:count].tolist())
    else:
        held = _held_by_frames([frames[s] for s in sources], order, val_fraction)
    train = [s for i, s in enumerate(sources) if i not in held]
    val = [s for i, s in enumerate(sources) if i in held]
    return train, val


SPLIT_RULE = "whole episodes, by --seed, nearest --val-fraction of the frames"


def _held_by_frames(sizes: list[int], order, fraction: float) -> set[int]:
    """Return the indices to hold out: in ``order``, each bringing their frames nearer target."""
    target = fraction * sum(sizes)
    held: set[int] = set()
    total = 0
    for index in order.tolist():
        if len(held) < len(sizes) - 1 and abs(total + sizes[index] - target) < abs(total - target):
            held.add(index)
            total += sizes[index]
    for index in order.tolist():  # one taken early may overshoot once later ones are in
        if index in held and len(held) > 1 and \
                abs(total - sizes[index] - target) < abs(total - target):
            held.discard(index)
            total -= sizes[index]
    if not held:  # every source alone is further from the target than none: the smallest
        held.add(min(range(len(sizes)), key=lambda i: (sizes[i], i)))
    return held
