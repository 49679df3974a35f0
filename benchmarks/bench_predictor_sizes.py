"""Plan time of the demo world model with predictors of other sizes, against its own, one run.

Issue 15 bounds the shipped demo model at 20 MB and about 1-3 s per planning step on 2 CPU
cores; a stronger manipulation model trained on a GPU must still fit. Each row is the packaged
demo model's encoder with a predictor of the given width x depth x heads (random weights: the
time does not depend on them), one CEM replanning step (default S 100, I 5, H 1: the demo's
search) toward a goal, on the same representations and noise. The sizes are timed in turn,
repeat after repeat (a, b, c, a, b, c, ...), so that load from other processes hits all alike.

Columns: predictor parameters [M]; the file size the model would have in float16 (encoder +
predictor, 2 bytes a parameter) [MB]; the median plan time over --repeats after one warm-up
[s]; and that median over the first size's (the demo's, by default).

Run:  python benchmarks/bench_predictor_sizes.py [--sizes 192x4x4 256x4x4 ...] [--repeats 4]
      [--threads 2] [--samples 100] [--iterations 5]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

# torch and the models are imported after the options are checked: --help answers at once.
DEFAULT_SIZES = ("192x4x4", "256x4x4", "192x6x4", "256x6x4", "384x4x6", "320x6x5")


def predictor_size(text: str) -> tuple[int, int, int]:
    """Parse ``WIDTHxDEPTHxHEADS`` (e.g. ``256x4x4``); ValueError for anything else."""
    parts = text.lower().split("x")
    if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"--sizes {text}: give WIDTHxDEPTHxHEADS, e.g. 256x4x4")
    width, depth, heads = map(int, parts)
    if width % heads:
        raise ValueError(f"--sizes {text}: the width {width} must divide into {heads} heads")
    return width, depth, heads


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), metavar="WxDxH",
                        help="predictor width x depth x heads, the first the reference "
                        f"(default {' '.join(DEFAULT_SIZES)}: the demo's first)")
    parser.add_argument("--repeats", type=int, default=4, help="timed plans per size")
    parser.add_argument("--samples", type=int, default=100, help="CEM samples S")
    parser.add_argument("--iterations", type=int, default=5, help="CEM iterations I")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    parser.check_at_least(args, {"--repeats": 1, "--samples": 10, "--iterations": 1})
    sizes = [predictor_size(text) for text in args.sizes]
    from vjepa_ros.threads import check_threads_option, set_torch_threads

    check_threads_option(args.threads)
    set_torch_threads(args.threads or 0)
    import dataclasses

    import numpy as np
    import torch

    from vjepa_ros.models.checkpoint import load_world_model
    from vjepa_ros.models.predictor import ACPredictor
    from vjepa_ros.models.world_model import WorldModel
    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.config import preset
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    demo = load_world_model(resolve_checkpoint(""), device="cpu", dtype="float32")
    config = preset("paper", samples=args.samples, iterations=args.iterations, horizon=1,
                    topk=min(10, args.samples - 1), maxnorm=0.05)
    encoder_params = sum(t.numel() for t in demo.encoder.parameters())
    models = []
    torch.manual_seed(0)
    for width, depth, heads in sizes:
        predictor = ACPredictor(dataclasses.replace(
            demo.predictor.config, predictor_embed_dim=width, depth=depth, num_heads=heads))
        models.append((WorldModel(demo.encoder, predictor, device="cpu", dtype="float32"),
                       sum(t.numel() for t in predictor.parameters())))
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 128, 128, 3), dtype=np.uint8)
    context, goal = demo.encode(frames[:1]), demo.encode(frames[1:])
    state = torch.zeros(7)
    print(f"# CEM S {args.samples} I {args.iterations} H 1, {torch.get_num_threads()} torch "
          f"threads, {args.repeats} repeats after a warm-up, sizes in turn")
    times = [[] for _ in models]
    for repeat in range(args.repeats + 1):
        for index, (model, _) in enumerate(models):
            start = time.perf_counter()
            plan(model, context, state, goal, config, generator=0)
            if repeat:  # the first round warms up
                times[index].append(time.perf_counter() - start)
    reference = statistics.median(times[0])
    print(f"{'predictor':>12} {'params M':>9} {'file MB':>8} {'plan s':>8} {'x first':>8}")
    for (width, depth, heads), (_, params), row in zip(sizes, models, times, strict=True):
        median = statistics.median(row)
        print(f"{f'{width}x{depth}x{heads}':>12} {params / 1e6:>9.2f} "
              f"{2 * (params + encoder_params) / 1e6:>8.1f} {median:>8.2f} "
              f"{median / reference:>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
