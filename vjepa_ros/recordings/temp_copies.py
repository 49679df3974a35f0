"""Temporary copies of a recording's data files: each made once per read, removed after.

A ``.db3`` with a pending write-ahead log is read from a merged copy (``sqlite_wal``), a
file-compressed ``.zstd`` from its unpacked copy (``data_file_parts``). A
:class:`~vjepa_ros.recordings.recording.Recording` opens its bag again for its frames: with one
:class:`TempCopies` for its life, each copy is made once (a 20 GB ``.db3`` was copied at every
opening), and its folders are removed when it is closed or no longer held.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vjepa_ros.path_text import shown_path

NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class TempCopies:
    """The temporary copies made while one recording is read, by the files they copy."""

    def __init__(self):
        self._made: dict[tuple, Any] = {}
        self._folders: list[str] = []
        self._finalizer = weakref.finalize(self, _remove, self._folders)

    def folder(self, prefix: str) -> Path:
        """Return a new temporary folder (under ``TMPDIR``), removed with the others."""
        directory = tempfile.mkdtemp(prefix=prefix)
        self._folders.append(directory)
        return Path(directory)

    def once(self, files: tuple[Path, ...], make: Callable[[], Any]) -> Any:
        """Return what ``make()`` returned for these ``files`` while none of them changed.

        Keyed by each file's path, size and modification time: a file written meanwhile (a
        recorder still running) is copied again.
        """
        key = tuple((str(file), *_signature(file)) for file in files)
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def close(self) -> None:
        """Remove every folder made (also done when this object is no longer held)."""
        self._made.clear()
        self._finalizer()


def _signature(file: Path) -> tuple[int, int]:
    try:
        stat = file.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def _remove(folders: list[str]) -> None:
    for directory in folders:
        shutil.rmtree(directory, ignore_errors=True)
    folders.clear()


def temp_copy_full_words(exc: BaseException, copied: Path) -> str:
    """Say that the temp folder had no room for a copy of ``copied`` ("" for another error).

    Names the temp folder, the size of the copy, the cause by ``exc.errno`` (a full disk or a
    used-up quota: ``disk_full.no_space_words``) and what to do (``disk_full.remedy``, or set
    ``TMPDIR`` to a folder on a disk with room for it).
    """
    from vjepa_ros.disk_full import no_space_words, remedy

    if not isinstance(exc, OSError) or exc.errno not in NO_SPACE_ERRNOS:
        return ""
    try:
        size = f" ({os.path.getsize(copied) / 2**20:.0f} MB)"
    except OSError:
        size = ""
    return (f"no room in the temp folder {shown_path(tempfile.gettempdir())} for a copy of "
            f"{shown_path(copied.name)}{size}: {no_space_words(exc.errno)}; "
            f"{remedy(exc.errno)}, or set TMPDIR to a folder on a disk with room for it")
