"""Read what is intact in a damaged MCAP file: a recorder killed mid-write, or corrupt chunks.

The ``rosbags`` MCAP reader needs the file's footer and summary (written when the recorder
closes); a file cut short ("File end magic is invalid") is refused whole. This reader streams the
data section with the MCAP project's own ``mcap.stream_reader.StreamReader`` instead, which needs
no footer, decompresses each chunk with ``breakup_chunk`` (zstd/lz4, CRC checked) and skips a
chunk that fails. :class:`Damage` counts what was lost. A chunk that decompresses but holds a
record whose length runs past the chunk's records fails to parse (``Damage.bad_chunks``): that
alone, not a summary count above the records read (no message index, messages a recorder
dropped), is damage inside a chunk.

The library loses a chunk cut by the truncation whole (its record runs past the end of the
file). rosbag2 writes ~1 MiB chunks, up to a second of camera frames, and a short recording may
be one chunk: the field recording ``truncated-mcap`` would give nothing (0 instead of 21
messages), a bag cut at 70 % 6 instead of 11 frames. So for that one chunk the library parses the
header (``Chunk.read``), :func:`_decompress_prefix` decompresses what is there, and
``breakup_chunk`` reads its whole records.

Chunked writers put each schema and channel record into the chunk of the channel's first
message: a corrupt first chunk would leave every later message without its topic. When the file
ends in an intact summary section (a chunk corrupt in a file that was closed), its schema and
channel records are read first, so those messages are read; without it they are counted as
unreadable, never as read (breaker45v).

:class:`Damage` and :class:`McapDamageError` are in ``mcap_damage.py``; what the summary
section says (:func:`has_summary`, :func:`lacks_message_index`, :func:`read_by_scan`) in
``mcap_summary.py``; all importable from here as before.

The reader has the subset of the ``rosbags.rosbag2.Reader`` interface this package uses:
``connections``, ``messages(connections)``, ``close()``.
"""

from __future__ import annotations

import dataclasses
import struct
from collections import Counter
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from mcap.data_stream import ReadDataStream
from mcap.exceptions import EndOfFile, InvalidMagic, RecordLengthLimitExceeded
from mcap.opcode import Opcode
from mcap.records import Channel, Chunk, DataEnd, Footer, Message, MessageIndex, Schema
from mcap.stream_reader import StreamReader, breakup_chunk, get_chunk_data_stream

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.mcap_damage import Damage, McapDamageError
from vjepa_ros.recordings.mcap_order import FileOrder
from vjepa_ros.recordings.mcap_summary import (  # noqa: F401 (re-exported: callers import them)
    MAGIC,
    MAGIC_SIZE,
    _summary_channels,
    has_summary,
    lacks_message_index,
    read_by_scan,
)

RECORD_HEAD = 9  # opcode u8 + length u64 (MCAP spec, "Records")
ROSBAG2_METADATA = struct.pack("<I", 7) + b"rosbag2"  # its Metadata record's name (string)


def closing_record(rest: bytes) -> bool:
    """Whether ``rest``, the cut record a file ends in, is one written after its last message.

    rosbag2's recorder writes its ``rosbag2`` Metadata record as it closes a file, after every
    chunk and message index, then the Data End record (MCAP spec): a cut inside either loses
    no message. Any other cut record (a chunk, a message, an index, another Metadata) may.
    """
    if not rest:
        return False
    if rest[0] == Opcode.DATA_END:
        return True
    name = rest[RECORD_HEAD:RECORD_HEAD + len(ROSBAG2_METADATA)]
    return rest[0] == Opcode.METADATA and name == ROSBAG2_METADATA


def _decompress_prefix(data: bytes, compression: str) -> bytes:
    """Decompress as much of a cut compressed stream as its bytes allow."""
    if compression == "":
        return data
    if compression == "zstd":
        from vjepa_ros.recordings.bag_files import zstd_module

        return zstd_module().ZstdDecompressor().decompress(data)
    if compression == "lz4":
        from lz4.frame import LZ4FrameDecompressor

        return LZ4FrameDecompressor().decompress(data)
    raise ValueError(f"unknown chunk compression {compression!r}")


def _whole_records(raw: bytes) -> bytes:
    """Return the longest prefix of a chunk's records that ends on a record boundary."""
    end = 0
    while end + RECORD_HEAD <= len(raw):
        (length,) = struct.unpack_from("<Q", raw, end + 1)
        if end + RECORD_HEAD + length > len(raw):
            break
        end += RECORD_HEAD + length
    return raw[:end]


class SalvagedMcap:
    """The intact part of one MCAP file, read without its footer and summary.

    Raises :class:`McapDamageError` for an empty file, one without the MCAP magic, or one cut
    before its first complete message; ``OSError`` when the file cannot be read.
    """

    def __init__(self, path: str | Path):
        from rosbags.interfaces import (
            Connection,
            ConnectionExtRosbag2,
            MessageDefinition,
            MessageDefinitionFormat,
        )
        from rosbags.rosbag2.metadata import parse_qos

        self.path = Path(path).expanduser()
        self.damage = Damage(file_size=self.path.stat().st_size)
        if self.damage.file_size < MAGIC_SIZE:
            size = self.damage.file_size
            raise McapDamageError(f"{shown_path(self.path)} is {'cut' if size else 'empty'} "
                                  f"({size} bytes, "
                                  "less than the MCAP magic): nothing to read")
        self.chunk_compressions: set[str] = set()  # "" (none), "zstd", "lz4" of the chunks seen
        self._schemas, self._channels, summed = _summary_channels(self.path)
        counts: Counter = Counter()
        self.order = FileOrder()  # where each channel lies, how far the file goes back in time
        for offset, message in self._walk_at(self.damage):
            counts[message.channel_id] += 1
            self.order.add(offset, message)
        self.order.finish()
        # a cut file's summary, if any, is not this file's; without a bad chunk a count above
        # the records is the writer's (no message index, messages dropped): no damage
        if self.damage.truncated_at is None and self.damage.bad_chunks:
            self.damage.vanished = max(0, summed - self.damage.messages_read
                                       - self.damage.lost_messages - self.damage.orphaned)
        self.connections = []
        for channel in sorted(self._channels.values(), key=lambda c: c.id):
            try:
                qos = parse_qos(channel.metadata.get("offered_qos_profiles", ""))
            except Exception:  # noqa: BLE001 - damaged QoS text: the topic is still readable
                qos = []
            schema = self._schemas.get(channel.schema_id)
            self.connections.append(Connection(
                channel.id, channel.topic, schema.name if schema else "",
                MessageDefinition(MessageDefinitionFormat.NONE, ""), "", counts[channel.id],
                ConnectionExtRosbag2(channel.message_encoding, qos), self,
            ))
        if self.damage.messages_read == 0 and (self.damage.orphaned or self.damage.lost_chunks
                                               or self.damage.bad_chunks):
            raise McapDamageError(self.damage.summary(self.path))  # "read 0 intact messages"
        if self.damage.messages_read == 0 and (self.damage.damaged or not self.damage.ended):
            # 8 bytes of magic, or its Header too: a recorder killed before its first chunk
            raise McapDamageError(
                f"{shown_path(self.path)} is truncated before its first complete message "
                f"({self.damage.file_size} bytes): nothing to read"
            )

    def close(self) -> None:
        """Nothing is held open: each :meth:`messages` call reads the file on its own."""

    @property
    def in_order(self) -> bool:
        """Whether the file's messages are in log-time order (``mcap_order.FileOrder``)."""
        return self.order.in_order

    @property
    def disordered(self) -> set[int]:
        """Ids of the channels whose own messages go back in log time in the file."""
        return self.order.disordered

    def messages(self, connections=()) -> Iterator[tuple[object, int, bytes]]:
        """Yield ``(connection, log time ns, raw CDR bytes)`` of these connections (all: empty).

        In log-time order, as ``ros2 bag play`` plays: a file in that order is read in one
        pass; one that is not (written topic after topic: ``mcap merge`` of one-topic files, a
        converter) is read by ``mcap_order.FileOrder.merged`` (:meth:`order_note`).
        """
        wanted = {c.id: c for c in (connections or self.connections)}
        yield from self.order.merged(
            lambda at: self._walk_at(Damage(file_size=self.damage.file_size), at), wanted)

    def order_note(self, shown: Path) -> str | None:
        """Say that the file's messages are not in log-time order, and how they are read.

        None when they are. ``shown``: the path to name.
        """
        return self.order.note(shown)

    # -- the scan

    def _walk_at(self, damage: Damage, at: int = 0) -> Iterator[tuple[int, Message]]:
        """Yield every intact message in file order (by log time inside a chunk); count it.

        From the record at byte ``at`` (0: the file's start); each with the offset of the
        record (chunk or message) that holds it.
        """
        with self.path.open("rb") as file:
            file.seek(at)
            # No record is longer than the file: a longer length is the cut (or corrupt) one.
            records = StreamReader(file, emit_chunks=True, skip_magic=at > 0,
                                   record_size_limit=self.damage.file_size).records
            counting = indexed = False  # after a corrupt chunk: its message index, counted
            while True:
                start = max(file.tell(), MAGIC_SIZE)
                try:
                    record = next(records, None)
                except InvalidMagic as exc:
                    raise McapDamageError(f"{shown_path(self.path)} does not start with the "
                                          "MCAP magic bytes: not an MCAP file, or its start is "
                                          "overwritten") from exc
                except (EndOfFile, RecordLengthLimitExceeded, struct.error):
                    file.seek(start)
                    rest = file.read()
                    # else: the file ends between records, or in those written at close
                    if start < damage.file_size and not closing_record(rest):
                        damage.truncated_at = start
                        yield from ((start, m) for m in self._cut_chunk(rest, damage))
                    damage.ended = closing_record(rest)
                    return
                if record is None or isinstance(record, (DataEnd, Footer)):
                    damage.ended = record is not None
                    return
                if isinstance(record, Chunk):
                    lost = damage.lost_chunks
                    yield from ((start, m) for m in self._chunk(record, damage))
                    counting, indexed = damage.lost_chunks > lost, False  # its index follows
                elif isinstance(record, MessageIndex):
                    if counting:  # one record per channel of the corrupt chunk
                        damage.lost_messages += len(record.records)
                        damage.indexed_lost_chunks += not indexed
                        indexed = True
                else:
                    counting = False
                    yield from ((start, m) for m in self._keep([record], damage))

    def _chunk(self, chunk: Chunk, damage: Damage) -> list[Message]:
        self.chunk_compressions.add(chunk.compression)
        try:
            stream, size = get_chunk_data_stream(chunk, validate_crc=True)
            raw = stream.read(size)
            whole = _whole_records(raw)  # a record whose length runs past the end: not read
            records = breakup_chunk(dataclasses.replace(chunk, compression="", data=whole,
                                                        uncompressed_crc=0))
        except Exception:  # noqa: BLE001 - any decoder/CRC/record error: the chunk is lost
            damage.lost_chunks += 1
            damage.lost_spans.append((chunk.message_start_time, chunk.message_end_time))
            return []
        damage.chunks_read += 1
        damage.bad_chunks += len(whole) != len(raw)  # the records after it are lost with it
        return self._keep(records, damage)

    def _cut_chunk(self, rest: bytes, damage: Damage) -> list[Message]:
        """Return the whole messages of a chunk cut by the end of the file (``rest``)."""
        if not rest or rest[0] != Opcode.CHUNK:
            return []  # a cut record outside a chunk: nothing whole in it
        try:  # the library reads the header; the data is as long as the file allows
            chunk = Chunk.read(ReadDataStream(BytesIO(rest[RECORD_HEAD:])))
        except (EndOfFile, struct.error):
            return []  # cut inside the chunk header
        self.chunk_compressions.add(chunk.compression)
        try:
            raw = _whole_records(_decompress_prefix(chunk.data, chunk.compression))
            whole = dataclasses.replace(chunk, compression="", data=raw, uncompressed_crc=0)
            messages = self._keep(breakup_chunk(whole), damage)
        except Exception:  # noqa: BLE001 - any decoder error (ZstdError, LZ4 RuntimeError)
            messages = []
        damage.partial_chunks += 1
        last = messages[-1].log_time if messages else chunk.message_start_time
        damage.lost_spans.append((last, max(chunk.message_end_time, last)))
        return messages

    def _keep(self, records, damage: Damage) -> list[Message]:
        """Remember schemas and channels; return the messages, by log time."""
        messages = []
        for record in records:
            if isinstance(record, Schema):
                self._schemas[record.id] = record
            elif isinstance(record, Channel):
                self._channels[record.id] = record
            elif isinstance(record, Message) and record.channel_id not in self._channels:
                damage.orphaned += 1  # its channel record was in a lost chunk: no topic
            elif isinstance(record, Message):
                messages.append(record)
                damage.count(record)
        return sorted(messages, key=lambda message: message.log_time)


def records_fail(path: str | Path) -> bool:
    """Whether a record of this MCAP file fails to parse (or its chunks, or its end, are lost).

    A scan of the whole file (:class:`SalvagedMcap`): what a read short of the summary's count
    is checked by, so that only damage is called damage. False when the file cannot be read.
    """
    try:
        return SalvagedMcap(path).damage.damaged
    except McapDamageError:
        return True
    except OSError:
        return False
