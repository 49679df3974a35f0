"""Output locations of the ``vjepa-ros`` commands, checked before any work starts.

A command that runs for minutes and only then finds that its ``--out`` is a file, or a folder it
cannot write, wastes the run: every command checks its output location first, with one line that
names the option.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vjepa_ros.input_paths import SYMLINK_LOOP, missing


def output_dir(path: str | os.PathLike, option: str = "--out", create: bool = True) -> Path:
    """Create directory ``path`` (with parents) if needed and return it.

    ``create`` False: only check that it could be created (the nearest existing folder on its way
    is writable, by creating and removing a probe folder there), for a command that writes
    nothing when it fails. Raises ValueError naming
    ``option`` when ``path`` or a parent is a file or a symlink that leads nowhere (a loop, a
    missing target), or when the directory cannot be created or written.
    """
    path = Path(path)
    for part in (path, *path.parents):
        if _unresolved_link(part):  # mkdir would fail with "File exists", after the run
            raise ValueError(f"{option} {path}: {part} {_unresolved_link(part)}; give a "
                             "directory")
        if part.exists() and not part.is_dir():
            raise ValueError(f"{option} {path}: {part} is a file, not a directory; give a "
                             "directory")
    if not create:
        existing = next(part for part in (path.absolute(), *path.absolute().parents)
                        if part.exists())
        # A real try, not os.access: root passes access() where mkdir still fails (/proc, a
        # read-only bind mount); the probe folder is removed at once.
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".vjepa_ros_probe_", dir=existing))
        except OSError as exc:
            raise ValueError(f"{option} {path}: cannot create it in {existing} ({exc.strerror});"
                             " give a directory you can write") from None
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot create it ({exc.strerror}); give a "
                         "directory you can write") from None
    try:  # a real try, as above: root passes access() on /proc, /sys, a read-only mount
        os.rmdir(tempfile.mkdtemp(prefix=".vjepa_ros_probe_", dir=path))
    except OSError as exc:
        raise ValueError(f"{option} {path}: not writable ({exc.strerror}); give a directory "
                         "you can write") from None
    return path


def new_output_dir(path: str | os.PathLike, what: str = "bag") -> Path:
    """Check that directory ``path`` does not exist yet and could be created; return it.

    For outputs that are never overwritten (rosbag2 bags). Raises ValueError naming ``what``
    when ``path`` exists (or is a link that leads nowhere: a symlink loop, a broken symlink, named
    so), or (:func:`output_dir`) when its folder cannot be created or written.
    """
    path = Path(path).expanduser()
    link = _unresolved_link(path)
    if link:
        raise ValueError(f"{what} {path} {link}: give a new name or remove the link")
    if path.exists() or path.is_symlink():
        kind = "a folder" if path.is_dir() else "a file"
        raise ValueError(f"{what} {path} exists already ({kind}); rosbag2 bags are never "
                         "overwritten: give a new name or remove it")
    output_dir(path, what, create=False)
    return path


def fresh_output_dir(prefix: str, base: str | os.PathLike | None = None) -> Path:
    """Return a new, not yet existing path ``<prefix>_<date>-<time>[_n]`` under ``base`` (cwd)."""
    from datetime import datetime

    base = Path.cwd() if base is None else Path(base)
    stem = f"{prefix}_{datetime.now():%Y%m%d-%H%M%S}"
    path, n = base / stem, 1
    while path.exists():
        path, n = base / f"{stem}_{n}", n + 1
    return path


def output_file(path: str | os.PathLike, option: str = "--out", create: bool = True) -> Path:
    """Check that file ``path`` can be written (its folder is created); return it.

    ``create`` False: only check that its folder could be created (:func:`output_dir`), for a
    command that checks its other options first. Raises ValueError naming ``option`` when
    ``path`` is a directory, ends in a slash (a directory's name: the file would be written
    beside it), a symlink loop, or its folder cannot be created or written.
    """
    if str(path).endswith(("/", os.sep)):  # Path() drops the slash
        raise ValueError(f"{option} {path}: ends in '/', a directory; give a file name")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a directory; give a file name")
    if _unresolved_link(path) == SYMLINK_LOOP:  # (a missing target is written: the file)
        raise ValueError(f"{option} {path}: {SYMLINK_LOOP}; give a file name")
    output_dir(path.parent if str(path.parent) else ".", option, create)
    return path


def _unresolved_link(path: Path) -> str:
    """``input_paths.missing``'s words for a symlink that leads nowhere ("" for anything else)."""
    return missing(path) if os.path.islink(path) else ""
