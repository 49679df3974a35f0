"""A camera check's output folder given again: overwrite this check's results, never another's.

``vjepa-ros camera-check BAG --out DIR`` on a folder that held another bag's check once replaced
its ``camera_check.json`` and plot and removed its ``planner_camera_check.yaml`` without a word
(as ``vjepa-ros eval`` did before ``out_reuse``). Each check now records what it checked
(``check_of`` in ``camera_check.json``: the recording and the world model); a later check into
the same folder is refused when the folder holds the check of another recording, in one line
naming the folder, what it holds and what to do (as ``vjepa-ros eval`` refuses another bag's
report); the same recording checked with another world model replaces it with a note naming the
model it replaces (a user comparing models on one bag, or rerunning the live check after changing
the model, asked for exactly that); another part of the same recording (``--start`` / ``--end``)
is refused as another recording is (``out_reuse.other_window``: it judges other motions, and
every window of a bag shares the default ``--out``); a rerun of the same check overwrites it
quietly. The planner
node's ``~/camera_check`` checks its ``camera_check.output_dir`` the same way (its recording: the
live arm), before the arm moves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from vjepa_ros.eval.camera_check_report import PARAMS_FILE, PLOT_FILE, REPORT_FILE
from vjepa_ros.eval.out_reuse import bag_identity, other_window, window_words
from vjepa_ros.path_text import shown_path

KEY = "check_of"  # camera_check.json's record of what the check checked
LIVE = "~/camera_check (the live arm)"  # the live check's recording
OUT_OPTION = "--out"


def check_identity(bag: str | Path | None, checkpoint: str,
                   window_s: tuple[float, float] = (0.0, 0.0)) -> dict:
    """Return what a check checks: ``{"recording", "checkpoint", "window_s"}`` (its ``check_of``).

    ``bag``: the bag as given (as :func:`bag_identity` names it: symlinks resolved, its
    directory for its metadata.yaml or data file), None for the live check (:data:`LIVE`).
    ``checkpoint``: the world model file as the written parameter file's ``model.checkpoint``
    names it (an absolute path; "" for random weights). ``window_s``: the part of the bag
    checked, ``(--start, --end)`` [s] (end 0: its end; the live check: the default).
    """
    recording = LIVE if bag is None else str(bag_identity(bag))
    return {"recording": recording, "checkpoint": str(checkpoint or ""),
            "window_s": [float(value) for value in window_s]}


def _recorded_identity(report: dict) -> tuple[str, str | None, list | None]:
    """Return (recording, checkpoint, window) of a saved ``camera_check.json``; None: not saved.

    Files written before ``check_of`` existed: the live check's ``source``, or the ``bag`` as
    given (relative paths read from the working directory); no checkpoint. Files written before
    its ``window_s``: no window (not compared). Raises KeyError or TypeError for a file that is
    no camera check's.
    """
    if KEY in report:
        identity = report[KEY]
        return (str(identity["recording"]), str(identity["checkpoint"]),
                identity.get("window_s"))
    if "verdict" not in report:  # every camera check has one
        raise KeyError("verdict")
    if report.get("source") == "~/camera_check":
        return LIVE, None, None
    return str(bag_identity(report["bag"])), None, None


def _same_recording(recorded: str, this: str) -> bool:
    """Whether a saved check's recording is this one (bag paths compared by their identity)."""
    if LIVE in (recorded, this):
        return recorded == this
    return bag_identity(recorded) == bag_identity(this)


def refuse_other_check(out: str | Path, identity: dict, option: str = OUT_OPTION,
                       covered: Callable | None = None,
                       compare_window: bool = True) -> str | None:
    """Refuse ``out`` when it holds the camera check of another recording, or of another part.

    ``identity``: this check's (:func:`check_identity`). ``option``: how messages name the
    folder (``--out``, or the node's ``camera_check.output_dir``). ``covered``: what a window
    covers of the bag (``out_reuse.other_window``; None: the windows as given are compared);
    ``compare_window`` False: the windows are not compared (the bag is not read yet: two
    spellings of one window are only known as one then). Returns None when ``out``
    holds no ``camera_check.json`` or this check's own earlier one (it is overwritten), and a
    one-line note when it holds this recording's check with another world model (replaced).
    Raises ValueError (one line: the folder, what it holds, what to do) for another recording's
    check, a check of another ``window_s`` of this one (``out_reuse.other_window``), or a
    ``camera_check.json`` that is no camera check's.
    """
    out = Path(out).expanduser()
    report = out / REPORT_FILE
    if not report.is_file():
        return
    shown = shown_path(out)  # one line whatever the name holds
    fix = f"give another {option}, or remove {shown} to replace it"
    try:
        recording, checkpoint, window = _recorded_identity(json.loads(report.read_text()))
        part = other_window(window, identity["window_s"] if compare_window else None, covered)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"{option} {shown} holds a {REPORT_FILE} that is not a camera check's: "
                         f"give another {option}, or move that file away") from None
    held = ", ".join(name for name in (REPORT_FILE, PLOT_FILE, PARAMS_FILE)
                     if (out / name).exists())
    if not _same_recording(recording, identity["recording"]):
        raise ValueError(f"{option} {shown} holds the camera check ({held}) of another "
                         f"recording, {recording}: {fix}")
    if part:
        raise ValueError(f"{option} {shown} holds the camera check ({held}) of another part of "
                         f"this recording, {part} (this check: "
                         f"{window_words(identity['window_s'])}): {fix}")
    if checkpoint is not None and checkpoint != identity["checkpoint"]:
        model = checkpoint or "random weights"
        return (f"{option} {shown}: replacing the camera check ({held}) that another world "
                f"model, {model}, made of this recording")
    return None
