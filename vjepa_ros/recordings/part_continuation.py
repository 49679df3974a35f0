"""Whether a split part a bag folder's ``metadata.yaml`` does not list is that recording's.

A recorder killed after a split leaves ``metadata.yaml`` listing its first part(s) and the
next part's file beside it (``bag_1.mcap`` beside a listed ``bag_0.mcap``): read with the bag
(``recorded_files.unlisted_parts``). A file merely named so is not: another recording's
``bag_0.mcap`` copied in as ``bag_9.mcap`` would join a recording a day apart (or, a day older,
refuse it as a clock step). An unlisted part is read only when it continues the listed ones
(:func:`continuing_parts`): of their storage and name (``unlisted_parts``), numbered after the
last listed one with every number between here or named missing
(``recorded_files.missing_parts``), starting when the part before it ends (within
:data:`~vjepa_ros.recordings.split_parts.MAX_OVERLAP_S` before, at most a part's duration plus
:data:`~vjepa_ros.recordings.split_parts.MAX_SPLIT_GAP_S` after, per part missing between),
and holding the listed parts' topics (rosbag2 registers every recorded topic in each part).
A part whose times cannot be read is not judged by them (it is read, or refused, as it is).
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.recorded_files import gone_part_numbers, part_key, parts_by_recording
from vjepa_ros.recordings.split_parts import MAX_OVERLAP_S, MAX_SPLIT_GAP_S, part_facts


def continuing_parts(files: list[Path], names: set[str] | None,
                     unlisted: list[Path]) -> tuple[list[Path], list[str]]:
    """Return ``files`` less the unlisted parts that do not continue the listed ones, and notes.

    ``files``: a bag folder's data files to read (listed ones and parts of their naming, in
    part order); ``names``: ``recorded_files.listed_names``; ``unlisted``: those of ``files``
    ``unlisted_parts`` gives. One note per part left out,
    naming it and why (its number, its times [s] against the listed parts' end, its topics):
    not read; it can be given by itself. ``files`` unchanged and no note when every unlisted
    part continues them (or there is none).
    """
    if not unlisted:
        return files, []
    listed = [file for file in files if file not in unlisted]
    kept, notes = list(listed), []
    for key, parts in parts_by_recording(unlisted).items():
        numbers = [number for name, number in map(part_key, names or ()) if name == key]
        # the last listed part alone (a .zstd one is unpacked to be read): its end, its
        # duration (the split's), its topics (rosbag2 registers every one in each part)
        last = max((file for file in listed if part_key(file.name)[0] == key),
                   key=lambda file: part_key(file.name)[1], default=None)
        state = _State(max(numbers, default=-1), part_facts(last) if last else None)
        for number, file in sorted(parts.items()):
            why = _why_not(file, number, state, kept, names, key)
            if why:
                notes.append(f"{shown_path(file.parent)}: {shown_path(file.name)} is named as a "
                             f"part of its split recording, but metadata.yaml does not list it "
                             f"and {why}: not read (another recording copied in?); give it by "
                             "itself to read it")
                continue
            kept.append(file)
            state.follow(number, part_facts(file))
    return [file for file in files if file in kept], notes


class _State:
    """The last part read of one recording: its number, end [ns], longest part [ns], topics.

    ``facts``: the last listed part's ``split_parts.part_facts`` ((first, last) [ns], topics),
    None when there is no listed part of this recording or its times cannot be read.
    """

    def __init__(self, number: int, facts: tuple | None):
        self.number, self.end, self.longest = number, None, 0
        self.topics = facts[1] if facts else frozenset()
        self.follow(number, facts)

    def follow(self, number: int, facts: tuple | None) -> None:
        """Take part ``number`` (its ``part_facts``, None: unreadable) as the last one read."""
        self.number = number
        if facts:
            span = facts[0]
            self.end = span[1] if self.end is None else max(self.end, span[1])
            self.longest = max(self.longest, span[1] - span[0])


def _why_not(file: Path, number: int, state: _State, kept: list[Path], names, key) -> str:
    """Say why unlisted part ``file`` (``number``) does not continue ``state`` ("" if it does)."""
    if number <= state.number:
        return f"its number is not after the last listed part's ({state.number})"
    between = set(range(state.number + 1, number))
    named = gone_part_numbers([*kept, file], names).get(key, set())
    if not between <= named:
        return (f"{len(between)} part(s) before it neither here nor named missing (another "
                "numbering)")
    facts = part_facts(file)
    if facts is None or state.end is None:
        return ""
    (first, _), topics = facts
    gap = first - state.end
    bound = (len(between) + 1) * (state.longest + MAX_SPLIT_GAP_S * 1e9)
    if gap < -MAX_OVERLAP_S * 1e9:
        return f"its messages start {-gap / 1e9:.2f} s before the parts read end"
    if gap > bound:
        return (f"its messages start {gap / 1e9:.2f} s after the parts read end (a next part "
                f"starts within {bound / 1e9:.2f} s)")
    lacking = sorted(state.topics - topics)
    if lacking:
        return f"it lacks topic(s) {first_names(lacking, 3)} of the parts read"
    return ""

