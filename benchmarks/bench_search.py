"""Plan quality per unit of compute: the published CEM, iCEM and MPPI at equal predictor budgets.

Two parts (run one or both):

open-loop  Fixed planning problems; per planner and budget (predictor evaluations per replanning
           step = action sequences imagined), one replanning step per problem; the quality is the
           energy of the returned plan (imagined once more, not counted), also relative to CEM at
           the largest budget on the same problem. Problems:
           demo  the packaged demo world model on simulator frames: context = the start frame of a
                 held-out reach episode (seeds 900000+), goal = its goal image, H 1, maxnorm 0.05
                 (the demo's search box);
           mid   the random mid-size official-architecture predictor of bench_planner.py (64
                 tokens, width 384, depth 6) on random layer-normed context/goal, H 2 (the
                 notebook's).
           With --refine-steps N, every method and budget also runs with N gradient refinement
           steps (``planner.refine``), labelled METHOD+gdN; its evaluations include the
           refinement's cost in forward-equivalents.
closed-loop  Reach success in the simulator over held-out goals (ROS-free loop, bench_reach.py's
           run_agent) for the runs given with --run METHOD:samples=S,iterations=I[,key=value]
           (e.g. refine.steps=5), with the demo world model or (--world-model oracle) the
           simulator's exact oracle.
gradient-cost  One forward+backward pass of one sequence (the refinement's step) against one
           sequence's share of a batched forward (scoring), per model: the factor behind
           ``refine.FORWARDS_PER_GRADIENT_STEP``.

Budgets: CEM and MPPI spend samples × iterations; iCEM spends Σ max(S/γ^i, 2k) + the mean
(+ shifted elites when warm), so S is the largest giving at most the budget
(``icem.evaluations_per_step``). Iterations: 5 below 1000 evaluations, 10 from 1000 on (the
paper's S 800, I 10 is 8000).

Run:  python benchmarks/bench_search.py open-loop [--models demo mid] [--budgets 100 500 2000 8000]
          [--problems 6] [--methods cem icem mppi] [--refine-steps 5] [--refine-lr 0.1]
          [--json out.json] [--plot out.png]
      python benchmarks/bench_search.py closed-loop --run cem:samples=800,iterations=10
          --run icem:samples=440,iterations=10 [--goals 20] [--json out.json]
      python benchmarks/bench_search.py plot --json open.json --plot out.png   (from saved numbers)
      python benchmarks/bench_search.py gradient-cost [--models demo mid]
"""

import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
from search_closed_loop import closed_loop  # noqa: E402
from search_gradient_cost import gradient_cost  # noqa: E402
from search_problems import DEMO_BASE, MID_BASE, demo_problems, mid_problems  # noqa: E402
from search_tables import plot, print_open_table, summarize  # noqa: E402

from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.out_paths import output_file  # noqa: E402
from vjepa_ros.planning.config import CEMConfig  # noqa: E402
from vjepa_ros.planning.methods import RefineSettings  # noqa: E402
from vjepa_ros.sim.choices import evaluation_seeds_note  # noqa: E402
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config  # noqa: E402

# torch, the planners and the simulator (seconds; a minute under load) are imported where they are
# first needed, after the options are parsed and the --run specs checked.

METHODS = ("cem", "icem", "mppi")
def iterations_for(budget: int) -> int:
    return 5 if budget < 1000 else 10


def config_for(method: str, budget: int, base: CEMConfig) -> CEMConfig:
    """Return the settings of ``method`` spending at most ``budget`` evaluations per step.

    iCEM: the largest S (more than k) whose ``evaluations_per_step`` (cold) is within the budget,
    found by doubling then bisection (it grows with S): a huge budget answers at once.
    """
    iterations = iterations_for(budget)
    config = base.with_(method=method, iterations=iterations,
                        samples=max(base.topk + 1, budget // iterations))
    if method != "icem":
        return config
    from vjepa_ros.planning.icem import evaluations_per_step

    def fits(samples: int) -> bool:
        return evaluations_per_step(config.with_(samples=samples), warm=False) <= budget

    low, high = config.topk + 1, config.topk + 2  # fits(low) is taken as true (k + 1)
    while fits(high):
        low, high = high, 2 * high
    while high - low > 1:  # fits(low), not fits(high)
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return config.with_(samples=low)


def budget_problem(option: str, budgets, base: CEMConfig, methods=METHODS,
                   available: int | None = None) -> str:
    """Say why a budget of ``option`` cannot be planned with on this machine ('' all fit).

    A budget whose samples (``config_for``) do not fit in the free memory [bytes] (``available``;
    None: read it) is refused as ``planning.memory.samples_memory_problem`` decides, in one line
    naming ``option``, the budget and the largest budget that fits in half the free memory
    (about: the samples grow in proportion to the budget).
    """
    from vjepa_ros.planning.memory import (
        GIB,
        available_bytes,
        round_down,
        samples_memory_problem,
        search_bytes,
    )

    free = available_bytes("cpu") if available is None else available
    for budget in budgets:
        configs = {method: config_for(method, budget, base) for method in methods}
        needs = {method: search_bytes(c.samples, c.horizon) for method, c in configs.items()}
        for method, config in configs.items():
            if samples_memory_problem(config, "cpu", free):
                fits = min(budget * free // (2 * need) for need in needs.values())
                return (f"{option} {budget}: {method} would plan with {config.samples} samples "
                        f"at horizon {config.horizon}, about {needs[method] / GIB:.1f} GiB for "
                        f"its action samples, more than half the {free / GIB:.1f} GiB free: give "
                        f"budgets of at most {round_down(fits)}")
    return ""


def plan_energy(model, context, state, goal, actions) -> float:
    import torch

    from vjepa_ros.planning.rollout import ImaginedRollout

    rollout = ImaginedRollout(model, context, state, goal)
    with torch.inference_mode():
        return rollout.energies(actions[None]).item()


def open_loop(name: str, problems, base: CEMConfig, budgets, log, methods=METHODS,
              refine: RefineSettings | None = None) -> list[dict]:
    """One replanning step per problem, method and budget (and refined: ``refine``)."""
    from vjepa_ros.planning.planners import make_planner

    rows = []
    variants = [(m, RefineSettings()) for m in methods]
    if refine is not None and refine.steps:
        variants += [(m, refine) for m in methods]
    for method, refinement in variants:
        label = f"{method}+gd{refinement.steps}" if refinement.steps else method
        for budget in budgets:
            config = config_for(method, budget, base).with_(refine=refinement)
            for index, (model, context, state, goal) in enumerate(problems):
                planner = make_planner(model, config, seed=index)
                started = time.perf_counter()
                result = planner.plan(context, state, goal)
                wall = time.perf_counter() - started
                rows.append({
                    "model": name, "method": label, "budget": budget, "problem": index,
                    "samples": config.samples, "iterations": config.iterations,
                    "evaluations": result.evaluations, "wall_s": wall,
                    "plan_energy": plan_energy(model, context, state, goal, result.actions),
                    "best_sampled_energy": float(result.best_energies.min()),
                })
            last = rows[-len(problems):]
            log(f"  {name:<5} {label:<9} budget {budget:>5}: S {config.samples:>4} "
                f"I {config.iterations:>2}, evaluations {last[0]['evaluations']:>5}, "
                f"plan energy {statistics.mean(r['plan_energy'] for r in last):.5f}, "
                f"{statistics.median(r['wall_s'] for r in last):.2f} s/step")
    return rows


# -- --run specs (the closed loop itself: search_closed_loop.py) ---------------------------------

def parse_run(spec: str) -> tuple[str, dict]:
    """``icem:samples=440,iterations=10,icem.noise_beta=3`` → ("icem", {planner.* overrides}).

    Checked here, before the simulator and the model load: a bad method, value or setting, a
    setting given twice or ``method=`` is a ``config.UsageError`` (exit status 2) in one line
    naming the spec and the setting as written in it (``samples``, not ``CEMConfig.samples`` or
    ``planner.samples``).
    """
    method, _, rest = spec.partition(":")
    from vjepa_ros.config import UsageError  # a spec typed that cannot be used: exit status 2

    if method not in METHODS:
        raise UsageError(f"--run {spec!r}: method must be one of {METHODS}")
    overrides = {"planner.method": method}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key == "method":  # it would replace the one the spec (and its rows) are named by
            raise UsageError(f"--run {spec!r}: the method is the part before ':' ({method}): "
                             "leave method= out")
        if f"planner.{key}" in overrides:  # as a settings file refuses it (yaml_keys)
            raise UsageError(f"--run {spec!r}: {key} is given twice: keep one of them")
        try:
            overrides[f"planner.{key}"] = json.loads(value) if value else None
        except json.JSONDecodeError:
            raise UsageError(f"--run {spec!r}: {key}={value} is not a number, true/false or a "
                             "JSON list") from None
    try:
        load_reach_config(None, overrides)
    except ValueError as exc:  # ConfigError too
        raise UsageError(f"--run {spec!r}: {re.sub(r'(?:CEMConfig|planner)[.]', '', str(exc))}"
                         ) from None
    return spec, overrides


def check_runs_fit(runs, world_model: str) -> None:
    """Refuse a ``--run`` whose samples do not fit where the closed loop will plan.

    Before the simulator starts; raises ``planning.memory.SamplesMemoryError`` in the planner's
    own words (``samples N at horizon H needs about ...``). The device is the one
    :func:`closed_loop` plans on: the CPU for the oracle, ``load_world_model``'s default (CUDA
    when available) for the demo model. Imports torch for the demo model.
    """
    from vjepa_ros.planning.memory import check_samples_fit

    if world_model == "oracle":
        device = "cpu"
    else:
        from vjepa_ros.models.world_model import resolve_device

        device = resolve_device(None)
    for _, overrides in runs:
        check_samples_fit(load_reach_config(None, overrides).planner.to_cem(), device)


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("open-loop", "closed-loop", "plot", "gradient-cost"))
    parser.add_argument("--models", nargs="+", default=["demo", "mid"], choices=("demo", "mid"))
    parser.add_argument("--budgets", nargs="+", type=int,
                        default=[100, 250, 500, 1000, 2000, 8000])
    parser.add_argument("--mid-budgets", nargs="+", type=int, default=[100, 300, 1000])
    parser.add_argument("--problems", type=int, default=6, help="demo problems (held-out seeds)")
    parser.add_argument("--mid-problems", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS,
                        help="open loop: the samplers to run")
    parser.add_argument("--refine-steps", type=int, default=0,
                        help="open loop: also run every method with this many gradient "
                             "refinement steps (planner.refine.steps); 0: not")
    parser.add_argument("--refine-lr", type=float, default=RefineSettings().lr,
                        help="open loop: refinement learning rate (planner.refine.lr)")
    parser.add_argument("--run", action="append", default=[], help="closed loop: "
                        "METHOD:samples=S,iterations=I[,icem.noise_beta=...]; repeatable")
    parser.add_argument("--goals", type=int, default=20)
    parser.add_argument("--world-model", default="demo", choices=("demo", "oracle"),
                        help="closed loop: the demo world model or the simulator's exact oracle "
                             "(vjepa_ros.sim.oracle: no predictor cost, shows the search alone)")
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--json", help="write (open-loop, closed-loop) or read (plot) numbers")
    parser.add_argument("--plot", help="save the open-loop plot here (PNG)")
    args = parser.parse_args()
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    if args.part == "closed-loop" and not args.run:
        raise SystemExit("closed-loop needs at least one --run")
    try:  # before the runs: a folder or an unwritable path would lose them
        if args.json and args.part != "plot":
            output_file(args.json, "--json")
        if args.plot:
            output_file(args.plot, "--plot")
    except ValueError as exc:
        parser.error(str(exc))
    runs = [parse_run(s) for s in args.run]  # each spec checked before torch loads
    for name in args.models if args.part == "open-loop" else ():  # before the header
        option, budgets, base = (("--budgets", args.budgets, DEMO_BASE) if name == "demo" else
                                 ("--mid-budgets", args.mid_budgets, MID_BASE))
        problem = budget_problem(option, budgets, base, args.methods)
        if problem:
            raise ValueError(problem)  # command_errors.run_script: this line, exit status 1
    if args.part == "closed-loop":
        check_runs_fit(runs, args.world_model)  # before the header and the simulator
        try:  # a seed past 2**32: refused as vjepa-ros run refuses it
            seeds_note = evaluation_seeds_note(args.seed_start, args.goals, "--seed-start",
                                               "--goals")
        except ValueError as exc:
            parser.error(str(exc))
    import torch

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1

    def log(line):
        print(line, flush=True)

    log(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {torch.get_num_threads()} threads, float32")
    if args.part == "closed-loop":
        if seeds_note:
            log(f"note: {seeds_note}")
        closed_loop(runs, args.goals, args.seed_start, args.json, log, args.world_model)
        return 0
    if args.part == "gradient-cost":
        for name in args.models:
            problems, base = demo_problems(1) if name == "demo" else mid_problems(1)
            gradient_cost(name, problems, base, log)
        return 0
    if args.part == "plot":
        rows = json.loads(Path(args.json).read_text())
    else:
        rows = []
        for name in args.models:
            if name == "demo":
                problems, base = demo_problems(args.problems)
                budgets = args.budgets
            else:
                problems, base = mid_problems(args.mid_problems)
                budgets = args.mid_budgets
            log(f"{name}: {len(problems)} problems, H {base.horizon}, k {base.topk}, "
                f"maxnorm {base.maxnorm}, budgets {budgets}")
            refine = RefineSettings(steps=args.refine_steps, lr=args.refine_lr)
            rows += open_loop(name, problems, base, budgets, log, args.methods, refine)
            if args.json:
                write_text(args.json, json.dumps(rows, indent=1))
    table = summarize(rows)
    print_open_table(table)
    if args.plot:
        plot(table, args.plot)
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
