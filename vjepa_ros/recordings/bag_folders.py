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
import stat
from pathlib import Path

from vjepa_ros.atomic_files import is_partial
from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.data_names import (  # noqa: F401 - suffix_any_case, READ_NAMES: here too
    DATA_SUFFIXES,
    PART_NAME,
    READ_NAMES,
    is_fork,
    is_read,
    suffix_any_case,
)
from vjepa_ros.recordings.upper_case import upper_case_fix  # noqa: F401 - imported from here


def walk_files(directory: Path, notes: list[str] | None = None) -> list[Path]:
    """Return every file under ``directory``, following symlinked folders; each folder once.

    A lab's folder of links to bag directories is searched like one of the directories. The
    folders themselves are walked first, then the links to folders, in name order: a folder
    reached by a link when it was walked already (a sibling, or a mesh of links between
    folders) has its own files listed under the link too, but links inside it are not followed
    again, so the walk is linear in the links, not in the routes through them (exponential);
    what a folder holds never depends on the order the folders are listed in
    (``train.same_recording`` reads each recording once). A link back to a folder it is inside
    (a loop) is not followed. Paths keep the names as reached (``bags/b_moving/x.mcap``),
    sorted. A ``*.partial`` file (of a writer killed mid-write: ``atomic_files``) is no file of
    the folder's data: left out, as is a FIFO, socket or device of another name than data's
    (never opened); so are a disk's ``lost+found`` this user may not list and macOS ``._*``
    files (resource forks a Mac writes onto a FAT/exFAT stick), an upper-case ``x.MCAP`` and a
    ROS 1 ``x.bag`` (``ros1_bags.skipped_fix``), with a line in ``notes``.
    Raises ``BagError`` for one named as data (``*.mcap``, ``*.db3``, ``*.zstd``, ``*.npz``,
    ``metadata.yaml``): :func:`refuse_special`; and for another folder that cannot be listed
    (permission denied), whose recordings would be left out without a word.
    """
    found: list[Path] = []
    walked: set[str] = set()
    links: list[Path] = []
    forks: list[Path] = []
    notes = [] if notes is None else notes
    _walk(Path(directory), found, links, notes, walked, forks)
    while links:
        links.sort()
        link = links.pop(0)
        real = os.path.realpath(link)
        if _inside(os.path.realpath(link.parent), real):  # a link back: a loop
            continue
        if real in walked:  # its own files under this name too, its links not again
            _walk(link, found, [], notes, None, forks)
        else:
            _walk(link, found, links, notes, walked, forks)
    if forks:
        forks = sorted(set(forks))
        shown = first_names(map(shown_path, forks), 2, " (and {count} more)")
        notes.append(f"skipped {shown}: macOS resource "
                     "forks (._ files a Mac writes beside each file on a FAT/exFAT disk), no "
                     "recordings")
    return sorted(found)


def _inside(folder: str, other: str) -> bool:
    """Whether real path ``folder`` is ``other`` or inside it."""
    return folder == other or folder.startswith(other.rstrip(os.sep) + os.sep)


def _walk(folder: Path, found: list[Path], links: list[Path], notes: list[str],
          walked: set[str] | None, forks: list[Path]) -> None:
    """Append the files of ``folder``'s own tree to ``found`` and its folder links to ``links``.

    ``walked``: the real folders walked (None: a second route to a walked one, its links left);
    ``forks``: the macOS ``._`` files met.
    """
    from vjepa_ros.recordings.ros1_bags import skipped_fix

    if walked is not None:
        walked.add(os.path.realpath(folder))
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        if folder.name == "lost+found" and isinstance(exc, PermissionError):
            notes.append(f"skipped {shown_path(folder)}: a disk's lost+found, which only root "
                         "may read (fsck's, holding no recordings)")
            return
        raise _bag_error(unreadable_folder(folder, exc)) from exc
    for entry in entries:
        path = folder / entry.name
        if _is_folder(entry):
            if entry.is_symlink():
                if walked is not None:
                    links.append(path)
            else:
                _walk(path, found, links, notes, walked, forks)
        elif is_fork(entry.name):
            forks.append(path)
        elif fix := skipped_fix(path):  # x.MCAP, a ROS 1 x.bag: the move or the conversion
            notes.append(f"skipped {shown_path(path)}: {fix}")
        elif not (is_partial(entry.name) or (special_file(path) and not is_read(entry.name))):
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
    from vjepa_ros.path_advice import read_access

    return (f"{shown_path(folder)} cannot be read ({exc.strerror or exc}): the recordings in "
            f"it would be left out; give read access to it ({read_access(folder, folder=True)}), "
            "or move it "
            "out of the data given")


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
        raise _bag_error(f"{shown_path(path)} is {kind}, not a regular file: reading it would "
                         "wait for a writer; give the recording's own file (copy the data into a "
                         "regular file first), or leave it out of the data given")


def data_files(directory: Path, any_case: bool = False) -> list[Path]:
    """Return the data files of a directory in recording order (``x_0.mcap``, ``x_1.mcap``).

    macOS ``._*`` resource forks are none (:func:`walk_files` skips them too). ``any_case``:
    ``x.MCAP`` too (:func:`suffix_any_case`), for the guards that keep outputs out of
    recordings; the readers take lower case only (:func:`upper_case_fix`). Raises
    ``BagError`` for one that is a FIFO, socket or device (:func:`refuse_special`).
    """
    found = []
    for p in directory.iterdir():
        named = suffix_any_case(p.name, DATA_SUFFIXES) if any_case else \
            p.name.endswith(DATA_SUFFIXES)
        if named and not p.name.startswith("._"):
            refuse_special(p)
            if p.is_file():  # a folder named x.mcap is none
                found.append(p)

    return sorted(found, key=lambda p: (part_name(p)[1], p.name))


def loose_bag_files(directory: Path, holding: set[Path] | None = None) -> list[Path]:
    """Return the data files directly in ``directory`` that are each a recording of its own.

    A directory without ``metadata.yaml`` is a data folder, not one killed recording, when its
    data files sit beside other recordings (a folder below it holding a bag, or an ``.npz``
    episode anywhere under it), or when they are named after different recordings
    (:func:`recording_name`: ``take_a.mcap`` and ``take_c.mcap``, or ``a_0``, ``a_1``, ``c_0``):
    a killed rosbag2 recorder writes ``<name>_<N>`` files of one name only, so differently
    named files are separate recordings copied together, whose messages read as one bag would
    interleave by time; or when files of one name do not follow one another in time
    (``split_parts.follow_one_another``: episodes ``ep_1.mcap``, ``ep_2.mcap`` whose times
    overlap), as a killed recorder's parts do. Each loose data file is then a bag by itself.
    [] for a bag directory (``metadata.yaml``; or data files of one name following one another
    with nothing else recorded under them, a killed recorder's, read together) and a folder
    without data files. ``holding``: :func:`folders_holding_recordings` of a walk
    (:func:`walk_files`) of ``directory`` or of a folder above it, when already known (linear
    work for a walk of many folders); None: ``directory`` is walked when it must be.
    """
    if (directory / "metadata.yaml").is_file():
        return []
    own = data_files(directory)
    if not own:
        return []
    if len({recording_name(file) for file in own}) > 1:
        return own
    if holding is None:
        holding = folders_holding_recordings(walk_files(directory))
    if directory in holding:
        return own
    return [] if _one_killed_recording(own) else own


def _one_killed_recording(files: list[Path]) -> bool:
    """Whether a folder's data files of one name follow one another in time (one recorder's).

    ``split_parts.follow_one_another``, a compressed copy beside its original left out.
    """
    from vjepa_ros.recordings.split_parts import follow_one_another

    if len(files) < 2:
        return True
    return follow_one_another([file for file in files if compressed_copy_of(file) is None])


def recording_name(file: Path) -> str:
    """Return the recording a data file's name says it is of: ``x`` for ``x_3.mcap.zstd``."""
    return part_name(file)[0]


def part_name(file: Path) -> tuple[str, int]:
    """Return (recording name, part number) of a data file: ``("x", 3)`` for ``x_3.mcap.zstd``.

    By :data:`PART_NAME`; a file not named as a part: its name without the data suffix, -1
    (``("x", -1)`` for ``x.mcap``).
    """
    match = PART_NAME.match(file.name)
    if match:
        return match["name"], int(match["number"])
    name = file.name
    suffix = next((s for s in DATA_SUFFIXES if name.endswith(s)), "")
    return name[: len(name) - len(suffix)], -1


def folders_holding_recordings(files: list[Path]) -> set[Path]:
    """Return the folders with a recording below them among ``files`` (:func:`walk_files`).

    A folder holds one when an ``.npz`` episode is anywhere under it, or a data file or
    ``metadata.yaml`` is in a folder under it. Each file's folders are looked at once (up to
    one already known): linear in the files.
    """
    holding: set[Path] = set()
    for file in files:
        if file.suffix == ".npz":
            folders = file.parents
        elif is_read(file.name):
            folders = file.parents[1:]
        else:
            continue
        for folder in folders:
            if folder in holding:
                break
            holding.add(folder)
    return holding


def several_recordings(path: Path, loose: list[Path]) -> str:
    """Return the refusal of a data folder given where one bag is read (:func:`loose_bag_files`).

    ``loose``: its data files, each a recording of its own.
    """
    names = first_names((shown_path(file.name) for file in loose), 3)
    files = "data files" if len(loose) > 1 else "data file"
    if len({recording_name(file) for file in loose}) > 1:
        why = (f"its {files} ({names}) are named after different recordings (a killed "
               "recorder writes <name>_<N> files of one name), so each is one of its own")
    elif not _one_killed_recording(loose):
        why = (f"its {files} ({names}) are named <name>_<N> but their times do not follow "
               "one another as a killed recorder's parts do (each starting where the one "
               "before ends), so each is one of its own")
    else:
        why = (f"its {files} ({names}) beside other recordings (bag folders or .npz episodes "
               f"under it) {'are each' if len(loose) > 1 else 'is'} one of its own")
    return (f"{shown_path(path)} holds several recordings, not one bag: no metadata.yaml, and "
            f"{why}; give one of them, e.g. {shown_path(loose[0])}")


def metadata_file_folder(path: str | Path) -> tuple[Path, str]:
    """Return (the path to read, a note): a bag's ``metadata.yaml`` given is read as its folder.

    ``eval BAG/metadata.yaml`` (the file a shell completes to) reads the bag folder ``BAG``
    with the note ``BAG/metadata.yaml is the bag's metadata file: read its folder BAG (give
    the folder)``; any other path is returned as given (``~`` expanded) with no note. Every
    command that reads bags resolves a path so (``open_reader``, ``train.episodes``).
    """
    path = Path(path).expanduser()
    if path.name == "metadata.yaml" and path.is_file():
        return path.parent, (f"{shown_path(path)} is the bag's metadata file: read its folder "
                             f"{shown_path(path.parent)} (give the folder)")
    return path, ""
