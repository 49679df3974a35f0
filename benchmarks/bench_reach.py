"""Reach success in the simulator: world model checkpoints, a random-action baseline, the oracle.

For each agent and each held-out goal seed s = seed_start .. seed_start + goals − 1 (default
900000..900019; training and collection seeds are kept below 900000): reset the scene to seed s,
draw the goal of seed s (8–25 cm from the start, or ``--goal-distance``; start orientation),
take its goal image, and run the ROS-free closed loop of ``vjepa_ros.sim.reach`` (the planner
node's MPCSession in blocking mode) until the true TCP is within the success radius or the step
limit. ``vjepa-ros reach --goal-seed s`` runs the same goal over ROS.

Agents
  <checkpoint>   a world model file (encoder + AC predictor), CEM as configured
  random         uniform actions within the CEM's ±maxnorm box per axis (no model)
  oracle         the simulator's exact stand-in world model (vjepa_ros.sim.oracle), same CEM

Run:  python benchmarks/bench_reach.py [--checkpoint demo] [--checkpoint other.pt] [--goals 20]
          [--max-steps 15] [--samples 100 --iterations 5 --horizon 1 --topk 10] [--json out.json]
          [--method cem|icem|mppi] [--icem-* / --mppi-* settings]

``--checkpoint demo`` is the packaged demo world model; without ``--checkpoint`` only the baseline
and the oracle run. Defaults come from config/reach_demo.yaml. Wall-clock numbers are this
process's; other processes on the machine slow them down.

Control modes: ``--mode blocking --mode continuous --mode async`` runs every agent in each
``control.mode`` (default: blocking only). ``--real-time`` lets planning take simulated time (its
measured wall time, encoder and planner calls) while the arm goes on executing, so "time to
goal" is what a robot would take at this machine's planning speed, and "still" is the share of
that time the true TCP moved slower than 1 cm/s; "where the time went" splits it
(``vjepa_ros.sim.reach.TIME_SPLIT``: first plan, moving, braking, arrived and planning, arrived
and waiting). ``--planning-s L`` instead makes every plan take
exactly L simulated seconds (a latency model: results independent of this machine's load).
Without either, simulated time stands still while the planner thinks.
"""

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.reach_tables import print_time_ratios, print_time_split  # noqa: E402
from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_options import (  # noqa: E402
    add_cem_arguments,
    planner_option_message,
    planner_overrides,
)
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.input_paths import distinct_files, world_model_path  # noqa: E402
from vjepa_ros.models.device_names import check_device_and_dtype  # noqa: E402
from vjepa_ros.out_paths import output_file  # noqa: E402
from vjepa_ros.planning.config import say_frozen_mean  # noqa: E402
from vjepa_ros.robot.control_config import MODES, ControlConfig  # noqa: E402
from vjepa_ros.search_method_options import add_search_method_arguments  # noqa: E402
from vjepa_ros.sim.choices import evaluation_seeds_note  # noqa: E402
from vjepa_ros.sim.reach_config import (  # noqa: E402
    HELD_OUT_SEED_START,
    check_config_file,
    load_reach_config,
)
from vjepa_ros.threads import check_threads_option, set_torch_threads  # noqa: E402
from vjepa_ros.versions import versions_line  # noqa: E402

# torch and the simulator (seconds; a minute under load) are imported where they are first
# needed, after the options are parsed and checked: --help and a bad option answer at once.


def run_agent(name, sim, model, seeds, config, random_actions=False, verbose=False,
              mode="blocking", real_time=False, planning_s=None, task=None,
              control_overrides=None, limits=None) -> dict:
    from vjepa_ros.planning.cem import checked_seed  # -1: random (None)
    from vjepa_ros.sim.reach import TIME_SPLIT, make_reach_goal, run_reach_episode

    cem = config.planner.to_cem()
    control = ControlConfig(mode=mode, **(control_overrides or {}))
    episodes = []
    for seed in seeds:
        goal = make_reach_goal(sim, seed, task)
        started = time.perf_counter()
        episode = run_reach_episode(sim, model, goal, cem, config.episode, control=control,
                                    random_actions=random_actions,
                                    seed=checked_seed(config.planner.seed),
                                    real_time=real_time, planning_s=planning_s,
                                    limits=limits, stop_on_hold=True)
        episodes.append({
            "seed": seed,
            "success": episode.success,
            "start_distance_m": episode.start_distance,
            "final_distance_m": episode.final_distance,
            "steps": len(episode.steps),
            "planning_s": [s.planning_s for s in episode.steps],
            "energies": [s.energy for s in episode.steps],
            "wall_s": time.perf_counter() - started,
            "time_to_goal_s": episode.sim_seconds,
            "still_fraction": episode.still_fraction,
            "time_split_s": episode.time_split,
            "discarded": sum("prepared plan discarded" in m for _, m in episode.log),
            "held": episode.held,  # why the safety filter held the arm (a miss), or ""
        })
        if verbose:
            print(f"  {name:<24} {mode:<10} seed {seed}: "
                  f"{'reached' if episode.success else 'missed '} "
                  f"{episode.start_distance * 100:5.1f} -> {episode.final_distance * 100:5.1f} cm "
                  f"in {len(episode.steps):2d} steps, {episode.sim_seconds:5.1f} s, still "
                  f"{episode.still_fraction:4.0%}"
                  f"{f'; held: {episode.held}' if episode.held else ''}", flush=True)
    planning = [t for e in episodes for t in e["planning_s"]]
    reached = [e for e in episodes if e["success"]]
    return {
        "agent": name,
        "mode": mode,
        "time_to_goal_s_median": statistics.median(e["time_to_goal_s"] for e in reached)
        if reached else float("nan"),
        "still_fraction_mean": float(np.mean([e["still_fraction"] for e in episodes])),
        "time_split_s_mean": {key: float(np.mean([e["time_split_s"][key] for e in episodes]))
                              for key in TIME_SPLIT},
        "discarded_async_plans": int(sum(e["discarded"] for e in episodes)),
        "success_rate": float(np.mean([e["success"] for e in episodes])),
        "successes": int(sum(e["success"] for e in episodes)),
        "held_episodes": [e["seed"] for e in episodes if e["held"]],
        "median_final_distance_m": float(np.median([e["final_distance_m"] for e in episodes])),
        "mean_steps": float(np.mean([e["steps"] for e in episodes])),
        "planning_s_median": statistics.median(planning) if planning else float("nan"),
        "wall_s_per_episode_median": statistics.median(e["wall_s"] for e in episodes),
        "episodes": episodes,
    }


# The settings the options set (as the errors of load_reach_config and ControlConfig spell them)
# -> the option, for the one-line errors: the user typed --max-steps, not episode.max_steps.
OPTION_SETTINGS = {"max_steps": ("episode.max_steps", "max_steps"),
                   "success_radius": ("episode.success_radius", "success_radius"),
                   "async_blend_m": ("control.async_blend_m",)}


def checked_settings(args: argparse.Namespace) -> tuple:
    """Check every option before anything is loaded; return (config, task, control, checkpoints).

    ``control`` is the ``ControlConfig`` changes. Raises ValueError naming the option the user
    gave (``--refine-lr``, ``--max-steps``, ``--goal-distance``), never the setting behind it.
    """
    for option, value, low in (("--goals", args.goals, 1), ("--seed-start", args.seed_start, 0)):
        if value is not None and value < low:
            raise ValueError(f"{option} {value}: must be >= {low}")
    # as run refuses a seed; the training-seed note printed with the settings
    args.seeds_note = evaluation_seeds_note(args.seed_start, args.goals, "--seed-start", "--goals")
    check_threads_option(args.threads)  # as vjepa-ros run
    check_device_and_dtype(args.device, None, ("--device", "--dtype"))
    if not args.checkpoint and args.no_random and args.no_oracle:
        raise ValueError("no agent: --no-random and --no-oracle leave nothing to run; give "
                         "--checkpoint FILE (or demo) or drop one of them")
    if args.json:
        output_file(args.json, "--json")  # before the episodes: a folder would lose them
    if args.planning_s is not None and not 0 <= args.planning_s < float("inf"):
        raise ValueError(f"--planning-s {args.planning_s}: simulated seconds per plan must be "
                         ">= 0 and finite")
    given = {name: f"--{name.replace('_', '-')}" for name in OPTION_SETTINGS
             if getattr(args, name) is not None}
    options = {key: option for name, option in given.items() for key in OPTION_SETTINGS[name]}
    if args.config:  # the file's own errors name it and the key, never an option not typed
        check_config_file(args.config)
    try:
        config = load_reach_config(args.config, {
            "episode.max_steps": args.max_steps, "episode.success_radius": args.success_radius,
            "device": args.device, **planner_overrides(args),
        })
        control_overrides = {} if args.async_blend_m is None else {
            "async_blend_m": args.async_blend_m}
        ControlConfig(**control_overrides)
        say_frozen_mean(config.planner.to_cem())  # a mean momentum of 1: the script's one line
    except ValueError as exc:  # ConfigError, UsageError (exit status 2) too
        raise type(exc)(planner_option_message(str(exc), args, args.config, options)) from None
    from vjepa_ros.sim.tasks import ReachTaskConfig  # the simulator: after the checks above

    if args.goal_distance is None:
        task = ReachTaskConfig()
    else:
        low, high = args.goal_distance
        if not 0 <= low < high < float("inf"):
            raise ValueError(f"--goal-distance {low:g} {high:g}: need 0 <= MIN < MAX [m]")
        task = ReachTaskConfig(min_distance=low, max_distance=high)
    given = distinct_files(args.checkpoint, "--checkpoint", keywords=("demo",))
    checkpoints = [world_model_path(c, "--checkpoint") for c in given]
    return config, task, control_overrides, checkpoints


def planner_settings(planner) -> dict:
    """Return the planner's settings for the header and ``--json`` (``planner``: PlannerParams).

    The shared CEM settings, the method and, for icem / mppi, its own settings, and gradient
    refinement (``{"steps": 0, ...}``: off), as ``vjepa-ros run`` prints them.
    """
    cem = planner.to_cem()
    settings = {"samples": cem.samples, "iterations": cem.iterations, "horizon": cem.horizon,
                "topk": cem.topk, "maxnorm": cem.maxnorm, "seed": planner.seed,
                "method": cem.method}
    if cem.method != "cem":
        settings[cem.method] = dataclasses.asdict(getattr(cem, cem.method))
    settings["refine"] = dataclasses.asdict(cem.refine)
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", action="append", default=[],
                        help="world model file; 'demo' = the packaged demo model; repeatable")
    parser.add_argument("--goals", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--success-radius", type=float, help="m (default 0.05)")
    parser.add_argument("--device", help="cpu, cuda (default: config, then cuda if available)")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--no-random", action="store_true", help="skip the random baseline")
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle")
    parser.add_argument("--config", help="settings file (default config/reach_demo.yaml)")
    parser.add_argument("--json", help="also write all numbers (per episode) to this file")
    parser.add_argument("--verbose", action="store_true", help="one line per episode")
    parser.add_argument("--mode", action="append", choices=MODES,
                        help="control.mode; repeatable (default: blocking)")
    parser.add_argument("--real-time", action="store_true",
                        help="planning takes simulated time while the arm executes")
    parser.add_argument("--planning-s", type=float,
                        help="every plan takes exactly this many simulated seconds (a latency "
                        "model, independent of this machine's load)")
    parser.add_argument("--goal-distance", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="goals MIN..MAX m from the start (default 0.08 0.25)")
    parser.add_argument("--async-blend-m", type=float,
                        help="control.async_blend_m (default: the parameter's default)")
    add_cem_arguments(parser.add_argument_group("planner"), "--config's planner")
    add_search_method_arguments(parser)
    return parser


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    try:
        config, task, control_overrides, checkpoints = checked_settings(args)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    import torch

    from vjepa_ros.robot.trained_model import simulator_notes
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import reach_sim_config, reach_target
    from vjepa_ros.sim.run_command import load_run_model
    from vjepa_ros.sim.run_notes import image_size_note

    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    seeds = list(range(args.seed_start, args.seed_start + args.goals))
    control = ControlConfig(**control_overrides)
    modes = args.mode or ["blocking"]

    cem, episode_cfg, cam = config.planner, config.episode, config.sim
    settings = {
        "goal_seeds": f"{seeds[0]}..{seeds[-1]}",
        "goals": len(seeds),
        "goal_distance_m": f"{task.min_distance}..{task.max_distance}",
        "success_radius_m": episode_cfg.success_radius,
        "max_steps": episode_cfg.max_steps,
        "cem": planner_settings(cem),
        "camera": f"{cam.width}x{cam.height}, shadows {cam.shadows}",
        "control": f"{', '.join(modes)} (MPCSession), safety defaults (10 cm max step, "
                   f"0.1 m/s), settle {control.settle_s} s, arrival tolerance "
                   f"{control.arrival_tolerance_m} m, async tolerance "
                   f"{control.async_tolerance_m} m, async blend {control.async_blend_m} m",
        "planning_takes_sim_time": (f"fixed {args.planning_s} s per plan"
                                    if args.planning_s is not None else args.real_time),
        "device": config.device or "auto",
        "torch_threads": torch.get_num_threads(),
        "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "versions": versions_line(),  # goal seeds' outcomes are not portable between installs
    }
    print("reach benchmark (ROS-free closed loop, vjepa_ros.sim.reach)")
    for key, value in settings.items():
        print(f"  {key:<18} {value}")
    if args.seeds_note:
        print(f"  note: {args.seeds_note}")

    try:  # a file that is not a world model: one line, before the simulator starts
        models = [(path, load_run_model(str(path), config.device or None, config.dtype or None,
                                        option="--checkpoint")) for path in checkpoints]
    except ValueError as exc:
        parser.error(str(exc))
    for path, model in models:
        # its TCP against the simulator's, a --no-gripper model's hand held (trained_model)
        for note in (image_size_note(model.img_size, cam.width, cam.height,
                                     getattr(model, "trained_frame_sizes", None),
                                     "sim.width/sim.height of --config"),
                     *simulator_notes(model)):
            if note:
                print(f"  note: {path.name}: {note}")
    results = []
    with Sim(reach_sim_config(seeds[0], config.sim)) as sim:
        oracle = OracleWorldModel().attach(sim)
        if args.goal_distance is not None:
            try:  # the range and the goal box may not meet: draw (not render) the first goal
                reach_target(sim.ee_state(), seeds[0], task)
            except ValueError as exc:
                parser.error(f"--goal-distance {args.goal_distance[0]:g} "
                             f"{args.goal_distance[1]:g}: {exc}; choose a range the goal box "
                             "allows (default 0.08 0.25)")
        for path, model in models:
            for mode in modes:
                results.append(run_agent(path.name, sim, model, seeds, config,
                                         verbose=args.verbose, mode=mode,
                                         real_time=args.real_time,
                                         planning_s=args.planning_s, task=task,
                                         control_overrides=control_overrides))
        for mode in modes:
            if not args.no_random:
                results.append(run_agent("random actions", sim, oracle, seeds, config,
                                         random_actions=True, verbose=args.verbose, mode=mode,
                                         real_time=args.real_time,
                                         planning_s=args.planning_s, task=task,
                                         control_overrides=control_overrides))
            if not args.no_oracle:
                results.append(run_agent("oracle world model", sim, oracle, seeds, config,
                                         verbose=args.verbose, mode=mode,
                                         real_time=args.real_time,
                                         planning_s=args.planning_s, task=task,
                                         control_overrides=control_overrides))

    radius = episode_cfg.success_radius * 100
    print(f"\n{'agent':<24} {'mode':<10} {'success (<' + format(radius, 'g') + ' cm)':>18} "
          f"{'median final':>13} {'mean steps':>11} {'plan s/step':>12} {'to goal s':>10} "
          f"{'still':>6} {'wall s/ep':>10}")
    for r in results:
        print(f"{r['agent']:<24} {r['mode']:<10} {r['successes']:>8}/{len(seeds):<3} "
              f"({r['success_rate']:4.0%}) {r['median_final_distance_m'] * 100:>10.1f} cm "
              f"{r['mean_steps']:>11.1f} {r['planning_s_median']:>12.3f} "
              f"{r['time_to_goal_s_median']:>10.2f} {r['still_fraction_mean']:>6.0%} "
              f"{r['wall_s_per_episode_median']:>10.1f}")
    for r in results:
        if r["held_episodes"]:
            print(f"{r['agent']} ({r['mode']}): the safety filter held the arm and ended "
                  f"{len(r['held_episodes'])} episode(s) as misses, goal seeds "
                  f"{', '.join(map(str, r['held_episodes']))} (--verbose or --json: why)")
    print_time_ratios(results)
    print_time_split(results)
    if args.json:
        write_text(args.json, json.dumps({"settings": settings, "results": results},
                                         indent=1))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
