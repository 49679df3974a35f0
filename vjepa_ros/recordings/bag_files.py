"""Opening rosbag2 recordings as labs have them: closed, killed before closing, cut, compressed.

:func:`open_reader` accepts a bag directory (``metadata.yaml`` + data files), a directory whose
recorder was killed before it wrote ``metadata.yaml``, or one data file (``.mcap``, ``.db3``, or
either file-compressed as ``.zstd``). It returns a :class:`BagReader` that knows the storage
(``mcap`` / ``sqlite3``, from the metadata or the data file) and the compression, and carries
notes on anything that was repaired on the way (a missing ``metadata.yaml``, a truncated MCAP
read up to its last intact message by :mod:`vjepa_ros.recordings.mcap_salvage`). Everything that
cannot be read is a :class:`BagError` naming the file and the command that repairs it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import (  # noqa: F401 - walk_files, data_files: here too
    DATA_SUFFIXES,
    data_files,
    loose_bag_files,
    metadata_file_folder,
    refuse_special,
    several_recordings,
    upper_case_fix,
    walk_files,
)
from vjepa_ros.recordings.recorded_files import (
    Metadata,
    absent_listed,
    listed_data_files,
    listed_names,
    missing_parts,
    once_each,
    read_metadata,
    said_missing,
)

STORAGE_OF_SUFFIX = {".mcap": "mcap", ".db3": "sqlite3"}
KILLED_BEFORE_WRITING = ("the recorder stopped (was killed) before it wrote a message: leave "
                         "this bag out of the data given, or record it again")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # zstd frame magic (RFC 8878); CDR starts 00 01 / 00 00


class BagError(ValueError):
    """A bag that cannot be used: missing, damaged, lacking a topic or of an unknown type."""


class DamagedBagError(BagError):
    """A data file that fails while its messages are read (corrupt chunk, sqlite error)."""


def repair_hint(path: Path, storage: str) -> str:
    """Return the command that recovers the intact part of a damaged data file."""
    from vjepa_ros.input_paths import shell_command

    path = Path(path)
    if storage == "sqlite3":
        return (f"recover its intact rows with `{shell_command('sqlite3', path, '.recover')} | "
                "sqlite3 recovered.db3` and read recovered.db3")
    return f"rewrite its intact part with {mcap_recover(path)}"


def mcap_recover(path: Path) -> str:
    """Return the MCAP CLI command that rewrites a damaged MCAP file's intact part.

    ```mcap recover PATH -o recovered.mcap` (MCAP CLI)``, the path shell-quoted.
    """
    from vjepa_ros.input_paths import shell_command

    return f"`{shell_command('mcap', 'recover', Path(path))} -o recovered.mcap` (MCAP CLI)"


class BagReader:
    """An open recording: one rosbags reader per part (a bag directory, or single data files).

    ``connections`` (rosbags ``Connection`` list), ``messages(connections)`` yields
    ``(connection, receive time ns, raw CDR bytes)`` part after part; ``storage`` is "mcap" or
    "sqlite3", ``compression`` a label ("none", "zstd file", "zstd message", "zstd chunks", ...),
    ``notes`` what was repaired or lost while opening; ``damage`` those of them that say messages
    were lost (a truncated or corrupt data file, a split recording's last file left out), not
    merely repaired (a missing ``metadata.yaml``); ``lost`` whether there are any; ``files`` the
    data files read when they were opened one by one (else []).
    """

    def __init__(self, path: Path, parts, storage: str, compression: str, notes: list[str],
                 cleanup=(), zstd_messages=False, damage=(), files=()):
        self.path, self.parts, self.storage, self.compression = path, list(parts), storage, \
            compression
        self.files = list(files)  # the data files read, when opened file by file
        self.notes, self._cleanup, self.damage = list(notes), list(cleanup), list(damage)
        # Message-compressed data files read without metadata.yaml (rosbag2 records that mode
        # only there): each message is a zstd frame.
        self._zstd_messages = zstd_messages

    @property
    def lost(self) -> bool:
        return bool(self.damage)

    @property
    def connections(self) -> list:
        return [c for part in self.parts for c in part.connections]

    def messages(self, connections=()):
        chosen = list(connections) or self.connections
        for part in self.parts:
            own = [c for c in chosen if any(c is mine for mine in part.connections)]
            if own and self._zstd_messages:
                for connection, time_ns, data in part.messages(connections=own):
                    yield connection, time_ns, zstd_module().decompress(bytes(data))
            elif own:
                yield from part.messages(connections=own)

    def close(self) -> None:
        for part in self.parts:
            part.close()
        for directory in self._cleanup:
            shutil.rmtree(directory, ignore_errors=True)


def storage_of(reader: BagReader) -> str:
    """'mcap' or 'sqlite3': the storage of an open reader (from the metadata or the data file)."""
    return reader.storage


def open_reader(path: str | Path, salvage: bool = False) -> BagReader:
    """Open a bag directory, a directory without ``metadata.yaml``, or one data file.

    A bag's ``metadata.yaml`` opens its folder, with a note (``bag_folders.metadata_file_folder``).

    ``salvage``: read MCAP data files by their intact records only (:mod:`mcap_salvage`), for a
    file whose index opens but whose chunks fail. Raises :class:`BagError` (naming the file and
    the repair command) when nothing is readable: ``bag not found: PATH`` when nothing is
    there, ``bag PATH is a symlink loop (...)`` / ``is a broken symlink (to ..., which does not
    exist)`` / ``cannot be reached (...)`` as ``input_paths.missing`` says it, then what to give.
    A bag folder the ``rosbags`` library cannot open is read file by file with its words as a
    note, but not when they are about the last part of a split recording, left out: that
    part's own note says why (once, as a missing part is: ``recorded_files.said_missing``).
    """
    from vjepa_ros.input_paths import DOES_NOT_EXIST, missing

    path = Path(path).expanduser()
    problem = missing(path)
    if problem == DOES_NOT_EXIST:
        raise BagError(f"bag not found: {shown_path(path)}")
    if problem:  # a link that leads nowhere is no missing bag: the link is what to fix
        raise BagError(f"bag {shown_path(path)} {problem}: give the directory `ros2 bag "
                       "record` wrote, or one of its data files")
    refuse_special(path)
    path, note = metadata_file_folder(path)
    if note:  # read as the folder, with a note (eval, camera-check, train, pretrain alike)
        reader = open_reader(path, salvage)
        reader.notes.insert(0, note)
        return reader
    if path.is_file():
        refuse_unreadable(path)
        return _open_files(path, [path], [], salvage)
    files = data_files(path)
    refuse_special(path / "metadata.yaml")
    loose = loose_bag_files(path)
    if loose:  # a data folder: reading its loose files as its bag would drop the others
        raise BagError(several_recordings(path, loose))
    metadata = read_metadata(path / "metadata.yaml")  # parsed once here (rosbags: again)
    listed = listed_data_files(path, metadata)
    if listed:  # a bag folder's unlisted data files are no part of its recording
        files = listed
    files, copies = once_each(files)  # x.mcap beside x.mcap.zstd (killed while compressing)
    names = listed_names(path, metadata)
    copies += missing_parts(files, names)
    for file in files:  # before a library says it in its words (sqlite: "unable to open")
        refuse_unreadable(file)
    if salvage and files:
        return _open_files(path, files, copies, salvage)
    if files and said_missing(files, names, absent_listed(path, names)):
        return _open_files(path, files, copies)  # not rosbags' "Some database files are missing"
    if (path / "metadata.yaml").exists():
        try:
            return _open_directory(path, metadata)
        except MetadataError as exc:
            if not files:
                raise BagError(f"{exc.problem}, and {shown_path(path)} holds no rosbag2 data file "
                               f"({', '.join(DATA_SUFFIXES)}): give the directory `ros2 bag "
                               "record` wrote, or one of its data files") from exc
            note = f"{exc.problem}: reading its data files directly; {exc.fix}"
            return _open_files(path, files, [note, *copies])
        except BagError as exc:
            if not files:
                raise
            reader = _open_files(path, files, copies)
            if not _about_left_out(str(exc), files, reader.files):  # else its own note says it
                reader.notes.insert(0, f"{exc}: reading its data files directly")
            return reader  # not rosbags' "File ... seems to be empty" beside that note
    if not files:
        names = sorted(p.name for p in path.iterdir())
        present = names[:10] + ([f"and {len(names) - 10} more"] if len(names) > 10 else [])
        upper = next((f"; {name}: {fix}" for name in names  # all: not only those shown
                      if not name.lower().endswith(".npz")
                      and (fix := upper_case_fix(path / name))), "")
        raise BagError(
            f"{shown_path(path)}: no metadata.yaml and no rosbag2 data file "
            f"({', '.join(DATA_SUFFIXES)}) in "
            f"it: not a rosbag2 recording (it holds: {', '.join(present) or 'nothing'}); give the "
            f"directory `ros2 bag record` wrote, or one of its data files{upper}"
        )
    reader = _open_files(path, files, copies)
    note = (f"{shown_path(path)}: no metadata.yaml (the recorder did not close, e.g. it was "
            f"killed): read {', '.join(shown_path(f.name) for f in reader.files)} directly")
    if not reader.lost:  # reindexing cannot mend a truncated file: its own note says what can
        note += f"; `{reindex(path)}` writes the metadata"
    reader.notes.insert(0, note)
    return reader


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
    """Open a bag folder with rosbags (its ``metadata.yaml``: ``metadata``, read already)."""
    from rosbags.rosbag2 import Reader

    _, problem, fix = metadata
    if problem:
        raise MetadataError(problem, fix or f"delete it and `{reindex(path)}` writes it "
                            "again")
    reader = Reader(path)
    try:
        reader.open()
    except Exception as exc:  # rosbags raises several types for damaged bags
        raise BagError(f"{shown_path(path)}: cannot open as a rosbag2 bag: "
                       f"{one_line(plain_lists(str(exc))).rstrip('.')}") from exc
    stores = reader.storage.storages
    storage = "mcap" if stores and "mcap" in type(stores[0]).__name__.lower() else "sqlite3"
    if reader.compression_mode:
        compression = f"{reader.compression_format} {reader.compression_mode}"
    else:
        compression = _chunk_compression(stores)
    return BagReader(path, [reader], storage, compression, [])


def reindex(path: Path) -> str:
    """Return the command that writes a bag folder's ``metadata.yaml`` (path shell-quoted)."""
    from vjepa_ros.input_paths import shell_command

    return shell_command("ros2", "bag", "reindex", path)


class MetadataError(BagError):
    """A ``metadata.yaml`` that is no YAML: ``problem`` (one line naming the file), ``fix``."""

    def __init__(self, problem: str, fix: str):
        self.problem, self.fix = problem, fix
        super().__init__(f"{problem}; {fix}")


def one_line(text: str) -> str:
    """Return a library's message on one line (its line breaks and indents as single spaces).

    ``path_text.one_line``: spaces within a line (a path's) are kept.
    """
    from vjepa_ros.path_text import one_line as joined

    return joined(text)


def plain_lists(text: str) -> str:
    """Return ``text`` with Python lists of strings (``['/a.mcap', '/b.mcap']``) as words.

    For the ``rosbags`` library's messages (``Some database files are missing: ['/x.mcap']``),
    which this package's errors quote.
    """
    return re.sub(r"\[('[^'\]]*'(?:, '[^'\]]*')*)\]",
                  lambda match: match.group(1).replace("'", ""), text)


def _chunk_compression(stores) -> str:
    """MCAP's own chunk compression (zstd / lz4), or "none"."""
    kinds = {chunk.compression for store in stores for chunk in getattr(store, "chunks", [])}
    kinds.update(kind for store in stores for kind in getattr(store, "chunk_compressions", ()))
    kinds.discard("")
    return f"{'+'.join(sorted(kinds))} chunks" if kinds else "none"


def _open_files(path: Path, files: list[Path], notes: list[str], salvage=False) -> BagReader:
    """Open data files in recording order as one recording.

    The last of several (a split recording, ``x_0.mcap``, ``x_1.mcap``, ...) of which nothing
    can be read (0 bytes, cut before its first message, a ``.db3`` that does not open: the
    recorder was killed while writing it) is left out with a note (counted as damage) naming it
    and what was read; anywhere else, and alone, it is refused (:class:`UnreadableFileError`).
    """
    parts, cleanup, storages, compressions, damage, read = [], [], set(), set(), [], []
    try:
        for index, file in enumerate(files):
            refuse_special(file)
            try:
                part, storage, compression = _open_part(file, cleanup, notes, damage, salvage)
            except UnreadableFileError as exc:
                if not parts or index != len(files) - 1:
                    raise
                note = _last_left_out(exc, read, parts)
                notes.append(note)
                damage.append(note)
                break
            parts.append(part)
            read.append(file)
            storages.add(storage)
            compressions.add(compression or "none")
    except BaseException:
        for part in parts:
            part.close()
        for directory in cleanup:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    if len(storages) > 1:
        for part in parts:
            part.close()
        raise BagError(f"{shown_path(path)}: data files of both storages "
                       f"({', '.join(sorted(storages))}); "
                       "keep one recording per directory")
    compression = compressions.pop() if len(compressions) == 1 else "+".join(sorted(compressions))
    zstd_messages = _messages_are_zstd(parts[0])
    if zstd_messages:
        compression = "zstd message"
    return BagReader(path, parts, storages.pop(), compression, notes, cleanup, zstd_messages,
                     damage, read)


class UnreadableFileError(BagError):
    """A data file of which nothing can be read: ``reason`` (one line naming it), ``fix``.

    ``recover``: the command that may recover part of it ("" when there is nothing to recover).
    """

    def __init__(self, reason: str, fix: str, recover: str = ""):
        self.reason, self.fix, self.recover = reason, fix, recover
        super().__init__(f"{reason}; {fix}")


class NothingToReadError(UnreadableFileError):
    """A data file holding no message: 0 bytes, or cut before its first complete message."""

    def __init__(self, reason: str):
        super().__init__(reason, KILLED_BEFORE_WRITING)


def _last_left_out(exc: UnreadableFileError, read: list[Path], parts: list) -> str:
    """Say that a split recording's last file is left out, and what was read before it."""
    count = sum(connection.msgcount for part in parts for connection in part.connections)
    recover = f"; {exc.recover}" if exc.recover else ""
    return (f"{exc.reason}; it is the last file of a split recording (the recorder was killed "
            f"while writing it?): left out, read the {len(read)} file(s) before it "
            f"({', '.join(shown_path(file.name) for file in read)}: {count} "
            f"messages){recover}")


def refuse_unreadable(file: Path) -> None:
    """Raise :class:`BagError` when this user may not open ``file``: fix its permissions.

    The libraries say it in their own words (rosbags ``Could not open file ...``, sqlite ``unable
    to open database file``, Python's ``[Errno 13]``); the line names the file and the
    ``chmod`` (``input_paths.unreadable``).
    """
    from vjepa_ros.input_paths import unreadable

    try:
        with open(file, "rb"):
            pass
    except PermissionError as exc:
        raise BagError(unreadable(file, exc.strerror or str(exc))) from None


def _open_part(file: Path, cleanup: list, notes: list[str], damage: list[str], salvage: bool):
    """Open one data file (unpacking a ``.zstd``): ``(part, storage, compression or None)``.

    Appends to ``notes`` (and ``damage``) what was repaired or lost in it; ``file`` is one
    this user may open (:func:`open_reader` checked it: :func:`refuse_unreadable`).
    """
    if file.stat().st_size == 0:
        raise NothingToReadError(f"{shown_path(file)} is empty (0 bytes): nothing to read")
    inner, compression = file, None
    if file.name.endswith(".zstd"):
        inner, note = _unpack_zstd(file, cleanup)
        compression = "zstd file"
        if note:
            notes.append(note)
            damage.append(note)
    storage = STORAGE_OF_SUFFIX.get(inner.suffix)
    if storage is None and not file.name.lower().endswith(".npz") and \
            (fix := upper_case_fix(file)):
        raise BagError(f"{shown_path(file)}: {fix}")
    if storage is None:
        from vjepa_ros.input_paths import shell_command

        episode = ("; an episode file: write it as a bag with "
                   f"`{shell_command('vjepa-ros', 'bag-from-npz', 'OUT_BAG', '--episode', file)}`"
                   if file.suffix == ".npz" else "")
        raise BagError(f"{shown_path(file)}: not a rosbag2 data file (expected a directory, or "
                       f"{', '.join(DATA_SUFFIXES)}){episode}")
    part, note = _open_data_file(inner, storage, file, salvage)
    if note:
        notes.append(note)
        if getattr(getattr(part, "damage", None), "damaged", False):
            damage.append(note)
    if compression is None and storage == "mcap":
        compression = _chunk_compression([getattr(part, "storage", part)])
    return part, storage, compression


def _messages_are_zstd(part) -> bool:
    """Whether a data file's first message is a zstd frame (rosbag2 message compression)."""
    first = next(iter(part.messages(connections=part.connections)), None)
    return first is not None and bytes(first[2][:4]) == ZSTD_MAGIC


def zstd_module():
    try:
        from compression import zstd  # Python >= 3.14
    except ImportError:
        from backports import zstd
    return zstd


def _open_data_file(file: Path, storage: str, shown: Path, salvage: bool):
    """Open one .mcap/.db3 with rosbags; a damaged MCAP falls back to its intact part."""
    from rosbags.rosbag2 import Reader

    error = "its chunks fail"
    if not (salvage and storage == "mcap"):
        reader = Reader(file)
        try:
            reader.open()
            return reader, None
        except Exception as exc:  # rosbags raises several types for damaged files
            error = exc
    if storage == "sqlite3":
        hint = repair_hint(shown, storage)
        raise UnreadableFileError(f"{shown_path(shown)}: the SQLite3 file is damaged "
                                  f"({one_line(str(error))})", hint, hint) from error
    from vjepa_ros.recordings.mcap_salvage import McapDamageError, SalvagedMcap

    try:
        salvaged = SalvagedMcap(file)
    except McapDamageError as exc:  # its own words say why: rosbags' add nothing
        reason = str(exc).replace(str(file), str(shown))
        if reason.endswith("nothing to read"):
            raise NothingToReadError(reason) from exc
        raise BagError(f"{reason}; give the file `ros2 bag record` wrote") from exc
    except OSError as exc:
        raise BagError(f"{shown_path(shown)}: cannot read this MCAP file ({one_line(str(error))}; "
                       f"{exc})") from exc
    if not salvaged.damage.damaged:
        return salvaged, (f"{shown_path(shown)}: no MCAP summary ({error}): read by "
                          "scanning the file")
    return salvaged, salvaged.damage.summary(shown)


def _unpack_zstd(file: Path, cleanup: list) -> tuple[Path, str | None]:
    """Decompress a file-compressed data file into a temporary directory (as rosbags does)."""
    zstd = zstd_module()
    directory = tempfile.mkdtemp(prefix="vjepa_ros_bag_")
    cleanup.append(directory)
    target = Path(directory) / file.name[: -len(".zstd")]
    decompressor = zstd.ZstdDecompressor()
    with file.open("rb") as source, target.open("wb") as out:
        try:
            while block := source.read(1 << 20):
                out.write(decompressor.decompress(block))
        except zstd.ZstdError as exc:
            raise BagError(f"{shown_path(file)}: the zstd stream is corrupt ({exc}); re-copy "
                           "the file from the recording machine") from exc
    if not decompressor.eof:
        return target, (f"{shown_path(file)}: the zstd stream ends early (file cut short): "
                        "read what it holds")
    return target, None


def iter_messages(reader: BagReader, path: Path, topics: list[str]):
    """Yield ``(connection, receive time ns, raw CDR bytes)`` of these topics, in bag order.

    Damage inside a file becomes a :class:`BagError` naming the bag, the topics being read and
    the command that recovers the intact part.
    """
    connections = [c for c in reader.connections if c.topic in topics]
    iterator = reader.messages(connections=connections)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # rosbags/sqlite/decompression errors of a damaged file
            raise DamagedBagError(f"{shown_path(path)}: damaged bag while reading "
                                  f"{', '.join(topics)}: {exc}; "
                           f"{repair_hint(path, reader.storage)}") from exc
        yield item
