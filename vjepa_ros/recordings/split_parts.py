"""Parts of one split recording lying loose among other recordings: refused, with the move.

``ros2 bag record --max-bag-size/--max-bag-duration`` writes ``<name>_0.mcap``,
``<name>_1.mcap``, ... into the bag's folder. Copied loose into a data folder beside other
recordings (or given one by one), each part would be read as a recording of its own: no clip
across the split, and one part could be trained on while the next validates. They are refused
(:func:`refuse_split_parts`), not joined: every command takes one bag path (eval and
camera-check would have none to give for parts joined by guess), and the guess could join
separate episodes that happen to be named ``ep_0.mcap``, ``ep_1.mcap``. Moved into a folder of
their own, rosbag2's own layout, every command reads them as one recording (in order, a killed
last part read as far as it is intact: ``bag_files.open_reader``).

Parts are told by the rosbag2 names and by time: each part starts within
:data:`MAX_SPLIT_GAP_S` after the one before it ends (separate recordings start a new recorder:
seconds apart; sim-time episodes all start at one time, so their messages overlap). A part whose
times cannot be read is not judged (it is read, or refused, as it is). The same test tells a
killed recorder's folder of ``<name>_<N>`` files from separate episodes copied into one folder
(:func:`follow_one_another`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import PART_NAME
from vjepa_ros.recordings.file_versions import per_file_version

MAX_SPLIT_GAP_S = 1.0  # between a part's last message and the next part's first [s]
# How far a part's first message may lie before the last one's last (messages logged out of
# order by the recorder's threads) [s]; separate episodes overlap by their length
MAX_OVERLAP_S = 0.05


def split_parts(files: list[Path]) -> list[list[Path]]:
    """Return the groups of ``files`` that are consecutive parts of one split recording.

    ``files``: loose data files (each read as a recording of its own). A group: two or more
    files of one folder named ``<name>_<N><suffix>`` with consecutive N, each starting within
    :data:`MAX_SPLIT_GAP_S` of the one before it ending; in part order.
    """
    named = defaultdict(dict)
    for file in files:
        match = PART_NAME.match(file.name)
        if match:
            key = (file.parent, match["name"], match["suffix"])
            named[key][int(match["number"])] = file
    groups = []
    for parts in named.values():
        run: list[Path] = []
        for number in sorted(parts):
            if run and number - 1 in parts and _continues(parts[number - 1], parts[number]):
                run.append(parts[number])
                continue
            if len(run) > 1:
                groups.append(run)
            run = [parts[number]]
        if len(run) > 1:
            groups.append(run)
    return groups


def lone_part_note(file: Path) -> str:
    """Say that data file ``file`` is one part of a split recording ("" when it is not).

    Its other parts lie beside it, unread. The advice: its folder, when that is read as one
    recording (a bag directory, or a killed recorder's with nothing else), else the move.
    """
    words = _lone_words(file, "only this part is read; ")
    return f"{shown_path(file)} is {words}" if words else ""


def lone_part_fix(file: Path) -> str:
    """Say ``file`` is one part of a split recording and how to read it whole ("" when not).

    ``one part of a split recording (its parts: ...): to read the whole recording, FIX``: the
    fix of a part refused alone (too short).
    """
    return _lone_words(file, "")


def _lone_words(file: Path, middle: str) -> str:
    """Return ``one part of a split recording (its parts: ...): MIDDLEto read ...`` or ""."""
    found = _lone_part(file)
    if not found:
        return ""
    names, fix = found
    return (f"one part of a split recording (its parts: {names}): {middle}to read the whole "
            f"recording, {fix}")


def _lone_part(file: Path) -> tuple[str, str] | None:
    """Return ``(its parts' names, the fix)`` for a data file of a split recording, or None."""
    from vjepa_ros.recordings.bag_folders import data_files, loose_bag_files

    if not PART_NAME.match(file.name):
        return None
    try:
        beside = data_files(file.parent)
        group = next((g for g in split_parts(beside) if file in g), None)
        if group is None:
            return None
        whole = not loose_bag_files(file.parent)
    except (OSError, ValueError):  # an unreadable folder or a FIFO beside it: no advice
        return None
    names = ", ".join(shown_path(part.name) for part in group)
    return names, (f"give its folder {shown_path(file.parent)}" if whole else
                   f"move its parts into a folder of their own and give that: {_move(group)}")


def refuse_split_parts(files: list[Path]) -> None:
    """Raise ``BagError`` (one line) when loose ``files`` hold parts of one split recording.

    The line names the parts and gives the commands that move them into a folder of their own.
    """
    from vjepa_ros.recordings.bag_files import BagError

    groups = split_parts(files)
    if not groups:
        return
    parts = groups[0]
    names = ", ".join(shown_path(part.name) for part in parts)
    raise BagError(
        f"{names} in {shown_path(parts[0].parent)} are the parts of one split recording "
        "(rosbag2's <name>_<N> files, each starting where the one before ends), here each read "
        "as a recording of its own (no clip across a split; one part could train while the "
        "next validates): move them into a folder of their own, which is read as one "
        "recording: "
        f"{_move(parts)}"
    )


def _move(parts: list[Path]) -> str:
    """Return the commands that move split parts into a folder of their own, named after them."""
    from vjepa_ros.path_advice import shell_command, shell_path

    folder = parts[0].parent / PART_NAME.match(parts[0].name)["name"]
    return (f"`{shell_command('mkdir', folder)} && "
            f"{shell_command('mv', *parts, f'{shell_path(folder)}/')}`")


def follow_one_another(files: list[Path]) -> bool:
    """Whether data files of one recording name can be one killed recorder's parts.

    ``files``: a folder's data files (``x_0.mcap``, ``x_1.mcap``, ...; no compressed copy of
    another), in part order. True when each part whose times can be read starts after the one
    before it ends: within :data:`MAX_SPLIT_GAP_S` for the next number, any time later across a
    missing part (``x_0``, ``x_2``: ``x_1``'s messages are lost). False for separate episodes
    named ``ep_1.mcap``, ``ep_2.mcap`` whose times overlap (each recorded from one start time).
    """
    numbered = [(int(match["number"]), file) for file in files
                if (match := PART_NAME.match(file.name))]
    spans = [(number, span) for number, file in numbered if (span := _span_ns(file))]
    for (number, before), (next_number, after) in zip(spans, spans[1:], strict=False):
        if not _after(before, after, None if next_number > number + 1 else MAX_SPLIT_GAP_S):
            return False
    return True


def _continues(before: Path, after: Path) -> bool:
    """Whether ``after`` starts within :data:`MAX_SPLIT_GAP_S` after ``before`` ends."""
    first, last = _span_ns(before), _span_ns(after)
    if first is None or last is None:
        return False
    return _after(first, last, MAX_SPLIT_GAP_S)


def _after(before: tuple[int, int], after: tuple[int, int], gap_s: float | None) -> bool:
    """Whether span ``after`` [ns] starts when ``before`` ends, at most ``gap_s`` later.

    ``gap_s`` None: any time later. An overlap up to :data:`MAX_OVERLAP_S` still follows.
    """
    gap = after[0] - before[1]
    return gap >= -MAX_OVERLAP_S * 1e9 and (gap_s is None or gap <= gap_s * 1e9)


def _span_ns(file: Path) -> tuple[int, int] | None:
    """Return a data file's (first, last) message times [ns]; None when they cannot be read."""
    facts = part_facts(file)
    return facts[0] if facts else None


def part_facts(file: Path) -> tuple[tuple[int, int], frozenset[str]] | None:
    """Return a data file's ((first, last) message times [ns], its topics); None: unreadable.

    Topics: those its connections name (rosbag2 registers every recorded topic in each split
    part). Cached per file version (``file_versions.per_file_version``): discovery, the
    lone-part note, the ``--data``/``--val`` check and an unlisted part's check
    (``part_continuation``) ask for the same files, and each read opens the file (a ``.zstd``
    part is decompressed to do so).
    """
    try:
        return _facts_of_version(file)
    except OSError:
        return None


@per_file_version(4096)
def _facts_of_version(file: Path) -> tuple[tuple[int, int], frozenset[str]] | None:
    from vjepa_ros.recordings.bag_files import BagError, open_reader

    try:
        reader = open_reader(file)
    except (BagError, OSError):
        return None
    try:
        spans = [_part_span(part) for part in reader.parts]
        topics = frozenset(connection.topic for connection in reader.connections)
    finally:
        reader.close()
    spans = [span for span in spans if span is not None]
    if not spans:
        return None
    return (min(first for first, _ in spans), max(last for _, last in spans)), topics


def _part_span(part) -> tuple[int, int] | None:
    """(first, last) message time [ns] of one opened part (rosbags reader or salvaged MCAP)."""
    damage = getattr(part, "damage", None)
    if damage is not None:  # a salvaged MCAP: the times of its intact messages
        if damage.first_time is None:
            return None
        return damage.first_time, damage.last_time
    try:
        return int(part.start_time), int(part.end_time) - 1  # rosbags: end is last + 1
    except (AttributeError, TypeError, ValueError):
        return None
