"""The messages a killed SQLite3 recorder left in its write-ahead log (``x.db3-wal``).

rosbag2's ``resilient`` storage preset writes ``.db3`` files in WAL mode: until a checkpoint,
new messages live in ``x.db3-wal`` beside it, and a recorder killed mid-recording leaves them
there. The ``rosbags`` library opens a ``.db3`` immutable, which reads the main file alone. Here
the file and its log are copied to a temporary folder and the copy is checkpointed
(:func:`merged_copy`), once per read of the recording (``temp_copies``); the user's files are
never written.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.temp_copies import TempCopies, temp_copy_full_words


def read_only_uri(file: Path) -> str:
    """Return the URI that opens ``file`` read-only and immutable (``sqlite3.connect(uri=True)``).

    Immutable: SQLite takes no lock and reads no ``-wal`` or ``-journal`` beside it (the main
    file alone, as rosbags reads it); the path is percent-quoted (``?`` or ``#`` in a name).
    """
    return f"file:{quote(str(file))}?immutable=1"


def pending_wal(file: Path) -> Path | None:
    """Return ``file``'s write-ahead log (``x.db3-wal``) when one with content lies beside it."""
    wal = file.with_name(f"{file.name}-wal")
    try:
        return wal if wal.is_file() and wal.stat().st_size > 0 else None
    except OSError:
        return None


def _count(uri: str) -> int:
    """Return the messages in the database at ``uri``: 0 when it has no ``messages`` table yet.

    A recorder killed before its first checkpoint left every table, the schema too, in the log:
    its ``.db3`` holds a header alone (breaker34a: counted as damaged, the bag refused).
    """
    connection = sqlite3.connect(uri, uri=True)
    try:
        tables = connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                    "AND name = 'messages'").fetchone()[0]
        if not tables:
            return 0
        return int(connection.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
    finally:
        connection.close()


def merged_copy(file: Path, copies: TempCopies, shown: Path | None = None
                ) -> tuple[Path, str, bool]:
    """Return ``(path to read, note, lost)`` for a ``.db3`` whose ``-wal`` holds content.

    The file and its log are copied into a temporary folder of ``copies`` (once while they are
    unchanged: a recording opened again for its frames reads the same copy) and the copy
    checkpointed: the path returned holds every message, the note counts those that were in
    the log alone (all of them when the recorder never checkpointed). When the log cannot be
    merged (sqlite3 refuses it, no space for the copy: the note names the temp folder and
    ``TMPDIR``), the file itself is returned with a note that its log's messages are not read,
    and ``lost`` True. ``shown``: the name to show for ``file`` (default ``file``).
    """
    wal = file.with_name(f"{file.name}-wal")
    return copies.once((file, wal), lambda: _merge(file, wal, copies, shown or file))


def _merge(file: Path, wal: Path, copies: TempCopies, shown: Path) -> tuple[Path, str, bool]:
    try:
        target = copies.folder("vjepa_ros_wal_") / file.name
        shutil.copyfile(file, target)
        shutil.copyfile(wal, target.with_name(wal.name))
        before = _count(read_only_uri(file))  # the log's rows not seen
        connection = sqlite3.connect(target)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        after = _count(f"file:{quote(str(target))}?mode=ro")
    except (OSError, sqlite3.Error) as exc:
        why = temp_copy_full_words(exc, file) or str(exc)
        return file, (f"{shown_path(shown)}-wal: its write-ahead log could not be merged ({why}): "
                      "the messages only it holds are not read"), True
    return target, (f"{shown_path(shown)}-wal: {after - before} message(s) the recorder had not "
                    f"yet moved into {shown_path(shown.name)} (killed while recording in WAL "
                    "mode?) read from a merged copy; the files are left as they are"), False
