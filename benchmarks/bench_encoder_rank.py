"""Where an encoder's effective rank goes: scene differences vs the arm's motion within a scene.

The collapse monitor ``effective_rank`` of ``vjepa-ros pretrain`` (``train/collapse.py``) mixes two
kinds of variation among its frames: differences between scenes (randomized camera, light,
objects) and the arm moving within one scene — what the planner's energy must resolve. This
benchmark takes ``--episodes`` episodes spread over ``--data`` (every frame of each), encodes every
frame on its own (layer-normed, as the planner does) and prints, per encoder:

- ``rank all``: the monitor's effective rank (tokens centred per position over all frames);
- ``rank arm``: the effective rank of the variation within episodes (tokens centred per position
  and episode: the same scene, the arm moving);
- ``rank scene``: the effective rank of the episode means (the scenes' differences);
- ``arm share``: the fraction of the total variance that lies within episodes;
- ``rank pooled``: the effective rank of the token-averaged frame features over all frames.

Rows: each ``--encoder`` file and the same architecture with the seeded random weights (seed 0,
``vjepa-ros pretrain --steps 0``). Effective rank: Roy & Vetterli 2007 (RankMe).

``--pixels`` adds what the data itself gives, without an encoder: the frames cut into the
encoder's tubelet tokens (each frame repeated into a tubelet, as at planning time; 2 x 16 x 16 x 3
= 1536 normalized pixel values per token), layer-normed per token as the pretraining targets are
(``pixels``), and the same tokens through a seeded Gaussian random projection to the encoder's
width, then layer-normed (``pixels -> D``: a linear random encoder). The monitor's floor is
``0.5 x`` the seeded encoder's rank; these rows say how much of that rank the frames hold.

``--monitor-frames N`` adds a second table: the three collapse monitors of ``vjepa-ros pretrain``
(``train/collapse.py``) of every row on the N frames it monitors (spread evenly over all of
``--data``'s segments, as ``pretrain`` picks them; 64 there), and how the variance of the same
centred token matrix is spread: ``dims 90%`` (principal directions holding 90 % of it) and
``top share`` (the first direction's fraction). The effective rank weighs singular values, not
variances, so it counts weak directions that these two ignore.

    python benchmarks/bench_encoder_rank.py --data episodes/ --encoder encoder.pt
    python benchmarks/bench_encoder_rank.py --data episodes/ --pixels --monitor-frames 64
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros.cli_parser import ArgumentParser

if TYPE_CHECKING:
    import torch

# torch and the models (seconds; a minute under load) are imported where they are first needed,
# after the options are parsed: --help and a bad option answer at once.


def rank_split(features: torch.Tensor) -> dict[str, float]:
    """Return the module doc's five numbers for features [E, T, N, D] (E episodes x T frames)."""
    from vjepa_ros.train.collapse import effective_rank

    if features.ndim != 4 or features.shape[0] < 2 or features.shape[1] < 2:
        raise ValueError(f"features must be [E >= 2, T >= 2, N, D], got {tuple(features.shape)}")
    z = features.double()
    across = z - z.mean((0, 1), keepdim=True)
    within = z - z.mean(1, keepdim=True)
    scenes = z.mean(1) - z.mean((0, 1))
    pooled = z.mean(2)
    return {
        "rank all": effective_rank(across.flatten(0, 2)),
        "rank arm": effective_rank(within.flatten(0, 2)),
        "rank scene": effective_rank(scenes.flatten(0, 1)),
        "arm share": float(within.pow(2).sum() / across.pow(2).sum()),
        "rank pooled": effective_rank((pooled - pooled.mean((0, 1))).flatten(0, 1)),
    }


def variance_spread(features: torch.Tensor) -> tuple[int, float]:
    """(directions holding 90 % of the variance, the first direction's share) of [N, T, D].

    Tokens are centred per position over the N frames, as ``collapse.collapse_monitors`` does;
    the variances are the squared singular values of the [N * T, D] matrix.
    """
    import torch

    z = features.double()
    variances = torch.linalg.svdvals((z - z.mean(0, keepdim=True)).flatten(0, 1)).pow(2)
    share = variances / variances.sum()
    return int((share.cumsum(0) < 0.9).sum()) + 1, float(share[0])


def pixel_tokens(frames: np.ndarray, img_size: int, patch_size: int = 16,
                 tubelet_size: int = 2) -> torch.Tensor:
    """Layer-normed pixel tubelet tokens [N, (img_size / patch_size)^2, 3 * tubelet * patch^2].

    ``frames`` [N, H, W, 3] uint8, each preprocessed as the encoder's input (``preprocess_frames``:
    crop, resize to ``img_size``, ImageNet normalization) and repeated into one tubelet; tokens in
    the patch embedding's row-major order, each layer-normed over its values (no affine), as the
    pretraining targets are over their D. float32.
    """
    import torch.nn.functional as F

    from vjepa_ros.models.preprocess import frames_to_clip, preprocess_frames

    clip = frames_to_clip(preprocess_frames(frames, img_size), tubelet_size)  # [N, 3, t, S, S]
    side = img_size // patch_size
    patches = clip.unflatten(3, (side, patch_size)).unflatten(5, (side, patch_size))
    tokens = patches.permute(0, 3, 5, 1, 2, 4, 6).flatten(1, 2).flatten(2)  # [N, side^2, ...]
    return F.layer_norm(tokens, tokens.shape[-1:])


def random_projection(tokens: torch.Tensor, dim: int, seed: int = 0) -> torch.Tensor:
    """Random linear encoder: ``tokens`` [..., C] -> layer-normed [..., dim] float32.

    The matrix [C, dim] is Gaussian with std 1/sqrt(C), drawn from ``seed``.
    """
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(tokens.shape[-1], dim, generator=generator) / tokens.shape[-1] ** 0.5
    projected = tokens.float() @ weight
    return F.layer_norm(projected, projected.shape[-1:])


def feature_rows(args, frames: np.ndarray, models: list):
    """(name, features [N, T, D]) of every row for frames [N, H, W, 3], one row at a time.

    ``models``: the ``--encoder`` rows, (spec, WorldModel) (``encoder_model.load_encoder_models``).
    """
    import torch

    from vjepa_ros.models import WorldModel, build_encoder

    models = list(models)
    config = (models[0][1].encoder.config.to_dict() if models else
              {"img_size": frames.shape[1], "patch_size": 16, "embed_dim": 192, "depth": 4,
               "num_heads": 3})
    torch.manual_seed(0)
    models.append(("same architecture, seeded random weights",
                   WorldModel(build_encoder(**config), None, "cpu")))
    for name, model in models:
        yield name, model.encode(frames)
    if args.pixels:
        tokens = pixel_tokens(frames, config["img_size"], config["patch_size"],
                              config.get("tubelet_size", 2))
        yield f"pixels ({tokens.shape[-1]} per token)", tokens
        yield f"pixels -> {config['embed_dim']} (random projection)", random_projection(
            tokens, config["embed_dim"])


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", required=True,
                        help="episode .npz files, bags, or directories holding them")
    parser.add_argument("--encoder", nargs="*", default=[], help="encoder or world-model files, "
                        "demo, or pretraining settings (.yaml: their seeded encoder)")
    parser.add_argument("--episodes", type=int, default=16, help="episodes, spread over the data")
    parser.add_argument("--frames", type=int, default=16, help="frames per episode (its first)")
    parser.add_argument("--pixels", action="store_true",
                        help="add rows of layer-normed pixel tubelet tokens and of their random "
                        "projection to the encoder's width (the data's own rank)")
    parser.add_argument("--monitor-frames", type=int, default=0,
                        help="also print the collapse monitors on this many frames spread over "
                        "the data, as `vjepa-ros pretrain` picks them (64 there); 0 = off")
    args = parser.parse_args()
    if args.episodes < 2 or args.frames < 2:
        parser.error("--episodes and --frames must be >= 2")
    if args.monitor_frames and args.monitor_frames < 2:
        parser.error("--monitor-frames must be 0 (off) or >= 2")
    import torch

    from vjepa_ros.sim.encoder_model import load_encoder_models

    try:  # before the data: a bad file is one line (exit status 2), as the commands say it
        models = load_encoder_models(args.encoder, "--encoder")
    except ValueError as exc:
        parser.error(str(exc))
    with torch.no_grad():  # as a function (tests) it must not switch autograd off for the caller
        report(args, parser, models)


def report(args: argparse.Namespace, parser: argparse.ArgumentParser, models: list) -> None:
    """Load the data, print the rank table (and the collapse monitors): ``main``'s work.

    ``models``: the ``--encoder`` rows, (spec, WorldModel).
    """
    from vjepa_ros.train.collapse import collapse_monitors
    from vjepa_ros.train.pretrain import PretrainConfig
    from vjepa_ros.train.pretrain_data import load_clip_segments, spread_frames

    segments = load_clip_segments(args.data, args.frames, log=None)
    if len(segments) < args.episodes:
        parser.error(f"--data holds {len(segments)} segments of >= {args.frames} frames, "
                     f"fewer than --episodes {args.episodes}")
    picks = np.linspace(0, len(segments) - 1, args.episodes).round().astype(int)
    frames = np.stack([segments[i][:args.frames] for i in picks])  # [E, T, H, W, 3]
    print(f"{args.episodes} episodes x {args.frames} frames {frames.shape[3]}x{frames.shape[2]} "
          f"from {', '.join(args.data)}")
    names = ("rank all", "rank arm", "rank scene", "arm share", "rank pooled")
    print(f"{'encoder':48s} " + " ".join(f"{name:>11s}" for name in names))
    for name, features in feature_rows(args, frames.reshape(-1, *frames.shape[2:]), models):
        split = rank_split(features.unflatten(0, frames.shape[:2]))
        print(f"{name[-48:]:48s} " + " ".join(
            f"{split[key]:11.3f}" if key == "arm share" else f"{split[key]:11.1f}"
            for key in names))
    if args.monitor_frames:
        # Segments as `pretrain` loads them (>= frames_per_clip frames), then its monitor pick.
        clip_frames = PretrainConfig().frames_per_clip
        monitor = spread_frames(load_clip_segments(args.data, clip_frames, log=None),
                                args.monitor_frames)
        print(f"collapse monitors on the {len(monitor)} frames `vjepa-ros pretrain` monitors")
        print(f"{'encoder':48s} {'feature_std':>12s} {'eff. rank':>10s} {'pairwise':>10s} "
              f"{'dims 90%':>9s} {'top share':>10s}")
        for name, features in feature_rows(args, monitor, models):
            values = collapse_monitors(features)
            dims, top = variance_spread(features)
            print(f"{name[-48:]:48s} {values['feature_std']:12.4f} "
                  f"{values['effective_rank']:10.1f} {values['pairwise_distance']:10.4f} "
                  f"{dims:9d} {top:10.3f}")

if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
