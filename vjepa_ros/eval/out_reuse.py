"""``vjepa-ros eval --out DIR`` given again: overwrite this bag's report, never another bag's.

A second run with the same ``--out`` on another bag once replaced the first bag's report.json
and plots without a word. :func:`previous_report_note` refuses a folder holding the report of
another recording (or a report.json that is no eval report), and words the overwrite of this
bag's own earlier report as a note.
"""

from __future__ import annotations

import json
from pathlib import Path

from vjepa_ros.eval.bag_files import DATA_SUFFIXES, data_files

REPORT = "report.json"


def bag_identity(path: str | Path) -> Path:
    """Return the recording a bag path names, as one path: the same for every way to name it.

    Symlinks are resolved; a bag directory's ``metadata.yaml`` or data file (``.mcap``,
    ``.db3``, zstd-compressed) names that directory when the directory is a bag (holds a
    ``metadata.yaml``, or that data file alone). A lone data file stays itself. Never raises
    for a missing path (it is made absolute as given).
    """
    path = Path(path).expanduser().resolve()
    if path.name == "metadata.yaml":
        return path.parent
    if path.is_file() and path.name.endswith(DATA_SUFFIXES):
        folder = path.parent
        if (folder / "metadata.yaml").is_file() or data_files(folder) == [path]:
            return folder
    return path


def previous_report_note(out: str | Path, bag: str | Path) -> str:
    """Return a note when ``out`` holds this bag's earlier eval report, else "".

    Raises ValueError (one line naming the folder, what it holds and what to do) when it holds
    the eval report of another recording, or a report.json that is not an eval report.
    """
    out = Path(out).expanduser()
    report = out / REPORT
    if not report.is_file():
        return ""
    try:
        recording = json.loads(report.read_text())["recording"]
        recorded = recording.get("absolute_path", recording["path"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(
            f"--out {out} holds a {REPORT} that is not an eval report: give another --out, or "
            "move that file away"
        ) from None
    if bag_identity(recorded) != bag_identity(bag):
        raise ValueError(
            f"--out {out} holds the eval report (and plots) of another recording, {recorded}: "
            f"give another --out, or remove {out} to replace it"
        )
    return f"--out {out} holds this bag's earlier eval report: it is overwritten"
