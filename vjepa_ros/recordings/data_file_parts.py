"""Opening a recording's data files one by one (``.mcap``, ``.db3``, either as ``.zstd``).

:func:`open_files` reads them in recording order as one :class:`~.bag_reader.BagReader`: for a
bag folder without ``metadata.yaml``, one ``rosbags`` cannot open, or one data file given by
itself. A file-compressed ``.zstd`` is unpacked to a temporary folder, a damaged MCAP read up
to its last intact message (:mod:`vjepa_ros.recordings.mcap_salvage`), a ``.db3`` with its
write-ahead log merged into a copy (:mod:`vjepa_ros.recordings.sqlite_wal`), and a split
recording's last file that holds nothing is left out with a note.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import DATA_SUFFIXES, refuse_special
from vjepa_ros.recordings.bag_reader import (
    BagError,
    BagReader,
    NothingToReadError,
    UnreadableFileError,
    one_line,
    repair_hint,
    zstd_module,
)
from vjepa_ros.recordings.ros1_bags import skipped_fix
from vjepa_ros.recordings.sqlite_cut import CutShortError, cut_short, intact_copy
from vjepa_ros.recordings.sqlite_wal import merged_copy, pending_wal
from vjepa_ros.recordings.temp_copies import TempCopies, temp_copy_full_words

STORAGE_OF_SUFFIX = {".mcap": "mcap", ".db3": "sqlite3"}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # zstd frame magic (RFC 8878); CDR starts 00 01 / 00 00


def chunk_compression(stores) -> str:
    """MCAP's own chunk compression (zstd / lz4), or "none"."""
    kinds = {chunk.compression for store in stores for chunk in getattr(store, "chunks", [])}
    kinds.update(kind for store in stores for kind in getattr(store, "chunk_compressions", ()))
    kinds.discard("")
    return f"{'+'.join(sorted(kinds))} chunks" if kinds else "none"


def open_files(path: Path, files: list[Path], notes: list[str], salvage=False,
               copies: TempCopies | None = None, damage=()) -> BagReader:
    """Open data files in recording order as one recording.

    ``copies``: where the temporary copies (a ``.zstd`` unpacked, a ``.db3`` merged with its
    log) are made once and kept (a recording's, ``temp_copies``); None: the reader's own,
    removed when it is closed. ``damage``: those of ``notes`` that say messages were lost
    already (a split part missing from the folder: ``recorded_files.missing_parts``).

    A file of several (a split recording, ``x_0.mcap``, ``x_1.mcap``, ...) of which nothing can
    be read (0 bytes, cut before its first message, a ``.db3`` that does not open) is left out
    with a note (counted as damage) naming it and what was read: the last, as the recorder
    killed while writing it; one before others, as a copy that failed on that file. Alone, or
    when no file reads, it is refused (:class:`UnreadableFileError`).
    """
    own = copies is None
    copies = TempCopies() if copies is None else copies
    parts, storages, compressions, damage, read = [], set(), set(), list(damage), []
    unreadable: list[tuple[Path, UnreadableFileError]] = []
    try:
        for index, file in enumerate(files):
            refuse_special(file)
            try:
                part, storage, compression = _open_part(file, copies, notes, damage, salvage)
            except UnreadableFileError as exc:
                if len(files) == 1:
                    raise
                if index == len(files) - 1 and parts:
                    note = _last_left_out(exc, read, parts)
                    notes.append(note)
                    damage.append(note)
                    break
                unreadable.append((file, exc))  # said once the parts read are known
                continue
            parts.append(part)
            read.append(file)
            storages.add(storage)
            compressions.add(compression or "none")
        if not parts:
            raise unreadable[0][1]
        for file, exc in unreadable:
            note = _part_left_out(exc, file, files, read)
            notes.append(note)
            damage.append(note)
    except BaseException:
        for part in parts:
            part.close()
        if own:
            copies.close()
        raise
    if len(storages) > 1:
        for part in parts:
            part.close()
        raise BagError(f"{shown_path(path)}: data files of both storages "
                       f"({', '.join(sorted(storages))}); "
                       "keep one recording per directory")
    compression = compressions.pop() if len(compressions) == 1 else "+".join(sorted(compressions))
    zstd_messages = bool(messages_are_zstd(parts[0]))
    if zstd_messages:
        compression = "zstd message"
    return BagReader(path, parts, storages.pop(), compression, notes, copies if own else None,
                     zstd_messages, damage, read)


def _last_left_out(exc: UnreadableFileError, read: list[Path], parts: list) -> str:
    """Say that a split recording's last file is left out, and what was read before it."""
    count = sum(connection.msgcount for part in parts for connection in part.connections)
    recover = f"; {exc.recover}" if exc.recover else ""
    return (f"{exc.reason}; it is the last file of a split recording (the recorder was killed "
            f"while writing it?): left out, read the {len(read)} file(s) before it "
            f"({', '.join(shown_path(file.name) for file in read)}: {count} "
            f"messages){recover}")


def _part_left_out(exc: UnreadableFileError, file: Path, files: list[Path],
                   read: list[Path]) -> str:
    """Say that a split recording's part ``file`` (not its last) is left out, the others read.

    Its recorder wrote parts after it: not killed while writing it, but a copy that failed on
    this one file (0 bytes, cut short, a ``.db3`` that does not open). The recording is read
    around it; the time it spans is missing. The fix: that one file again, or its ``recover``.
    """
    storage = STORAGE_OF_SUFFIX.get(Path(file.name.removesuffix(".zstd")).suffix)
    recover = f"; or {repair_hint(file, storage, part=True)}" if exc.recover and storage else ""
    return (f"{exc.reason}; it is part {files.index(file) + 1} of the {len(files)} of a split "
            f"recording, and its recorder wrote {len(files) - 1 - files.index(file)} after it "
            f"(a copy that failed on this file?): left out, the {len(read)} other part(s) read, "
            f"the time it spans missing; re-copy {shown_path(file.name)} from the recording "
            f"machine{recover}")


def refuse_unreadable(file: Path) -> None:
    """Raise :class:`BagError` when this user may not open ``file``: fix its permissions.

    The libraries say it in their own words (rosbags ``Could not open file ...``, sqlite ``unable
    to open database file``, Python's ``[Errno 13]``); the line names the file and the
    ``chmod`` (``path_advice.unreadable``).
    """
    from vjepa_ros.path_advice import unreadable

    try:
        with open(file, "rb"):
            pass
    except PermissionError as exc:
        raise BagError(unreadable(file, exc.strerror or str(exc))) from None


def _open_part(file: Path, copies: TempCopies, notes: list[str], damage: list[str],
               salvage: bool):
    """Open one data file (unpacking a ``.zstd``): ``(part, storage, compression or None)``.

    Appends to ``notes`` (and ``damage``) what was repaired or lost in it; ``file`` is one
    this user may open (:func:`open_reader` checked it: :func:`refuse_unreadable`).
    """
    if file.stat().st_size == 0:
        raise NothingToReadError(f"{shown_path(file)} is empty (0 bytes): nothing to read")
    inner, compression, packed_note = file, None, None
    if file.name.endswith(".zstd"):
        inner, note = copies.once((file,), lambda: _unpack_zstd(file, copies))
        compression, packed_note = "zstd file", note
        if note:
            notes.append(note)
            damage.append(note)
    storage = STORAGE_OF_SUFFIX.get(inner.suffix)
    if storage is None and not file.name.lower().endswith(".npz") and \
            (fix := skipped_fix(file)):  # x.MCAP: the move; a ROS 1 x.bag: the conversion
        raise BagError(f"{shown_path(file)}: {fix}")
    if storage is None:
        from vjepa_ros.path_advice import shell_command

        episode = ("; an episode file: write it as a bag with "
                   f"`{shell_command('vjepa-ros', 'bag-from-npz', 'OUT_BAG', '--episode', file)}`"
                   if file.suffix == ".npz" else "")
        raise BagError(f"{shown_path(file)}: not a rosbag2 data file (expected a directory, or "
                       f"{', '.join(DATA_SUFFIXES)}){episode}")
    if storage == "sqlite3" and pending_wal(inner):  # rosbags reads no write-ahead log
        inner, note, lost = merged_copy(inner, copies, file)
        notes.append(note)
        damage += [note] if lost else []
    try:
        if storage == "sqlite3" and inner.suffix == ".db3" and cut_short(inner):
            # SQLite reads its lost bytes as zeros (also when its log could not be merged)
            inner, note = _intact_rows(inner, copies, file, storage)
            notes.append(note)
            damage.append(note)
        part, note = _open_data_file(inner, storage, file, salvage)
    except UnreadableFileError as exc:
        if compression is None:  # a .zstd: its unpacked copy is no path to give
            raise
        raise _packed_unreadable(exc, file, inner, storage, bool(packed_note)) from exc
    if note:
        notes.append(note)
        if getattr(getattr(part, "damage", None), "damaged", False):
            damage.append(note)
    if compression is None and storage == "mcap":
        compression = chunk_compression([getattr(part, "storage", part)])
    return part, storage, compression


def _intact_rows(inner: Path, copies: TempCopies, file: Path, storage: str):
    """Return ``sqlite_cut.intact_copy``'s (path, note) for a cut ``.db3``; else refuse it."""
    try:
        return intact_copy(inner, copies, file)
    except CutShortError as exc:
        hint = repair_hint(file, storage)
        raise UnreadableFileError(str(exc), hint, hint) from exc


def _packed_unreadable(exc: UnreadableFileError, file: Path, inner: Path, storage: str,
                       cut: bool) -> UnreadableFileError:
    """Say why a ``.zstd`` data file's unpacked copy reads nothing, naming ``file`` alone.

    A stream that ends early (``cut``: a copy stopped short) is the cause to say first: its
    unpacked bytes are what is left, not a recorder that wrote nothing. The repair command
    unpacks it first (``sqlite3`` and ``mcap`` read no zstd file); the temporary copy is never
    named.
    """
    from vjepa_ros.path_advice import shell_command

    reason = exc.reason.replace(str(inner), f"{shown_path(file)} (unpacked)")
    unpacked = inner.stat().st_size if inner.exists() else 0
    fix = "re-copy it from the recording machine"
    if cut:  # the zstd stream ends early
        what = ("no block of it unpacks whole" if not unpacked else
                "what it unpacks to holds no complete message")
        reason = (f"{shown_path(file)}: the zstd stream ends early (file cut short, a copy "
                  f"stopped early?): {what}")
        return UnreadableFileError(reason, fix)
    out = file.with_name(inner.name)
    unpack = f"unpack it with `{shell_command('zstd', '-d', file, '-o', out)}`"
    recover = f"{unpack}, then {repair_hint(out, storage)}"
    return UnreadableFileError(reason, f"{fix}, or {recover}", recover)


def messages_are_zstd(part) -> bool | None:
    """Whether a data file's first message is a zstd frame (rosbag2 message compression).

    None when the file holds no message, or its first chunk fails (nothing tells: the read
    of its messages, ``bag_reader.iter_messages``, says it is damaged).
    """
    try:
        first = next(iter(part.messages(connections=part.connections)), None)
    except Exception:  # noqa: BLE001 - any reader error of a damaged file: said when read
        return None
    return None if first is None else bytes(first[2][:4]) == ZSTD_MAGIC


def _open_data_file(file: Path, storage: str, shown: Path, salvage: bool):
    """Open one .mcap/.db3 with rosbags; a damaged MCAP falls back to its intact part."""
    from rosbags.rosbag2 import Reader

    from vjepa_ros.recordings.mcap_salvage import (
        McapDamageError,
        SalvagedMcap,
        lacks_message_index,
        read_by_scan,
    )

    error = "its chunks fail"
    unindexed = storage == "mcap" and not salvage and read_by_scan(file)
    if not (salvage and storage == "mcap") and not unindexed:
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
    try:
        salvaged = SalvagedMcap(file)
    except McapDamageError as exc:  # its own words say why: rosbags' add nothing
        reason = str(exc).replace(str(file), str(shown))
        if reason.endswith("nothing to read"):
            raise NothingToReadError(reason) from exc
        raise UnreadableFileError(reason, "give the file `ros2 bag record` wrote") from exc
    except OSError as exc:
        raise BagError(f"{shown_path(shown)}: cannot read this MCAP file ({one_line(str(error))}; "
                       f"{exc})") from exc
    order = salvaged.order_note(shown)  # not in log-time order in the file: merged
    if not salvaged.damage.damaged and unindexed and lacks_message_index(file):
        return salvaged, order or (  # optional in MCAP: no damage
            f"{shown_path(shown)}: its chunks have no message index (optional in MCAP; rosbags "
            "reads none of their messages): read by scanning the file (MCAP library)")
    if not salvaged.damage.damaged and unindexed:  # unchunked: no note unless out of order
        return salvaged, order
    if not salvaged.damage.damaged and salvage:  # rosbags failed where the MCAP library reads
        return salvaged, order or (f"{shown_path(shown)}: the rosbags reader fails on it: read "
                                   "by scanning the file (MCAP library), every record intact")
    if not salvaged.damage.damaged:
        summary = "no MCAP summary" if _summary_missing(file) else "the rosbags reader fails"
        return salvaged, "; ".join(filter(None, [
            f"{shown_path(shown)}: {summary} ({one_line(str(error))}): read by scanning the "
            "file", order]))
    return salvaged, "; ".join(filter(None, [salvaged.damage.summary(shown), order]))


def _summary_missing(file: Path) -> bool:
    """Whether an MCAP file has no summary the MCAP library reads (cut, or never closed)."""
    from vjepa_ros.recordings.mcap_salvage import has_summary

    return not has_summary(file)


def _unpack_zstd(file: Path, copies: TempCopies) -> tuple[Path, str | None]:
    """Decompress a file-compressed data file into a temporary directory (as rosbags does).

    Raises BagError naming the file for a corrupt stream, and the temp folder and ``TMPDIR``
    when it has no space for the unpacked copy (``temp_copies.temp_copy_full_words``).
    """
    zstd = zstd_module()
    target = copies.folder("vjepa_ros_bag_") / file.name[: -len(".zstd")]
    decompressor = zstd.ZstdDecompressor()
    with file.open("rb") as source, target.open("wb") as out:
        try:
            while block := source.read(1 << 20):
                out.write(decompressor.decompress(block))
        except zstd.ZstdError as exc:
            raise BagError(f"{shown_path(file)}: the zstd stream is corrupt ({exc}); re-copy "
                           "the file from the recording machine") from exc
        except OSError as exc:
            if not (full := temp_copy_full_words(exc, file)):
                raise
            raise BagError(f"{shown_path(file)}: cannot unpack it: {full}") from exc
    if not decompressor.eof:
        return target, (f"{shown_path(file)}: the zstd stream ends early (file cut short): "
                        "read what it holds")
    return target, None
