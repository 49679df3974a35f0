"""How a message names the first few of many things: ``a, b, c, ...`` or ``a, b (and 4 more)``."""

from __future__ import annotations

from collections.abc import Iterable

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
