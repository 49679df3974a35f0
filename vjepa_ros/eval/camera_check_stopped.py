"""What a stopped ``vjepa-ros camera-check`` measured: the per-axis agreement of its motions.

The offline check searches every step twice (``camera_check_bag.check_recording``); a Ctrl-C or
SIGTERM during either search carries what was measured (``stopped_eval.measured``): a
:class:`StoppedCheck`. The motions the first search inferred before the stop give the check's
per-axis agreement, rotation and verdict when they are enough for one (at least the check's
``min_motions``, not all along one line: ``camera_check.check_motions``'s own rule), else the
reason none is. Without the second search the verdict is not tested against a search too weak to
trust, so a partial check writes ``camera_check.json`` (marked ``partial``) and its plot, never
``planner_camera_check.yaml`` (:func:`save_stopped_check`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from vjepa_ros.eval.camera_check_result import CameraCheckResult
from vjepa_ros.eval.stopped_eval import (
    PARTIAL,
    earlier_kept,
    kept_earlier,
    partial_words,
    write_partial,
)


@dataclasses.dataclass(frozen=True)
class StoppedCheck:
    """A camera check a stop cut short.

    Attributes:
        partial: the ``partial`` entry (``stopped_eval.partial_words``), ``text`` saying which
            search stopped where (``search 1 of 2: 5 of 15 steps; stopped (interrupted)``).
        motions: the steps whose inferred motion is known (the first search's).
        result: the check of those motions; None when they are not enough (``why``).
        report: the first search's evaluation report (partial or whole): the JSON's settings.
        why: why the motions are not enough for a per-axis agreement ("" when they are).
    """

    partial: dict
    motions: int
    result: CameraCheckResult | None = None
    report: dict | None = None
    why: str = ""


def stopped_check(stop: KeyboardInterrupt, first: dict | None, second: dict | None,
                  chosen: int, judge: Callable[[dict], CameraCheckResult]) -> StoppedCheck:
    """Return what a check ``stop`` cut short measured.

    ``first``: the first search's report (partial; None: no step searched); ``second``: the
    second search's partial report when the stop came in it (``first`` then whole; None: before
    its first step, or the stop came in the first). ``chosen``: the steps each search plans.
    ``judge``: the check of a report's motions without a second search (ValueError: not enough).
    """
    if second is not None or (first is not None and PARTIAL not in first):
        done = 0 if second is None else second[PARTIAL]["steps_evaluated"]
        partial = {**partial_words(done, chosen, stop, "search 1 of 2 whole, search 2 of 2 (the "
                                   "test that the search is strong enough): "), "search": 2}
    else:
        done = 0 if first is None else first[PARTIAL]["steps_evaluated"]
        partial = {**partial_words(done, chosen, stop, "search 1 of 2: "), "search": 1}
    if first is None:
        return StoppedCheck(partial, 0, why="no motion was searched yet")
    motions = len(first["steps"])
    try:
        return StoppedCheck(partial, motions, judge(first), first)
    except ValueError as exc:  # the reason, without the advice for a whole bag (record more)
        reason = str(exc).split("camera check: ", 1)[-1].split(": ", 1)[0]
        return StoppedCheck(partial, motions, report=first, why=(
            f"{reason} (the check's {chosen} steps have enough: let it run to its end)"))


def motions_measured(report: dict) -> tuple[int, str]:
    """Return a partial ``camera_check.json``'s motions and their words (``11 motion(s)``)."""
    return int(report["motions"]), f"{int(report['motions'])} motion(s)"


def save_stopped_check(prog: str, stop: KeyboardInterrupt, stopped: StoppedCheck, out: Path,
                       extra: Callable[[dict], dict], plot: bool,
                       printed: Callable[[CameraCheckResult], list[str]],
                       world_model: str = "") -> int:
    """Write a partial check into ``out`` when its motions give one; one line; return 130 / 143.

    ``extra``: the JSON's entries for the first search's report (``check_of``, the planner, as a
    whole check's). ``printed``: the summary lines of a result (its correction line is replaced:
    no parameter file is written). Motions not enough (``stopped.why``): nothing saved, saying
    why. An earlier complete ``camera_check.json`` in ``out`` stays, and with it its plot and
    parameter file, and so does an earlier partial one of more motions
    (``stopped_eval.earlier_kept``). ``world_model``: the checked model's file or ``demo``: its
    caveats go into the JSON's ``notes`` and a ``note`` line each, as a whole check's
    (``camera_check_report.write_check_json``). A second stop or a failed write says what
    may be there. The status is the first stop's (``terminate.report_stop``).
    """
    from vjepa_ros.eval.camera_check_caveats import world_model_caveats
    from vjepa_ros.eval.camera_check_report import (
        PARAMS_FILE,
        PLOT_FILE,
        REPORT_FILE,
        verdict_line,
        write_check_json,
        write_plot,
    )
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.terminate import report_stop

    words = stopped.partial["text"]
    if stopped.result is None:
        return report_stop(prog, stop, f"nothing saved ({words}): the {stopped.motions} "
                           "motion(s) searched are not enough for a per-axis agreement: "
                           f"{stopped.why}")
    out = Path(out).expanduser()
    earlier = earlier_kept(out / REPORT_FILE, stopped.motions, motions_measured)
    if earlier:
        return report_stop(prog, stop, kept_earlier(out / REPORT_FILE,
                                                    f"{stopped.motions} motion(s)", earlier))
    result = stopped.result
    notes = world_model_caveats(result, world_model)

    def write() -> tuple[Path | None, Path]:
        out.mkdir(parents=True, exist_ok=True)
        picture = write_plot(result, out / PLOT_FILE) if plot else None
        if picture is None:  # an earlier partial check's plot must not stand beside it
            (out / PLOT_FILE).unlink(missing_ok=True)
        headline = f"PARTIAL ({words}; no {PARAMS_FILE}): {verdict_line(result)}"
        return picture, write_check_json(result, out / REPORT_FILE, headline, notes,
                                         {PARTIAL: stopped.partial, **extra(stopped.report)})

    written, status = write_partial(prog, stop, f"partial check ({words})", out, write,
                                    f"{REPORT_FILE} and {PLOT_FILE} may be missing or an "
                                    "earlier partial check's")
    if status is not None:
        return status
    try:
        lines = [line if not line.startswith("correction") else
                 f"correction    none written: a partial check ({PARAMS_FILE} only from a "
                 "check run to its end)" for line in printed(result)]
        print("\n".join([f"partial       {words}: {result.motions} motion(s), one search; the "
                         "verdict is not final", *lines,
                         *(f"note          {note}" for note in notes)]), flush=True)
    except KeyboardInterrupt:
        pass  # the files are written: the line below says so
    files = ", ".join(shown_path(path) for path in written if path is not None)
    return report_stop(prog, stop, f"partial check saved ({words}; the per-axis agreement of "
                       f"{result.motions} motion(s), no {PARAMS_FILE}: run the check to its end "
                       f"for one): {files}")
