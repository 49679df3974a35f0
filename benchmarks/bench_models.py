"""Forward time and peak memory of the V-JEPA 2 encoder and AC predictor.

On CUDA: the released sizes (encoders vit_large, vit_huge, vit_giant, vit_giant_384 and the
vit_ac_giant predictor) in bfloat16 and float32 parameters. On CPU: small configurations (the
full sizes take minutes per forward there). Weights are random: speed does not depend on them.

Rows:
  encoder     one forward of B frames, each repeated into a 2-frame tubelet (as WorldModel.encode)
  pred-full   one full predictor forward over T frames (block-causal mask), batch B
  pred-step   one cached step appending frame T to a T-frame context (KVCache), batch B
  rollout     planning-like: S samples, 1 context frame, H steps; cache (step) vs the official
              notebook way (full forward over all frames at every step)

Run:  python benchmarks/bench_models.py [--device cuda|cpu] [--dtypes bf16,fp32] [--repeats 5]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

# torch and the models (seconds; a quarter minute under load) are imported where they are first
# needed, after the options are checked: --help and a bad option answer at once.

SMALL_ENCODER = dict(embed_dim=192, depth=4, num_heads=3, img_size=256)
SMALL_PREDICTOR = dict(embed_dim=192, predictor_embed_dim=128, depth=4, num_heads=4,
                       img_size=256)


def sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(fn, device, repeats, warmup=2):
    """(median seconds, peak allocated bytes above the start or None on CPU) of fn()."""
    import torch

    for _ in range(warmup):
        fn()
    sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        start_bytes = torch.cuda.memory_allocated(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    peak = None
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) - start_bytes
    return statistics.median(times), peak


def fmt_bytes(value):
    if value is None:
        return "-"
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.1f} MiB"


def param_bytes(model):
    return sum(p.numel() * p.element_size() for p in model.parameters())


def make(builder, spec, device, dtype):
    import torch

    with torch.device(device):
        model = builder(**spec) if isinstance(spec, dict) else builder(spec)
    return model.to(dtype).eval()


def bench_encoder(name, spec, device, dtype, batch, repeats, rows):
    import torch

    from vjepa_ros.models import build_encoder

    encoder = make(build_encoder, spec, device, dtype)
    height, width = encoder.img_size
    clip = torch.randn(batch, 3, 2, height, width, device=device)
    seconds, peak = measure(lambda: encoder(clip), device, repeats)
    rows.append(("encoder", name, str(dtype).removeprefix("torch."), f"B={batch} {height}px",
                 seconds, fmt_bytes(param_bytes(encoder)), fmt_bytes(peak)))


def bench_predictor(name, spec, device, dtype, batch, frames, samples, horizon, repeats, rows):
    import torch

    from vjepa_ros.models import build_predictor

    predictor = make(build_predictor, spec, device, dtype)
    n, dim = predictor.tokens_per_frame, predictor.embed_dim
    dtype_name = str(dtype).removeprefix("torch.")
    weights = fmt_bytes(param_bytes(predictor))
    x = torch.randn(batch, (frames + 1) * n, dim, device=device)
    actions = torch.randn(batch, frames + 1, 7, device=device)
    states = torch.randn(batch, frames + 1, 7, device=device)

    seconds, peak = measure(lambda: predictor(x[:, :frames * n], actions[:, :frames],
                                              states[:, :frames]), device, repeats)
    rows.append(("pred-full", name, dtype_name, f"B={batch} T={frames}", seconds, weights,
                 fmt_bytes(peak)))

    context = predictor.new_cache()
    predictor(x[:, :frames * n], actions[:, :frames], states[:, :frames], cache=context)
    seconds, peak = measure(lambda: predictor.step(x[:, frames * n:], actions[:, frames],
                                                   states[:, frames], context.copy()),
                            device, repeats)
    rows.append(("pred-step", name, dtype_name, f"B={batch} +1 after T={frames}", seconds,
                 weights, fmt_bytes(peak)))

    if samples:
        start = torch.randn(1, n, dim, device=device)
        plan_actions = torch.randn(samples, horizon, 7, device=device)
        plan_states = torch.randn(samples, horizon, 7, device=device)

        def cached():
            cache, frame = predictor.new_cache(), start.expand(samples, -1, -1)
            for h in range(horizon):  # the last step only reads the cache
                frame = predictor.step(frame, plan_actions[:, h], plan_states[:, h], cache,
                                       append=h < horizon - 1)

        def recompute():
            reps = start.expand(samples, -1, -1)
            for h in range(horizon):
                nxt = predictor(reps, plan_actions[:, :h + 1], plan_states[:, :h + 1])[:, -n:]
                reps = torch.cat([reps, nxt], dim=1)

        for label, fn in (("cache", cached), ("recompute", recompute)):
            seconds, peak = measure(fn, device, max(1, repeats // 2), warmup=1)
            rows.append((f"rollout-{label}", name, dtype_name, f"S={samples} H={horizon}",
                         seconds, weights, fmt_bytes(peak)))


def main():
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda if present)")
    parser.add_argument("--dtypes", default=None, help="comma list (default cuda: bf16,fp32; "
                        "cpu: fp32)")
    parser.add_argument("--batch", type=int, default=1, help="frames per encoder/predictor call")
    parser.add_argument("--frames", type=int, default=2, help="predictor context frames T")
    parser.add_argument("--samples", type=int, default=None,
                        help="rollout samples S (default cuda 400, cpu 8; 0 to skip)")
    parser.add_argument("--horizon", type=int, default=2, help="rollout steps H")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--small", action="store_true", help="small configs even on CUDA")
    parser.add_argument("--full", action="store_true", help="released sizes even on CPU")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = parser.parse_args()
    parser.check_at_least(args, {"--batch": 1, "--frames": 1, "--samples": 0, "--horizon": 1,
                                 "--repeats": 1})
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # names typed that are no device or dtype: exit status 2
        check_device_and_dtype(args.device, None, ("--device", "--dtypes"))
        for name in (args.dtypes or "").split(","):
            check_device_and_dtype(None, name, ("--device", "--dtypes"))
    import torch

    from vjepa_ros.models import resolve_dtype

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("CUDA requested but not available")
    default_dtypes = "bf16,fp32" if device.type == "cuda" else "fp32"
    dtypes = [resolve_dtype(name, device) for name in (args.dtypes or default_dtypes).split(",")]
    full = (device.type == "cuda" or args.full) and not args.small
    samples = args.samples if args.samples is not None else \
        (400 if device.type == "cuda" and full else 8)
    torch.manual_seed(0)

    if full:
        encoders = [(name, name) for name in ("vit_large", "vit_huge", "vit_giant",
                                              "vit_giant_384")]
        predictors = [("vit_ac_giant", "vit_ac_giant")]
    else:
        encoders = [("small-enc", SMALL_ENCODER)]
        predictors = [("small-pred", SMALL_PREDICTOR)]

    rows = []
    with torch.no_grad():  # forward passes only
        for dtype in dtypes:
            for name, spec in encoders:
                bench_encoder(name, spec, device, dtype, args.batch, args.repeats, rows)
                if device.type == "cuda":
                    torch.cuda.empty_cache()  # the model is gone with the function's frame
            for name, spec in predictors:
                bench_predictor(name, spec, device, dtype, args.batch, args.frames, samples,
                                args.horizon, args.repeats, rows)
            if device.type == "cuda":
                torch.cuda.empty_cache()

    where = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU ({torch.get_num_threads()} threads)"
    print(f"# {where}, torch {torch.__version__}, median of {args.repeats}")
    if not full:
        print(f"# small configs: encoder {SMALL_ENCODER}; predictor {SMALL_PREDICTOR}")
    header = ("what", "model", "dtype", "input", "time ms", "weights", "peak extra")
    table = [header] + [(*row[:4], f"{row[4] * 1e3:.1f}", *row[5:]) for row in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
