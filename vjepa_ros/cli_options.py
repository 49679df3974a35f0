"""Command-line options shared by the commands that load a world model and plan with CEM."""

from __future__ import annotations

import argparse


def add_planning_arguments(parser: argparse.ArgumentParser, default_preset: str) -> None:
    """Add ``--checkpoint --preset --samples --iterations --horizon --device --dtype --seed``."""
    parser.add_argument("--checkpoint", help="official V-JEPA 2-AC file (vjepa2-ac-vitg.pt) or a "
                        "file this project saved; default: a small RANDOM-weight model")
    parser.add_argument("--preset", default=default_preset,
                        help=f"CEM preset: paper (H 1), notebook (H 2) (default {default_preset})")
    parser.add_argument("--samples", type=int, help="override the preset's sample count")
    parser.add_argument("--iterations", type=int, help="override the preset's iterations")
    parser.add_argument("--horizon", type=int, help="override the preset's horizon")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    parser.add_argument("--dtype",
                        help="float32 or bfloat16 (default: bf16 on CUDA, fp32 on CPU)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the CEM noise and random model")
    add_model_arguments(parser)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--encoder-arg KEY=VALUE`` and ``--predictor-arg KEY=VALUE`` (repeatable)."""
    for kind in ("encoder", "predictor"):
        parser.add_argument(
            f"--{kind}-arg", action="append", metavar="KEY=VALUE", dest=f"{kind}_args",
            help=f"official {kind} hyper-parameter for --checkpoint (repeatable, YAML values, "
                 f"e.g. num_heads=16 num_frames=64) for files that match no preset")


def model_hyper_parameters(args: argparse.Namespace) -> dict:
    """Return ``{"encoder": {...}, "predictor": {...}}`` from :func:`add_model_arguments` options.

    Raises ValueError naming the option for an item that is not KEY=VALUE.
    """
    from vjepa_ros.models.official_names import parse_key_values

    return {kind: parse_key_values(getattr(args, f"{kind}_args", None), f"--{kind}-arg")
            for kind in ("encoder", "predictor")}
