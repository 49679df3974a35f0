"""Which recordings a folder holds, and the files no reader may open.

A bag directory is a folder with ``metadata.yaml``, or one whose data files (``.mcap``,
``.db3``, either as ``.zstd``) are all it records: a recorder killed before it wrote the
metadata, its split files read together. A folder whose loose data files sit beside other
recordings (bag folders below it, ``.npz`` episodes) is a data folder: each loose file is a bag of
its own (:func:`loose_bag_files`), so none is read as the folder's one bag and the rest dropped.
A FIFO, socket or device named like data is refused (:func:`refuse_special`): opening it would
wait for a writer. :class:`~vjepa_ros.recordings.bag_files.BagError` for both.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from vjepa_ros.atomic_files import is_partial

DATA_SUFFIXES = (".mcap", ".db3", ".mcap.zstd", ".db3.zstd")
# What a data folder's files must be to be read: a FIFO or device by one of these names would
# block the reader (waiting for a writer), so it is refused (:func:`refuse_special`).
READ_NAMES = (*DATA_SUFFIXES, ".npz")


def walk_files(directory: Path) -> list[Path]:
    """Return every file under ``directory``, following symlinked folders, by every route.

    A lab's folder of links to bag directories is searched like one of the directories. A
    folder reached by two routes (a link to a sibling folder, and the folder itself) is listed
    under both, so what a folder holds never depends on the order the folders are listed in
    (``train.same_recording`` reads each recording once); a link back to a folder it is inside
    (a loop) is not followed. Paths keep the names as reached (``bags/b_moving/x.mcap``),
    sorted. A ``*.partial`` file (of a writer killed mid-write: ``atomic_files``) is no file of
    the folder's data: left out, as is a FIFO, socket or device of another name than data's
    (never opened). Raises ``BagError`` for one named as data (``*.mcap``, ``*.db3``,
    ``*.zstd``, ``*.npz``, ``metadata.yaml``): :func:`refuse_special`; and for a folder that
    cannot be listed (permission denied), whose recordings would be left out without a word.
    """
    found: list[Path] = []
    _walk(Path(directory), (), found)
    return sorted(found)


def _walk(folder: Path, route: tuple[str, ...], found: list[Path]) -> None:
    """Append the files under ``folder`` to ``found``; ``route``: the real folders it is in."""
    real = os.path.realpath(folder)
    if real in route:  # a link back to a folder it is inside: a loop
        return
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        raise _bag_error(unreadable_folder(folder, exc)) from exc
    for entry in entries:
        path = folder / entry.name
        if _is_folder(entry):  # a symlinked folder too
            _walk(path, (*route, real), found)
        elif not (is_partial(entry.name) or (special_file(path) and not _is_read(entry.name))):
            refuse_special(path)  # a pipe or socket of another name is no data: never opened
            found.append(path)


def _is_folder(entry: os.DirEntry) -> bool:
    """Whether a listed entry is a folder, through a link too (a link loop is none)."""
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: input_paths.missing names it
        return False


def unreadable_folder(folder: Path, exc: OSError) -> str:
    """Return the refusal of a folder of the data that cannot be listed (one line)."""
    return (f"{folder} cannot be read ({exc.strerror or exc}): the recordings in it would be "
            f"left out; give read access to it (chmod -R u+rX {folder}), or move it out of the "
            "data given")


def _bag_error(message: str):
    from vjepa_ros.recordings.bag_files import BagError

    return BagError(message)


def compressed_copy_of(file: Path) -> Path | None:
    """Return the data file ``file`` (``x.mcap.zstd``) is a compressed copy of, beside it.

    ``x.mcap`` when it is a file in the same folder (the same recording, compressed with
    ``zstd``), else None (also for a file that is no ``.zstd``).
    """
    if not file.name.endswith((".mcap.zstd", ".db3.zstd")):
        return None
    original = file.with_name(file.name.removesuffix(".zstd"))
    return original if original.is_file() else None


def _is_read(name: str) -> bool:
    """Whether a file of this name is read as data (a data file, episode or metadata.yaml)."""
    return name == "metadata.yaml" or name.endswith(READ_NAMES)


def special_file(path: Path) -> str:
    """Say what ``path`` is when it exists but is neither a regular file nor a directory.

    ``"a FIFO (named pipe)"``, ``"a socket"``, ``"a character device"``, ``"a block device"``;
    "" for a regular file, a directory, or a path that cannot be stat'ed (missing, a broken
    link: ``input_paths.missing`` names those).
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return ""
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def refuse_special(path: Path) -> None:
    """Raise ``BagError`` when ``path`` is a FIFO, socket or device (:func:`special_file`).

    Reading one would wait for a writer that never comes: ``PATH is a FIFO (named pipe), not a
    regular file: ...``, one line, instead of a hang.
    """
    kind = special_file(path)
    if kind:
        raise _bag_error(f"{path} is {kind}, not a regular file: reading it would wait for a "
                       "writer; give the recording's own file (copy the data into a regular "
                       "file first), or leave it out of the data given")


def data_files(directory: Path) -> list[Path]:
    """Return the data files of a directory in recording order (``x_0.mcap``, ``x_1.mcap``).

    Raises ``BagError`` for one that is a FIFO, socket or device (:func:`refuse_special`).
    """
    found = []
    for p in directory.iterdir():
        if p.name.endswith(DATA_SUFFIXES):
            refuse_special(p)
            if p.is_file():  # a folder named x.mcap is none
                found.append(p)

    def order(p: Path):
        number = re.search(r"_(\d+)\.(mcap|db3)", p.name)
        return (int(number.group(1)) if number else -1, p.name)

    return sorted(found, key=order)


def loose_bag_files(directory: Path, files: list[Path] | None = None) -> list[Path]:
    """Return the data files directly in ``directory`` that are each a recording of its own.

    A directory without ``metadata.yaml`` whose data files sit beside other recordings (a
    folder below it holding a bag, or an ``.npz`` episode anywhere under it) is a data folder,
    not one killed recording: each of its loose data files is a bag by itself. [] for a bag
    directory (``metadata.yaml``; or data files with nothing else recorded under them, a
    killed recorder's, read together) and a folder without data files. ``files``:
    :func:`walk_files` of ``directory`` (or of a folder above it) when already known.
    """
    if (directory / "metadata.yaml").is_file():
        return []
    own = data_files(directory)
    if not own:
        return []
    files = walk_files(directory) if files is None else files
    for file in files:
        if directory in file.parents and (file.suffix == ".npz" or (
                file.parent != directory and _is_read(file.name))):
            return own
    return []


def several_recordings(path: Path, loose: list[Path]) -> str:
    """Return the refusal of a data folder given where one bag is read (:func:`loose_bag_files`).

    ``loose``: its data files, each a recording of its own beside its other recordings.
    """
    names = ", ".join(file.name for file in loose[:3]) + (", ..." if len(loose) > 3 else "")
    files = "data files" if len(loose) > 1 else "data file"
    return (f"{path} holds several recordings, not one bag: no metadata.yaml, and its {files} "
            f"({names}) beside other recordings (bag folders or .npz episodes under it) "
            f"{'are each' if len(loose) > 1 else 'is'} one of its own; give one of them, e.g. "
            f"{loose[0]}")
