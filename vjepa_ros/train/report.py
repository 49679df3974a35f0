"""Training records on disk: ``log.json`` and the ``loss.png`` plot of train/val losses."""

from __future__ import annotations

import json
from pathlib import Path

from vjepa_ros.atomic_files import save_plot, write_text
from vjepa_ros.json_values import json_safe


def write_json(path: str | Path, payload: dict) -> Path:
    """Write JSON atomically (NaN and inf become null)."""
    return write_text(path, json.dumps(json_safe(payload), indent=1, allow_nan=False))


def moving_average(values: list[float], window: int) -> list[float]:
    """Trailing mean over up to ``window`` values (same length as values)."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_losses(history: dict, path: str | Path, copy_baseline: float | None = None) -> Path:
    """Plot train loss (raw and smoothed) and validation losses over steps into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    train, val = history.get("train", []), history.get("val", [])
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    if train:
        steps = [row["step"] for row in train]
        losses = [row["loss"] for row in train]
        axes.plot(steps, losses, color="tab:blue", alpha=0.25, linewidth=0.8)
        window = max(1, len(losses) // 50)
        axes.plot(steps, moving_average(losses, window), color="tab:blue",
                  label=f"train loss (mean of {window})")
    if val:
        steps = [row["step"] for row in val]
        axes.plot(steps, [row["loss"] for row in val], "o-", color="tab:red", label="val loss")
        axes.plot(steps, [row["jloss"] for row in val], "--", color="tab:orange",
                  label="val teacher-forcing L1")
        axes.plot(steps, [row["sloss"] for row in val], ":", color="tab:purple",
                  label="val rollout L1")
    if copy_baseline is not None:
        axes.axhline(copy_baseline, color="gray", linestyle="-.", linewidth=1,
                     label="val L1 of 'nothing moves' (copy frame t)")
    axes.set_xlabel("step")
    axes.set_ylabel("L1 (layer-normed representations)")
    axes.set_title("V-JEPA 2-AC predictor post-training")
    axes.grid(alpha=0.3)
    if train or val:
        axes.legend(fontsize=8)
    return save_plot(figure, path)
