"""A ``.db3`` cut short (a copy or download stopped early): its intact rows, never zero bytes.

SQLite reads the bytes missing past the end of a cut database file as zeros (a short read is
zero-filled, SQLite's os layer): a file cut inside a page of an image's blob gives that frame
back partly zeroed, without an error. :func:`cut_short` tells such a file from its header (the
page size, and the page count SQLite wrote: "Database File Format", sqlite.org/fileformat.html);
:func:`intact_copy` writes the rows that do not depend on the lost bytes into a new database in a
temporary folder: each row is read twice, from the file (missing bytes read as ``00``) and from a
copy whose missing bytes are ``ff``; a row read alike both times holds no lost byte. Indexes are
built again in the copy (an index page may be the one cut). The user's file is never written.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from itertools import zip_longest
from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.sqlite_wal import pending_wal, read_only_uri
from vjepa_ros.recordings.temp_copies import TempCopies, temp_copy_full_words

HEADER = b"SQLite format 3\x00"


class CutShortError(Exception):
    """A cut ``.db3`` whose remaining rows cannot be told intact (its tables do not read)."""


def _pages(file: Path) -> tuple[int, int] | None:
    """Return ``(page size in bytes, pages the file must hold)`` from an SQLite header.

    The page count is the header's (offset 28) when valid (its version-valid-for number at 92
    equals the change counter at 24), else the file's size in whole pages rounded up. None for
    a file that is no SQLite database (its own reader says so).
    """
    try:
        with file.open("rb") as source:
            head = source.read(100)
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(HEADER):
        return None
    page = struct.unpack_from(">H", head, 16)[0]
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        return None
    counter, count = struct.unpack_from(">II", head, 24)
    valid = struct.unpack_from(">I", head, 92)[0] == counter and count > 0
    size = file.stat().st_size
    return page, max(count if valid else 0, -(-size // page))


def cut_short(file: Path) -> str | None:
    """Return how ``file`` (a ``.db3``) is cut short, or None when it holds every page.

    E.g. ``"cut short: 36824 bytes, 8 pages of 4096 bytes need 40960"``: its size is no whole
    number of pages, or fewer pages than its header counts.
    """
    pages = _pages(file)
    if pages is None:
        return None
    page, count = pages
    size = file.stat().st_size
    if size >= page * count:
        return None
    return f"cut short: {size} bytes, {count} pages of {page} bytes need {page * count}"


def needs_own_copy(file: Path) -> bool:
    """Whether an SQLite3 data file must be read from a copy of ours, not as it lies.

    Its write-ahead log holds messages (``sqlite_wal.pending_wal``: rosbags opens the file
    immutable, without its log) or a ``.db3`` is cut short (:func:`cut_short`: SQLite reads the
    lost bytes as zeros).
    """
    return bool(pending_wal(file)) or (file.suffix == ".db3" and bool(cut_short(file)))


def intact_copy(file: Path, copies: TempCopies, shown: Path) -> tuple[Path, str]:
    """Return ``(path of a copy holding the intact rows, note)`` for a ``.db3`` cut short.

    The note names ``shown`` (the file as the user gave it), what is cut and how many messages
    were left out (those holding a lost byte). Raises :class:`CutShortError` when its tables do
    not read (the lost bytes held their structure, not only message data): the caller refuses
    it with the ``sqlite3 .recover`` command. Made once per read of a recording (``copies``).
    """
    return copies.once((file,), lambda: _copy(file, copies, shown))


def _copy(file: Path, copies: TempCopies, shown: Path) -> tuple[Path, str]:
    how = cut_short(file)
    page, count = _pages(file)
    folder = copies.folder("vjepa_ros_cut_")
    filled, target = folder / f"ff_{file.name}", folder / file.name
    try:
        shutil.copyfile(file, filled)
        with filled.open("ab") as out:  # the lost bytes as ff, where SQLite reads 00
            out.write(b"\xff" * (page * count - file.stat().st_size))
        kept, lost, stopped = _rows(read_only_uri(file), read_only_uri(filled), target)
    except sqlite3.Error as exc:
        raise CutShortError(f"{shown_path(shown)}: the SQLite3 file is {how}, and its tables "
                            f"do not read ({exc})") from exc
    except OSError as exc:
        why = temp_copy_full_words(exc, file) or str(exc)
        raise CutShortError(f"{shown_path(shown)}: the SQLite3 file is {how}; its intact rows "
                            f"cannot be copied ({why})") from exc
    finally:
        filled.unlink(missing_ok=True)
    said = (f"{lost} message(s) holding lost bytes left out, the {kept} intact read" if lost
            else f"the {kept} intact message(s) read")
    if stopped:  # a page of the messages table itself was lost: what follows it is unknown
        said += ", those after them unreadable (a table page was cut off)"
    return target, (f"{shown_path(shown)}: the SQLite3 file is {how} (a copy stopped early?): "
                    f"{said}; re-copy it from the recording machine for the rest")


def _rows(zeros: str, ones: str, target: Path) -> tuple[int, int, bool]:
    """Copy the rows read alike from ``zeros`` and ``ones`` into ``target``.

    Returns ``(messages kept, messages left out, stopped)``: ``stopped`` when the scan of the
    ``messages`` table failed on a page in the lost bytes (the rows before it are kept). Every
    other table (topics, schema, metadata: a row lost there changes what every message means)
    must read alike whole: else :class:`sqlite3.DatabaseError`.
    """
    first, second = sqlite3.connect(zeros, uri=True), sqlite3.connect(ones, uri=True)
    out = sqlite3.connect(target)
    try:
        query = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY " \
                "type = 'index'"
        schema = first.execute(query).fetchall()
        if schema != second.execute(query).fetchall():
            raise sqlite3.DatabaseError("its schema lies in the lost bytes")
        kept = lost = 0
        stopped = False
        for kind, name, sql in schema:
            if kind != "table" or name.startswith("sqlite_"):
                continue
            out.execute(sql)
            query = f'SELECT * FROM "{name}" ORDER BY rowid'
            pairs = zip_longest(first.execute(query), second.execute(query))
            while True:
                try:
                    one, other = next(pairs, (None, None))
                except sqlite3.DatabaseError:
                    if name != "messages":
                        raise
                    stopped = True
                    break
                if one is None and other is None:
                    break
                if one != other or one is None:
                    if name != "messages":
                        raise sqlite3.DatabaseError(f"a row of its {name} table lies in the "
                                                    "lost bytes")
                    lost += 1
                    continue
                out.execute(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(one))})', one)
                kept += name == "messages"
        if stopped and not kept:
            raise sqlite3.DatabaseError("its messages table does not read")
        for kind, _name, sql in schema:
            if kind == "index":
                out.execute(sql)
        out.commit()
        return kept, lost, stopped
    finally:
        for connection in (first, second, out):
            connection.close()
