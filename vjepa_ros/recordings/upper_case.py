"""The advice for a data file whose suffix is not lower case (``EP0.NPZ``, ``x.MCAP``).

No reader takes such a file; every command refuses it (or a walk skips it) with one advice:
the ``mv -n`` onto its lower-case name (:func:`upper_case_fix`).
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.data_names import READ_NAMES, is_fork, is_read


def upper_case_fix(path: Path) -> str:
    """Say how to read a data file whose suffix is not lower case (``EP0.NPZ``, ``x.MCAP``).

    Every command refuses it alike (the walk skips it with a note; given by itself it is
    refused): ``its suffix is not lower case as data's are (...); to read it: `mv -n PATH
    LOWER```. When the lower-case name is taken, the note says so: by a byte-identical file
    (a copy off a disk that ignores case), the upper-case one is a copy to delete (``rm``), so
    its messages are never read twice; by another file, the move is onto a free name
    (:func:`_free_name`), a recording of its own; by this very file (a disk that ignores case),
    a rename through another name, so a split part keeps its part name. "" for any other name
    and for a macOS fork (``data_names.is_fork``).
    """
    from vjepa_ros.path_advice import shell_command

    if is_read(path.name) or not is_read(path.name.lower()) or is_fork(path.name):
        return ""
    lower = path.with_name(_lower_suffix(path.name))
    fix = f"its suffix is not lower case as data's are ({', '.join(READ_NAMES)})"
    taken = _taken_by(path, lower)
    if taken == "this file":  # a disk that ignores case: mv -n onto its own name does nothing
        step = path.with_name(f"{path.name}.renaming")
        return (f"{fix}; to read it (this disk ignores case: {shown_path(lower.name)} is this "
                f"file): `{shell_command('mv', '-n', path, step)} && "
                f"{shell_command('mv', '-n', step, lower)}`")
    if taken == "the same bytes":
        return (f"{fix}, and {shown_path(lower.name)} beside it holds the same bytes (read as "
                f"that one): it is a copy; delete it: `{shell_command('rm', path)}`")
    if taken == "the same file":
        return (f"{fix}, and {shown_path(lower.name)} beside it is the same file (a link): "
                f"read once, as {shown_path(lower.name)}")
    if taken:
        return (f"{fix}, and {shown_path(lower.name)} beside it is another file; to read it as "
                f"a recording of its own: `{shell_command('mv', '-n', path, _free_name(lower))}`")
    return f"{fix}; to read it: `{shell_command('mv', '-n', path, lower)}`"


def _taken_by(path: Path, lower: Path) -> str:
    """Say what holds ``lower``, the lower-case name of data file ``path``.

    "" when nothing; "this file" (a disk that ignores case), "the same file" (one links to the
    other), "the same bytes" (a byte-identical copy) or "another file".
    """
    import filecmp

    if not os.path.lexists(lower):
        return ""
    try:
        if os.path.samestat(os.lstat(path), os.lstat(lower)):
            return "this file"
        if os.path.samefile(path, lower):
            return "the same file"
        return "the same bytes" if filecmp.cmp(path, lower, shallow=False) else "another file"
    except OSError:  # a broken link, an unreadable file: not known to be the same
        return "another file"


def _lower_suffix(name: str) -> str:
    """Return ``name`` with its data suffix in lower case (``EP0.NPZ`` -> ``EP0.npz``)."""
    suffix = next(s for s in (*READ_NAMES, "metadata.yaml") if name.lower().endswith(s))
    return name[: -len(suffix)] + suffix


def _free_name(path: Path) -> Path:
    """Return ``path``, or when a file is there already a free name beside it to move onto.

    ``EP0.npz`` taken: ``EP0_1.npz`` (then ``_2``, ...); for bag data ``x-1.mcap`` (a
    ``x_1.mcap`` would read as a split part of ``x``).
    """
    if not os.path.lexists(path):
        return path
    suffix = next(s for s in (*READ_NAMES, ".yaml") if path.name.endswith(s))
    stem = path.name[: -len(suffix)]
    mark = "_" if suffix == ".npz" else "-"
    number = 1
    while os.path.lexists(path.with_name(f"{stem}{mark}{number}{suffix}")):
        number += 1
    return path.with_name(f"{stem}{mark}{number}{suffix}")
