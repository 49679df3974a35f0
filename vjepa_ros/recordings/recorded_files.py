"""Which of a bag folder's data files are its recording, each read once.

A bag folder's ``metadata.yaml`` lists its files (:func:`listed_data_files`): one beside them it
does not list is never read with the bag, so it is a recording of its own
(:func:`unlisted_data_files`), not one counted as read; but a part named as the listed ones
(``bag_1.mcap`` beside a listed ``bag_0.mcap``: a recorder killed after a split) is the bag's own,
read with it and named in a note (:func:`unlisted_parts`) when it continues the listed parts
(``part_continuation``: its number, times and topics; else named, not read). A recorder killed
while compressing leaves ``x.mcap`` and ``x.mcap.zstd`` both: read once (:func:`once_each`). A
killed split recording missing a part (``x_0``, ``x_2``: ``x_1``; ``x_1``, ``x_2``: ``x_0``; one
its ``metadata.yaml`` lists) names it (:func:`missing_parts`), so its lost steps are not blamed on
the camera (by the numbering: at most :data:`GONE_PER_PART` gone per part found, or
:data:`GONE_IN_ITS_FOLDER` in a folder named as the recording, else the numbers are another
scheme, ``ep_100``, ``ep_400``); once (:func:`said_missing`: not again in
``rosbags``' words). The ``metadata.yaml`` is read and parsed once per file version
(:func:`read_metadata`), for all that asks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import PART_NAME, compressed_copy_of, data_files
from vjepa_ros.recordings.file_versions import per_file_version

# The most parts said to be missing by a split recording's numbering, per part found: rosbag2
# numbers parts 0, 1, 2, ... one after another, and a copy that lost some keeps most of them
# (cam_2, cam_4: cam_0, cam_1, cam_3 gone, 3 <= 2 x 2). Numbers farther apart are another scheme
# (ep_100, ep_400: a take or a time; cam_1701600000: Unix time): no note, and no set grows past
# 3 x the parts found.
GONE_PER_PART = 2
# The most parts said to be missing in a folder named as the recording (``ros2 bag record -o
# rec`` writes rec/rec_0.mcap, rec_1, ...): there the numbering is rosbag2's, so parts a user
# deleted are named (rec_0, rec_8: rec_1 ... rec_7); numbers farther apart are still another
# scheme (cam/cam_3000, cam_3060 by the minute; cam_1701600000 Unix time): no note.
GONE_IN_ITS_FOLDER = 1000


class Metadata(NamedTuple):
    """A bag folder's ``metadata.yaml``, read and parsed once (:func:`read_metadata`).

    ``info``: the parsed YAML (None when it cannot be read); ``problem``: one line naming the
    file, saying why it cannot be read as YAML ("" when it reads); ``fix``: what to do ("" but
    for permissions: rewrite it).
    """

    info: object
    problem: str
    fix: str


def read_metadata(file: Path) -> Metadata:
    """Read and parse a bag's ``metadata.yaml`` once, for all that asks it.

    Cached per file version (``file_versions.per_file_version``: a ``chmod`` is a new
    version too): discovery (``train.same_recording``, each bag folder's listed files), the
    ``--val`` copy check and ``bag_files.open_reader`` ask for the same files, and PyYAML
    takes milliseconds to parse a recorder's metadata. Problems: ``FILE is empty (0 bytes)``,
    ``FILE is blank``, ``FILE is not valid YAML (line 3, column 10: expected ',' or ']')``
    (PyYAML's own message spans several lines with a caret under the place), ``FILE cannot be
    read by this user (Permission denied)`` (its fix: ``path_advice.permission_fix``, the
    ``chmod``), ``FILE cannot be read (WHY)`` (also for a missing one).
    """
    try:
        return _metadata_of_version(file)
    except OSError:  # not stat'ed: its reading names the problem
        return _parse_metadata(file)


def _parse_metadata(file: Path) -> Metadata:
    import yaml

    from vjepa_ros.path_advice import read_fix
    from vjepa_ros.recordings.bag_files import one_line

    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except PermissionError as exc:
        return Metadata(None, f"{shown_path(file)} cannot be read by this user "
                              f"({exc.strerror or exc})",
                        read_fix(file))
    except OSError as exc:
        return Metadata(None, f"{shown_path(file)} cannot be read ({exc.strerror or exc})", "")
    if not text.strip():
        return Metadata(None, f"{shown_path(file)} is "
                              f"{'empty (0 bytes)' if not text else 'blank'}", "")
    try:
        return Metadata(yaml.safe_load(text), "", "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Metadata(None, f"{shown_path(file)} is not valid YAML "
                              f"({where}{one_line(str(what))})", "")


_metadata_of_version = per_file_version(4096)(_parse_metadata)


def listed_names(directory: Path, metadata: Metadata | None = None) -> set[str] | None:
    """Return the data file names a bag folder's ``metadata.yaml`` lists (``{"x_0.mcap"}``).

    None when there is no ``metadata.yaml``, it cannot be read as a rosbag2 one, or it lists
    none. ``metadata``: :func:`read_metadata` of it when already read.
    """
    if metadata is None:
        metadata = read_metadata(directory / "metadata.yaml")
    try:
        names = metadata.info["rosbag2_bagfile_information"]["relative_file_paths"]
        names = {Path(str(name)).name for name in names}
    except (KeyError, TypeError):
        return None
    return names or None


def listed_data_files(directory: Path, metadata: Metadata | None = None) -> list[Path] | None:
    """Return the data files a bag folder's ``metadata.yaml`` lists, present in it.

    None when there is no ``metadata.yaml`` or it cannot be read as a rosbag2 one; [] when
    none it lists is there (its data files are then read directly: ``bag_files.open_reader``).
    An original beside its listed compressed copy (``x.mcap`` beside ``x.mcap.zstd``) counts
    as listed, and so does a part of a listed recording's naming (:func:`unlisted_parts`).
    ``metadata``: :func:`read_metadata` of it when already read.
    """
    names = listed_names(directory, metadata)
    if names is None:
        return None
    return [file for file in data_files(directory)
            if _is_listed(file.name, names) or _of_listed_naming(file.name, names)]


def unlisted_parts(files: list[Path], names: set[str] | None) -> list[Path]:
    """Return the parts of ``files`` named as the listed recording's but not listed.

    ``names``: :func:`listed_names`. A recorder killed after a split leaves ``metadata.yaml``
    of its first part(s) and the next part's file (``bag_1.mcap``) beside it: one recording,
    read with it (:func:`listed_data_files` counts it listed), with a note naming it.
    """
    return [file for file in files
            if names and not _is_listed(file.name, names) and _of_listed_naming(file.name, names)]


def _is_listed(name: str, names: set[str]) -> bool:
    """Whether data file ``name`` is one of ``names``, or its ``.zstd`` copy or original."""
    return name in names or f"{name}.zstd" in names or name.removesuffix(".zstd") in names


def _of_listed_naming(name: str, names: set[str]) -> bool:
    """Whether ``name`` is a part ``<name>_<N><suffix>`` of a recording ``names`` lists parts of.

    The suffix compared without ``.zstd`` (a part compressed or not is the same part).
    """
    key = part_key(name)[0]
    return key is not None and any(part_key(listed)[0] == key for listed in names)


def part_key(name: str) -> tuple[tuple[str, str] | None, int]:
    """Return a split part name's recording key and number: ``bag_1.mcap.zstd`` ((bag, .mcap), 1).

    The key, (recording name, suffix without ``.zstd``), groups the parts of one recording (a
    part compressed or not is the same part); (None, -1) for a name not of the
    ``<name>_<N><suffix>`` form (:data:`~vjepa_ros.recordings.data_names.PART_NAME`).
    """
    match = PART_NAME.match(name)
    if not match:
        return None, -1
    return (match["name"], match["suffix"].removesuffix(".zstd")), int(match["number"])


def parts_by_recording(files: list[Path]) -> dict[tuple[str, str], dict[int, Path]]:
    """Return ``{key: {number: file}}`` of the part-named ``files`` (:func:`part_key`).

    Files not named as parts are left out; of two files of one number, the first is kept.
    """
    found: dict[tuple[str, str], dict[int, Path]] = {}
    for file in files:
        key, number = part_key(file.name)
        if key is not None:
            found.setdefault(key, {}).setdefault(number, file)
    return found


def unlisted_data_files(directory: Path) -> list[Path]:
    """Return the data files in a bag folder its ``metadata.yaml`` does not list (never read)."""
    listed = listed_data_files(directory)
    if not listed:  # none of those it lists is there: its data files are read directly
        return []
    return [file for file in data_files(directory) if file not in listed]


def once_each(files: list[Path]) -> tuple[list[Path], list[str]]:
    """Return a killed folder's ``files`` with each recording file once, and notes.

    rosbag2 killed between compressing ``x.mcap`` into ``x.mcap.zstd`` and deleting it leaves
    both: the intact uncompressed one is read (a 0-byte one is none: its ``.zstd`` is), the
    other named in a note.
    """
    kept, notes = [], []
    for file in files:
        original = compressed_copy_of(file)
        if original is not None and _size(original) > 0:
            notes.append(f"{shown_path(file)}: a compressed copy of "
                         f"{shown_path(original.name)} beside it (the "
                         "recorder was killed between compressing and deleting it): read "
                         f"{shown_path(original.name)} once")
            continue
        copy = file.with_name(file.name + ".zstd")
        if not file.name.endswith(".zstd") and _size(file) == 0 and copy.is_file():
            notes.append(f"{shown_path(file)} is empty (0 bytes): read its compressed copy "
                         f"{shown_path(copy.name)}")
            continue
        kept.append(file)
    return kept, notes


def missing_parts(files: list[Path], listed: set[str] | None = None) -> list[str]:
    """Name the parts missing from a killed split recording's ``files`` (x_1, x_2: x_0).

    ``files``: one recording's data files, in one folder. Missing: a number below the highest
    found (``x_0``, ``x_2``: ``x_1``; ``x_1``, ``x_2``: ``x_0``, rosbag2 counting from 0; when
    more than :data:`GONE_PER_PART` parts per part found would be gone, or in a folder named
    as the recording (``rec/rec_0``, ``rec/rec_8``) more than :data:`GONE_IN_ITS_FOLDER`,
    the numbers are no split's: ``ep_100``, ``ep_400``, ``cam_1701600000``), and a
    part the bag's ``metadata.yaml`` lists (``listed``: :func:`listed_names`) that is not there
    (an original and its ``.zstd`` copy are one part). A lone ``x_1`` with no metadata is no
    evidence of a split (an episode may be named so) unless its folder is named ``x``, as
    ``ros2 bag record -o x`` names it. One note per recording name (``[]`` for none): its
    messages are lost, not dropped by the camera.
    """
    return [_missing_note(files[0].parent, name, gone, parts)
            for (name, _), (gone, parts) in _gone_parts(files, listed).items()]


def said_missing(files: list[Path], listed: set[str] | None, absent: list[str]) -> bool:
    """Whether :func:`missing_parts` names every one of ``absent`` (listed names not there).

    ``absent``: the data file names a ``metadata.yaml`` lists that are not in the folder
    (:func:`absent_listed`); False for none. Where it does, a library's "Some database files
    are missing" says again what the package's note says.
    """
    gone = {f"{name}_{number}{suffix}" for (name, suffix), numbers in
            gone_part_numbers(files, listed).items() for number in numbers}
    return bool(absent) and all(name.removesuffix(".zstd") in gone for name in absent)


def gone_part_numbers(files: list[Path], listed: set[str] | None) -> dict:
    """Return ``{(name, suffix): gone part numbers}``: those :func:`missing_parts` names.

    ``suffix`` without ``.zstd``; recordings missing no part left out.
    """
    return {key: set(gone) for key, (gone, _) in _gone_parts(files, listed).items()}


def absent_listed(directory: Path, listed: set[str] | None) -> list[str]:
    """Return the names in ``listed`` (:func:`listed_names`) of no file in ``directory``.

    A name counts as there when its file, its ``.zstd`` copy or its original is (as
    :func:`listed_data_files` counts them); sorted.
    """
    return sorted(name for name in listed or ()
                  if not any((directory / other).is_file()
                             for other in (name, f"{name}.zstd", name.removesuffix(".zstd"))))


def _gone_parts(files: list[Path], listed: set[str] | None) -> dict:
    """Return ``{(name, suffix): (gone numbers, {number: file})}`` of :func:`missing_parts`.

    ``suffix`` without ``.zstd``; recordings missing no part left out; sorted by key.
    """
    found = parts_by_recording(files)
    expected: dict[tuple[str, str], set[int]] = {}
    for key, number in map(part_key, listed or ()):
        if key is not None:
            expected.setdefault(key, set()).add(number)
    result = {}
    for key, parts in sorted(found.items()):
        gone = sorted((_gone_in_order(key[0], parts, files[0].parent.name)
                       | expected.get(key, set())) - set(parts))
        if gone:
            result[key] = (gone, parts)
    return result


def _gone_in_order(name: str, parts: dict[int, Path], folder: str) -> set[int]:
    """Return the numbers below the highest of ``parts`` that rosbag2's numbering says are gone.

    rosbag2 numbers a recording's parts from 0, one after another: counted from 0 for two
    parts or more, or for a lone one in a folder named ``name``. None when more than
    :data:`GONE_PER_PART` per part found would be gone: the numbers are another scheme, not a
    copy that lost parts (``ep_100``, ``ep_400``: 398 gone for 2 found; a time, by second
    ``cam_3000``, ``cam_3060`` or Unix ``cam_1701600000``). ``x_0``, ``x_6`` (5 gone for 2) is
    none, ``x_0``, ``x_5`` (4) is. In a folder named ``name``, where ``ros2 bag record -o
    name`` put them, up to :data:`GONE_IN_ITS_FOLDER` gone: ``rec/rec_0``, ``rec/rec_8`` (a
    user deleted rec_1 ... rec_7), a lone ``rec/rec_3``. Never a set larger than 3 x ``parts``
    and :data:`GONE_IN_ITS_FOLDER` + ``parts``.
    """
    lowest, highest = min(parts), max(parts)
    start = 0 if len(parts) > 1 or folder == name else lowest
    gone = highest - start - (len(parts) - 1)  # the parts: distinct, none below start
    limit = GONE_PER_PART * len(parts)
    if gone > (max(limit, GONE_IN_ITS_FOLDER) if folder == name else limit):
        return set()
    return set(range(start, highest))


def _missing_note(folder: Path, name: str, gone: list[int], parts: dict[int, Path]) -> str:
    """One line naming split recording ``name``'s ``gone`` part numbers, where they lie."""
    numbers = sorted(parts)
    suffix = PART_NAME.match(parts[numbers[0]].name)["suffix"]
    first, last = parts[numbers[0]].name, parts[numbers[-1]].name
    names = first_names((shown_path(f"{name}_{number}{suffix}") for number in gone), 3,
                        " (and {count} more)")
    inside = any(numbers[0] < number < numbers[-1] for number in gone)
    where = ([f"before {shown_path(first)}"] if gone[0] < numbers[0] else []) + \
        ([f"between {shown_path(first)} and {shown_path(last)}"] if inside else []) + \
        ([f"after {shown_path(last)}"] if gone[-1] > numbers[-1] else [])
    return (f"{shown_path(folder)}: {names} of split recording {shown_path(name)} "
            f"missing {' and '.join(where)}: "
            f"its messages are lost{' (a gap in time)' if inside else ''}; copy it in from the "
            "recording machine if it is there")


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def read_order(info: dict) -> list[int]:
    """Return the indices of a ``metadata.yaml``'s data files in the order to read them.

    ``info``: its parsed YAML. rosbags reads ``relative_file_paths`` as listed; a listing sorted
    as text (``bag_10`` before ``bag_2``: a hand-made file, another tool's reindex) would read
    the recording out of time, refused as stamps stepping back. Parts of one recording
    (:func:`part_key`, every file of one key): by part number, the recorder's own sequence.
    Otherwise by each file's start time where ``files`` (metadata version 5 on) gives one for
    every file; otherwise as listed. Sorts are stable: as listed on a tie.
    """
    bag = info["rosbag2_bagfile_information"]
    names = [Path(str(name)).name for name in bag["relative_file_paths"]]
    keys = [part_key(name) for name in names]
    if keys and keys[0][0] is not None and all(key == keys[0][0] for key, _ in keys):
        return sorted(range(len(names)), key=lambda index: keys[index][1])
    starts = {Path(str(entry.get("path", ""))).name: _start_ns(entry.get("starting_time"))
              for entry in bag.get("files") or () if isinstance(entry, dict)}
    if all(isinstance(starts.get(name), int) for name in names):
        return sorted(range(len(names)), key=lambda index: starts[names[index]])
    return list(range(len(names)))


def _start_ns(starting) -> int | None:
    """Return a ``files`` entry's ``starting_time`` [ns since the epoch]; None if it has none."""
    ns = starting.get("nanoseconds_since_epoch") if isinstance(starting, dict) else None
    return ns if isinstance(ns, int) and not isinstance(ns, bool) else None
