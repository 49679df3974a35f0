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

    python benchmarks/bench_encoder_rank.py --data episodes/ --encoder encoder.pt
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from vjepa_ros.models import WorldModel, build_encoder, load_world_model
from vjepa_ros.train.collapse import effective_rank
from vjepa_ros.train.pretrain_data import load_clip_segments


def rank_split(features: torch.Tensor) -> dict[str, float]:
    """Return the module doc's five numbers for features [E, T, N, D] (E episodes x T frames)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", required=True,
                        help="episode .npz files, bags, or directories holding them")
    parser.add_argument("--encoder", nargs="*", default=[], help="encoder/world-model files")
    parser.add_argument("--episodes", type=int, default=16, help="episodes, spread over the data")
    parser.add_argument("--frames", type=int, default=16, help="frames per episode (its first)")
    args = parser.parse_args()
    if args.episodes < 2 or args.frames < 2:
        parser.error("--episodes and --frames must be >= 2")
    torch.set_grad_enabled(False)
    segments = load_clip_segments(args.data, args.frames, log=None)
    if len(segments) < args.episodes:
        parser.error(f"--data holds {len(segments)} segments of >= {args.frames} frames, "
                     f"fewer than --episodes {args.episodes}")
    picks = np.linspace(0, len(segments) - 1, args.episodes).round().astype(int)
    frames = np.stack([segments[i][:args.frames] for i in picks])  # [E, T, H, W, 3]
    models = [(path, load_world_model(path, device="cpu")) for path in args.encoder]
    config = (models[0][1].encoder.config.to_dict() if models else
              {"img_size": frames.shape[2], "patch_size": 16, "embed_dim": 192, "depth": 4,
               "num_heads": 3})
    torch.manual_seed(0)
    models.append(("same architecture, seeded random weights",
                   WorldModel(build_encoder(**config), None, "cpu")))
    print(f"{args.episodes} episodes x {args.frames} frames {frames.shape[3]}x{frames.shape[2]} "
          f"from {', '.join(args.data)}")
    names = ("rank all", "rank arm", "rank scene", "arm share", "rank pooled")
    print(f"{'encoder':48s} " + " ".join(f"{name:>11s}" for name in names))
    for name, model in models:
        features = model.encode(frames.reshape(-1, *frames.shape[2:]))
        split = rank_split(features.unflatten(0, frames.shape[:2]))
        print(f"{name[-48:]:48s} " + " ".join(
            f"{split[key]:11.3f}" if key == "arm share" else f"{split[key]:11.1f}"
            for key in names))


if __name__ == "__main__":
    main()
