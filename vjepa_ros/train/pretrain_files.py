"""The files ``vjepa-ros pretrain`` writes: their names, the check that they are free, the curves.

An ``--out`` encoder file ``enc.pt`` comes with its curves ``enc.json`` and plot ``enc.png``
(:func:`curve_files`), and ``--save-every`` or a stopped run writes ``enc.step<N>.pt`` with its
own (:func:`step_file`). None is ever overwritten (:func:`check_outputs_free`).
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

from vjepa_ros.atomic_files import is_partial, remove_stale_partials, save_plot, write_text
from vjepa_ros.path_text import shown_path


def existing_outputs(out: Path) -> list[Path]:
    """Return the files a run to ``out`` would write that exist already, ``out`` first.

    Those are ``out`` and its curves and plot (:func:`curve_files`), and the :func:`step_file`
    files of ``--save-every`` or a stopped run (``out.step37.pt`` with its ``.json``/``.png``).
    A ``*.partial`` file (of a run killed while saving: ``atomic_files``) is none of them.
    """
    named = [out, *curve_files(out)]
    found = sorted((path for path in out.parent.glob(f"{glob.escape(out.stem)}.step*")
                    if is_output_name(out, path.name)), key=lambda path: path.name)
    return [path for path in dict.fromkeys(named + found) if path.exists()]


def is_output_name(out: Path, name: str) -> bool:
    """Return whether a file named ``name`` beside ``out`` is one a run to ``out`` writes.

    ``out``'s name, its curves' and plot's (:func:`curve_files`), or a :func:`step_file`'s
    (with its curves and plot); never a ``*.partial`` file (``atomic_files.is_partial``).
    """
    if is_partial(name):
        return False
    steps = re.compile(rf"{re.escape(out.stem)}\.step\d+(\.|$)")
    return name in {path.name for path in (out, *curve_files(out))} or bool(steps.match(name))


def remove_stale_output_partials(out: Path) -> list[Path]:
    """Remove the partial files of stopped runs for the files a run to ``out`` writes.

    ``atomic_files.remove_stale_partials`` (one line when any were removed).
    """
    return remove_stale_partials(out.parent, lambda name: is_output_name(out, name))


def check_out_name(out: Path) -> None:
    """Refuse an ``--out`` named as the run's own curves or plot (ValueError, one line).

    ``--out enc.json`` would be written as the encoder, then overwritten by its curves
    (:func:`curve_files`: ``enc.json``, ``enc.png``): "saved enc.json (0.0 MB)" and no encoder
    (breaker40d).
    """
    curves, plot = curve_files(out)
    if out in (curves, plot):
        raise ValueError(f"--out {shown_path(out)}: the run writes its curves to {curves.name} "
                         f"and its plot to {plot.name} beside the encoder file: give the encoder "
                         f"file another name, e.g. --out {shown_path(out.with_suffix('.pt'))}")


def check_outputs_free(out: Path) -> None:
    """Refuse ``out`` when files a run to it would write exist already (ValueError, one line).

    The line names ``--out``, the count and the first two files: a rerun would otherwise
    replace an earlier run's curves, plot and step files without a word.
    """
    existing = existing_outputs(out)
    if not existing:
        return
    names = ", ".join(str(path) for path in existing[:2]) + (", ..." if len(existing) > 2 else "")
    shown = shown_path(out)
    count, them = ((f"{len(existing)} files it would write exist", "them") if len(existing) > 1
                   else ("1 file it would write exists", "it"))
    raise ValueError(f"--out {shown}: {count} already ({names}); choose another --out or remove "
                     f"{them}")


def step_file(out: Path, step: int) -> Path:
    """Return the file of the encoder after ``step`` steps: ``<out stem>.step<step><suffix>``."""
    return out.with_name(f"{out.stem}.step{step}{out.suffix}")


def curve_files(out: Path, step: int | None = None) -> tuple[Path, Path]:
    """Return the curves (.json) and plot (.png) of the encoder file of ``out``.

    ``step``: of the :func:`step_file` of that step instead. The encoder file's name with
    ``.json``/``.png`` for its extension (``enc.pt``: ``enc.json``, ``enc.step37.json``), also
    for an ``out`` without one (``enc``: ``enc.json``, and ``enc.step37.json`` beside the file
    ``enc.step37``, never the full run's ``enc.json``).
    """
    base = out.stem if step is None else f"{out.stem}.step{step}"
    return out.with_name(f"{base}.json"), out.with_name(f"{base}.png")


def write_curves(result, floors: dict[str, float], curves: Path, plot: Path) -> Path:
    """Write ``result``'s curves to ``curves`` (.json) and plot them to ``plot`` (.png).

    The paths: :func:`curve_files`. The json: ``losses`` (one a step), ``monitors`` (the last:
    of the encoder saved, also after Ctrl-C), ``warnings``, ``seconds`` (wall time, the monitors
    and saves included), ``step_seconds`` (the steps alone), ``trained_steps``. Returns the
    plot's path.
    """
    values = {"losses": result.losses, "monitors": result.monitors, "warnings": result.warnings,
              "seconds": result.seconds, "step_seconds": result.step_seconds,
              "trained_steps": len(result.losses)}
    write_text(curves, json.dumps(values, indent=0))  # whole or not at all
    return plot_curves(result.losses, result.monitors, floors, plot)


def plot_curves(losses, monitors, floors: dict[str, float], path: Path) -> Path:
    """Save the loss and the monitors (relative to their start, with floors) and return path.

    A monitor whose start is too small for a relative floor (``collapse.ABSOLUTE_FLOORS``) is
    plotted as is, with its absolute floor.
    """
    import matplotlib

    from vjepa_ros.train.collapse import ABSOLUTE_FLOORS  # torch

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, monitor_axes) = plt.subplots(1, 2, figsize=(10, 3.6))
    loss_axes.plot(range(1, len(losses) + 1), losses, linewidth=0.6)
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("L1 loss (masked tokens)")
    loss_axes.set_title("V-JEPA pretraining loss")
    steps = [m["step"] for m in monitors]
    for (name, floor), colour in zip(floors.items(), ("C0", "C1", "C2"), strict=False):
        start = monitors[0][name]
        absolute = ABSOLUTE_FLOORS.get(name, 0.0)
        relative = floor * start >= absolute  # else the absolute floor, as is
        scale = start if relative else 1.0
        monitor_axes.plot(steps, [m[name] / scale for m in monitors], color=colour,
                          label=f"{name} (start {start:.3g}"
                          + ("" if relative else ": as is, absolute floor") + ")")
        monitor_axes.axhline(floor if relative else absolute, color=colour,
                             linestyle=":", linewidth=0.8)
    monitor_axes.set_xlabel("step")
    monitor_axes.set_ylabel("value / value at start (dotted: floors)")
    monitor_axes.set_title("collapse monitors (target encoder)")
    monitor_axes.legend(fontsize=7)
    return save_plot(figure, path, dpi=100)
