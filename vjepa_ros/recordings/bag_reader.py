"""An open rosbag2 recording, and the errors that opening or reading one raises.

:class:`BagReader` (what :func:`vjepa_ros.recordings.bag_files.open_reader` returns),
:func:`iter_messages` over it, the :class:`BagError` family, and the commands that repair a
damaged bag (:func:`repair_hint`, :func:`mcap_recover`, :func:`reindex`).
"""

from __future__ import annotations

import re
from pathlib import Path

from vjepa_ros.message_words import message_words
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.file_versions import per_file_version

KILLED_BEFORE_WRITING = ("the recorder stopped (was killed) before it wrote a message: leave "
                         "this bag out of the data given, or record it again")


class BagError(ValueError):
    """A bag that cannot be used: missing, damaged, lacking a topic or of an unknown type."""


DAMAGED_HINT = "re-copy it from the recording machine, or re-record"  # a damaged message's fix
TRAIN_DAMAGED_HINT = ", or leave it out of the data given"  # train's further fix (train_words)


def message_range_words(first: int, last: int, count: int) -> str:
    """Name a topic's messages at 0-based ``first``..``last`` of ``count`` as a user counts them.

    ``messages 6..8 of 8`` for indices 5..7: from 1, as :func:`message_words` names one.
    """
    return f"messages {first + 1}..{last + 1} of {count}"


class DamagedMessageError(BagError):
    """A message that does not deserialize, with the fix and the library's words.

    ``PATH: TOPIC message N (counting from 1) is damaged: FIX (the library's words)``;
    :func:`train_words` adds train's fix.
    """

    def __init__(self, lead: str, cause: str):
        self.lead, self.cause = lead, cause
        super().__init__(self.words())

    def words(self, more: str = "") -> str:
        """Return the message with ``more`` after the fix, before the library's words."""
        return f"{self.lead}: {DAMAGED_HINT}{more} ({self.cause})"


def damaged_message(path, topic: str, index: int, exc: Exception) -> BagError:
    """Return the error of message ``index`` (0-based) of ``topic`` that does not deserialize.

    With a fix; camera and state messages alike (breaker49b: a camera's said no fix); the
    message named as :func:`message_words` counts; the library's text last, in parentheses.
    """
    return DamagedMessageError(f"{path}: {topic} {message_words(index)} is damaged",
                               one_line(str(exc)).rstrip("."))


def train_words(exc: Exception) -> str:
    """Return ``exc``'s message as train says it: a damaged message may be left out of the data."""
    if isinstance(exc, DamagedMessageError):
        return exc.words(TRAIN_DAMAGED_HINT)
    return str(exc)


class DamagedBagError(BagError):
    """A data file that fails while its messages are read (corrupt chunk, sqlite error)."""


def repair_hint(path: Path, storage: str, part: bool = False) -> str:
    """Return the command that recovers the intact part of a damaged data file.

    ``part``: ``path`` is one part of a split recording: the recovered file goes in its place
    (read alone, it would drop the other parts).
    """
    from vjepa_ros.path_advice import shell_command

    path = Path(path)
    use = ("move recovered.{} to " + shown_path(path.name).replace("{", "{{").replace("}", "}}")
           + " (the damaged file kept elsewhere), then read the recording again" if part else
           "read recovered.{}")
    if storage == "sqlite3":
        return (f"recover its intact rows with `{shell_command('sqlite3', path, '.recover')} | "
                f"sqlite3 recovered.db3` and {use.format('db3')}")
    if part:
        return f"rewrite its intact part with {mcap_recover(path)}, and {use.format('mcap')}"
    return f"rewrite its intact part with {mcap_recover(path)}"


def mcap_recover(path: Path) -> str:
    """Return the MCAP CLI command that rewrites a damaged MCAP file's intact part.

    ```mcap recover PATH -o recovered.mcap` (MCAP CLI: <where to get it>)``, the path
    shell-quoted.
    """
    from vjepa_ros.path_advice import shell_command

    return (f"`{shell_command('mcap', 'recover', Path(path))} -o recovered.mcap` (MCAP CLI: "
            "https://github.com/foxglove/mcap/releases)")


class BagReader:
    """An open recording: one rosbags reader per part (a bag directory, or single data files).

    ``connections`` (rosbags ``Connection`` list), ``messages(connections)`` yields
    ``(connection, receive time ns, raw CDR bytes)`` part after part; ``storage`` is "mcap" or
    "sqlite3", ``compression`` a label ("none", "zstd file", "zstd message", "zstd chunks", ...),
    ``notes`` what was repaired or lost while opening; ``damage`` those of them that say messages
    were lost (a truncated or corrupt data file, a split recording's last file left out, a
    part missing from the folder: ``recorded_files.missing_parts``), not
    merely repaired (a missing ``metadata.yaml``); ``lost`` whether there are any; ``files`` the
    data files read when they were opened one by one (else []).
    """

    def __init__(self, path: Path, parts, storage: str, compression: str, notes: list[str],
                 copies=None, zstd_messages=False, damage=(), files=()):
        self.path, self.parts, self.storage, self.compression = path, list(parts), storage, \
            compression
        self.files = list(files)  # the data files read, when opened file by file
        self.notes, self.damage = list(notes), list(damage)
        self._copies = copies  # temp_copies.TempCopies of this reader alone, closed with it
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
        if self._copies is not None:
            self._copies.close()


def storage_of(reader: BagReader) -> str:
    """'mcap' or 'sqlite3': the storage of an open reader (from the metadata or the data file)."""
    return reader.storage


def reindex(path: Path) -> str:
    """Return the command that writes a bag folder's ``metadata.yaml`` (path shell-quoted)."""
    from vjepa_ros.path_advice import shell_command

    return shell_command("ros2", "bag", "reindex", path)


def reindex_advice(path: Path) -> str:
    """Return the optional advice to write a bag folder's missing metadata (:func:`reindex`).

    Optional: the data files are read without it; ``ros2`` needs a ROS 2 install, which this
    package does not (user52u).
    """
    return f"with a ROS 2 install, `{reindex(path)}` writes the metadata (not needed to read it)"


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


def zstd_module():
    try:
        from compression import zstd  # Python >= 3.14
    except ImportError:
        from backports import zstd
    return zstd


def iter_messages(reader: BagReader, path: Path, topics: list[str],
                  types: dict[str, str | frozenset[str]] | None = None,
                  short: dict[tuple[str, str], tuple[int, int]] | None = None):
    """Yield ``(connection, receive time ns, raw CDR bytes)`` of these topics, in bag order.

    ``types``: topic -> the message type, or the set of types, read (``topic_types``' second
    result); a topic's connections of other types are left out (None: every connection of the
    topics). Decode each message by its own connection's ``msgtype``.

    Damage inside a file becomes a :class:`DamagedBagError` naming the bag, the topics being
    read and the command that recovers the intact part: any reader error (rosbags'
    ``ReaderError``, ``OverflowError`` or ``struct.error`` of a damaged record length, zstd and
    lz4 errors, sqlite errors, ``MemoryError`` of a huge length), and a read short of its
    summary's count in an MCAP file with a record that fails to parse (records hidden by a
    chunk damaged inside). A summary count (MCAP statistics, ``metadata.yaml``) above what the
    records hold is no damage by itself (a recorder that dropped messages under load counts
    them; rosbags gives a topic's channels listed twice to one entry): compared per (topic,
    type) sum, each shortfall goes to ``short`` ((topic, type) -> (counted, read)) when given,
    for a note (:func:`shortfall_note`).
    """
    def wanted(connection) -> bool:
        kinds = None if types is None else types.get(connection.topic, ())
        return connection.topic in topics and (
            kinds is None or connection.msgtype in ({kinds} if isinstance(kinds, str) else kinds))

    connections = [c for c in reader.connections if wanted(c)]
    iterator = reader.messages(connections=connections)
    read: dict[tuple[str, str], int] = {}  # (topic, type) -> messages yielded
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            break
        except Exception as exc:  # rosbags/sqlite/decompression errors of a damaged file
            raise _damaged(reader, path, topics, one_line(str(exc)) or type(exc).__name__) \
                from exc
        key = (item[0].topic, item[0].msgtype)
        read[key] = read.get(key, 0) + 1
        yield item
    counted: dict[tuple[str, str], int] = {}
    for connection in connections:
        key = (connection.topic, connection.msgtype)
        counted[key] = counted.get(key, 0) + connection.msgcount
    shortfall = {key: (count, read.get(key, 0)) for key, count in counted.items()
                 if read.get(key, 0) < count}
    if shortfall and _records_fail(reader, path):
        held = ", ".join(f"{topic} {held} of {count}"
                         for (topic, _), (count, held) in shortfall.items())
        raise _damaged(reader, path, topics, f"its summary counts more messages than its "
                       f"records hold ({held} read) and a record fails to parse")
    if short is not None:
        short.update(shortfall)


def shortfall_note(path, topic: str, msgtype: str, counted: int, held: int) -> str:
    """Say that ``topic``'s summary counts ``counted`` messages where its records hold ``held``.

    No damage: a recorder that dropped messages under load (its cache full) counts them in
    ``metadata.yaml``; the records read are all there is, and no repair brings more.
    """
    return (f"{shown_path(path)}: {topic} [{msgtype}]: its summary counts {counted}, its "
            f"records hold {held} (messages the recorder counted but dropped under load?): "
            f"read the {held}")


def _records_fail(reader: BagReader, path: Path) -> bool:
    """Whether a record of the reader's MCAP data files fails to parse (a chunk damaged inside).

    False for SQLite3 (its damage is an error while reading), for a reader that scans its MCAP
    files already (``mcap_salvage``: its notes say what failed) and for data files that are
    not plain ``.mcap`` (a ``.zstd`` unpacked by rosbags).
    """
    from vjepa_ros.recordings.mcap_salvage import SalvagedMcap

    if reader.storage != "mcap" or any(isinstance(p, SalvagedMcap) for p in reader.parts):
        return False
    return any(_file_records_fail(file) for file in _data_files(reader, Path(path))
               if file.suffix == ".mcap")


def _file_records_fail(file: Path) -> bool:
    """Whether a record of this MCAP file fails to parse; one scan per file as it is on disk.

    A bag whose ``metadata.yaml`` merely over-counts is short on every full read (the index
    pass, each player loop): the answer is kept per file version (resolved;
    ``file_versions.per_file_version``), so the decompressing scan runs again only for a file
    changed since. False when the file cannot be read.
    """
    try:
        return _records_fail_cached(file)
    except OSError:
        return False


@per_file_version(64, resolve=True)
def _records_fail_cached(resolved: Path) -> bool:
    """Scan ``resolved`` for a record that fails to parse (``mcap_salvage.records_fail``)."""
    from vjepa_ros.recordings.mcap_salvage import records_fail

    return records_fail(resolved)


def _data_files(reader: BagReader, path: Path) -> list[Path]:
    """Return the reader's data files: those opened one by one, a folder's, or ``path`` itself."""
    from vjepa_ros.recordings.bag_folders import data_files

    return reader.files or (data_files(path) if path.is_dir() else [path])


def _failing_database(files: list[Path]) -> Path | None:
    """Return the first ``.db3`` of ``files`` that fails SQLite's ``PRAGMA quick_check``."""
    import sqlite3

    from vjepa_ros.recordings.sqlite_wal import read_only_uri

    for file in files:
        try:
            connection = sqlite3.connect(read_only_uri(file), uri=True)
            try:
                if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    return file
            finally:
                connection.close()
        except sqlite3.Error:
            return file
    return None


def _damaged(reader: BagReader, path: Path, topics: list[str], what: str) -> DamagedBagError:
    """Return the one-line error of a data file that fails while ``topics`` are read.

    The repair command names the data file when the bag has one (a folder's only ``.db3``), the
    part that fails SQLite's quick check of a split SQLite3 recording, else the path given.
    """
    path = Path(path)
    files = _data_files(reader, path)
    kind = "the SQLite3 file is damaged" if reader.storage == "sqlite3" else "damaged bag"
    if len(files) == 1:
        fix = repair_hint(files[0], reader.storage)
    elif reader.storage == "sqlite3" and (failing := _failing_database(files)):
        kind = f"its part {shown_path(failing.name)} is damaged"
        fix = repair_hint(failing, reader.storage, part=True)
    else:
        fix = repair_hint(path, reader.storage)
    return DamagedBagError(f"{shown_path(path)}: {kind} while reading {', '.join(topics)}: "
                           f"{what}; {fix}")
