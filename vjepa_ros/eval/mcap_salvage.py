"""Read what is intact in a damaged MCAP file: a recorder killed mid-write, or corrupt chunks.

The ``rosbags`` MCAP reader needs the file's footer and summary (written when the recorder
closes); a file cut short ("File end magic is invalid") is refused whole. This reader walks the
data section record by record instead (MCAP spec, https://mcap.dev/spec: magic, then records of
``opcode u8, length u64 LE, content``) and keeps every complete Schema, Channel and Message,
inside Chunks as well. A chunk cut by the truncation is decompressed as far as its bytes go (no
compression, zstd and lz4 are streamed) and its complete messages are kept; a whole chunk that
does not decompress or fails its CRC is skipped. :class:`Damage` counts what was lost.

The reader has the subset of the ``rosbags.rosbag2.Reader`` interface this package uses:
``connections``, ``messages(connections)``, ``close()``.
"""

from __future__ import annotations

import dataclasses
import mmap
import struct
from binascii import crc32
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"\x89MCAP0\r\n"
OP_FOOTER, OP_SCHEMA, OP_CHANNEL, OP_MESSAGE, OP_CHUNK, OP_DATA_END = 0x02, 0x03, 0x04, 0x05, \
    0x06, 0x0F
RECORD_HEAD = 9  # opcode u8 + length u64
CHUNK_FIXED = 8 + 8 + 8 + 4  # message_start_time, message_end_time, uncompressed_size, crc


class McapDamageError(ValueError):
    """An MCAP file with nothing to salvage (not MCAP at all, or cut before any message)."""


@dataclasses.dataclass
class Damage:
    """What a scan of a damaged MCAP file found. Times are log times [ns]."""

    file_size: int = 0
    truncated_at: int | None = None  # byte offset where a record runs past the end of the file
    messages_read: int = 0
    chunks_read: int = 0  # complete, intact chunks
    partial_chunks: int = 0  # chunks cut by the truncation (their complete messages are kept)
    lost_chunks: int = 0  # complete chunks that do not decompress or fail their CRC
    lost_spans: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    first_time: int | None = None
    last_time: int | None = None

    @property
    def damaged(self) -> bool:
        return self.truncated_at is not None or self.lost_chunks > 0

    def summary(self, path: Path) -> str:
        """One line: what was read, what was lost (bytes, chunks, time span)."""
        parts = []
        if self.truncated_at is not None:
            parts.append(f"the file is truncated at {self.file_size} bytes, inside the record "
                         f"that starts at byte {self.truncated_at}")
        if self.partial_chunks:
            parts.append(f"{self.partial_chunks} chunk(s) cut short (complete messages kept)")
        if self.lost_chunks:
            parts.append(f"{self.lost_chunks} corrupt chunk(s) skipped")
        lost = sum(end - start for start, end in self.lost_spans) / 1e9
        span = ""
        if self.first_time is not None:
            span = f" ({(self.last_time - self.first_time) / 1e9:.2f} s)"
        return (f"{path} is damaged (recorder killed mid-write?): {'; '.join(parts)}; read "
                f"{self.messages_read} intact messages{span}, lost messages spanning "
                f"{lost:.2f} s; `mcap recover {path} -o recovered.mcap` (MCAP CLI) rewrites it")


def _string(buf: memoryview, pos: int) -> tuple[str, int]:
    (size,) = struct.unpack_from("<I", buf, pos)
    end = pos + 4 + size
    if end > len(buf):
        raise struct.error("string runs past its record")
    return bytes(buf[pos + 4:end]).decode("utf-8", "replace"), end


def _string_map(buf: memoryview, pos: int) -> dict[str, str]:
    (size,) = struct.unpack_from("<I", buf, pos)
    pos, end, found = pos + 4, pos + 4 + size, {}
    while pos < end:
        key, pos = _string(buf, pos)
        value, pos = _string(buf, pos)
        found[key] = value
    return found


def _records(buf: memoryview) -> Iterator[tuple[int, memoryview | None, int]]:
    """Yield ``(opcode, content, offset)``; content None for a record cut by the buffer's end."""
    pos = 0
    while pos < len(buf):
        if pos + RECORD_HEAD > len(buf):
            yield -1, None, pos
            return
        op = buf[pos]
        (length,) = struct.unpack_from("<Q", buf, pos + 1)
        end = pos + RECORD_HEAD + length
        if end > len(buf):
            yield op, None, pos
            return
        yield op, buf[pos + RECORD_HEAD:end], pos
        pos = end


def _decompress_prefix(data: bytes, compression: str) -> bytes:
    """Decompress as much of a cut compressed stream as its bytes allow."""
    if compression == "":
        return data
    if compression == "zstd":
        from vjepa_ros.eval.bag_files import zstd_module

        return zstd_module().ZstdDecompressor().decompress(data)
    if compression == "lz4":
        from lz4.frame import LZ4FrameDecompressor

        return LZ4FrameDecompressor().decompress(data)
    raise ValueError(f"unknown chunk compression {compression!r}")


class SalvagedMcap:
    """The intact part of one MCAP file, read without its footer and summary."""

    def __init__(self, path: str | Path):
        from rosbags.interfaces import (
            Connection,
            ConnectionExtRosbag2,
            MessageDefinition,
            MessageDefinitionFormat,
        )
        from rosbags.rosbag2.metadata import parse_qos

        self.path = Path(path)
        self._file = self.path.open("rb")
        try:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            self._file.close()
            raise McapDamageError(f"{self.path} is empty (0 bytes)") from exc
        if self._map[:len(MAGIC)] != MAGIC:
            self.close()
            raise McapDamageError(f"{self.path} does not start with the MCAP magic bytes: not an "
                                  "MCAP file, or its start is overwritten")
        self.damage = Damage(file_size=len(self._map))
        self._schemas: dict[int, str] = {}
        self._channels: dict[int, tuple[str, int, str, dict]] = {}
        counts: dict[int, int] = {}
        for channel_id, _, _ in self._walk(self.damage):
            counts[channel_id] = counts.get(channel_id, 0) + 1
        self.connections = []
        for channel_id, (topic, schema_id, encoding, meta) in sorted(self._channels.items()):
            try:
                qos = parse_qos(meta.get("offered_qos_profiles", ""))
            except Exception:  # noqa: BLE001 - damaged QoS text: the topic is still readable
                qos = []
            self.connections.append(Connection(
                channel_id, topic, self._schemas.get(schema_id, ""),
                MessageDefinition(MessageDefinitionFormat.NONE, ""), "", counts.get(channel_id, 0),
                ConnectionExtRosbag2(encoding, qos), self,
            ))
        if self.damage.messages_read == 0 and self.damage.damaged:
            self.close()
            raise McapDamageError(
                f"{self.path} is truncated before its first complete message "
                f"({self.damage.file_size} bytes): nothing to read"
            )

    def close(self) -> None:
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:  # a message generator left unfinished still holds a view
                pass  # the map closes when that generator is collected
            self._map = None
        self._file.close()

    def messages(self, connections=()) -> Iterator[tuple[object, int, bytes]]:
        """Yield ``(connection, log time ns, raw CDR bytes)`` of these connections (all: empty)."""
        wanted = {c.id: c for c in (connections or self.connections)}
        for channel_id, log_time, data in self._walk(None):
            if channel_id in wanted:
                yield wanted[channel_id], log_time, data

    # -- the scan

    def _walk(self, damage: Damage | None) -> Iterator[tuple[int, int, bytes]]:
        """Yield ``(channel id, log time, data)`` of every intact message in file order.

        With ``damage`` given, record schemas/channels and count what is lost into it.
        """
        buf = memoryview(self._map)[len(MAGIC):]
        for op, content, offset in _records(buf):
            if op == OP_CHUNK:
                yield from self._chunk(content, buf[offset + RECORD_HEAD:], damage)
            elif content is None:
                if damage is not None:
                    damage.truncated_at = len(MAGIC) + offset
                return
            elif op in (OP_DATA_END, OP_FOOTER):
                return
            else:
                yield from self._record(op, content, damage)
            if op == OP_CHUNK and content is None:
                if damage is not None:
                    damage.truncated_at = len(MAGIC) + offset
                return

    def _chunk(self, content, rest, damage):
        complete = content is not None
        body = content if complete else rest
        if len(body) < CHUNK_FIXED + 4:
            return
        start, end, size, crc = struct.unpack_from("<QQQI", body, 0)
        try:
            compression, pos = _string(body, CHUNK_FIXED)
            records = body[pos + 8:]
            if complete:
                (records_size,) = struct.unpack_from("<Q", body, pos)
                records = records[:records_size]
            raw = _decompress_prefix(bytes(records), compression)
            if complete and (len(raw) != size or (crc and crc32(raw) != crc)):
                raise ValueError("size or CRC mismatch")
        except Exception:  # noqa: BLE001 - any decoder error (ZstdError, LZ4 RuntimeError): lost
            if damage is not None:
                damage.lost_chunks += complete
                damage.partial_chunks += not complete
                damage.lost_spans.append((start, end))
            return
        messages = []
        for op, inner, _ in _records(memoryview(raw)):
            if inner is None:
                break
            messages.extend(self._record(op, inner, damage))
        messages.sort(key=lambda item: item[1])
        if damage is not None:
            if complete:
                damage.chunks_read += 1
            else:
                damage.partial_chunks += 1
                last = messages[-1][1] if messages else start
                damage.lost_spans.append((last, max(end, last)))
        yield from messages

    def _record(self, op, content, damage) -> list[tuple[int, int, bytes]]:
        try:
            if op == OP_SCHEMA and damage is not None:
                (schema_id,) = struct.unpack_from("<H", content, 0)
                name, _ = _string(content, 2)
                self._schemas[schema_id] = name
            elif op == OP_CHANNEL and damage is not None:
                channel_id, schema_id = struct.unpack_from("<HH", content, 0)
                topic, pos = _string(content, 4)
                encoding, pos = _string(content, pos)
                self._channels[channel_id] = (topic, schema_id, encoding,
                                              _string_map(content, pos))
            elif op == OP_MESSAGE:
                channel_id, _, log_time, _ = struct.unpack_from("<HIQQ", content, 0)
                if damage is not None:
                    damage.messages_read += 1
                    damage.first_time = log_time if damage.first_time is None \
                        else min(damage.first_time, log_time)
                    damage.last_time = log_time if damage.last_time is None \
                        else max(damage.last_time, log_time)
                return [(channel_id, log_time, bytes(content[22:]))]
        except struct.error:
            pass  # a record too short for its fields: corrupt, skipped
        return []
