"""The closed-loop half of ``bench_search.py``: reach episodes per ``--run``, success intervals.

:func:`closed_loop` runs the simulator's reach episodes with each run's planner settings (the
same goals for every run) and prints their success rates with exact 95 % intervals and, against
the first run, the paired difference over the goals both did (exact McNemar test).
"""

from __future__ import annotations

import json

from bench_reach import run_agent  # (light: bench_reach imports torch in main)

from vjepa_ros.atomic_files import write_text
from vjepa_ros.sim.reach_config import load_reach_config


def closed_loop(runs, goals: int, seed_start: int, json_path: str | None, log,
                world_model: str = "demo") -> list[dict]:
    from vjepa_ros.models import load_world_model
    from vjepa_ros.planning.icem import evaluations_per_step
    from vjepa_ros.planning.refine import refinement_evaluations
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import reach_sim_config
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    seeds = list(range(seed_start, seed_start + goals))
    results = []
    with Sim(reach_sim_config(seeds[0], load_reach_config().sim)) as sim:
        if world_model == "oracle":
            model = OracleWorldModel().attach(sim)
        else:
            model = load_world_model(resolve_checkpoint(""))
        log(f"world model: {world_model}")
        for spec, overrides in runs:
            config = load_reach_config(None, overrides)
            cem = config.planner.to_cem()
            per_step = (evaluations_per_step(cem) if cem.method == "icem"
                        else cem.samples * cem.iterations)
            if cem.refine.steps:
                per_step += refinement_evaluations(cem.refine.steps)
            log(f"closed loop {spec}: {per_step} evaluations per step, goals {seeds[0]}.."
                f"{seeds[-1]}")
            result = run_agent(spec, sim, model, seeds, config, verbose=True)
            result["evaluations_per_step"] = per_step
            results.append(result)
            log(f"  -> {result['successes']}/{goals}, median final "
                f"{result['median_final_distance_m'] * 100:.1f} cm, mean steps "
                f"{result['mean_steps']:.1f}, planning {result['planning_s_median']:.2f} s/step")
            if json_path:
                write_text(json_path, json.dumps(results, indent=1))
    print(f"\n{'run':<44}{'evals/step':>11}{'success':>10}{'95% CI':>14}{'median final':>14}"
          f"{'mean steps':>12}{'plan s/step':>13}")
    for r in results:
        low, high = success_interval(r["successes"], goals)
        print(f"{r['agent']:<44}{r['evaluations_per_step']:>11}{r['successes']:>6}/{goals:<3}"
              f"{f'{low:.2f}-{high:.2f}':>14}"
              f"{r['median_final_distance_m'] * 100:>11.1f} cm{r['mean_steps']:>12.1f}"
              f"{r['planning_s_median']:>13.2f}")
    for r in results[1:]:
        print(paired_line(results[0], r))
    return results


def success_interval(successes: int, goals: int) -> tuple[float, float]:
    """Return the exact (Clopper-Pearson) 95 % interval of a success rate (scipy binomtest)."""
    from scipy.stats import binomtest

    interval = binomtest(successes, goals).proportion_ci(method="exact")
    return interval.low, interval.high


def paired_line(first: dict, other: dict) -> str:
    """Return, over the goals both runs did, how many only one reached and the McNemar p."""
    from scipy.stats import binomtest

    a = {e["seed"]: e["success"] for e in first["episodes"]}
    b = {e["seed"]: e["success"] for e in other["episodes"]}
    common = sorted(set(a) & set(b))
    only_first = sum(a[s] and not b[s] for s in common)
    only_other = sum(b[s] and not a[s] for s in common)
    discordant = only_first + only_other
    p = binomtest(only_first, discordant).pvalue if discordant else 1.0
    return (f"paired, {len(common)} goals: only {first['agent']} reached {only_first}, only "
            f"{other['agent']} reached {only_other} (exact McNemar p = {p:.2f})")
