"""Post-training speed: feature caching per frame, train step time and clips per second.

    python benchmarks/bench_train.py                          # CPU fp32: tiny and mid models
    python benchmarks/bench_train.py --models small --batch-size 8 --steps 5
    python benchmarks/bench_train.py --models small ac_giant --devices cuda   # CUDA bf16

Runs the trainer's own code path (``FrameEncoder`` -> ``FeatureBank`` -> ``Trainer.train_step``)
on synthetic blob episodes with random weights: the speed is the architecture's. Rows: device,
compute dtype (CPU float32, CUDA bfloat16 autocast), model; columns: encoder ms per frame (cached
once per run), median train step, clips per second, the step with activation checkpointing, peak
CUDA memory without (with) checkpointing. ``ac_giant`` is the published size (ViT-g encoder,
24-block 1024-wide predictor), for GPUs. Shared CPUs: noisy.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from typing import TYPE_CHECKING

from vjepa_ros.cli_parser import ArgumentParser

if TYPE_CHECKING:
    import torch

# torch, the models and the trainer (seconds; a quarter minute under load) are imported where they
# are first needed, after the options are checked: --help and a bad option answer at once.

MODELS = {
    # name: (encoder preset or hyper-parameters, predictor hyper-parameters)
    "tiny": (dict(img_size=64, embed_dim=64, depth=2, num_heads=2),
             dict(predictor_embed_dim=64, depth=2, num_heads=2)),
    "mid": (dict(img_size=128, embed_dim=192, depth=4, num_heads=3),
            dict(predictor_embed_dim=192, depth=4, num_heads=4)),
    "small": (dict(img_size=256, embed_dim=192, depth=4, num_heads=3),
              dict(predictor_embed_dim=256, depth=4, num_heads=4)),
    "ac_giant": ("vit_giant", dict(predictor_embed_dim=1024, depth=24, num_heads=16)),
}


def build_models(name: str):
    """Return (encoder, predictor) of ``MODELS[name]``, random weights (seed 0)."""
    import torch

    from vjepa_ros.models import build_encoder, build_predictor

    torch.manual_seed(0)
    encoder_args, predictor_args = MODELS[name]
    encoder = build_encoder(encoder_args) if isinstance(encoder_args, str) else \
        build_encoder(**encoder_args)
    enc = encoder.config
    predictor = build_predictor(embed_dim=enc.embed_dim, img_size=enc.img_size,
                                patch_size=enc.patch_size, **predictor_args)
    return encoder, predictor


def sync(device: torch.device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(name: str, device: str, args) -> dict:
    import torch

    from vjepa_ros.train import FeatureBank, FrameEncoder, Trainer, make_config
    from vjepa_ros.train.episodes import Segment
    from vjepa_ros.train.synthetic import blob_episode

    device = torch.device(device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    encoder, predictor = build_models(name)
    segments = []
    for seed in range(args.episodes):
        episode = blob_episode(args.frames, seed, size=256)
        segments.append(Segment(f"e{seed}", episode.frames, episode.states,
                                episode.actions))
    encode = FrameEncoder(encoder, device, dtype, (0.75, 1.35), batch=args.encode_batch)
    encode(segments[0].frames[:2])  # warm-up
    sync(device)
    encode.seconds, encode.frames_encoded = 0.0, 0
    bank = FeatureBank.build(segments, encode)
    sync(device)
    encode_ms = encode.seconds / encode.frames_encoded * 1e3
    del encode
    with tempfile.TemporaryDirectory() as out:
        config = make_config({
            "out": out, "steps": 1000, "batch_size": args.batch_size, "device": str(device),
            "dtype": "bfloat16" if dtype == torch.bfloat16 else "float32",
            "data.frames_per_clip": args.frames_per_clip, "auto_steps": args.auto_steps,
            "progress": False})
        trainer = Trainer(config, encoder, predictor, bank)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        times = {}
        for checkpointing in (False, True):  # activation checkpointing: recompute in backward
            trainer.predictor.use_activation_checkpointing = checkpointing
            times[checkpointing] = []
            for i in range(args.warmup + args.steps):
                sync(device)
                start = time.perf_counter()
                trainer.train_step()
                sync(device)
                if i >= args.warmup:
                    times[checkpointing].append(time.perf_counter() - start)
            if checkpointing is False and device.type == "cuda":
                peak_plain = torch.cuda.max_memory_allocated(device) / 2**30
                torch.cuda.reset_peak_memory_stats(device)
    step = statistics.median(times[False])
    step_ckpt = statistics.median(times[True])
    peak = (peak_plain, torch.cuda.max_memory_allocated(device) / 2**30) \
        if device.type == "cuda" else None
    params = sum(p.numel() for p in predictor.parameters()) / 1e6
    return {"device": device.type, "dtype": str(dtype).removeprefix("torch."), "model": name,
            "tokens": bank.tokens_per_frame, "params": params, "encode_ms": encode_ms,
            "step_s": step, "clips_s": args.batch_size / step, "peak": peak,
            "step_ckpt_s": step_ckpt}


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["tiny", "mid"], choices=list(MODELS))
    parser.add_argument("--devices", nargs="+", default=None,
                        help="cpu and/or cuda (default: cpu, plus cuda when available)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--frames-per-clip", type=int, default=8)
    parser.add_argument("--auto-steps", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5, help="timed train steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed train steps first")
    parser.add_argument("--episodes", type=int, default=4, help="episodes of --frames frames")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--encode-batch", type=int, default=16)
    parser.add_argument("--threads", type=int, help="torch CPU threads (0 or left out: "
                        "OMP_NUM_THREADS when set, else all cores but one)")
    args = parser.parse_args()
    parser.check_at_least(args, {"--batch-size": 1, "--frames-per-clip": 2, "--auto-steps": 1,
                                 "--steps": 1, "--warmup": 0, "--episodes": 1, "--frames": 1,
                                 "--encode-batch": 1})
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # a name typed that is no device: exit status 2, as vjepa-ros's
        for device in args.devices or ():
            check_device_and_dtype(device, None, ("--devices", "--dtype"))
    import torch

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    print(f"settings: batch {args.batch_size} clips x {args.frames_per_clip} frames, auto_steps "
          f"{args.auto_steps}, {args.steps} timed steps after {args.warmup}, "
          f"{args.episodes * args.frames} frames encoded (256x256 in), torch "
          f"{torch.__version__}, {torch.get_num_threads()} CPU threads")
    header = ("| device | dtype | model | tokens/frame | predictor M params | encode ms/frame | "
              "train step | clips/s | step, checkpointing | peak GiB (checkpointing) |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for device in devices:
        for name in args.models:
            row = bench(name, device, args)
            peak = f"{row['peak'][0]:.2f} ({row['peak'][1]:.2f})" if row["peak"] else "-"
            print(f"| {row['device']} | {row['dtype']} | {row['model']} | {row['tokens']} | "
                  f"{row['params']:.2f} | {row['encode_ms']:.1f} | {row['step_s'] * 1e3:.0f} ms | "
                  f"{row['clips_s']:.1f} | {row['step_ckpt_s'] * 1e3:.0f} ms | {peak} |",
                  flush=True)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
