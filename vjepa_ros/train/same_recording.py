"""One recording reached by several paths is one source: read once, never in train and val both.

A recording is known by its data files, not by the path it was reached by: a bag folder and its
own ``.mcap``, a link to the folder and a link to the file, a folder reached through a link and
directly, a hard link, all name the same files (:func:`recording_files`: each file's device and
inode). A ``x.mcap.zstd`` beside ``x.mcap`` is the same recording compressed
(``bag_folders.compressed_copy_of``): it counts as ``x.mcap``. A copy of a recording at another
path (``cp -r``) has other files; given as --val of one in --data, a byte-identical copy is
refused here (:func:`shared_recordings`): it would validate on training data. Once read, a
copy, or the same recording in another storage format, is known by its steps
(``same_content``): read once in --data, refused as --val.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import compressed_copy_of, data_files
from vjepa_ros.recordings.recorded_files import listed_data_files


def recording_files(path: Path, kind: str) -> frozenset:
    """Return what identifies the recording at ``path``: its data files' (device, inode) pairs.

    ``kind``: ``"npz"`` (the file) or ``"bag"`` (a bag folder's data files, or one data file).
    A bag folder's data files are those its ``metadata.yaml`` lists, the files read (an
    unlisted one beside them is a recording of its own). A compressed copy beside its original
    counts as the original. A file that cannot be
    stat'ed counts by its resolved path (its reader names the problem).
    """
    path = Path(path)
    files = [path]
    if kind == "bag" and path.is_dir():  # a bag folder's: those its metadata.yaml lists
        files = listed_data_files(path) or data_files(path)
    return frozenset(_file_identity(compressed_copy_of(file) or file) for file in files)


def _file_identity(file: Path):
    try:
        info = os.stat(file)
    except OSError:
        return str(Path(file).resolve())
    return info.st_dev, info.st_ino


def read_once(sources: list, notes: list[str] | None = None) -> list:
    """Return ``sources`` (``episodes.Source``) with each recording once, sorted by path.

    Of the paths of one recording the one read is a bag folder before its data file (the
    folder has the metadata), the original before a compressed copy, a path without a symlink
    on the way before one through a link, then the shorter path: the choice does not depend on
    the order the paths were given or listed in. Each one left out is a note in ``notes``:
    ``skipped PATH: the same recording as KEPT (read once)``, or ``a compressed copy of ...``;
    past :data:`SHOWN` of them the last note counts the rest.
    """
    keys = {source: recording_files(source.path, source.kind)  # a path given twice: once
            for source in dict.fromkeys(sources)}
    kept, covered, skipped = [], {}, []  # covered: data file identity -> the source reading it
    for source in sorted(keys, key=lambda s: _preference(s, keys[s])):
        key = keys[source]
        if key and key <= covered.keys():
            first = covered[sorted(key, key=str)[0]]
            skipped.append(f"skipped {source.path}: {_same(source, first)}")
            continue
        for part in key:
            covered.setdefault(part, source)
        kept.append(source)
    if notes is not None:  # a folder given twice (eps and a link to it): not one line a file
        notes += skipped if len(skipped) <= SHOWN else [
            *skipped[:SHOWN - 1], f"skipped {len(skipped) - SHOWN + 1} more paths to "
            "recordings read by another path (each recording is read once)"]
    return sorted(kept, key=lambda s: str(s.path))


SHOWN = 3  # notes on paths skipped, the last one counting the rest when there are more


class CopyPair(NamedTuple):
    """A --val source byte-identical to a --data one at another path (``cp -r``)."""

    train: object
    val: object


def shared_recordings(train: list, val: list, digests: dict[str, str] | None = None
                      ) -> list[tuple]:
    """Return ``(train source, val source)`` pairs that share a recording (any data file).

    Also a :class:`CopyPair` for a val source that is a byte-identical copy of a train one at
    another path (``cp -r``): of the same kind, with the same data files by the size-and-edges
    digest ``--resume`` compares (``data_identity.source_digest``), taken only of sources of
    equal total size. Validating on a copy of training data measures nothing, as the original.
    ``digests``: ``{resolved source path: digest}`` already taken (``data_identity``'s, merged
    over its options); a source not in it is digested here.
    """
    owner = {part: source for source in train
             for part in recording_files(source.path, source.kind)}
    pairs, rest = [], []
    for source in val:
        shared = [owner[part] for part in recording_files(source.path, source.kind)
                  if part in owner]
        if shared:
            pairs.append((shared[0], source))
        else:
            rest.append(source)
    return pairs + _copies(train, rest, dict(digests or {}))


def _copies(train: list, val: list, digests: dict[str, str]) -> list[CopyPair]:
    """Return the val sources byte-identical to a train source (size first, then digest).

    ``digests``: resolved path -> digest, those known; each one taken here is added (once).
    """
    from vjepa_ros.train.data_identity import source_digest

    sizes: dict[tuple, list] = {}
    for source in train:
        sizes.setdefault(_size_key(source), []).append(source)
    pairs = []

    def digest_of(path):
        key = str(Path(path).expanduser().resolve())
        if key not in digests:
            digests[key] = source_digest(path)
        return digests[key]

    for source in val:
        alike = sizes.get(_size_key(source), [])
        if not alike:
            continue
        try:
            digest = digest_of(source.path)
            same = [s for s in alike if digest_of(s.path) == digest]
        except (OSError, ValueError):  # its reader names the problem (BagError)
            continue
        if same:
            pairs.append(CopyPair(same[0], source))
    return pairs


def _size_key(source) -> tuple:
    """(kind, is a folder, total size [bytes] of its data files) of a source."""
    path = Path(source.path)
    files = [path]
    if source.kind == "bag" and path.is_dir():
        files = data_files(path)
    total = 0
    for file in files:
        try:
            total += os.stat(file).st_size
        except OSError:
            return (source.kind, path.is_dir(), None, str(path))
    return (source.kind, path.is_dir(), total)


def val_paths_in_train(train: list, val: list) -> str:
    """Say which ``val`` path overlaps a ``train`` path by the paths alone ("" when none does).

    A --val path that is a --data path, lies inside one (its recordings are found there too)
    or holds one is a usage error, known before anything is read: one line naming both, what
    to give. Paths compare resolved (``~``, ``..``, links); one that cannot be resolved
    compares as written (its reader names it). Recordings shared by other paths (a link to a
    file, a copy) are found once read (:func:`shared_recordings`, ``same_content``).
    """
    def resolved(path) -> Path:
        try:
            return Path(os.path.realpath(Path(path).expanduser()))
        except (OSError, RuntimeError):
            return Path(os.path.abspath(Path(path).expanduser()))

    for val_path in val:
        mine = resolved(val_path)
        for train_path in train:
            theirs = resolved(train_path)
            if mine == theirs:
                how = "is in --data too" if str(val_path) == str(train_path) else \
                    f"names the same path as --data {shown_path(train_path)}"
            elif theirs in mine.parents:
                how = f"lies inside --data {shown_path(train_path)}"
            elif mine in theirs.parents:
                how = f"holds --data {shown_path(train_path)}"
            else:
                continue
            return (f"--val {shown_path(val_path)} {how}: a recording validated on must not be "
                    "trained on; give each recording to one of --data and --val only")
    return ""


def in_train_and_val(pairs: list[tuple]) -> str:
    """Return the one-line refusal of recordings given both as --data and as --val."""
    (train, val), more = pairs[0], len(pairs) - 1
    also = f" (and {more} more)" if more else ""
    if isinstance(pairs[0], CopyPair):
        same = (f"is a byte-identical copy of {train.path} in --data (the same data files: "
                "names, sizes, first and last 64 KiB)")
    elif Path(val.path) == Path(train.path):
        same = "is in --data too"
    else:
        same = f"is the same recording as {train.path} in --data"
    return (f"--val {val.path} {same}{also}: a recording validated on must not be trained on; "
            "give each recording to one of --data and --val only")


def _preference(source, key) -> tuple:
    path = Path(source.path)
    copy = source.kind == "bag" and compressed_copy_of(path) is not None
    linked = os.path.realpath(path) != os.path.abspath(path)
    return (-len(key), not path.is_dir(), copy, linked, len(path.parts), str(path))


def _same(skipped, kept) -> str:
    original = compressed_copy_of(Path(skipped.path))
    if original is None or skipped.kind != "bag" or Path(skipped.path).is_dir():
        return f"the same recording as {kept.path} (read once)"
    also = "" if Path(kept.path) == original else f", as {kept.path}"
    return f"a compressed copy of {original} beside it (the recording is read once{also})"
