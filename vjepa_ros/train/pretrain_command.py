"""``vjepa-ros pretrain``: JEPA pretraining of a small encoder (see ``pretrain.py``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from vjepa_ros.config import from_dict, read_yaml_mapping


def cmd_pretrain(args: argparse.Namespace) -> int:
    """Pretrain, save the encoder file and a loss plot; exit 1 with a message on bad input."""
    from vjepa_ros.train.pretrain import (
        PretrainConfig,
        load_episode_frames,
        pretrain_encoder,
        save_pretrained,
    )

    try:
        settings = read_yaml_mapping(args.config) if args.config else {}
        overrides = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size),
                                       ("seed", args.seed)) if v is not None}
        config = from_dict(PretrainConfig, {**(settings or {}), **overrides})
        frames = load_episode_frames(args.data)
        print(f"pretraining on {len(frames)} frames {frames.shape[2]}x{frames.shape[1]} "
              f"from {', '.join(args.data)}")
        started = time.perf_counter()
        encoder, losses = pretrain_encoder(frames, config)
        path = save_pretrained(args.out, encoder, config, losses, len(frames))
    except (OSError, ValueError, FloatingPointError) as exc:
        print(f"vjepa-ros pretrain: {exc}", file=sys.stderr)
        return 1
    minutes = (time.perf_counter() - started) / 60
    plot = plot_losses(losses, path.with_suffix(".png"))
    final = (f"final loss (mean of last 50) {sum(losses[-50:]) / len(losses[-50:]):.4f}"
             if losses else "untrained: the seeded initialization")
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB) after {config.steps} steps in "
          f"{minutes:.1f} min; {final}; plot {plot}")
    path.with_suffix(".json").write_text(json.dumps({"losses": losses}, indent=0))
    return 0


def plot_losses(losses, path: Path) -> Path:
    """Save the loss curve (matplotlib, Agg) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.plot(range(1, len(losses) + 1), losses, linewidth=0.8)
    axes.set_xlabel("step")
    axes.set_ylabel("L1 loss (masked tokens)")
    axes.set_title("JEPA encoder pretraining")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def add_commands(sub) -> None:
    """Register ``pretrain`` on the ``vjepa-ros`` sub-parsers."""
    parser = sub.add_parser("pretrain", help="self-supervised JEPA pretraining of a small "
                            "V-JEPA 2 encoder on recorded frames (e.g. simulator episodes)")
    parser.add_argument("--data", nargs="+", required=True,
                        help="directories (or files) of episode .npz files")
    parser.add_argument("--out", required=True, help="encoder file to write (.pt)")
    parser.add_argument("--config", help="YAML with PretrainConfig settings "
                        "(default: config/pretrain.yaml values)")
    parser.add_argument("--steps", type=int, help="override the number of steps")
    parser.add_argument("--batch-size", type=int, help="override the frames per step")
    parser.add_argument("--seed", type=int, help="override the seed")
    parser.set_defaults(func=cmd_pretrain)
