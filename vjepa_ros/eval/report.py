"""Evaluation reports: ``report.json``, PNG plots and the text summary the CLI prints.

Plots use matplotlib's Agg backend (no display needed): ``energies.png`` (per-step energy of the
planned vs the executed actions), ``actions.png`` (planned vs executed Δx, Δy, Δz and the cosine
per step; executed: ``executed_period_action``, the motion over one step period) and
``landscape.png`` (energy over the Δx/Δz grid of one step, executed and planned
actions marked). Without matplotlib the JSON is still written and the plots are skipped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import remove_stale_partials, save_plot, write_text
from vjepa_ros.counts import counted
from vjepa_ros.eval.eval_config import goal_offset_note
from vjepa_ros.eval.metrics import AXES, cosine_similarity
from vjepa_ros.json_values import json_safe
from vjepa_ros.planning.methods import RefineSettings
from vjepa_ros.threads import threads_text

REPORT_NAME = "report.json"
PLOT_NAMES = {"energies": "energies.png", "actions": "actions.png", "landscape": "landscape.png"}


def output_names(plots: bool = True, landscape: bool = True) -> tuple[str, ...]:
    """Return the files a run writes: ``report.json``, the plots unless ``plots`` is False.

    ``landscape`` False (``--landscape-points 0``): no ``landscape.png``. An eval checks these
    before its run (``out_paths.check_output_names``): a folder named like a plot it will not
    write is no reason to refuse it.
    """
    plotted = [name for key, name in PLOT_NAMES.items() if landscape or key != "landscape"]
    return (REPORT_NAME, *(plotted if plots else ()))


def write_report(report: dict, out_dir: str | Path, plots: bool = True) -> dict[str, Path]:
    """Write ``report.json`` (and the plots) into ``out_dir``; return {name: path}.

    Plots an earlier report in ``out_dir`` listed and this one does not write (``plots`` False,
    no landscape this time) are removed: a folder never shows plots of another run beside this
    report. Every file is written whole or not at all (``atomic_files``): a stop mid-write
    leaves the old file. Other files are left alone, but for the partial ``report.json`` or
    plot of a run killed while writing it (``atomic_files.remove_stale_partials``, one line).
    """
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out_dir, lambda name: name == REPORT_NAME or name.endswith(".png"))
    earlier = _earlier_plots(out_dir)
    written = {}
    if plots:
        written.update(write_plots(report, out_dir))
    for path in earlier - set(written.values()):
        path.unlink(missing_ok=True)
    report["plots"] = {name: path.name for name, path in written.items()}
    path = out_dir / REPORT_NAME
    write_text(path, json.dumps(json_safe(report), indent=1, allow_nan=False))  # read back
    written["report"] = path
    return written


def _earlier_plots(out_dir: Path) -> set[Path]:
    """Return the plot files the ``report.json`` already in ``out_dir`` lists (none: empty)."""
    try:
        listed = json.loads((out_dir / REPORT_NAME).read_text()).get("plots") or {}
        return {out_dir / Path(str(name)).name for name in listed.values()}
    except (OSError, ValueError, AttributeError):
        return set()


def write_plots(report: dict, out_dir: Path) -> dict[str, Path]:
    """Write the PNG plots; {} when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        report.setdefault("notes", []).append("plots skipped: matplotlib is not installed")
        return {}
    steps = report["steps"]
    k = [r["step"] for r in steps]
    written = {}

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(k, [r["energy_executed"] for r in steps], "o-", label="executed actions")
    ax.plot(k, [r["energy_planned"] for r in steps], "s-", label="planned actions")
    ax.set(xlabel="step", ylabel="energy (lower = closer to goal)",
           title="Energy under the model, toward each step's goal")
    ax.legend()
    written["energies"] = save_plot(fig, out_dir / PLOT_NAMES["energies"], dpi=100)

    planned = np.array([r["planned_action"] for r in steps])
    # the motion over one step period the first action is scored against (NaN: not known)
    executed = np.array([r.get("executed_period_action") or [math.nan] * 7 for r in steps])
    fig, axes = plt.subplots(4, 1, figsize=(7, 8), sharex=True)
    for i, axis in enumerate(AXES):
        axes[i].axhline(0, color="0.8", lw=0.8)
        axes[i].plot(k, executed[:, i], "o-", label="executed")
        axes[i].plot(k, planned[:, i], "s-", label="planned")
        axes[i].set_ylabel(f"Δ{axis} [m]")
    axes[0].legend(loc="upper right")
    min_motion = report["summary"]["actions"]["min_motion_m"]
    axes[3].plot(k, cosine_similarity(planned, executed, min_motion), "o-", color="C2")
    axes[3].set(ylabel="cos(Δxyz)", xlabel="step", ylim=(-1.05, 1.05))
    fig.suptitle("Planned vs executed first action")
    written["actions"] = save_plot(fig, out_dir / PLOT_NAMES["actions"], dpi=100)

    scape = report.get("landscape")
    if scape:
        dx, dz = np.array(scape["dx"]), np.array(scape["dz"])
        energy = np.array(scape["energy"])
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        mesh = ax.contourf(dx, dz, energy, levels=20, cmap="viridis")
        fig.colorbar(mesh, ax=ax, label="energy")
        ax.plot(*scape["executed"], "r*", ms=14, label="executed")
        ax.plot(*scape["planned"], "wo", ms=8, mec="k", label="planned")
        ax.set(xlabel="Δx [m]", ylabel="Δz [m]", title=f"Energy landscape, step {scape['step']}")
        ax.legend(loc="upper right")
        written["landscape"] = save_plot(fig, out_dir / PLOT_NAMES["landscape"], dpi=100)
    return written


def _fmt(value, spec: str = ".3f") -> str:
    return "n/a" if value is None or (isinstance(value, float) and not math.isfinite(value)) \
        else format(value, spec)


def _closedness(spread: dict | None) -> str:
    if not spread or spread.get("min") is None:
        return ""
    return f" (closedness {spread['min']:.2f}..{spread['max']:.2f})"


def note_lines(notes) -> list[str]:
    """Return ``note``/``warning`` lines of notes (a "warning: " prefix makes a warning line)."""
    lines = []
    for note in notes:
        warning = note.startswith("warning: ")
        lines.append(f"{'warning' if warning else 'note':<14}{note[9:] if warning else note}")
    return lines


def _short_of_goal(report: dict) -> str:
    """Say on the energy line that the executed sequence stops short of a further goal frame."""
    offset, horizon = report["eval"].get("goal_offset", 0), report["planner"]["horizon"]
    if report["eval"].get("goal") == "image" or not goal_offset_note(offset, horizon):
        return ""  # the note's rule: one place says when the sequence stops short
    return (f" (executed: {horizon} step(s), {offset - horizon} short of the goal frame "
            f"{offset} ahead)")


def _rate(rate_hz: float | None, before: str, after: str) -> str:
    """``(4 Hz)``: a stream's median rate (``recording.frame_rate_hz``); "" when unknown.

    Reports written before the rates were recorded have none.
    """
    return "" if rate_hz is None else f"{before}{round(rate_hz, 2):g} Hz{after}"


def streams_text(rec: dict) -> str:
    """Say which streams eval read, how many messages each and at what rate.

    ``frames 12 on /cam (4 Hz), states 60 from /js (joint_states, 20 Hz), gripper: /js
    (closedness 0.00..0.74)``. ``rec``: a report's ``recording`` part; each stream's median
    rate (user59w: what ``--rate`` and ``--max-state-gap`` depend on), left out for a report
    that records none.
    """
    return (f"frames {rec['frames']} on {rec['image_topic']}"
            f"{_rate(rec.get('frame_rate_hz'), ' (', ')')}, states {rec['states']} from "
            f"{rec['state_topic']} ({rec['state_source']}"
            f"{_rate(rec.get('state_rate_hz'), ', ', '')}), gripper: {rec['gripper_source']}"
            + _closedness(rec.get("gripper_closedness")))


def bag_lines(rec: dict) -> list[str]:
    """Return the ``bag`` line and its streams' line of a report's ``recording`` part ``rec``.

    ``bag  PATH (mcap, compression none, 4.0 s)`` then :func:`streams_text`: what eval and
    ``vjepa-ros inspect`` print about the bag read.
    """
    return [f"bag           {rec['path']} ({rec['storage']}, compression "
            f"{rec.get('compression', 'none')}, {rec['duration_s']:.1f} s)",
            f"              {streams_text(rec)}"]


def summary_lines(report: dict, input_notes: bool = True) -> list[str]:
    """Return the human-readable summary of a report (what ``vjepa-ros eval`` prints).

    ``input_notes``: end with the notes on the recording (``recording.notes``) too; the command
    prints those before the results, where they are seen, and passes False. A report a stop
    cut short (``partial``, ``stopped_eval``) says so after its steps line.
    """
    rec, summary = report["recording"], report["summary"]
    actions, energy = summary["actions"], summary["energy"]
    plan, encode = summary["latency_s"]["plan"], summary["latency_s"]["encode_per_frame"]
    planner = report["planner"]
    # each axis with the steps it is scored on: those that moved at least min_motion along it
    signs = "  ".join(f"{a} {_fmt(actions['sign_agreement'][a], '.2f')} "
                      f"({actions['sign_agreement_steps'][a]} of {actions['steps']})"
                      for a in AXES)
    lines = [
        *bag_lines(rec),
        f"steps         {summary['steps_evaluated']} evaluated of {rec['grid_steps']} at "
        f"{report['eval']['rate_hz']:g} Hz ({rec['valid_steps']} valid)",
        f"planner       {planner.get('method', 'cem').upper()} S {planner['samples']}, "
        f"H {planner['horizon']}, I {planner['iterations']}, k {planner['topk']}"
        f"{RefineSettings(**planner.get('refine', {})).describe()}; "
        f"model {report['model']['type']} "
        f"on {report['model']['device']} ({report['model']['dtype']}"
        f"{threads_text(report['model']['device'], report['model'].get('torch_threads', 0))})",
        *([f"partial       {report['partial']['text']}: every number here is of these steps "
           "alone"] if report.get("partial") else []),
        f"sign agree    {signs}   all axes {_fmt(actions['sign_agreement_all_axes'], '.2f')}",
        f"cosine dxyz   mean {_fmt(actions['cosine_xyz_mean'])}  median "
        f"{_fmt(actions['cosine_xyz_median'])}  ({actions['cosine_xyz_steps']} of "
        f"{actions['steps']} steps)",
        f"|dxyz| error  {_fmt(actions['magnitude_error_m_mean'] * 1e3, '.1f')} mm mean "
        f"(planned {_fmt(actions['planned_norm_m_mean'] * 1e3, '.1f')} mm, executed "
        f"{_fmt(actions['executed_norm_m_mean'] * 1e3, '.1f')} mm; over the "
        f"{counted(actions.get('scored_steps', actions['cosine_xyz_steps']), 'step')} that "
        f"moved, as the cosine)",
        f"energy        planned {_fmt(energy['planned_mean'], '.4f')}  executed "
        f"{_fmt(energy['executed_mean'], '.4f')}  planned <= executed in "
        f"{_fmt(100 * energy['planned_at_most_executed'], '.0f')} % of steps"
        + _short_of_goal(report),
        f"latency       plan p50 {_fmt(plan.get('p50'))} s  p90 {_fmt(plan.get('p90'))} s  "
        f"p99 {_fmt(plan.get('p99'))} s  max {_fmt(plan.get('max'))} s; encode "
        f"{_fmt(1e3 * encode['mean'] if encode.get('count') else None, '.1f')} ms/frame",
        f"throughput    {_fmt(summary['steps_per_s'], '.2f')} steps/s "
        f"({summary['wall_s']:.1f} s in all)",
    ]
    return lines + note_lines((rec["notes"] if input_notes else []) + report.get("notes", []))
