"""``vjepa-ros eval --out DIR`` given again: overwrite this bag's report, never another bag's.

A second run with the same ``--out`` on another bag once replaced the first bag's report.json
and plots without a word. :func:`previous_report_note` refuses a folder holding the report of
another recording (or a report.json that is no eval report), and words the overwrite of this
bag's own earlier report as a note.
"""

from __future__ import annotations

import json
from pathlib import Path

REPORT = "report.json"


def _bag_identity(path: str | Path) -> Path:
    """Return the bag as one path: absolute, its directory for its metadata.yaml."""
    path = Path(path).expanduser().absolute()
    return path.parent if path.name == "metadata.yaml" else path


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
    if _bag_identity(recorded) != _bag_identity(bag):
        raise ValueError(
            f"--out {out} holds the eval report (and plots) of another recording, {recorded}: "
            f"give another --out, or remove {out} to replace it"
        )
    return f"--out {out} holds this bag's earlier eval report: it is overwritten"
