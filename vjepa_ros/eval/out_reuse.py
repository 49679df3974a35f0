"""``vjepa-ros eval --out DIR`` given again: overwrite this bag's report, never another bag's.

A second run with the same ``--out`` on another bag once replaced the first bag's report.json
and plots without a word. :func:`previous_report_note` refuses a folder holding the report of
another recording, or of another part of this one (``--start`` / ``--end``: the window is part of
what was evaluated, :func:`other_window`), or a report.json that is no eval report, and words
the overwrite of this bag's own earlier report as a note. ``camera_check_out`` judges a camera
check's folder by the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from vjepa_ros.out_paths import overwritten_note
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import (
    DATA_SUFFIXES,
    data_files,
    loose_bag_files,
    suffix_any_case,
)

REPORT = "report.json"


def bag_identity(path: str | Path) -> Path:
    """Return the recording a bag path names, as one path: the same for every way to name it.

    Symlinks are resolved; a bag directory's ``metadata.yaml`` or data file (``.mcap``,
    ``.db3``, zstd-compressed) names that directory when the directory is a bag (holds a
    ``metadata.yaml``, or that data file alone). A lone data file stays itself, as does a data
    folder's loose one (``bag_folders.loose_bag_files``). Data files count in any case
    (``x.MCAP``): a folder holding another recording than this file is no name of this one, so a
    report of it is refused rather than overwritten. Never raises for a missing path (it is
    made absolute as given).
    """
    path = Path(path).expanduser().resolve()
    if path.name == "metadata.yaml":
        return path.parent
    if path.is_file() and suffix_any_case(path.name, DATA_SUFFIXES):
        folder = path.parent
        if (folder / "metadata.yaml").is_file() or (
                data_files(folder, any_case=True) == [path] and not loose_bag_files(folder)):
            return folder  # not a data folder's loose file: a recording of its own
    return path


def window_words(window_s) -> str:
    """Say which part of a bag ``window_s`` (``[start_s, end_s]`` [s], end 0: its end) names.

    ``(0, 0)``: ``the whole recording``; ``(10, 0)``: ``10 s to its end``; ``(0, 60)``: ``0 to
    60 s``.
    """
    start, end = (float(value) for value in window_s)
    if not (start or end):
        return "the whole recording"
    return f"{start:g} s to its end" if not end else f"{start:g} to {end:g} s"


def other_window(recorded, window_s, covered: Callable | None = None) -> str:
    """Return the part of the bag a saved run covered when it is not ``window_s``, else "".

    ``recorded``: the saved ``[start_s, end_s]`` [s] (None: a run saved before the window was
    recorded, not compared); ``window_s``: this run's (``--start``, ``--end``); None: not
    compared (the bag is not read yet). ``covered(window) -> times``: what a window covers of
    this bag (``step_choice.covered_ns``), so that windows spelled apart but covering the same
    (``--end 0`` and ``--end 1e300``) are one; None: the windows as given are compared. Two
    windows of one bag are two runs on different motions, whose results are both wanted (the
    default ``--out`` is the same for every window of a bag): a folder holding the other one is
    refused as one holding another recording's (ValueError from a ``recorded`` that is no pair
    of numbers: the file is no report of ours).
    """
    if recorded is None:
        return ""
    saved = tuple(float(value) for value in recorded)
    if len(saved) != 2:
        raise ValueError(f"a window of two times, got {recorded!r}")
    if window_s is None:
        return ""
    this = tuple(float(v) for v in window_s)
    return "" if saved == this or _same_cover(saved, this, covered) else window_words(saved)


def _same_cover(saved, this, covered) -> bool:
    """Whether two windows cover the same times of the bag (False when not known)."""
    if covered is None:
        return False
    try:
        return covered(saved) == covered(this)
    except ValueError:  # one covers nothing of this bag: the step choice says so, in its words
        return False


def previous_report_note(out: str | Path, bag: str | Path,
                         window_s: tuple[float, float] | None = (0.0, 0.0),
                         covered: Callable | None = None) -> str:
    """Return a note when ``out`` holds this bag's earlier eval report, else "".

    ``window_s``: this run's ``(--start, --end)`` [s] (None: not compared, the bag not read
    yet); ``covered``: what a window covers of the bag (:func:`other_window`). Raises
    ValueError (one line naming the folder, what it holds and what to do) when it holds the
    eval report of another recording, or of another part of this one (:func:`other_window`),
    or a report.json that is not an eval report.
    """
    out = Path(out).expanduser()
    report, shown = out / REPORT, shown_path(out)  # one line whatever the name holds
    if not report.is_file():
        return ""
    try:
        saved = json.loads(report.read_text())
        recording = saved["recording"]
        recorded = recording.get("absolute_path", recording["path"])
        settings = saved.get("eval", {})
        window = [settings["start_s"], settings["end_s"]] if "start_s" in settings else None
        part = other_window(window, window_s, covered)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(
            f"--out {shown} holds a {REPORT} that is not an eval report: give another --out, or "
            "move that file away"
        ) from None
    if bag_identity(recorded) != bag_identity(bag):
        raise ValueError(
            f"--out {shown} holds the eval report (and plots) of another recording, "
            f"{shown_path(recorded)}: give another --out, or remove {shown} to replace it"
        )
    if part:
        raise ValueError(
            f"--out {shown} holds the eval report (and plots) of another part of this recording, "
            f"{part} (this run: {window_words(window_s)}): give another --out, or remove {shown} "
            "to replace it"
        )
    return overwritten_note(out, "this bag's earlier eval report")
