"""bench_search.py's open-loop table: the rows summarized, printed and plotted.

:func:`summarize` (mean plan energy and its gap to CEM at the largest budget, per model,
method and budget), :func:`print_open_table`, :func:`plot` (energy against evaluations and
wall time per step, one row of axes per model; a PNG written whole or not at all).
"""

import math
import statistics

from vjepa_ros.atomic_files import save_figure


def summarize(rows: list[dict]) -> list[dict]:
    """Mean plan energy and its gap to CEM at the largest budget, per model/method/budget."""
    reference = {}
    for model in {r["model"] for r in rows}:
        top = max(r["budget"] for r in rows if r["model"] == model)
        for r in rows:
            if r["model"] == model and r["method"] == "cem" and r["budget"] == top:
                reference[(model, r["problem"])] = r["plan_energy"]
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["model"], r["method"], r["budget"]), []).append(r)
    table = []
    for (model, method, budget), group in sorted(groups.items()):
        gaps = [r["plan_energy"] - reference[(model, r["problem"])] for r in group
                if (model, r["problem"]) in reference]
        table.append({
            "model": model, "method": method, "budget": budget,
            "S": group[0]["samples"], "I": group[0]["iterations"],
            "evaluations": statistics.mean(r["evaluations"] for r in group),
            "plan_energy": statistics.mean(r["plan_energy"] for r in group),
            "gap_to_cem_top": statistics.mean(gaps) if gaps else math.nan,
            "wall_s": statistics.median(r["wall_s"] for r in group),
        })
    return table


def print_open_table(table: list[dict]) -> None:
    """Print :func:`summarize`'s table, one row per model, method and budget."""
    print(f"\n{'model':<6}{'method':<11}{'budget':>7}{'S':>6}{'I':>4}{'evals':>8}"
          f"{'plan energy':>13}{'gap to CEM@top':>16}{'s/step':>9}")
    for t in table:
        print(f"{t['model']:<6}{t['method']:<11}{t['budget']:>7}{t['S']:>6}{t['I']:>4}"
              f"{t['evaluations']:>8.0f}{t['plan_energy']:>13.5f}{t['gap_to_cem_top']:>+16.5f}"
              f"{t['wall_s']:>9.2f}")


def plot(table: list[dict], path: str) -> None:
    """Plot plan energy against evaluations and wall time per model; write it to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted({t["model"] for t in table})
    figure, axes = plt.subplots(len(models), 2, figsize=(11, 4 * len(models)), squeeze=False)
    for row, model in enumerate(models):
        for column, (key, label) in enumerate((("evaluations", "predictor evaluations per step"),
                                               ("wall_s", "wall time per step [s]"))):
            axis = axes[row][column]
            for method in sorted({t["method"] for t in table if t["model"] == model}):
                points = sorted((t[key], t["plan_energy"]) for t in table
                                if t["model"] == model and t["method"] == method)
                if points:
                    axis.plot(*zip(*points, strict=True), marker="o", label=method)
            axis.set_xscale("log")
            axis.set_xlabel(label)
            axis.set_ylabel("energy of the returned plan (mean)")
            axis.set_title(f"{model} model")
            axis.grid(True, which="both", alpha=0.3)
            axis.legend()
    figure.tight_layout()
    save_figure(figure, path, dpi=72)  # whole or not at all
    print(f"wrote {path}")
