"""Opening rosbag2 recordings as labs have them: closed, killed before closing, cut, compressed.

:func:`open_reader` accepts a bag directory (``metadata.yaml`` + data files), a directory whose
recorder was killed before it wrote ``metadata.yaml``, or one data file (``.mcap``, ``.db3``, or
either file-compressed as ``.zstd``). It returns a :class:`BagReader` that knows the storage
(``mcap`` / ``sqlite3``, from the metadata or the data file) and the compression, and carries
notes on anything that was repaired on the way (a missing ``metadata.yaml``, a truncated MCAP
read up to its last intact message by :mod:`vjepa_ros.recordings.mcap_salvage`). Everything that
cannot be read is a :class:`BagError` naming the file and the command that repairs it.

The reader, its errors and the repair commands live in :mod:`vjepa_ros.recordings.bag_reader`,
reading data files one by one in :mod:`vjepa_ros.recordings.data_file_parts`; the names other
modules import from here still are.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import (  # noqa: F401 - walk_files, data_files: here too
    DATA_SUFFIXES,
    data_files,
    loose_bag_files,
    metadata_file_folder,
    refuse_special,
    several_recordings,
    walk_files,
)
from vjepa_ros.recordings.bag_reader import (  # noqa: F401 - imported from here elsewhere
    DAMAGED_HINT,
    BagError,
    BagReader,
    DamagedBagError,
    MetadataError,
    damaged_message,
    iter_messages,
    mcap_recover,
    message_words,
    one_line,
    plain_lists,
    reindex,
    reindex_advice,
    repair_hint,
    shortfall_note,
    storage_of,
    zstd_module,
)
from vjepa_ros.recordings.data_file_parts import (  # noqa: F401 - imported from here elsewhere
    chunk_compression,
    open_files,
    refuse_unreadable,
)
from vjepa_ros.recordings.metadata_check import metadata_disagreement, storage_identifier_problem
from vjepa_ros.recordings.part_continuation import continuing_parts
from vjepa_ros.recordings.recorded_files import (
    Metadata,
    absent_listed,
    listed_data_files,
    listed_names,
    missing_parts,
    once_each,
    read_metadata,
    read_order,
    said_missing,
    unlisted_parts,
)
from vjepa_ros.recordings.ros1_bags import skipped_fix
from vjepa_ros.recordings.sqlite_cut import needs_own_copy
from vjepa_ros.user_paths import UnsetVariable, expand_path


def bag_path(path: str | os.PathLike) -> Path:
    """Return the bag ``path`` with ``~`` and ``$NAME`` expanded (``user_paths.expand_path``).

    A ROS parameter (``bag_player``'s ``bag: $HOME/bags/run1``) is no shell word: nothing else
    expanded it. Raises :class:`BagError` for a variable that is not set: ``bag PATH names the
    environment variable NAME, which is not set here: set it ... or write the path out``.
    """
    try:
        return expand_path(path)
    except UnsetVariable as exc:
        raise BagError(f"bag {exc}") from None


def open_reader(path: str | Path, salvage: bool = False, copies=None) -> BagReader:
    """Open a bag directory, a directory without ``metadata.yaml``, or one data file.

    A bag's ``metadata.yaml`` opens its folder, with a note (``bag_folders.metadata_file_folder``).

    ``salvage``: read MCAP data files by their intact records only (:mod:`mcap_salvage`), for a
    file whose index opens but whose chunks fail. ``copies``: a recording's
    ``temp_copies.TempCopies``, so that a ``.db3`` merged with its log or a ``.zstd`` unpacked
    is copied once for all its openings (None: the reader's own copies). Raises
    :class:`BagError` (naming the file and the repair command) when nothing is readable:
    ``bag not found: PATH`` when nothing is there, ``bag PATH is a symlink loop (...)`` /
    ``is a broken symlink (to ..., which does not exist)`` / ``cannot be reached (...)`` as
    ``input_paths.missing`` says it, then what to give; ``~`` and ``$NAME`` are expanded
    (:func:`bag_path`: a variable that is not set is refused naming it).
    A bag folder the ``rosbags`` library cannot open is read file by file with its words as a
    note, but not when they are about the last part of a split recording, left out: that
    part's own note says why (once, as a missing part is: ``recorded_files.said_missing``).
    """
    from vjepa_ros.input_paths import DOES_NOT_EXIST, missing

    path = bag_path(path)
    problem = missing(path)
    if problem == DOES_NOT_EXIST:
        raise BagError(f"bag not found: {shown_path(path)}")
    if problem:  # a link that leads nowhere is no missing bag: the link is what to fix
        raise BagError(f"bag {shown_path(path)} {problem}: give the directory `ros2 bag "
                       "record` wrote, or one of its data files")
    refuse_special(path)
    path, note = metadata_file_folder(path)
    if note:  # read as the folder, with a note (eval, camera-check, train, pretrain alike)
        reader = open_reader(path, salvage, copies)
        reader.notes.insert(0, note)
        return reader
    if path.is_file():
        refuse_unreadable(path)
        return open_files(path, [path], [], salvage, copies)
    files = data_files(path)
    refuse_special(path / "metadata.yaml")
    loose = loose_bag_files(path)
    if loose:  # a data folder: reading its loose files as its bag would drop the others
        raise BagError(several_recordings(path, loose))
    metadata = read_metadata(path / "metadata.yaml")  # parsed once here (rosbags: again)
    listed = listed_data_files(path, metadata)
    if listed:  # a bag folder's unlisted data files are no part of its recording
        files = listed
    # x.mcap beside x.mcap.zstd (killed while compressing): notes on the copy left unread
    files, file_notes = once_each(files)
    names = listed_names(path, metadata)
    # a file only named as a part (another recording's bag_0 copied in as bag_9): not read
    unlisted = unlisted_parts(files, names)
    files, foreign = continuing_parts(files, names, unlisted)
    unlisted = [file for file in unlisted if file in files]
    gone = missing_parts(files, names)  # their messages are lost: damage, as a cut part's
    file_notes += foreign + gone
    for file in files:  # before a library says it in its words (sqlite: "unable to open")
        refuse_unreadable(file)
    if unlisted:  # a recorder killed after a split: rosbags would read the listed parts only
        file_notes.insert(0, _unlisted_note(path, unlisted))
        return open_files(path, files, file_notes, salvage, copies, gone)
    if salvage and files:
        return open_files(path, files, file_notes, salvage, copies, gone)
    if files and said_missing(files, names, absent_listed(path, names)):
        # not rosbags' "Some database files are missing"
        return open_files(path, files, file_notes, copies=copies, damage=gone)
    if any(map(needs_own_copy, files)):
        # rosbags opens a .db3 without its write-ahead log, and reads a cut one's lost bytes as 0
        return open_files(path, files, file_notes, copies=copies, damage=gone)
    from vjepa_ros.recordings.mcap_salvage import read_by_scan  # mcap: only when read

    if any(f.suffix == ".mcap" and read_by_scan(f) for f in files):  # rosbags: file order
        # scanned (data_file_parts)
        return open_files(path, files, file_notes, copies=copies, damage=gone)
    if (path / "metadata.yaml").exists():
        try:
            reader = _open_directory(path, metadata)
            reader.notes[:0] = foreign + gone  # the parts read are the listed ones: rosbags'
            reader.damage[:0] = gone
            return reader
        except MetadataError as exc:
            if not files:
                raise BagError(f"{exc.problem}, and {shown_path(path)} holds no rosbag2 data file "
                               f"({', '.join(DATA_SUFFIXES)}): give the directory `ros2 bag "
                               "record` wrote, or one of its data files") from exc
            note = f"{exc.problem}: reading its data files directly; {exc.fix}"
            return open_files(path, files, [note, *file_notes], copies=copies, damage=gone)
        except BagError as exc:
            if not files:
                raise
            reader = open_files(path, files, file_notes, copies=copies, damage=gone)
            if not _about_left_out(str(exc), files, reader.files):  # else its own note says it
                reader.notes.insert(0, f"{exc}: reading its data files directly")
            return reader  # not rosbags' "File ... seems to be empty" beside that note
    if not files:
        names = sorted(p.name for p in path.iterdir())
        present = first_names(names, 10, ", and {count} more")
        upper = next((f"; {name}: {fix}" for name in names  # all: not only those shown
                      if not name.lower().endswith(".npz")
                      and (fix := skipped_fix(path / name))), "")
        raise BagError(
            f"{shown_path(path)}: no metadata.yaml and no rosbag2 data file "
            f"({', '.join(DATA_SUFFIXES)}) in "
            f"it: not a rosbag2 recording (it holds: {present or 'nothing'}); give the "
            f"directory `ros2 bag record` wrote, or one of its data files{upper}"
        )
    reader = open_files(path, files, file_notes, copies=copies, damage=gone)
    note = (f"{shown_path(path)}: no metadata.yaml ({_why_no_metadata(reader.files)}): read "
            f"{', '.join(shown_path(f.name) for f in reader.files)} directly")
    if not reader.lost:  # reindexing cannot mend a truncated file: its own note says what can
        note += f"; {reindex_advice(path)}"
    reader.notes.insert(0, note)
    return reader


def _why_no_metadata(files: list[Path]) -> str:
    """Say why a folder's data files have no ``metadata.yaml``: a killed recorder, or not one.

    MCAP files that each end in their summary were closed by what wrote them: another tool
    (``mcap`` merge or convert, a script), or a copy that left the metadata behind.
    """
    from vjepa_ros.recordings.mcap_salvage import has_summary

    if files and all(f.suffix == ".mcap" and has_summary(f) for f in files):
        return ("its MCAP files were closed: written by another tool than `ros2 bag record`, "
                "or copied without it")
    return "the recorder did not close, e.g. it was killed"


def _unlisted_note(path: Path, unlisted: list[Path]) -> str:
    """Say that split parts its ``metadata.yaml`` does not list are read with the bag."""
    names = ", ".join(shown_path(file.name) for file in unlisted)
    return (f"{shown_path(path)}: {names} {'is a part' if len(unlisted) == 1 else 'are parts'} "
            "of its split recording that metadata.yaml does not list (the recorder was killed "
            f"after a split?): read with it, in order; {reindex_advice(path)}")


def _about_left_out(problem: str, files: list[Path], read: list[Path]) -> bool:
    """Whether ``rosbags``' ``problem`` is about a data file of ``files`` left out of ``read``.

    A last part left out (empty, cut before its first message) has its own note saying why:
    rosbags' words are about it when they name it (``File '.../x_2.mcap' seems to be
    empty``) or name no data file (``Truncated record at offset 17``, read from it). Words
    naming a part that is read are about something else (``Cannot open database x_0.mcap:
    file is not a database``, a ``metadata.yaml`` saying sqlite3 over ``.mcap`` parts): said.
    """
    def named(file: Path) -> bool:
        return any(name in problem
                   for name in (file.name, shown_path(file.name), one_line(file.name)))

    left_out = [file for file in files if file not in read]
    return bool(left_out) and (any(map(named, left_out)) or not any(map(named, read)))


def _open_directory(path: Path, metadata: Metadata) -> BagReader:
    """Open a bag folder with rosbags (its ``metadata.yaml``: ``metadata``, read already).

    Raises BagError (read around by :func:`open_reader`) when ``metadata.yaml`` disagrees with
    the data files (``metadata_check``).
    """
    from rosbags.rosbag2 import Reader

    info, problem, fix = metadata
    if not problem:  # 'MCAP', '': rosbags' "not supported; please report issue"
        problem, fix = storage_identifier_problem(path, info, data_files(path))
    if problem:
        raise MetadataError(problem, fix or f"delete it and `{reindex(path)}` writes it "
                            "again")
    reader = Reader(path)
    try:
        reader.open()
    except Exception as exc:  # rosbags raises several types for damaged bags
        raise BagError(f"{shown_path(path)}: cannot open as a rosbag2 bag: "
                       f"{one_line(plain_lists(str(exc))).rstrip('.')}") from exc
    problem = metadata_disagreement(path, reader)
    if problem:  # the data is the truth: open_reader reads the data files, with this note
        reader.close()
        raise BagError(problem)
    stores = reader.storage.storages  # read in this order: the parts' own, not the listing's
    stores[:] = [stores[index] for index in read_order(info)]
    storage = "mcap" if stores and "mcap" in type(stores[0]).__name__.lower() else "sqlite3"
    if reader.compression_mode:
        compression = f"{reader.compression_format} {reader.compression_mode}"
    else:
        compression = chunk_compression(stores)
    return BagReader(path, [reader], storage, compression, [])
