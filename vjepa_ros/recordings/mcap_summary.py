"""An MCAP file's summary section, read once per file version, and what it tells of the file.

Whether a file ends in a summary (:func:`has_summary`: its recorder closed it), whether its
chunks lack their message index (:func:`lacks_message_index`) or it is read by a scan
(:func:`read_by_scan`, ``mcap_salvage.SalvagedMcap``), and the summary's schemas and channels,
which the scan reads first (:func:`_summary_channels`).
"""

from __future__ import annotations

from pathlib import Path

from mcap.records import Channel, Schema

from vjepa_ros.recordings.file_versions import per_file_version

MAGIC_SIZE = 8
MAGIC = b"\x89MCAP0\r\n"  # at the start and the end of a file (MCAP spec, "Magic")


def lacks_message_index(path: str | Path) -> bool:
    """Whether an MCAP file's summary indexes a chunk of messages without its message index.

    The message index is optional (MCAP spec; the ``mcap`` writer's
    ``index_types=IndexType.CHUNK``); rosbags reads no message of such a chunk, so the file is
    read by scanning it (:class:`SalvagedMcap`), in file order.
    """
    return _lacks_index(_summary(Path(path)))


def _lacks_index(summary) -> bool:
    """Whether ``summary`` (None: none) indexes a chunk of messages without its message index."""
    return summary is not None and any(not index.message_index_offsets
                                       and index.message_end_time
                                       for index in summary.chunk_indexes)


def has_summary(path: str | Path) -> bool:
    """Whether an MCAP file ends in a summary the MCAP library reads (its recorder closed it).

    False when it cannot be read.
    """
    try:
        return _summary(Path(path)) is not None
    except OSError:
        return False


def read_by_scan(path: str | Path) -> bool:
    """Whether an MCAP file is read by scanning it (:class:`SalvagedMcap`), not by rosbags.

    Its chunks lack their message index (:func:`lacks_message_index`), or its messages are in
    no chunk (``noChunking: true``, the ``mcap`` writer's ``use_chunking=False``): rosbags
    reads such a file in file order and fails where that is not log-time order ("Unindexed
    MCAP messages are not in timestamp order"); the scan reads it in log-time order.
    """
    summary = _summary(Path(path))
    if summary is None:
        return False
    counted = summary.statistics.message_count if summary.statistics else 0
    return _lacks_index(summary) or (not summary.chunk_indexes and counted > 0)


def _summary_channels(path: Path) -> tuple[dict[int, Schema], dict[int, Channel], int]:
    """Return the summary section's schema and channel records by id, and its message count.

    The count is the statistics record's (0: none). Empty when the file does not end in the
    MCAP magic (cut short) or its footer or summary does not parse: the data section's own
    records are then all there is.
    """
    summary = _summary(path)
    if summary is None:
        return {}, {}, 0
    counted = summary.statistics.message_count if summary.statistics else 0
    return dict(summary.schemas), dict(summary.channels), counted


@per_file_version(16, resolve=True)
def _summary(path: Path):
    """Return the file's ``mcap`` summary; None when it has none or it does not parse.

    Parsed once per file as it is on disk: one open of a bag asks up to three times
    (``bag_files``' and ``data_file_parts``' :func:`lacks_message_index`, then
    :class:`SalvagedMcap`), so the summary is kept per file version
    (``file_versions.per_file_version``) and parsed again only for a file changed since.
    Raises OSError for a file that cannot be read, as its open does.
    """
    from mcap.reader import make_reader

    with path.open("rb") as file:
        try:
            file.seek(-MAGIC_SIZE, 2)
            if file.read(MAGIC_SIZE) != MAGIC:
                return None
            file.seek(0)
            return make_reader(file).get_summary()
        except Exception:  # noqa: BLE001 - any damage in the footer or summary: not used
            return None
