"""Files written whole or not at all: a temporary file beside the target, then ``os.replace``.

A file that a later run reads back (a cache, a checkpoint, an episode, a ``--json`` another
script reads) must never be left half written by a stop (Ctrl-C, SIGTERM, a full disk): the
next run would read the truncated file as if it were whole. Writers write to
:func:`replacing`'s temporary path, which replaces the target only once the write has ended.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def partial_path(path: str | os.PathLike) -> Path:
    """Return the temporary path beside ``path`` that this process writes it through.

    ``NAME.PID.partial`` in the same folder (``os.replace`` needs the same file system); the
    process id keeps two processes writing one file (ranks of a training run) apart.
    """
    path = Path(path)
    return path.with_name(f"{path.name}.{os.getpid()}.partial")


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield the temporary path to write ``path`` through; it becomes ``path`` on a clean exit.

    ``path`` (``~`` expanded) is replaced at once (``os.replace``) when the block ends without
    an exception: a reader sees the old file or the new one, never a part. When the block
    raises (a stop, an error) the temporary file is removed and ``path`` is left as it was.
    Raises OSError when the folder cannot be written.
    """
    path = Path(path).expanduser()
    partial = partial_path(path)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)  # gone already after the replace


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`; return ``path``."""
    path = Path(path).expanduser()
    with replacing(path) as partial:
        partial.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through :func:`replacing`; return ``path``."""
    path = Path(path).expanduser()
    with replacing(path) as partial:
        partial.write_bytes(data)
    return path
