"""What a camera check whose files could not be written left in its folder, in words.

The live ``~/camera_check`` writes ``planner_camera_check.yaml`` (the file its verdict tells the
user to load), then the plot and ``camera_check.json`` (``camera_check_report.write_check``),
each whole or not at all (``atomic_files.write_text``: a new file renamed over the old). A write
that fails (a full disk, a read-only folder) leaves whatever was there: last week's parameter
file, with last week's rotation, answered as "success" beside today's verdict restarted a planner
45° off (breaker59j #4). :func:`file_key` notes the parameter file before the writes and
:func:`unwritten_words` says after a failure whether the file there now is this check's, an
earlier check's, or none. ROS-free.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.eval.camera_check_report import PARAMS_FILE, REPORT_FILE


def file_key(path: Path) -> tuple[int, int, int] | None:
    """Return ``path``'s (device, inode, mtime ns), which any rewrite changes; None: no file."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns


def unwritten_words(folder: Path, before: tuple[int, int, int] | None, error: BaseException
                    ) -> str:
    """Say in one line that the check's files were not all written, and what the folder holds.

    ``folder``: the check's output folder; ``before``: :func:`file_key` of its parameter file
    taken before the writes; ``error``: why writing failed (``OSError``, ``ValueError``).
    The parameter file is named as an earlier check's (not to be loaded) when it is the one
    that was there before, as none when there is none, and as this check's when it was
    written (the report or plot beside it then failed).
    """
    folder = Path(folder).expanduser()
    params = folder / PARAMS_FILE
    now = file_key(params)
    why = " ".join(str(error).split()) or type(error).__name__
    start = f"the check's results could not be written into {folder} ({why})"
    if now is None:
        there = f"no {PARAMS_FILE} there"
    elif now == before:
        there = (f"the {PARAMS_FILE} there is an earlier check's, not this one's: do not load "
                 "it")
    else:
        there = (f"{PARAMS_FILE} is this check's, but {REPORT_FILE} beside it may be missing or "
                 "an earlier check's")
    return (f"{start}; {there}; free space (or make the folder writable: "
            "camera_check.output_dir) and run the check again")
