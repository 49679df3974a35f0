"""What a scan of a damaged MCAP file found, and the one line that says it (``mcap_salvage``).

:class:`Damage` counts what :class:`~vjepa_ros.recordings.mcap_salvage.SalvagedMcap` read and
lost (bytes, chunks, messages, time spans); :class:`McapDamageError` is raised for a file with
nothing to salvage.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mcap.records import Message

from vjepa_ros.path_text import shown_path


class McapDamageError(ValueError):
    """An MCAP file with nothing to salvage (not MCAP, cut before any message, none readable)."""


@dataclasses.dataclass
class Damage:
    """What a scan of a damaged MCAP file found. Times are log times [ns]."""

    file_size: int = 0
    truncated_at: int | None = None  # byte offset of the record that runs past the end of the file
    messages_read: int = 0
    chunks_read: int = 0  # complete, intact chunks
    partial_chunks: int = 0  # chunks cut by the truncation (their complete messages are kept)
    lost_chunks: int = 0  # complete chunks that do not decompress or fail their CRC
    lost_spans: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    # messages of the corrupt chunks, by the message index records after them; a chunk whose
    # index is gone, and whatever the truncation cut, cannot be counted
    lost_messages: int = 0
    indexed_lost_chunks: int = 0
    orphaned: int = 0  # intact messages of a channel whose record was in a lost chunk: unread
    # chunks that decompress but hold a record that fails to parse (its length runs past the
    # chunk's records: changed on disk); the library reads what it can of them
    bad_chunks: int = 0
    # messages the file's intact summary counts beyond those read, lost and orphaned, in a
    # file with a bad chunk: records hidden by that damage (0 without one: a summary count
    # above the records is no damage by itself)
    vanished: int = 0
    first_time: int | None = None
    last_time: int | None = None
    ended: bool = False  # the scan reached the Data End or Footer record: the file was closed

    @property
    def damaged(self) -> bool:
        return self.truncated_at is not None or self.lost_chunks > 0 or self.bad_chunks > 0

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
        if self.bad_chunks:
            parts.append(f"{self.bad_chunks} chunk(s) with a record that fails to parse (its "
                         "length runs past the chunk)")
        if self.vanished:
            parts.append(f"{self.vanished} message(s) its summary counts are in no readable "
                         "record (a chunk damaged inside)")
        if self.orphaned:
            parts.append(f"{self.orphaned} intact message(s) unreadable (their channel was "
                         "defined in a lost chunk, and the file has no summary naming it)")
        lost = sum(end - start for start, end in self.lost_spans) / 1e9
        span = ""
        if self.first_time is not None:
            span = f" ({(self.last_time - self.first_time) / 1e9:.2f} s)"
        from vjepa_ros.recordings.bag_files import mcap_recover

        cause = "recorder killed mid-write?" if self.truncated_at is not None else \
            "changed on disk or in a copy?"
        return (f"{shown_path(path)} is damaged ({cause}): "
                f"{'; '.join(parts)}; read "
                f"{self.messages_read} intact messages{span}, {self._lost_count(lost)}; "
                f"{mcap_recover(path)} rewrites it")

    def _lost_count(self, seconds: float) -> str:
        """Say how many messages were lost, as far as the file can tell, over ``seconds``.

        A corrupt chunk's messages are counted by the message index records written after it;
        a file cut short lost the index of its cut chunk and the summary that counts every
        message (``mcap info``'s count), so those are not counted, and the text says so.
        """
        counted = self.indexed_lost_chunks == self.lost_chunks
        span = f"spanning {seconds:.2f} s" if self.lost_spans else "at unknown times"
        if self.truncated_at is None and counted and not self.lost_messages + self.vanished:
            return "no message lost"
        if self.truncated_at is None and counted:
            return f"lost {self.lost_messages + self.vanished} messages {span}"
        uncounted = ("how many is unknown: the cut took the message index and the summary that "
                     "count them" if self.truncated_at is not None else
                     "how many is unknown: a corrupt chunk's message index is gone too")
        if self.lost_messages:
            return (f"lost {self.lost_messages} messages in corrupt chunks and more, {span} "
                    f"({uncounted})")
        return f"lost messages {span} ({uncounted})"

    def count(self, message: Message) -> None:
        self.messages_read += 1
        time = message.log_time
        self.first_time = time if self.first_time is None else min(self.first_time, time)
        self.last_time = time if self.last_time is None else max(self.last_time, time)
