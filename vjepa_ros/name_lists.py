"""How a message names things: the first few of many, and the closest to a misspelt one.

``a, b, c, ...`` or ``a, b (and 4 more)`` (:func:`first_names`); ``planner.samples`` for
``sampels`` (:func:`closest_name`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

MORE = ", ..."  # the default mark of the names left out


def first_names(names: Iterable[object], shown: int, more: str = MORE, sep: str = ", ") -> str:
    """Return the first ``shown`` of ``names`` joined by ``sep``, then ``more`` if more are left.

    ``names``: anything ``str()`` words (file names, message numbers, times), in the order to
    name them. ``shown``: how many to name (>= 1). ``more``: the text after them when there
    were more: ``", ..."`` (default) or a text holding ``{count}``, the number left out
    (``" (and {count} more)"``). ``sep``: between two names (``", "``; ``" and "``). "" for no
    names. Raises ValueError for ``shown`` < 1.
    """
    if shown < 1:
        raise ValueError(f"first_names: shown must be at least 1, got {shown}")
    names = list(names)
    text = sep.join(map(str, names[:shown]))
    return text + more.format(count=len(names) - shown) if len(names) > shown else text


CLOSE = 0.6  # the least spelling likeness of a closest name worth naming (difflib's default)


def closest_name(name: str, names: Iterable[str], cutoff: float = 0.0,
                 key: Callable[[str], str] | None = None) -> str:
    """Return the name in ``names`` most like ``name`` (one ending in ``.name`` first).

    ``samples`` → ``planner.samples``; ``planner.sampels`` → ``planner.samples``. ``cutoff``:
    the least spelling likeness (``difflib`` ratio, 0..1; :data:`CLOSE` is difflib's default)
    of one not ending in ``.name``; "" when none is that alike (or ``names`` is empty).
    ``key``: the part of a name spelling is judged by, for ``name`` and each of ``names``
    alike (``lambda n: n.rpartition(".")[2]``: the last part); None: the whole name. Ties go
    to the first in sorted order.
    """
    names = sorted(names)
    suffixed = [candidate for candidate in names if candidate.endswith(f".{name}")]
    if suffixed:
        return suffixed[0]
    key = key or (lambda text: text)
    ratios = {candidate: difflib.SequenceMatcher(None, key(name), key(candidate)).ratio()
              for candidate in names}
    best = max(names, key=ratios.__getitem__, default="")
    return best if best and ratios[best] >= cutoff else ""
