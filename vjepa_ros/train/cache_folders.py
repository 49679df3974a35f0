"""A feature cache directory's key folders: names, sizes, a new key's line, the old layout.

One folder per key (``key-<digest>``, :data:`KEY_CHARS` hex digits) holds ``key.json``,
``shards/`` and ``banks/`` (``feature_cache``'s module docstring); :func:`new_key_line` says
what differs from the newest other key, :func:`adopt_flat_layout` moves a cache of the older flat
layout into its key's folder. Used by ``feature_cache.FeatureCache`` (importable from there).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from vjepa_ros.planning.memory import memory_size

KEY_FILE = "key.json"
CODE_WORDS = "code (the recording readers, the preprocessing or the encoder's code changed)"
KEY_CHARS = 12  # hex digits of the key digest in a key folder's name


def key_digest(key: dict) -> str:
    """Return the SHA-1 hex digest of ``key`` as key.json stores it (sorted, ``default=str``)."""
    return hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def folder_bytes(folder: Path) -> int:
    """Return the bytes of the files under ``folder`` (0 where it cannot be read)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            pass
    return total


def new_key_line(root: Path, key: dict, others: list[Path]) -> str:
    """Return the line for a key without features yet in ``root`` that holds ``others``."""
    def age(folder: Path) -> float:
        try:
            return (folder / KEY_FILE).stat().st_mtime
        except OSError:
            return 0.0

    newest = max(others, key=age)
    try:
        stored = json.loads((newest / KEY_FILE).read_text())
    except (OSError, ValueError):
        stored = {}
    changed = ", ".join(_changed(stored, key)) or "its key.json cannot be read"
    size = memory_size(sum(folder_bytes(folder) for folder in others))
    return (f"features    cache {root} has no features for these settings yet (they differ "
            f"from its newest in: {changed}): encoding them; the features of "
            f"{len(others)} other setting(s) are kept ({size}; delete a key-* "
            "folder to reclaim it)")


def adopt_flat_layout(root: Path, log=print) -> None:
    """Move a cache of the older flat layout into its key's folder, so its features are used.

    The flat layout kept key.json, shards/ and banks/ in ``root`` itself; one line says so.

    A flat key.json that cannot be read leaves the old folders where they are, with a line
    saying that they are not used and can be deleted.
    """
    flat = root / KEY_FILE
    if not flat.is_file():
        return
    try:
        stored = json.loads(flat.read_text())
    except (OSError, ValueError):
        stored = None
    if not isinstance(stored, dict):
        log(f"features    {flat} cannot be read: the old shards/ and banks/ beside it are not "
            "used (delete them to reclaim the space)")
        return
    target = root / f"key-{key_digest(stored)[:KEY_CHARS]}"
    target.mkdir(exist_ok=True)
    for name in ("shards", "banks"):
        if (root / name).is_dir() and not (target / name).exists():
            (root / name).rename(target / name)
    flat.replace(target / KEY_FILE)
    log(f"features    cache {root}: moved its features into {target.name}/ (one folder per "
        "setting since this version)")


def _changed(stored: dict, key: dict) -> list[str]:
    """Names of the key entries that differ (encoder, data.rate_hz, ...)."""
    if not isinstance(stored, dict):
        return []
    changed = [CODE_WORDS if name == "code" else name for name in ("format", "encoder", "code")
               if stored.get(name) != key.get(name)]
    stored_data = stored.get("data") if isinstance(stored.get("data"), dict) else {}
    current = json.loads(json.dumps(key["data"], default=str))
    changed += [f"data.{name}" for name in sorted(set(stored_data) | set(current))
                if stored_data.get(name) != current.get(name)]
    return changed
