"""What a run trained on, so that ``--resume`` refuses data that changed since.

A run stores, per data option (``--data``, ``--val``), a fingerprint of each source it found
(:func:`data_identity`): the source's path and a digest of what training reads from it, not of
how it is serialized. For a bag: its data files' names relative to it, their sizes and their
first and last 64 KiB (``metadata.yaml`` is left out: ``ros2 bag reindex``, or a reload and
write-back, rewrites it with the same content). For an ``.npz`` episode: each array's name,
uncompressed size and CRC-32 as the zip directory records them (no decompression; the same arrays
saved again, compressed or not, give the same digest). That is cheap and survives a copy or a
move (no modification times), while a bag added to a folder, removed, or re-recorded in place is
a change :func:`data_change` names in one line.

Digests are written ``v2:<hex>``; runs stored before them hold the digest of every file's bytes
(:func:`legacy_digest`), which :func:`data_identity` computes instead when asked to compare with
such a run. Runs stored before the walk skipped macOS ``._*`` files and upper-case suffixes and
read a folder reached by several links once (session 27) digested the files of every route
(:func:`every_route`): :func:`resume_change` takes those digests too, so a resume over unchanged
data is never refused.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from vjepa_ros.atomic_files import is_partial
from vjepa_ros.input_paths import missing
from vjepa_ros.recordings.bag_files import DATA_SUFFIXES, walk_files

EDGE = 64 * 1024  # bytes read at each end of a file
VERSION = "v2:"  # prefix of digests of what training reads (older runs: none)


def _edges(digest, file: Path, name: str) -> None:
    """Feed a file's name, size and first and last :data:`EDGE` bytes to ``digest``."""
    size = file.stat().st_size
    digest.update(f"{name}\0{size}\0".encode())
    with file.open("rb") as stream:
        digest.update(stream.read(EDGE))
        if size > 2 * EDGE:
            stream.seek(size - EDGE)
            digest.update(stream.read(EDGE))


def legacy_digest(path: Path, walk=walk_files) -> str:
    """Return the hex digest runs stored before :data:`VERSION`: every file's bytes' edges.

    ``walk``: how a folder's files are listed (:func:`every_route`: as runs before session 27).
    """
    path = Path(path).expanduser()
    digest = hashlib.sha1()
    for file in _walked(path, walk) if path.is_dir() else [path]:
        _edges(digest, file, file.name if file == path else str(file.relative_to(path)))
    return digest.hexdigest()


def source_digest(path: Path, walk=walk_files) -> str:
    """Return ``v2:<hex>``, the digest of what training reads from a source.

    A bag (directory or data file): its data files (not ``metadata.yaml``); an ``.npz``: its
    arrays' names, sizes and CRC-32s. A broken link in a folder is left out (as the search
    leaves it out, with a note). Raises OSError when a file cannot be read (the data reader
    then names it too); an ``.npz`` that is no zip file is digested by its bytes.
    ``walk``: how a folder's files are listed (:func:`every_route`: as runs before session 27).
    """
    path = Path(path).expanduser()
    digest = hashlib.sha1()
    if path.is_dir():
        for file in _walked(path, walk):
            if file.name.endswith(DATA_SUFFIXES):
                _edges(digest, file, str(file.relative_to(path)))
    elif path.suffix == ".npz" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.infolist(), key=lambda m: m.filename):
                digest.update(f"{member.filename}\0{member.file_size}\0{member.CRC}\0".encode())
    else:
        _edges(digest, path, path.name)
    return VERSION + digest.hexdigest()


def _walked(path: Path, walk) -> list[Path]:
    """Return ``walk(path)``'s files less the broken links (a moved disk's, a link loop).

    ``train.episodes.find_sources`` skips those with a note; opening one would stop training.
    """
    return [file for file in walk(path) if not (file.is_symlink() and missing(file))]


def is_legacy(stored: dict | None) -> bool:
    """Whether a run's stored data identity holds digests from before :data:`VERSION`."""
    return any(not digest.startswith(VERSION)
               for paths in (stored or {}).values() for digest in paths.values())


def data_identity(groups: dict[str, list], legacy: bool = False) -> dict[str, dict[str, str]]:
    """Return ``{option: {resolved source path: digest}}`` of ``{option: [Source, ...]}``.

    ``legacy``: the digests runs stored before :data:`VERSION` (:func:`legacy_digest`), to
    compare with such a run; what a run stores is always the current kind.
    """
    digest = legacy_digest if legacy else source_digest
    return {option: {str(Path(s.path).expanduser().resolve()): digest(s.path)
                     for s in sources} for option, sources in groups.items()}


def resume_change(stored: dict, groups: dict[str, list], identity: dict | None = None
                  ) -> str | None:
    """Return what differs between a resumed run's stored data and ``groups`` found now.

    :func:`data_change` of :func:`data_identity` (``identity`` when already taken; legacy
    digests for a run that stored those). A folder source whose digest is none stored is
    digested again as runs stored before the walk changed (session 27) did
    (:func:`every_route`: ``._*`` files and every link route counted); it is the same source
    when that digest was stored. None: the same data; else the one line of :func:`data_change`.
    """
    legacy = is_legacy(stored)
    current = data_identity(groups, legacy=legacy) if legacy or identity is None else \
        {option: dict(paths) for option, paths in identity.items()}
    if data_change(stored, current) is None:
        return None
    digest = legacy_digest if legacy else source_digest
    for option, sources in groups.items():
        known = set(stored.get(option, {}).values())
        for source in sources:
            path = Path(source.path).expanduser()
            key = str(path.resolve())
            if current[option][key] in known or not path.is_dir():
                continue
            try:
                earlier = digest(path, walk=every_route)
            except (OSError, ValueError, RecursionError):  # too many routes, unreadable
                continue
            if earlier in known:
                current[option][key] = earlier
    return data_change(stored, current)


def every_route(directory: Path, limit: int = 100_000) -> list[Path]:
    """Return the files under ``directory`` as the walk listed them before session 27.

    Every route through symlinked folders (a link back to a folder it is in not followed),
    macOS ``._*`` files and upper-case suffixes included, ``*.partial`` files and FIFOs left
    out; sorted. Each real folder is listed once (:class:`_Folders`), routes into folders
    holding no file by any route are not taken, and the routes are counted: raises ValueError
    past ``limit`` files or folder routes (a mesh of links holds exponentially many), OSError
    for a folder that cannot be listed.
    """
    folders = _Folders()
    top = os.fspath(directory)
    real_top = os.path.realpath(top)
    holding = folders.holding_files(real_top)
    found: list[str] = []
    routes = 0

    def walk(folder: str, real: str, route: frozenset[str]) -> None:
        nonlocal routes
        routes += 1
        if routes > limit:
            raise ValueError(f"{directory}: over {limit} folder routes by every route")
        folder_names, files = folders.listing(real)
        found.extend(os.path.join(folder, name) for name in files)
        if len(found) > limit:
            raise ValueError(f"{directory}: over {limit} files by every route")
        inside = route | {real}
        for name, child in folder_names:
            if child not in inside and child in holding:
                walk(os.path.join(folder, name), child, inside)

    walk(top, real_top, frozenset())
    return sorted(map(Path, found))


class _Folders:
    """Real folders' listings for :func:`every_route`, each folder listed once.

    A listing: its folders (name, real path: links resolved from the real folder, as
    ``os.path.realpath`` of any route to it gives) and its files' names (``*.partial`` and
    what is no regular file left out), both in name order.
    """

    def __init__(self) -> None:
        self._listings: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}

    def listing(self, real: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Return the listing of the real folder ``real`` (listed on the first call only).

        Raises OSError when the folder cannot be listed (permission denied, gone).
        """
        if real not in self._listings:
            with os.scandir(real) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
            folders, files = [], []
            for entry in entries:
                path = os.path.join(real, entry.name)
                try:
                    is_folder = entry.is_dir()
                except OSError:
                    is_folder = False
                if is_folder:
                    folders.append((entry.name, os.path.realpath(path)))
                elif not is_partial(entry.name) and os.path.isfile(path):
                    files.append(entry.name)
            self._listings[real] = (folders, files)
        return self._listings[real]

    def holding_files(self, top: str) -> set[str]:
        """Return the real folders reached from ``top`` with a file in or below them.

        Every folder reached is listed (once); by any route, so it holds for each route.
        """
        reached, stack, parents = {top}, [top], {}
        while stack:
            real = stack.pop()
            for _, child in self.listing(real)[0]:
                parents.setdefault(child, set()).add(real)
                if child not in reached:
                    reached.add(child)
                    stack.append(child)
        holding = {real for real in reached if self.listing(real)[1]}
        stack = list(holding)
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in holding:
                    holding.add(parent)
                    stack.append(parent)
        return holding


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
