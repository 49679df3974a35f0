"""Training memory: measured activation peaks of small predictors (CPU allocator), ViT-g estimate.

    nice -n 10 python benchmarks/bench_train_memory.py
    python benchmarks/bench_train_memory.py --budget-gib 24 --frames-per-clip 8 4

Measures one training forward + backward (teacher forcing + rollout, ``train.memory``) of small
AC predictors on a CPU with the profiler's allocation log, with and without activation
checkpointing, float32 and bfloat16 autocast; fits bytes per token and width (per block, once,
per encoder width) to those rows; prints the fit's error on every measured row and extrapolates
to the published predictor (ViT-g features: 256 tokens per frame of width 1408; predictor 1024
wide, 24 blocks, 16 heads): static (16 B per parameter: float32 weights, gradients, AdamW
moments) + activations, per batch size and clip length, against a GPU budget. The estimate
assumes a fused attention kernel (no stored attention scores; CUDA's memory-efficient SDPA takes
the block-causal mask) and the frozen encoder off the GPU (features are cached before training).
"""

from __future__ import annotations

import dataclasses
import itertools

from vjepa_ros.cli_parser import ArgumentParser

# torch and the models (seconds; a quarter minute under load) are imported where they are first
# needed, after the options are checked: --help and a bad option answer at once.

GIANT = dict(embed_dim=1408, width=1024, depth=24, heads=16, img_size=256, patch_size=16)
# Small predictors to fit on: (image px -> tokens per frame with patch 8, width, depth, enc dim)
SMALL = [(32, 64, 2, 64), (32, 128, 4, 96), (64, 64, 4, 96), (64, 128, 2, 64),
         (32, 192, 6, 128), (64, 192, 3, 128), (32, 64, 12, 64), (32, 128, 10, 96),
         (64, 64, 8, 64)]


def giant_parameters() -> int:
    import torch

    from vjepa_ros.models import build_predictor

    with torch.device("meta"):
        predictor = build_predictor(embed_dim=GIANT["embed_dim"],
                                    predictor_embed_dim=GIANT["width"], depth=GIANT["depth"],
                                    num_heads=GIANT["heads"], img_size=GIANT["img_size"],
                                    patch_size=GIANT["patch_size"])
    return sum(p.numel() for p in predictor.parameters())


def measure(args):
    """Rows (tokens, depth, width, embed_dim, bytes) per (dtype, checkpointing)."""
    import torch

    from vjepa_ros.models import build_predictor
    from vjepa_ros.train.memory import clip_tokens, step_activation_bytes

    rows = {}
    for img, width, depth, embed in SMALL:
        torch.manual_seed(0)
        predictor = build_predictor(embed_dim=embed, predictor_embed_dim=width, depth=depth,
                                    num_heads=2, img_size=img, patch_size=8)
        tokens = args.batch * clip_tokens(predictor.tokens_per_frame, args.fit_frames, 2)
        for dtype, ckpt in itertools.product((torch.float32, torch.bfloat16), (False, True)):
            measured = step_activation_bytes(predictor, args.batch, args.fit_frames, 2, dtype,
                                             ckpt)
            rows.setdefault((dtype, ckpt), []).append((tokens, depth, width, embed, measured))
    return rows


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4, help="clips per measured step")
    parser.add_argument("--fit-frames", type=int, default=8, help="frames per measured clip")
    parser.add_argument("--budget-gib", type=float, default=24.0)
    parser.add_argument("--reserve-gib", type=float, default=1.5,
                        help="CUDA context, allocator fragmentation, AdamW temporaries")
    parser.add_argument("--frames-per-clip", type=int, nargs="+", default=[8, 4])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--threads", type=int, metavar="N",
                        help="torch CPU threads (0 or left out: OMP_NUM_THREADS when set, else "
                        "all cores but one: README, Torch CPU threads)")
    args = parser.parse_args()
    parser.check_at_least(args, {"--batch": 1, "--fit-frames": 2, "--frames-per-clip": 2,
                                 "--batches": 1, "--reserve-gib": 0})
    if not (args.budget_gib > args.reserve_gib and args.budget_gib < float("inf")):
        parser.error(f"--budget-gib {args.budget_gib:g}: must be more than --reserve-gib "
                     f"({args.reserve_gib:g})")
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    import torch

    from vjepa_ros.train.memory import clip_tokens, estimate_training_bytes, fit_activation_model

    set_torch_threads(args.threads)
    print(f"settings: measured steps of {args.batch} clips x {args.fit_frames} frames, "
          f"auto_steps 2, CPU allocator log (torch {torch.__version__})")
    rows = measure(args)
    print("\n| px | tokens/frame | width | depth | enc dim | " + " | ".join(
        f"{'bf16' if d == torch.bfloat16 else 'fp32'}{' ckpt' if c else ''} MiB (fit)"
        for d, c in rows) + " |")
    print("|---" * (5 + len(rows)) + "|")
    models = {key: fit_activation_model(value) for key, value in rows.items()}
    for index, (img, width, depth, embed) in enumerate(SMALL):
        cells = []
        for key, value in rows.items():
            tokens, _, _, _, measured = value[index]
            fitted = models[key].bytes(tokens, depth, width, embed)
            cells.append(f"{measured / 2**20:.1f} ({fitted / 2**20:.1f})")
        print(f"| {img} | {(img // 8) ** 2} | {width} | {depth} | {embed} | "
              + " | ".join(cells) + " |")
    print("\nfitted bytes per token and width unit: " + "; ".join(
        f"{'bf16' if d == torch.bfloat16 else 'fp32'}{' ckpt' if c else ''}: per block "
        f"{m.per_block:.1f}, once {m.once:.1f}, per encoder dim {m.outside:.1f}"
        for (d, c), m in models.items()))

    # A checkpointed block keeps at least its input (the residual stream: bf16 under autocast):
    # the fit may put that into 'once' at these depths; the ViT-g estimate uses the larger.
    floor = dataclasses.replace(models[(torch.bfloat16, True)],
                                per_block=max(models[(torch.bfloat16, True)].per_block, 2.0))
    models[(torch.bfloat16, True)] = floor
    print(f"ViT-g estimate with checkpointing: per block max(fit, 2 B saved bf16 input) = "
          f"{floor.per_block:.1f}")
    parameters = giant_parameters()
    usable = (args.budget_gib - args.reserve_gib) * 2**30
    print(f"\nViT-g AC predictor ({parameters / 1e6:.0f} M parameters, static "
          f"{parameters * 16 / 2**30:.1f} GiB), bfloat16 autocast; GiB per GPU "
          f"(fits {args.budget_gib:g} GiB = total <= {args.budget_gib - args.reserve_gib:g}):")
    print("| frames/clip | batch/GPU | no checkpointing | activation checkpointing |")
    print("|---|---|---|---|")
    tokens_per_frame = (GIANT["img_size"] // GIANT["patch_size"]) ** 2
    for frames in args.frames_per_clip:
        per_clip = clip_tokens(tokens_per_frame, frames, min(2, frames - 1))
        for batch in args.batches:
            cells = []
            for ckpt in (False, True):
                estimate = estimate_training_bytes(
                    models[(torch.bfloat16, ckpt)], parameters, batch, per_clip,
                    GIANT["depth"], GIANT["width"], GIANT["embed_dim"])
                fits = "fits" if estimate["total"] <= usable else "too big"
                cells.append(f"{estimate['total'] / 2**30:.1f} ({fits})")
            print(f"| {frames} | {batch} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
