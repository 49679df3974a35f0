"""What a stopped ``vjepa-ros eval`` measured: the steps planned so far, saved as a partial report.

On a CPU the paper's defaults take ~39 min for a 16-frame bag, so a Ctrl-C or SIGTERM part way
is common; the steps planned before it are not thrown away. ``evaluate_recording`` hands them
on with the stop itself (:func:`keep_measured`: the same KeyboardInterrupt or
``terminate.Terminated``, so every caller still sees the stop it was, 130 or 143), as the report
of those steps marked ``partial`` (:func:`partial_words`: ``5 of 15 steps; stopped``). ``eval``
writes it as its report (the same files) and says where (:func:`save_stopped_eval`);
``camera-check`` judges its motions (``camera_check_stopped``).

An earlier complete report in the output folder is never replaced by a partial one, nor an
earlier partial one that measured more (10 of 15 steps over a rerun's 1 of 15): the stop keeps
it and says so (:func:`earlier_kept`); a partial one that measured as much or less is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

MEASURED = "measured"  # the attribute of a stop's exception that carries what was measured
PARTIAL = "partial"  # the key of a report (report.json, camera_check.json) cut short by a stop


def keep_measured(stop: KeyboardInterrupt, measured) -> None:
    """Attach what was measured before ``stop`` to it (None: nothing), then raise it on."""
    setattr(stop, MEASURED, measured)


def measured(stop: BaseException):
    """Return what :func:`keep_measured` attached to ``stop`` (None: nothing, or not a stop)."""
    return getattr(stop, MEASURED, None)


def stop_word(stop: KeyboardInterrupt) -> str:
    """Return ``terminated`` after SIGTERM (``terminate.Terminated``), else ``interrupted``."""
    from vjepa_ros.terminate import Terminated

    return "terminated" if isinstance(stop, Terminated) else "interrupted"


def partial_words(done: int, chosen: int, stop: KeyboardInterrupt, what: str = "") -> dict:
    """Return a report's ``partial`` entry: ``done`` of ``chosen`` steps evaluated, then ``stop``.

    ``{"steps_evaluated": 5, "steps_chosen": 15, "stopped": "interrupted", "text": "5 of 15
    steps; stopped (interrupted)"}``; ``what`` goes before ``steps`` (``search 1 of 2: ``).
    """
    word = stop_word(stop)
    return {"steps_evaluated": int(done), "steps_chosen": int(chosen), "stopped": word,
            "text": f"{what}{done} of {chosen} steps; stopped ({word})"}


def complete_output(path: Path) -> bool:
    """Whether ``path`` (``report.json``, ``camera_check.json``) holds a complete earlier report.

    A JSON object without a ``partial`` key; anything unreadable or partial is not (a stop may
    replace it).
    """
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and PARTIAL not in report


def earlier_kept(path: Path, done: int, count: Callable[[dict], tuple[int, str]]) -> str:
    """Return what the earlier report at ``path`` is when it stays over a partial one; else "".

    ``done``: what the partial one measured (its steps, its motions); ``count``: the same of
    an earlier partial report and its words (``(4, "4 of 11 steps; ...")``). A complete one
    (:func:`complete_output`): ``an earlier complete run's``; a partial one that measured more
    than ``done``: ``an earlier partial run's that measured more (WORDS)``. "" (the partial one
    replaces it): none, unreadable, not a report, or one that measured as much or less.
    """
    path = Path(path).expanduser()
    if complete_output(path):
        return "an earlier complete run's"
    try:
        earlier, words = count(json.loads(path.read_text()))
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return ""  # no earlier report this could tell the measure of: replaced
    return f"an earlier partial run's that measured more ({words})" if earlier > done else ""


def kept_earlier(path: Path, words: str, earlier: str = "an earlier complete run's") -> str:
    """Say that the ``earlier`` report at ``path`` stays (:func:`earlier_kept`): none saved."""
    from vjepa_ros.path_text import shown_path

    return (f"nothing saved: {shown_path(path)} is {earlier}, kept (the {words} measured are "
            "not written over it; give another --out to keep a partial one)")


def steps_measured(report: dict) -> tuple[int, str]:
    """Return a partial eval report's steps evaluated and its ``partial`` words."""
    return int(report[PARTIAL]["steps_evaluated"]), str(report[PARTIAL]["text"])


def write_partial(prog: str, stop: KeyboardInterrupt, what: str, out: Path,
                  write: Callable[[], object], may_be: str) -> tuple[object, int | None]:
    """Return ``(write(), None)``, or ``(None, status)`` once a failed write is said.

    A second stop while writing (each file is whole or not there: ``atomic_files``): ``PROG:
    interrupted; stopped again while writing the WHAT into OUT: MAY_BE``; an ``OSError``: ``the
    WHAT could not be written into OUT: ERROR``. The status is the first ``stop``'s.
    """
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.terminate import report_stop

    try:
        return write(), None
    except KeyboardInterrupt:
        return None, report_stop(prog, stop, f"stopped again while writing the {what} into "
                                 f"{shown_path(out)}: {may_be}")
    except OSError as exc:
        return None, report_stop(prog, stop, f"the {what} could not be written into "
                                 f"{shown_path(out)}: {exc}")


def save_stopped_eval(prog: str, stop: KeyboardInterrupt, report: dict, out: Path,
                      plots: bool, printed: Callable[[dict], list[str]]) -> int:
    """Write the partial ``report`` of a stopped eval into ``out``; one line; return 130 / 143.

    ``report``: :func:`measured`'s (``partial`` in it). The same files a whole run writes
    (``report.write_report``), then ``printed(report)``'s lines (its summary) on stdout and
    ``PROG: interrupted; partial report saved (5 of 15 steps; stopped (interrupted)): FILES``.
    An earlier complete ``report.json`` in ``out`` stays, and an earlier partial one with more
    steps (:func:`earlier_kept`, :func:`kept_earlier`); a second stop
    while writing, or a write that fails, says what may be there. The status is the first
    stop's (``terminate.report_stop``).
    """
    from vjepa_ros.eval.report import REPORT_NAME, write_report
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.terminate import report_stop

    words = report[PARTIAL]["text"]
    path = Path(out).expanduser() / REPORT_NAME
    earlier = earlier_kept(path, report[PARTIAL]["steps_evaluated"], steps_measured)
    if earlier:
        return report_stop(prog, stop, kept_earlier(path, words.split(";")[0],
                                                    earlier))
    written, status = write_partial(
        prog, stop, f"partial report ({words})", out, lambda: write_report(report, out, plots),
        "its plots may be missing and report.json missing or an earlier run's")
    if status is not None:
        return status
    files = ", ".join(shown_path(path) for path in written.values())
    try:
        print("\n".join(printed(report)), flush=True)
    except KeyboardInterrupt:
        pass  # the files are written: the line below says so
    return report_stop(prog, stop, f"partial report saved ({words}): {files}")
