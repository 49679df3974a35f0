"""Per-replanning-step latency and peak memory: fast CEM planner vs the plain reference.

Both run the published CEM with the same settings and noise on the same machine, in one run,
alternating (fast, reference, fast, ...) so that load from other processes hits both alike.
Weights are random (speed does not depend on them); models are built directly on the device.

Cases
  cpu   mid-size predictor: 128 px -> 64 tokens per frame, width 384, depth 6, 6 heads, float32;
        (H 2, S 100, I 5) and (H 1, S 200, I 5), top-k 10.
  cuda  the released ViT-g / AC preset (vit_ac_giant predictor, vit_giant encoder resident) in
        bfloat16: notebook settings (S 400, H 2, I 10) and paper settings (S 800, H 1, I 10);
        plus the paper settings under a 24 GB memory cap (fast planner, automatic chunking).

Columns
  fast / fast-1call / reference : median seconds per replanning step (fast-1call: all samples in
        one predictor call, no chunking); min in brackets
  speedup : reference / fast, medians (mins: the better estimate on a machine shared with other
        work, whose load only ever adds time)
  CPU s / CPU speedup : on CPU, process CPU seconds per step (min over repeats) and their ratio:
        with --threads 1 the measure least disturbed by other processes on a shared machine
  peak  : peak memory above the start of the step (CUDA: allocated; CPU: resident set, VmHWM)
  est. 1call : cost.bytes_per_sample x S, the upper bound automatic chunking plans with (test:
        the CPU allocator's measured peak of a chunk is 0.6-0.85 of it)
  TFLOP : predictor FLOPs per step (cost.plan_flops) fast / reference
  floor : on CUDA, fast time / (FLOPs / peak bf16 FLOP/s), i.e. how far from the FLOP floor
  --cpu-bf16 (INEXACT, CPU only): adds "fast-bf16", the fast planner with a bfloat16 copy of the
        predictor (bf16 matmuls, float32 energies), timed in the same alternating loop; "bf16 vs
        ref" = reference / fast-bf16; its energy error on S random actions of the search box
        (mean |E_bf16 − E_fp32| / std of E_fp32 over the samples: how much rounding can reorder
        samples), top-k overlap with fp32 on those samples, and plan agreement (max |first
        action bf16 − fp32| over xyz, in units of maxnorm, same noise)

Run:  python benchmarks/bench_planner.py [--device cpu|cuda] [--repeats 3] [--quick]
      [--tuned-malloc] [--no-reference] [--peak-tflops 989.4] [--cap-gib 24] [--threads N]
      [--cpu-bf16] [--case 'cpu H2'] [--lean]

On CPU, glibc returns tensors above its mmap threshold (<= 32 MiB) to the OS, so each big
activation is page-faulted in again; the reference's whole-batch tensors pay that, the fast
planner's ~2048-token chunks mostly do not. --tuned-malloc shows the comparison without it.
"""

import copy
import ctypes
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.planning.config import CEMConfig  # noqa: E402

# torch, the models and the planners (seconds; a quarter minute under load) are imported where
# they are first needed, after the options are checked: --help and a bad option answer at once.

MID_PREDICTOR = dict(embed_dim=384, predictor_embed_dim=384, depth=6, num_heads=6, img_size=128)
CPU_CASES = [("cpu H2", CEMConfig(horizon=2, samples=100, topk=10, iterations=5)),
             ("cpu H1", CEMConfig(horizon=1, samples=200, topk=10, iterations=5))]
CUDA_CASES = [("notebook", CEMConfig(horizon=2, samples=400, topk=10, iterations=10)),
              ("paper", CEMConfig(horizon=1, samples=800, topk=10, iterations=10))]
H100_BF16_DENSE_TFLOPS = 989.4  # SXM; PCIe is 756


def sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


LIBC = _libc()


class PeakMemory:
    """Peak memory above the start of a block: CUDA allocator stats, or Linux VmHWM on CPU."""

    def __init__(self, device):
        self.device = device

    @staticmethod
    def _status(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        return None

    def __enter__(self):
        import torch

        self.peak = None
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.start = torch.cuda.memory_allocated(self.device)
            return self
        if LIBC is not None:
            LIBC.malloc_trim(0)
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # reset VmHWM to the current RSS
            self.start = self._status("VmRSS")
        except OSError:
            self.start = None
        return self

    def __exit__(self, *exc):
        import torch

        if self.device.type == "cuda":
            self.peak = torch.cuda.max_memory_allocated(self.device) - self.start
        elif self.start is not None:
            self.peak = self._status("VmHWM") - self.start
        return False


def run_once(fn, device):
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def measure_peak(fn, device):
    with PeakMemory(device) as memory:
        fn()
        sync(device)
    return memory.peak


def fmt_time(times):
    if not times:
        return "-"
    return f"{statistics.median(times):7.2f} s ({min(times):.2f})"


def fmt_bytes(value):
    return "n/a" if value is None else f"{value / 2**30:.2f} GiB"


def scene(predictor, device, dtype):
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(0)
    tokens, width = predictor.tokens_per_frame, predictor.embed_dim
    context = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
    goal = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
    state = torch.tensor([0.45, -0.05, 0.3, 2.9, 0.3, -1.2, 0.1])
    return context.to(device, dtype), state, goal.to(device, dtype)


def bf16_agreement(predictor, half, config, context, state, goal) -> dict:
    """Energy error, top-k overlap and plan agreement of a bf16 predictor copy against fp32.

    Scored on S random actions of the search box (not the reference's samples).
    """
    import torch

    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.rollout import ImaginedRollout

    generator = torch.Generator().manual_seed(1)
    actions = torch.randn(config.samples, config.horizon, 7, generator=generator) * config.maxnorm
    actions[..., 3:6] = 0.0
    actions[..., :3].clamp_(-config.maxnorm, config.maxnorm)
    with torch.inference_mode():
        exact = ImaginedRollout(predictor, context, state, goal).energies(actions)
        approx = ImaginedRollout(half, context.bfloat16(), state, goal).energies(actions)
    k = config.topk
    overlap = len(set(exact.topk(k, largest=False).indices.tolist())
                  & set(approx.topk(k, largest=False).indices.tolist())) / k
    fp32 = plan(predictor, context, state, goal, config, generator=0).first_action
    bf16 = plan(half, context.bfloat16(), state, goal, config, generator=0).first_action
    return {
        "bf16 energy err/spread": f"{((approx - exact).abs().mean() / exact.std()).item():.3f}",
        "bf16 top-k overlap": f"{overlap:.0%}",
        "bf16 plan diff": f"{((bf16 - fp32)[:3].abs().max() / config.maxnorm).item():.3f}",
    }


def bench_case(name, predictor, config, device, dtype, repeats, with_reference, peak_tflops,
               cpu_bf16=False, lean=False, raw=None):
    """Return one table row (formatted strings) of ``config``.

    ``raw`` (a dict), if given, gets the numbers: "seconds" {run: [s per repeat]}, "peak_bytes"
    {run: bytes or None}, "tflop_fast", "tflop_reference".
    """
    import torch

    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.cost import bytes_per_sample, plan_flops, predictor_dims
    from vjepa_ros.planning.reference import reference_plan

    context, state, goal = scene(predictor, device, dtype)
    one_call = config.with_(chunk_size=config.samples)
    runs = {"fast": lambda: plan(predictor, context, state, goal, config, generator=0)}
    if not lean:
        runs["fast-1call"] = lambda: plan(predictor, context, state, goal, one_call, generator=0)
    if cpu_bf16:  # INEXACT: a bfloat16 copy of the predictor, float32 energies
        half = copy.deepcopy(predictor).to(torch.bfloat16)
        half_context = context.bfloat16()
        runs["fast-bf16"] = lambda: plan(half, half_context, state, goal, config, generator=0)
    if with_reference:
        runs["reference"] = lambda: reference_plan(predictor, context, state, goal, config, 0)
    warm = config.with_(iterations=1)
    plan(predictor, context, state, goal, warm)  # warm-up (allocator, kernels, tables)
    times = {key: [] for key in runs}
    cpu_times = {key: [] for key in runs}  # process CPU seconds: robust to other processes' load
    for _ in range(repeats):
        for key, fn in runs.items():
            cpu_start = time.process_time()
            times[key].append(run_once(fn, device))
            cpu_times[key].append(time.process_time() - cpu_start)
    # Memory in separate runs: on CPU the measurement trims the heap first, which would
    # otherwise add page faults to the timed runs.
    peaks = {} if lean else {key: measure_peak(fn, device) for key, fn in runs.items()}
    dims = predictor_dims(predictor)
    fast_flops = plan_flops(dims, config.samples, config.horizon, config.iterations).total
    ref_flops = plan_flops(dims, config.samples, config.horizon, config.iterations, False).total
    fast = statistics.median(times["fast"])
    row = {
        "case": name,
        "settings": f"S{config.samples} H{config.horizon} I{config.iterations} k{config.topk}",
        "fast": fmt_time(times["fast"]),
        "fast-1call": fmt_time(times.get("fast-1call", [])),
        "reference": fmt_time(times.get("reference", [])),
        "speedup": "-",
        "peak " + "/".join(runs): " / ".join(fmt_bytes(peaks.get(k)) for k in runs),
        "est. 1call": fmt_bytes(config.samples * bytes_per_sample(dims, config.horizon,
                                                                  dtype.itemsize)),
        "TFLOP fast/ref": f"{fast_flops / 1e12:.2f} / {ref_flops / 1e12:.2f}",
        "GFLOP/s fast": f"{fast_flops / fast / 1e9:.0f}",
        "floor": "-",
    }
    if with_reference:
        reference = times["reference"]
        row["speedup"] = (f"{statistics.median(reference) / fast:.2f}x "
                          f"({min(reference) / min(times['fast']):.2f}x)")
    if device.type == "cpu":
        row["CPU s " + "/".join(runs)] = " / ".join(
            f"{min(cpu_times[key]):.1f}" for key in runs)
        if with_reference:
            row["CPU speedup"] = f"{min(cpu_times['reference']) / min(cpu_times['fast']):.2f}x"
    if cpu_bf16:
        row["fast-bf16"] = fmt_time(times["fast-bf16"])
        if with_reference:
            half_times = times["fast-bf16"]
            ratio = statistics.median(reference) / statistics.median(half_times)
            row["bf16 vs ref"] = (f"{ratio:.2f}x "
                                  f"({min(reference) / min(half_times):.2f}x)")
        row.update(bf16_agreement(predictor, half, config, context, state, goal))
    if device.type == "cuda":
        floor = fast_flops / (peak_tflops * 1e12)
        row["floor"] = f"{fast / floor:.2f}x of {floor:.2f} s"
    if raw is not None:
        raw.update(seconds=times, peak_bytes=peaks, tflop_fast=fast_flops / 1e12,
                   tflop_reference=ref_flops / 1e12)
    return row


def capped_memory_case(predictor, config, device, dtype, cap_gib):
    """Run the fast planner under a memory cap (a 24 GB card): peak and time, or the OOM."""
    import torch

    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.cost import auto_chunk_size, predictor_dims

    # set_per_process_memory_fraction takes an index, not a bare torch.device("cuda")
    device = torch.device("cuda", torch.cuda.current_device() if device.index is None
                          else device.index)
    total = torch.cuda.get_device_properties(device).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(min(1.0, cap_gib * 2**30 / total), device.index)
    try:
        dims = predictor_dims(predictor)
        free = cap_gib * 2**30 - torch.cuda.memory_allocated(device)
        chunk = auto_chunk_size(dims, config.horizon, 2, device, free_bytes=free)
        capped = config.with_(chunk_size=min(chunk, config.samples))
        context, state, goal = scene(predictor, device, dtype)
        with PeakMemory(device) as memory:
            seconds = run_once(lambda: plan(predictor, context, state, goal, capped), device)
        peak = memory.peak
        total_peak = torch.cuda.max_memory_allocated(device)
        return (f"paper settings under a {cap_gib} GiB cap: chunk {capped.chunk_size}, "
                f"{seconds:.2f} s, peak above weights {fmt_bytes(peak)}, "
                f"total peak incl. encoder+predictor weights {fmt_bytes(total_peak)}")
    except torch.OutOfMemoryError as error:
        return f"paper settings under a {cap_gib} GiB cap: OUT OF MEMORY ({error})"
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, device.index)


def print_table(rows):
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(str(row[c]).ljust(widths[c]) for c in columns))


def main():
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", help="cuda or cpu (default: cuda if present)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repeat, fewer samples (smoke)")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--peak-tflops", type=float, default=H100_BF16_DENSE_TFLOPS,
                        help="bf16 dense peak of the GPU for the floor column")
    parser.add_argument("--cap-gib", type=float, default=24.0)
    parser.add_argument("--tuned-malloc", action="store_true",
                        help="re-run with glibc keeping big buffers (MALLOC_MMAP_THRESHOLD_ / "
                             "MALLOC_TRIM_THRESHOLD_), removing page-fault costs of big tensors")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--case", action="append", default=[],
                        help="run only this case (e.g. 'cpu H2'); repeatable")
    parser.add_argument("--lean", action="store_true",
                        help="only fast (+ bf16) and reference: no fast-1call, no memory peaks")
    parser.add_argument("--cpu-bf16", action="store_true",
                        help="INEXACT: also time the fast planner with a bf16 predictor on CPU, "
                             "with its energy error and plan agreement")
    args = parser.parse_args()
    parser.check_at_least(args, {"--repeats": 1})
    for option, value in (("--peak-tflops", args.peak_tflops), ("--cap-gib", args.cap_gib)):
        if not (value > 0 and value < float("inf")):  # a floor of no time, a cap of no memory
            parser.error(f"{option} {value:g}: must be > 0")
    names = [name for name, _ in CPU_CASES + CUDA_CASES]
    unknown = [case for case in args.case if case not in names]
    if unknown:
        parser.error(f"--case {unknown[0]!r}: no such case; give one of "
                     f"{', '.join(repr(name) for name in names)}")
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    from vjepa_ros.command_errors import usage_errors

    with usage_errors():  # a name typed that is no device: exit status 2, as vjepa-ros's
        check_device_and_dtype(args.device, None, ("--device", "--dtype"))
    if args.tuned_malloc and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        os.environ.update(MALLOC_MMAP_THRESHOLD_=str(2**30), MALLOC_TRIM_THRESHOLD_=str(2**32))
        os.execv(sys.executable, [sys.executable, *sys.argv])
    import torch

    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.planning.cost import predictor_dims

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    repeats = 1 if args.quick else args.repeats
    torch.manual_seed(0)
    threads = os.environ.get("OMP_NUM_THREADS")
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"threads {torch.get_num_threads()}, OMP_NUM_THREADS={threads}, "
          f"MALLOC_MMAP_THRESHOLD_={os.environ.get('MALLOC_MMAP_THRESHOLD_')}")
    rows = []
    if device.type == "cuda":
        print(f"device {torch.cuda.get_device_name(device)}; peak bf16 {args.peak_tflops} TFLOP/s")
        dtype = torch.bfloat16
        with torch.device(device):
            encoder = build_encoder("vit_giant").to(dtype).eval()  # resident, as in the node
            predictor = build_predictor("vit_ac_giant").to(dtype).eval()
        cases = CUDA_CASES
    else:
        print(f"device cpu ({os.cpu_count()} logical cores), float32")
        dtype = torch.float32
        encoder = None
        predictor = build_predictor(**MID_PREDICTOR).eval()
        cases = CPU_CASES
    print(f"predictor: {predictor_dims(predictor)}")
    for name, config in cases:
        if args.case and name not in args.case:
            continue
        if args.quick:
            config = config.with_(samples=max(config.topk, config.samples // 4), iterations=2)
        rows.append(bench_case(name, predictor, config, device, dtype, repeats,
                               not args.no_reference, args.peak_tflops,
                               args.cpu_bf16 and device.type == "cpu", args.lean))
        print(f"  done: {name}", flush=True)
    print()
    print_table(rows)
    if device.type == "cuda":
        paper = dict(CUDA_CASES)["paper"]
        print(capped_memory_case(predictor, paper, device, dtype, args.cap_gib))
    del encoder


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
