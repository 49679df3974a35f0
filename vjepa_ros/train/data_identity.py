"""What a run trained on, so that ``--resume`` refuses data that changed since.

A run stores, per data option (``--data``, ``--val``), a fingerprint of each source it found
(:func:`data_identity`): the source's path and a digest of its files' names relative to it, their
sizes and their first and last 64 KiB. That is cheap (128 KiB a file) and survives a copy or a
move (no modification times), while a bag added to a folder, removed, or re-recorded in place is
a change :func:`data_change` names in one line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from vjepa_ros.eval.bag_files import walk_files

EDGE = 64 * 1024  # bytes read at each end of a file


def source_digest(path: Path) -> str:
    """Return the hex digest of a source (a file, or a bag directory's files).

    Raises OSError when a file cannot be read (the data reader then names it too).
    """
    path = Path(path).expanduser()
    files = walk_files(path) if path.is_dir() else [path]
    digest = hashlib.sha1()
    for file in files:
        size = file.stat().st_size
        name = file.name if file == path else str(file.relative_to(path))
        digest.update(f"{name}\0{size}\0".encode())
        with file.open("rb") as stream:
            digest.update(stream.read(EDGE))
            if size > 2 * EDGE:
                stream.seek(size - EDGE)
                digest.update(stream.read(EDGE))
    return digest.hexdigest()


def data_identity(groups: dict[str, list]) -> dict[str, dict[str, str]]:
    """Return ``{option: {resolved source path: digest}}`` of ``{option: [Source, ...]}``."""
    return {option: {str(Path(s.path).expanduser().resolve()): source_digest(s.path)
                     for s in sources} for option, sources in groups.items()}


def data_change(stored: dict, current: dict) -> str | None:
    """Return what differs between a run's stored data and the data found now (None: same).

    A source found at another path with the same digest (moved, copied) is the same source.
    The text: ``--data: added /a/x (1 more); removed /a/y; changed /a/z (other contents)``.
    """
    parts = []
    for option in dict.fromkeys([*stored, *current]):
        old, new = stored.get(option, {}), current.get(option, {})
        old_digests, new_digests = set(old.values()), set(new.values())
        changed = [p for p in new if p in old and new[p] != old[p]]
        added = [p for p in new if p not in old and new[p] not in old_digests]
        removed = [p for p in old if p not in new and old[p] not in new_digests]
        found = [f"{word} {_shown(paths)}" for word, paths in
                 (("added", added), ("removed", removed), ("changed", changed)) if paths]
        if found:
            parts.append(f"{option}: {'; '.join(found)}")
    return " | ".join(parts) or None


def _shown(paths: list[str]) -> str:
    more = f" ({len(paths) - 2} more)" if len(paths) > 2 else ""
    return ", ".join(paths[:2]) + more
