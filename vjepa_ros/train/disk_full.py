"""A full disk while a run writes a file: one line naming the file, the cause and what to do.

torch.save on a full disk raises its writer's raw ``[enforce fail at inline_container.cc:...]
. unexpected pos N vs M`` (or ``file write failed``), a plain write ``[Errno 28] No space left
on device`` without the file: :func:`writing` turns both into a :class:`DiskFullError` naming
the file, the free space left and the fix the caller gives (free space, another folder). The
file being replaced is kept as it was (``atomic_files.replacing`` removes the partial one).
"""

from __future__ import annotations

import contextlib
import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

from vjepa_ros.path_text import shown_path

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
# What torch's stream writer says when a write stopped short (a full disk)
TORCH_SHORT_WRITE = ("unexpected pos", "file write failed", "No space left on device")


class DiskFullError(OSError):
    """A file could not be written for want of space: its one-line message says what to do."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is a write stopped by a full disk (or quota): errno, or torch's words."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    return isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_SHORT_WRITE)


def _free(folder: Path) -> str:
    """Return ``N MB free`` on ``folder``'s disk ("" when it cannot be told)."""
    for place in (folder, *folder.parents):
        try:
            return f", {shutil.disk_usage(place).free / 2**20:.0f} MB free"
        except OSError:
            continue
    return ""


@contextlib.contextmanager
def writing(path: str | Path, fix: str) -> Iterator[None]:
    """Run a block that writes ``path``; a full disk in it raises :class:`DiskFullError`.

    The message: ``could not write PATH: no space left on its disk (N MB free); FIX``;
    ``fix``: what to do (e.g. ``free space there, or give --out on another disk``). Other
    errors pass unchanged.
    """
    path = Path(path).expanduser()
    try:
        yield
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, DiskFullError) or not is_disk_full(exc):
            raise
        raise DiskFullError(f"could not write {shown_path(path)}: no space left on its disk, it "
                            f"is full{_free(path.parent)}; {fix}") from exc
