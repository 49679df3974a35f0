"""Cache what is read from a file per version of it on disk.

A file version: its path with the size and the modification and change times [ns] that
``os.stat`` gives (a rewrite, a ``touch`` or a ``chmod`` is a new version). One decorator,
:func:`per_file_version`, for the readers of the same files asked many times in one run
(``metadata.yaml``, an MCAP summary, a data file's span or damaged records).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def per_file_version(maxsize: int, resolve: bool = False
                     ) -> Callable[[Callable[[Path], T]], Callable[[Path], T]]:
    """Return a decorator keeping ``read(path)``'s answer per file version (``maxsize`` kept).

    The decorated function takes a path (str or Path); ``resolve``: the key and what
    ``read`` is given is the resolved path (two names of one file share an answer), else the
    path as given. Raises OSError where the file cannot be resolved or stat'ed (the caller
    decides what a missing file means); what ``read`` raises is not kept. The result has
    ``cache_clear()`` (tests).
    """
    def decorate(read: Callable[[Path], T]) -> Callable[[Path], T]:
        @functools.lru_cache(maxsize=maxsize)
        def kept(path: Path, _version: tuple[int, int, int]) -> T:
            return read(path)

        @functools.wraps(read)
        def cached(path: Path) -> T:
            path = Path(path).resolve() if resolve else path
            info = os.stat(path)
            return kept(path, (info.st_size, info.st_mtime_ns, info.st_ctime_ns))

        cached.cache_clear = kept.cache_clear  # type: ignore[attr-defined]
        return cached

    return decorate
