"""Where one CEM replanning step spends its time on a GPU: kernels, attention backends, a cap.

Builds the released ``vit_ac_giant`` predictor (random weights, bfloat16) on the device, runs one
warm-up plan at the paper settings (S 800, H 1, I 10, top-k 10), then:

1. ``profile``: one plan under ``torch.profiler`` (CPU + CUDA activities); prints the operators
   with the most device time (self time, top ``--rows``) and writes the table to ``--out``.
2. ``sdpa``: one plan per scaled-dot-product-attention backend (flash, efficient, cuDNN, math;
   ``torch.nn.attention.sdpa_kernel``) against the default choice: seconds per plan, or the
   one-line reason a backend refused the shapes.
3. ``cap``: the fast planner under a 24 GiB memory cap (``bench_planner.capped_memory_case``).
4. ``compile``: ``models.compiled.compile_blocks`` (``model.compile_predictor``): an eager plan,
   then the first compiled plan (compilation included), a second one, the largest difference of
   the planned first action from the eager plan (same noise; fused bf16 kernels round
   differently), and two plans at half the samples (a new shape).

Each result is appended to ``--out``/profile_planner.txt as soon as it is measured, so a run cut
short keeps what it measured. ``--tiny`` runs it with a tiny predictor on the CPU (a smoke
test: the table then lists CPU time; ``cap`` says it is skipped there). Same noise and
settings in every plan; times are one plan each (seconds, ``time.perf_counter`` around a
synchronised call).

Run:  python benchmarks/profile_planner.py [--tiny] [--rows 25] [--out DIR]
      [--parts profile sdpa cap compile]
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

PARTS = ("profile", "sdpa", "cap", "compile")
TINY_PREDICTOR = dict(embed_dim=32, predictor_embed_dim=32, depth=2, num_heads=2, img_size=64)


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny predictor on the CPU (smoke)")
    parser.add_argument("--rows", type=int, default=25, help="operators listed (default 25)")
    parser.add_argument("--out", default=os.environ.get("OUT", "outputs/profile_planner"),
                        help="folder for profile_planner.txt (default $OUT)")
    parser.add_argument("--parts", nargs="+", action="extend", choices=PARTS,
                        help=f"parts to run (default: all of {', '.join(PARTS)}); repeatable")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error(f"--rows {args.rows}: give a positive count")
    parts = list(dict.fromkeys(args.parts or PARTS))
    from vjepa_ros.out_paths import output_dir

    try:
        out = output_dir(args.out, "--out", claim=False)
    except ValueError as exc:
        parser.error(str(exc))

    import bench_planner as bench
    import torch

    from vjepa_ros.models import build_predictor
    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.config import CEMConfig

    if not args.tiny and not torch.cuda.is_available():  # before --out's report is replaced
        print("profile_planner: no CUDA device here; --tiny runs the smoke test on the CPU",
              file=sys.stderr)
        return 1
    report = out / "profile_planner.txt"
    report.write_text("")

    def say(text: str) -> None:
        print(text, flush=True)
        with report.open("a") as handle:
            handle.write(text + "\n")

    if args.tiny:
        device, dtype = torch.device("cpu"), torch.float32
        torch.manual_seed(0)
        predictor = build_predictor(**TINY_PREDICTOR).eval()
        config = CEMConfig(horizon=1, samples=16, topk=4, iterations=2)
    else:
        device, dtype = torch.device("cuda", 0), torch.bfloat16
        torch.manual_seed(0)
        with torch.device(device):
            predictor = build_predictor("vit_ac_giant").to(dtype).eval()
        config = dict(bench.CUDA_CASES)["paper"]
    context, state, goal = bench.scene(predictor, device, dtype)
    say(f"profile_planner: {'tiny' if args.tiny else 'vit_ac_giant'} {str(dtype)[6:]} on "
        f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}, torch "
        f"{torch.__version__}, S{config.samples} H{config.horizon} I{config.iterations} "
        f"k{config.topk}")

    def one_plan():
        return plan(predictor, context, state, goal, config)

    seconds = bench.run_once(one_plan, device)
    say(f"warm-up plan: {seconds:.3f} s")
    if "profile" in parts:
        from torch.profiler import ProfilerActivity, profile

        activities = [ProfilerActivity.CPU]
        if device.type == "cuda":
            activities.append(ProfilerActivity.CUDA)
        with profile(activities=activities) as prof:
            seconds = bench.run_once(one_plan, device)
        key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        say(f"profiled plan: {seconds:.3f} s; operators by {key}:")
        say(prof.key_averages().table(sort_by=key, row_limit=args.rows, max_name_column_width=60))
    if "sdpa" in parts:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        default = bench.run_once(one_plan, device)
        say(f"sdpa default: {default:.3f} s per plan")
        for name in ("FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION", "MATH"):
            backend = getattr(SDPBackend, name, None)
            if backend is None:
                say(f"sdpa {name}: not in this torch")
                continue
            try:
                with sdpa_kernel(backend):
                    seconds = bench.run_once(one_plan, device)
                say(f"sdpa {name}: {seconds:.3f} s per plan "
                    f"({default / seconds:.2f}x the default)")
            except RuntimeError as error:
                say(f"sdpa {name}: refused: {str(error).splitlines()[0][:160]}")
    if "cap" in parts and device.type != "cuda":
        say("cap: skipped: the memory cap is a CUDA allocator setting (no CUDA device here)")
    elif "cap" in parts:
        start = time.perf_counter()
        say(bench.capped_memory_case(predictor, config, device, dtype, 24.0)
            + f" ({time.perf_counter() - start:.1f} s with set-up)")
    if "compile" in parts:
        from vjepa_ros.models.compiled import compile_blocks

        eager_action = one_plan().first_action
        eager = bench.run_once(one_plan, device)
        compile_blocks(predictor)  # model.compile_predictor's code path
        try:
            first = bench.run_once(one_plan, device)
            second = bench.run_once(one_plan, device)
            difference = (one_plan().first_action - eager_action).abs().max().item()
            say(f"compile: eager {eager:.3f} s; compiled: first plan {first:.1f} s (compiling), "
                f"then {second:.3f} s per plan ({eager / second:.2f}x); max |first action - "
                f"eager| {difference:.2e}")
            half = config.with_(samples=max(1, config.samples // 2))
            other = [bench.run_once(lambda: plan(predictor, context, state, goal, half), device)
                     for _ in range(2)]
            say(f"compile: S {half.samples}: first plan {other[0]:.1f} s (a new shape), then "
                f"{other[1]:.3f} s")
        except Exception as error:  # a compiler failure is a result here, not a crash
            say(f"compile: failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
