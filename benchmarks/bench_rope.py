"""RoPE in the models: apply_rope (swap + sign-folded sin) vs the official formula, one run.

Each row is timed with ``rope.apply_rope`` (on the models' tables, whose sin is sign-folded) and
with the official code path (``rope.apply_rope_reference``, negate and interleave, on the official
sin table: flipped back once per cached table, as the old code's tables were built once) put
into the transformer blocks in turn, alternating (new, old, old, new, ...) so that load from
other processes hits both alike; same inputs, same seed.

Rows
  rope q+k   one block's q and k of a planning chunk (~2048 tokens: [B, heads, tokens, d])
  encoder    the demo model's encoder on one 128 px frame (64 tokens, head dim 64: 4 unrotated)
  pred step  one predictor call of the planner: the first rollout step of one chunk (~2048
             tokens), as ImaginedRollout runs it at H 1
  plan       one CEM replanning step of the demo model (real Franka example frames as context
             and goal; default S 100, I 5, H 1: the demo's search); --model mid: the random
             mid-size predictor of bench_planner.py (128 px, width 384, depth 6, 6 heads) on
             random representations

Columns: median and min wall time over --repeats (after one warm-up each) and the median process
CPU time, each with old / new; paired: the median over repeats of old / new of the two runs
next to each other in time (on a shared machine, whose load only adds time and drifts, the mins
and the paired ratio are the better estimates).
Before timing, the same run checks that the outputs are bit-identical (torch.equal): the rotated
q/k, the encoder's output, a full predictor forward over 2 frames and the plan (actions and elite
energies); a difference exits with status 1.

Run:  python benchmarks/bench_rope.py [--model demo|mid] [--repeats 5] [--threads N]
      [--samples 100] [--iterations 5] [--horizon 1]
"""

import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

# torch and the models (seconds; a quarter minute under load) are imported where they are first
# needed, after the options are checked: --help and a bad option answer at once.

MID_PREDICTOR = dict(embed_dim=384, predictor_embed_dim=384, depth=6, num_heads=6, img_size=128)
CHUNK_TOKENS = 2048  # tokens per predictor call of the CPU planner (cost.auto_chunk_size)


_OFFICIAL_SIN: dict = {}  # id(sin_signed) -> (sin_signed, official sin); the key kept alive


def official_rope(x, cos, sin_signed):
    """Rotate as the official code: its formula on the official sin table."""
    from vjepa_ros.models.rope import apply_rope_reference, flip_even_signs

    entry = _OFFICIAL_SIN.get(id(sin_signed))
    if entry is None or entry[0] is not sin_signed:
        entry = _OFFICIAL_SIN[id(sin_signed)] = (sin_signed, flip_even_signs(sin_signed))
    return apply_rope_reference(x, cos, entry[1])


@contextmanager
def rope(which):
    """Let the transformer blocks rotate with ``which``: "new" or "old" (the official path)."""
    from vjepa_ros.models import rope as rope_module
    from vjepa_ros.models import transformer

    chosen = rope_module.apply_rope if which == "new" else official_rope
    saved, transformer.apply_rope = transformer.apply_rope, chosen
    try:
        yield
    finally:
        transformer.apply_rope = saved


def alternate(fn, repeats):
    """Time fn under each rotation, alternating, after one warm-up each.

    Returns {("new" | "old", "wall" | "cpu"): [seconds per run]}; cpu is the process CPU time.
    """
    for which in ("new", "old"):
        with rope(which):
            fn()
    times = {(which, clock): [] for which in ("new", "old") for clock in ("wall", "cpu")}
    for i in range(repeats):
        for which in ("new", "old") if i % 2 == 0 else ("old", "new"):
            with rope(which):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                times[which, "cpu"].append(time.process_time() - cpu)
                times[which, "wall"].append(time.perf_counter() - wall)
    return times


def same_under_both(fn):
    """Whether fn() gives equal tensors (tuple of tensors) with the new and the old rotation."""
    import torch

    results = {}
    for which in ("new", "old"):
        with rope(which):
            out = fn()
        results[which] = out if isinstance(out, tuple) else (out,)
    return all(torch.equal(a, b) for a, b in zip(results["new"], results["old"], strict=True))


def rope_inputs(predictor, generator):
    """q/k of one block for one planning chunk, as views of a fused qkv output."""
    import torch

    batch = max(1, CHUNK_TOKENS // predictor.tokens_per_step)
    heads = predictor.num_heads
    head_dim = predictor.predictor_embed_dim // heads
    cos, sin = predictor.rope_tables(0, 1, "cpu")
    qkv = torch.randn(batch, cos.shape[0], 3, heads, head_dim, generator=generator)
    q, k, _ = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    return q, k, cos, sin


def main():
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("demo", "mid"), default="demo",
                        help="demo: the packaged demo world model; mid: bench_planner's random "
                             "mid-size predictor")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per implementation")
    parser.add_argument("--samples", type=int, default=100, help="CEM samples S")
    parser.add_argument("--iterations", type=int, default=5, help="CEM iterations I")
    parser.add_argument("--horizon", type=int, default=1, help="plan horizon H")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    parser.check_at_least(args, {"--repeats": 1, "--samples": 10, "--iterations": 1,
                                 "--horizon": 1})
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    import torch
    import torch.nn.functional as F

    from vjepa_ros.models import build_predictor, load_world_model, transformer
    from vjepa_ros.models.preprocess import frames_to_clip
    from vjepa_ros.planning import make_planner, preset

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    config = preset("paper", samples=args.samples, iterations=args.iterations,
                    horizon=args.horizon)
    encoder = clip = None
    if args.model == "demo":
        from vjepa_ros.demo import load_example
        from vjepa_ros.sim.reach_config import demo_model_path

        world_model = load_world_model(demo_model_path(), device="cpu")
        predictor, encoder = world_model.predictor, world_model.encoder
        example = load_example()
        with torch.no_grad():
            context, goal = world_model.encode(example.frames[:1]), \
                world_model.encode(example.frames[-1:])
            clip = frames_to_clip(world_model.preprocess(example.frames[:1]),
                                  encoder.tubelet_size)
        state = torch.as_tensor(example.states[0], dtype=torch.float32)
    else:
        predictor = build_predictor(**MID_PREDICTOR).eval()
        world_model = predictor
        n, dim = predictor.tokens_per_frame, predictor.embed_dim
        context, goal = (F.layer_norm(torch.randn(1, n, dim, generator=generator), (dim,))
                         for _ in range(2))  # normed as WorldModel.encode's (plan_inputs)
        state = torch.tensor([0.45, 0.0, 0.3, 0.0, 0.0, 0.0, 0.0])
    n, dim = predictor.tokens_per_frame, predictor.embed_dim
    q, k, cos, sin = rope_inputs(predictor, generator)
    chunk = q.shape[0]
    chunk_reps = torch.randn(chunk, n, dim, generator=generator)
    chunk_actions = torch.randn(chunk, 7, generator=generator)
    chunk_states = torch.randn(chunk, 7, generator=generator)

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# torch {torch.__version__}, {platform.machine()} "
          f"{torch.backends.cpu.get_cpu_capability()}, {os.cpu_count()} logical cores, "
          f"threads {torch.get_num_threads()}, load {load}; float32, median of {args.repeats}")
    print(f"# model {args.model}: predictor width {predictor.predictor_embed_dim}, depth "
          f"{len(predictor.predictor_blocks)}, {predictor.num_heads} heads, {n} tokens/frame; "
          f"plan S {config.samples} I {config.iterations} H {config.horizon} top-k {config.topk}"
          f"; rope q+k {tuple(q.shape)}")

    def plan():
        result = make_planner(world_model, config, seed=0).plan(context, state, goal)
        return result.actions, result.elite_energies

    frames = torch.randn(2, 2 * n, dim, generator=generator)
    actions = torch.randn(2, 2, 7, generator=generator)
    states = torch.randn(2, 2, 7, generator=generator)
    checks = {"rope q+k": lambda: (transformer.apply_rope(q, cos, sin),  # as rope() set it
                                   transformer.apply_rope(k, cos, sin)),
              "predictor": lambda: predictor(frames, actions, states),
              "plan": plan}
    if encoder is not None:
        checks["encoder"] = lambda: encoder(clip)
    with torch.no_grad():
        same = {name: same_under_both(fn) for name, fn in checks.items()}
    print("# bit-identical (torch.equal, new vs old): "
          + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in same.items()))

    rows = [("rope q+k", checks["rope q+k"], max(20, args.repeats))]
    if encoder is not None:
        rows.append(("encoder", checks["encoder"], max(20, args.repeats)))
    rows.append(("pred step", lambda: predictor.step(chunk_reps, chunk_actions, chunk_states,
                                                     predictor.new_cache(), append=False),
                 max(20, args.repeats)))
    rows.append(("plan", plan, args.repeats))
    columns = ("row", "new median", "old median", "old/new", "new min", "old min", "old/new",
               "new CPU", "old CPU", "old/new", "paired")
    print("  ".join(f"{c:>11}" for c in columns))
    for name, fn, repeats in rows:
        with torch.no_grad():
            times = alternate(fn, repeats)
        unit, scale = ("s", 1.0) if name == "plan" else ("ms", 1e3)
        cells = [name]
        for pick, clock in ((statistics.median, "wall"), (min, "wall"),
                            (statistics.median, "cpu")):
            new, old = pick(times["new", clock]), pick(times["old", clock])
            cells += [f"{new * scale:.3f} {unit}", f"{old * scale:.3f} {unit}",
                      f"{old / new:.3f}x"]
        paired = statistics.median(old / new for old, new in zip(times["old", "wall"],
                                                                 times["new", "wall"],
                                                                 strict=True))
        cells.append(f"{paired:.3f}x")
        print("  ".join(f"{c:>11}" for c in cells), flush=True)
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
