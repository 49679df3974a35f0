"""Camera check outputs: the text summary, ``camera_check.json``, the plot and the parameter file.

The parameter file (``planner_camera_check.yaml``) is a complete planner parameter file: the
base file's parameters (default the package's ``config/planner.yaml``; the live check: the
node's own) with ``control.model_frame_rpy_deg`` set to the check's correction (0, 0, 0 when
the verdict is "placement fine" or "move the camera"; not written at all when it is
"undecided": the search was too weak to trust, or tabletop motions
cannot tell a mirror from a half turn); a verdict with no correction (undecided too) moves an
earlier correction there aside (``camera_check_keep``);
``vjepa-ros camera-check`` also writes
the checkpoint and the search settings it ran with (``model.*``, ``planner.*``), so the file
plans with the model the correction belongs to. ``ros2 launch vjepa_ros
vjepa_mpc.launch.py params_file:=…/planner_camera_check.yaml``, ``--ros-args --params-file`` and
``vjepa-ros launch --params-file`` load it as they load ``config/planner.yaml``.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import save_plot, write_text
from vjepa_ros.eval.camera_check_base import base_planner_params  # noqa: F401 (re-exported)
from vjepa_ros.eval.camera_check_reasons import axes_scope
from vjepa_ros.eval.camera_check_result import CameraCheckResult, Verdict, mirror_seen, rpy_words
from vjepa_ros.eval.metrics import AXES
from vjepa_ros.json_values import json_safe
from vjepa_ros.params_yaml import dump_params

PARAMS_FILE = "planner_camera_check.yaml"
REPORT_FILE = "camera_check.json"
PLOT_FILE = "camera_check.png"
WRITTEN = f"{REPORT_FILE}, {PLOT_FILE} and {PARAMS_FILE}"  # what write_check writes, in words


def written_names(plot: bool = True) -> tuple[str, ...]:
    """Return the files :func:`write_check` may write (``plot`` False: no plot)."""
    return (REPORT_FILE, PARAMS_FILE, *((PLOT_FILE,) if plot else ()))
NODE_KEY = "/**"


def _fmt_agreement(agreement: dict) -> str:
    return "  ".join(
        f"{axis} {'n/a' if agreement[axis] is None else format(agreement[axis], '.2f')}"
        for axis in AXES)


def _uncertainty_line(u: dict) -> str:
    """Return the rotation's uncertainty and its test against the identity, in one line.

    A full rotation's bound is along the region's widest axis; the test against no rotation
    is along the estimate's own axis (``along_deg``), shown too, so the two do not read as a
    contradiction (59° ± 62° widest, ± 20° along its axis: differs from no rotation).
    """
    fitted = "full rotation" if u["dof"] == 3 else "yaw"
    bound = "unbounded" if u["bound_deg"] == float("inf") else f"±{u['bound_deg']:.1f}°"
    sigma = ("unknown: too few motions" if u["sigma_deg"] == float("inf")
             else f"{u['sigma_deg']:.1f}°")
    differs = "differs from" if u["distinguishable"] else "cannot be told from"
    along = u.get("along_deg", float("inf"))
    along = (f", widest axis; ±{along:.1f}° along the estimate's axis, which the test uses"
             if u["dof"] == 3 and along != float("inf") else "")
    search = (f", search error {u['search_deg']:.1f}°" if u.get("search_deg") else "")
    return (f"uncertainty   {bound} ({fitted}, {u['confidence']:.0%}{along}; per-motion error "
            f"{sigma}{search}): {differs} no rotation (p {u['p_value']:.2f})")


def _search_lines(search: dict | None) -> list[str]:
    """Return the two independent searches' disagreement, in one line (none: searched once)."""
    if not search:
        return []
    judged = "too weak for a verdict" if search["too_weak"] else "converged enough"
    return [f"search        two independent searches differ {search['spread_deg']:.1f}° per "
            f"motion (median; limit {search['limit_deg']:g}°): {judged}"]


def _trial_lines(trial: dict | None) -> list[str]:
    """Return the correction trial's lines: per setting, the share of the distance closed."""
    if not trial:
        return []
    if "skipped" in trial:
        return [f"trial         {trial['skipped']}"]
    lines = []
    for setting in ("uncorrected", "corrected"):
        legs = [leg for leg in trial["legs"] if leg["setting"] == setting]
        poses = ", ".join(f"{leg['label']} {leg['progress']:.0%}" for leg in legs
                          if leg["progress"] is not None)
        lines.append(f"trial {setting:<11} closed {trial[f'progress_{setting}']:.0%} of the "
                     f"distance to the start's frame ({poses}; threshold "
                     f"{trial['min_progress']:.0%})")
    lines.append(f"              the motions alone said: {trial['motions_verdict']}")
    return lines


def verdict_line(result: CameraCheckResult, short: bool = False) -> str:
    """Return the verdict with what it rests on: the console's, the JSON's ``headline``.

    The verdict in capitals; "placement fine" and "correct by rotation" name the axes they cover
    when some base axis had no motion (``camera_check_reasons.axes_scope``); "move the camera"
    names the inferred lengths as its reason when they are (``length_cause``), a mirrored view
    likewise (``mirror``); a search below
    the budget the verdicts were validated at says so and what to rerun with
    (``search_caveat``).
    ``short``: in lower case, the scope without its advice, the caveat in five words
    (the plot's title).
    """
    line = result.verdict if short else result.verdict.upper()
    if result.unchecked_axes and result.verdict in (Verdict.FINE, Verdict.ROTATE):
        line += " " + axes_scope(result.unchecked_axes, result.thresholds["min_motion_m"], short)
    if result.length_cause and result.verdict == Verdict.MOVE:
        line += f": {result.length_cause}"
    if result.mirror and result.verdict == Verdict.MOVE:
        line += f": {mirror_seen(result.mirror)} (no rotation corrects it)"
    if result.search_caveat:
        line += ("; search below the validated budget" if short else
                 f"; {result.search_caveat}")
    return line


def summary_lines(result: CameraCheckResult) -> list[str]:
    """Return what the check prints: agreement, rotations, residuals, the verdict."""
    r = result
    rpy, correction = rpy_words(r.rotation_rpy_deg), rpy_words(r.correction_rpy_deg)
    return [
        f"motions       {r.motions} used (executed >= {r.thresholds['min_motion_m'] * 100:g} cm), "
        f"the model infers {r.scale:.0%} of their length"
        + (f"; {r.skipped_note}" if r.skipped_note else ""),
        f"length        {_fmt_agreement(r.axis_scale)}   (inferred / executed, per base axis)",
        f"sign agree    {_fmt_agreement(r.sign_agreement)}   (inferred vs executed, per "
        "base axis)",
        f"  corrected   {_fmt_agreement(r.sign_agreement_corrected)}",
        f"explained     {_fmt_agreement(r.explained)}   (share of the frame change the model's "
        "best action explains, per axis moved)",
        f"yaw only      {r.yaw_deg:+.1f}° about base z (the best turn about z alone, base -> "
        "model frame; the correction's angles: the correction line)",
        f"rotation      rpy [{rpy}]° ({r.rotation_angle_deg:.1f}° in all; full 3-D fit)",
        f"residual      RMS angle none {r.residual_deg['none']:.1f}°  yaw "
        f"{r.residual_deg['yaw']:.1f}°  full {r.residual_deg['full']:.1f}°",
        f"agreement     none {r.agreement['none']:.2f}  yaw {r.agreement['yaw']:.2f}  full "
        f"{r.agreement['full']:.2f}   (mean cosine of the direction errors: the share of a "
        "step that is progress)",
        _uncertainty_line(r.uncertainty),
        *_search_lines(r.search),
        *_trial_lines(r.trial),
        ("correction    none: no parameter file written (undecided: see the verdict)"
         if r.verdict == Verdict.UNDECIDED else
         f"correction    {r.correction}: control.model_frame_rpy_deg [{correction}]"
         + (" (no rotation: the written file leaves the planner uncorrected)"
            if r.correction == "none" else "")),
        f"verdict       {verdict_line(r)}",
        f"              {r.explanation.removesuffix(f'; {r.search_caveat}')}",  # said above
    ]


def _without_empty_lists(mapping: dict) -> dict:
    """Drop ``[]`` values: a ROS 2 parameter file cannot type an empty list (rcl refuses it)."""
    return {key: _without_empty_lists(value) if isinstance(value, dict) else value
            for key, value in mapping.items() if value != []}


def params_with_correction(base: dict, rpy_deg, thresholds: dict | None = None) -> dict:
    """Return a ROS 2 parameter file mapping: ``base`` (nested planner parameters), rotation.

    ``thresholds`` (the check's ``CheckThresholds`` as a dict) become
    ``camera_check.verdict.*``, so the file reproduces the verdict's settings. Empty lists
    (``goal_image_paths: []``) are left out, as in ``config/planner.yaml``: their defaults are
    empty anyway. ``control.model_frame_check_rpy_deg`` records the rotation as the check's.
    """
    params = _without_empty_lists(json.loads(json.dumps(base)))  # a deep copy of plain data
    rpy = [round(float(v), 4) for v in rpy_deg]
    params.setdefault("control", {}).update(model_frame_rpy_deg=rpy,
                                            model_frame_check_rpy_deg=list(rpy))
    if thresholds:
        params.setdefault("camera_check", {})["verdict"] = dict(thresholds)
    return {NODE_KEY: {"ros__parameters": params}}


def with_settings(base: dict, settings: dict) -> dict:
    """Return ``base`` (nested parameters) with ``settings`` (nested too) written over it."""
    merged = json.loads(json.dumps(base))  # a deep copy of plain data
    for key, value in settings.items():
        merged[key] = (with_settings(merged[key], value)
                       if isinstance(value, dict) and isinstance(merged.get(key), dict)
                       else value)
    return merged


def _fitted_to(result: CameraCheckResult) -> str:
    """Say which axes' motions a correction was fitted to, when some axis had none ("")."""
    unchecked = result.unchecked_axes
    if not unchecked or result.correction == "none":
        return ""
    checked = " and ".join(axis for axis in AXES if axis not in unchecked)
    return (f", fitted to motions along {checked} only (how the model sees motion along "
            f"{' and '.join(unchecked)} was not checked)")


def write_params(result: CameraCheckResult, path: str | Path, base: dict,
                 camera_topic: str = "", notes=()) -> Path:
    """Write the planner parameter file with the check's correction; return its path.

    ``camera_topic``: the camera the correction holds for (a comment line; "" none): the
    rotation is that camera's, where it stood. ``notes``: the verdict's caveats
    (``camera_check_caveats``), a ``# note:`` line each.
    """
    path = Path(path).expanduser()
    camera = (f"# camera: {' '.join(camera_topic.split())} (the correction holds for this camera "
              "where it stood during the check)\n" if camera_topic else "")
    header = (f"# Planner parameters with the camera check's correction (vjepa-ros camera-check / "
              f"~/camera_check).\n# verdict: {verdict_line(result)}; estimated rotation "
              f"{result.rotation_angle_deg:.1f}° (rpy [{rpy_words(result.rotation_rpy_deg)}]°), "
              f"correction {result.correction}{_fitted_to(result)}.\n"
              f"# {_uncertainty_line(result.uncertainty)}\n{camera}"
              + "".join(f"# note: {' '.join(note.split())}\n" for note in notes))
    body = dump_params(params_with_correction(base, result.correction_rpy_deg,
                                              result.thresholds))  # strings read back as such
    return write_text(path, header + body)  # whole or not at all: a node reads it next


def write_plot(result: CameraCheckResult, path: Path) -> Path | None:
    """Plot executed vs inferred motion directions (xy, xz planes), before and after correction."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from scipy.spatial.transform import Rotation

    executed = np.asarray(result.executed)
    inferred = np.asarray(result.inferred)
    corrected = Rotation.from_euler("xyz", result.correction_rpy_deg, degrees=True).inv() \
        .apply(inferred)
    fig, axes = plt.subplots(2, 2, figsize=(8, 8))
    for row, (shown, label) in enumerate(((inferred, "inferred (model frame)"),
                                          (corrected, "inferred, corrected to base"))):
        for col, (i, j) in enumerate(((0, 1), (0, 2))):
            ax = axes[row, col]
            reach = 1.2 * max(np.abs(executed).max(), np.abs(shown).max(), 1e-3) * 100
            for b, m in zip(executed, shown, strict=True):
                ax.annotate("", xy=(b[i] * 100, b[j] * 100), xytext=(0, 0),
                            arrowprops={"arrowstyle": "->", "color": "C0"})
                ax.annotate("", xy=(m[i] * 100, m[j] * 100), xytext=(0, 0),
                            arrowprops={"arrowstyle": "->", "color": "C3"})
            ax.plot([], [], color="C0", label="executed (base)")
            ax.plot([], [], color="C3", label=label)
            ax.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal",
                   xlabel=f"Δ{AXES[i]} [cm]", ylabel=f"Δ{AXES[j]} [cm]")
            ax.axhline(0, color="0.85", lw=0.8)
            ax.axvline(0, color="0.85", lw=0.8)
            ax.legend(loc="upper left", fontsize=8)
    title = textwrap.fill(f"Camera check: {verdict_line(result, short=True)}", 90)
    fig.suptitle(f"{title}\n(rotation {result.rotation_angle_deg:.1f}°, rpy "
                 f"[{rpy_words(result.rotation_rpy_deg)}]°)", fontsize=10)
    return save_plot(fig, path, dpi=100)


@dataclasses.dataclass(frozen=True)
class WrittenCheck:
    """What :func:`write_check` left in its folder.

    Attributes:
        report: ``camera_check.json``.
        params: the parameter file; None on an "undecided" verdict (none written).
        plot: the plot; None when none was drawn (``plot`` False, no matplotlib).
        previous: where an earlier check's correction was moved aside
            (``camera_check_keep.PREVIOUS_FILE``: not written by this check); None: nothing moved.
    """

    report: Path
    params: Path | None = None
    plot: Path | None = None
    previous: Path | None = None

    def files(self) -> tuple[Path, ...]:
        """Return the files this check wrote: parameter file, plot, report (those written)."""
        return tuple(path for path in (self.params, self.plot, self.report) if path is not None)


def write_check(result: CameraCheckResult, out_dir: str | Path, base_params: dict,
                extra: dict | None = None, plot: bool = True,
                camera_topic: str = "", notes=()) -> WrittenCheck:
    """Write ``camera_check.json`` (with ``extra``), the plot and the parameter file.

    ``camera_topic`` and ``notes`` (the verdict's caveats: the JSON's ``notes`` too): in the
    parameter file's header (:func:`write_params`). A verdict
    with no correction moves an earlier check's correction there aside first
    (``camera_check_keep``: :attr:`WrittenCheck.previous`).

    An "undecided" verdict writes no parameter file: one an earlier check left in ``out_dir``
    (a correction from a search too weak to trust must not be loaded by mistake as this one's)
    is moved aside when it sets a rotation (:attr:`WrittenCheck.previous`), else removed;
    :attr:`WrittenCheck.params` is then None. Without a plot this time (``plot`` False, no
    matplotlib) the plot an earlier check wrote beside its ``camera_check.json`` is removed.
    """
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = None
    from vjepa_ros.eval.camera_check_keep import keep_earlier_correction

    previous = keep_earlier_correction(result, out_dir / PARAMS_FILE)  # neither lost nor loaded
    if result.verdict == Verdict.UNDECIDED:
        (out_dir / PARAMS_FILE).unlink(missing_ok=True)  # one with no correction: nothing lost
    else:
        params = write_params(result, out_dir / PARAMS_FILE, base_params, camera_topic, notes)
    path = out_dir / REPORT_FILE
    picture = write_plot(result, out_dir / PLOT_FILE) if plot else None
    if picture is None and path.exists():  # an earlier check's plot must not stand beside it
        (out_dir / PLOT_FILE).unlink(missing_ok=True)
    write_check_json(result, path, verdict_line(result), notes, extra)
    return WrittenCheck(report=path, params=params, plot=picture, previous=previous)


def write_check_json(result: CameraCheckResult, path: Path, headline: str, notes=(),
                     extra: dict | None = None) -> Path:
    """Write ``camera_check.json`` at ``path``: the result, ``headline``, ``notes``, ``extra``.

    The one writer of the file for a whole check (:func:`write_check`) and a partial one
    (``camera_check_stopped.save_stopped_check``): ``notes`` are the verdict's caveats
    (``camera_check_caveats.world_model_caveats``: the demo model's, a marginal verdict's).
    Whole or not at all (``atomic_files.write_text``); errors: ``OSError``.
    """
    report = {**result.to_dict(), "headline": headline, "notes": list(notes), **(extra or {})}
    return write_text(path, json.dumps(json_safe(report), indent=1, allow_nan=False))


@dataclasses.dataclass(frozen=True)
class SavedWords:
    """What a saved check says of its files (:func:`save_check`).

    Attributes:
        files: the files written, ``", "``-joined.
        kept: where an earlier correction was kept, and its rotation
            (``camera_check_keep.kept_words``); "" when none was moved aside.
        undecided: that no parameter file was written (and whether an earlier one was
            removed); "" when one was written.
        notes: the verdict's caveats (``camera_check_caveats``: the demo model's, a marginal
            verdict's), one line each; also in the parameter file's header and the JSON.
    """

    files: str
    kept: str = ""
    undecided: str = ""
    notes: tuple[str, ...] = ()

    def parts(self) -> list[str]:
        """Return the clauses in order: ``"note: …"`` each, ``"written: …"``, those not empty."""
        return [*(f"note: {note}" for note in self.notes), f"written: {self.files}",
                *(part for part in (self.kept, self.undecided) if part)]


def save_check(result: CameraCheckResult, out_dir: str | Path, base_params: dict,
               removed_from: str = "", world_model: str = "",
               **options) -> tuple[WrittenCheck, SavedWords]:
    """Write the check (:func:`write_check`, ``options`` its keywords) and say what was saved.

    ``removed_from``: how the "undecided" clause names the folder an earlier parameter file was
    removed from (``" in DIR"``; "" not named). ``world_model``: the checked model's file or
    ``demo`` ("" none): its caveats (``camera_check_caveats.world_model_caveats``, the one writer
    for the command and the live check) go into the files and :attr:`SavedWords.notes`. Errors:
    those of :func:`write_check` (``OSError``, ``ValueError``).
    """
    from vjepa_ros.eval.camera_check_caveats import world_model_caveats

    notes = tuple(world_model_caveats(result, world_model))
    stale = (Path(out_dir).expanduser() / PARAMS_FILE).exists()  # undecided: aside or removed
    written = write_check(result, out_dir, base_params, notes=notes, **options)
    kept = ""
    if written.previous is not None:  # a correction is never replaced by none unsaid
        from vjepa_ros.eval.camera_check_keep import kept_words

        kept = kept_words(written.previous, result)
    removed = stale and written.previous is None  # an earlier one without a correction
    undecided = "" if written.params is not None else (  # no correction to load
        f"no {PARAMS_FILE}: the verdict is undecided"
        + (f" (the one an earlier check left{removed_from} was removed)" if removed else ""))
    return written, SavedWords(", ".join(str(path) for path in written.files()), kept, undecided,
                               notes)


def stopped_check_saved(out_dir: str | Path, writing: bool) -> str:
    """Say what a camera check stopped before its end saved in ``out_dir``: nothing of its own.

    :func:`write_check` writes once the check has ended; stopped while it writes (``writing``),
    the files there may be incomplete or an earlier check's. Files an earlier check left there
    are named as such (they are not this check's results).
    """
    out_dir = Path(out_dir).expanduser()
    if writing:
        return (f"stopped while writing into {out_dir}: {WRITTEN} may be incomplete or an "
                "earlier check's; run the check again")
    earlier = "; the files there are an earlier check's" if (out_dir / REPORT_FILE).exists() \
        else ""
    return f"nothing saved ({WRITTEN} go into {out_dir} once the check has ended{earlier})"
