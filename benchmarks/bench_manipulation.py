"""Manipulation in the simulator: the scripted expert, the oracle world model, random actions.

For each object (cup, box), task (grasp, reach-with-object, pick-and-place) and held-out seed
s = seed_start .. seed_start + seeds − 1 (default 900000..900019): reset the scene to seed s and
make the task's sub-goal images with the clean scripted expert (``manipulation.setup_task``; a
seed where it cannot reach every sub-goal has no sub-goal images and counts as a failure of
every agent: each row's success is n/N over every seed asked for, then the sub-goal images it
had). Pick-and-place succeeds only when the grasp detector held during the episode and the object
ends placed (a cup pushed onto the spot is not picked). Then, per agent:

expert   the noisy scripted expert (misses, re-grasps, detours, mis-placements: ``ExpertConfig``
         defaults), scored by the detectors (``vjepa_ros.sim.detectors``); then a *probe* tests
         what happened without them:
         - held (grasp, reach-with-object): the hand rises 5 cm more; held when the object rose
           with it (≥ 4 cm) and its centre is ≥ 5 cm above its resting height;
         - placed (pick-and-place): the open hand rises 10 cm more and 1 s passes; placed when the
           object stayed put (< 5 mm), stands at its resting height (± 1 cm) and its centre is
           within the place radius of the spot.
         "agree" is the share of episodes where the detector's verdict equals the probe's (probes
         run inside ``Sim.preserved``).
oracle   the ROS-free MPC loop (``manipulation_loop.run_task_episode``: the planner node's
         MPCSession, blocking control, the CEM of config/reach_demo.yaml with its gripper
         dimension, pick-and-place sub-goals switched after 4, 10 and 4 steps) with the exact
         stand-in world model of the simulator (``vjepa_ros.sim.oracle``), which represents the
         end-effector pose and gripper only, not the object
random   the same loop with uniform xyz actions within the CEM's ±maxnorm box (gripper still)
FILE     ``--checkpoint FILE`` (repeatable; ``demo`` = the packaged demo world model): the same
         loop with a learned world model (encoder + AC predictor), named by its file

Run:  python benchmarks/bench_manipulation.py [--agents expert oracle random] [--seeds 20]
          [--seed-start 900000] [--objects cup box] [--checkpoint demo] [--max-steps N]
          [--tasks grasp reach-with-object pick-and-place] [--size 128 | --width 640
          --height 480] [--json out.json]
          [--dense] [--gripper-round-threshold 0.1] [--samples S ...] [--device cpu]
          [--threads N]
          [--subgoal-rule steps energy] [--subgoal-energy-threshold E] [--subgoal-patience N]
          [--subgoal-min-delta D]

``--subgoal-rule``: how the loop agents switch sub-goals (``robot/goals.py``, the node's
``goals.*``): steps = after 4, 10, 4 executed steps, as published; energy = also early, when the
energy to a sub-goal falls below ``--subgoal-energy-threshold`` or stops improving for
``--subgoal-patience`` steps. Given both, every model agent runs under each and a second table
compares them on the same seeds (random actions have no energy: they run once). ``--json``: one
row per episode (success, grasped, grasped during, placed, steps, sim and wall s, gripper
commands, per-step energy, active sub-goal and switches: ``vjepa_ros.sim.task_run.TaskRun.row``);
a seed without sub-goal images is ``{"seed", "subgoals": false, "success": false}``, an episode
that raised (a model's CUDA error, say; not Ctrl-C) ``{"seed", "subgoals": true, "success":
false, "crashed": "RuntimeError: ..."}`` (one ``# crashed`` line names it; the run goes on and
its table row ends ``crashed N (seeds ...)``), so the share of rows with ``success`` true is the
printed rate. A loop agent plans seed s with CEM noise seed s (``run_loop.planner_seed``,
as ``vjepa-ros run --seed s``: the same episode in both).

``--dense``: the loop agents get a sub-goal image at every turn of the expert's motion
(``choices.DENSE_MILESTONES``: approach (halfway to pre-grasp), pre-grasp, descend, closed, grasp,
carry, lower, release, place; switched after ``TaskLoopConfig.dense_steps``) instead of the
paper's. The planner is config/reach_demo.yaml's; ``--samples``, ``--iterations``, ...
(``vjepa-ros run``'s CEM options) override it, e.g. ``--gripper-round-threshold`` (published
0.25: planned gripper changes smaller than that are dropped, and the cup is held at closedness
0.24).

A trained world model plugs in where the oracle does (``run_task_episode(sim, model, ...)``).
Wall-clock numbers are this process's (rendering a frame per 0.25 s of simulated time plus the
physics at 240 Hz); other processes on the machine slow them down.
"""

from __future__ import annotations  # annotations name the simulator's classes, imported later

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split

from benchmarks.manipulation_episodes import run_expert, run_loop  # noqa: E402
from benchmarks.manipulation_tables import (  # noqa: E402
    checkpoint_labels,
    crashed_text,
    header_lines,
    number,
    print_rule_comparison,
    stopped_line,
    success_text,
    summarize_expert,
    summarize_loop,
)
from vjepa_ros.atomic_files import write_text  # noqa: E402
from vjepa_ros.cli_options import (  # noqa: E402
    add_cem_arguments,
    option_message,
    planner_option_message,
    planner_overrides,
)
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.config import ConfigError  # noqa: E402
from vjepa_ros.goal_switch_options import (  # noqa: E402
    add_goal_switch_arguments,
    check_subgoal_axes,
    check_subgoal_gripper,
    check_subgoal_rule,
    goal_switch_configs,
)
from vjepa_ros.input_paths import distinct_files  # noqa: E402
from vjepa_ros.models.device_names import check_device_and_dtype  # noqa: E402
from vjepa_ros.out_paths import output_file  # noqa: E402
from vjepa_ros.planning.config import say_frozen_mean  # noqa: E402
from vjepa_ros.robot.trained_model import simulator_notes  # noqa: E402
from vjepa_ros.search_method_options import add_search_method_arguments  # noqa: E402
from vjepa_ros.sim.camera_options import add_camera_size_arguments, camera_size  # noqa: E402
from vjepa_ros.sim.choices import (  # noqa: E402
    CLOSE_GRIPPER_TASK_DEFAULT,
    DENSE_STEPS_DEFAULT,
    DENSE_STEPS_HELP,
    TASKS,
    check_dense_steps,
    check_dense_subgoals,
    check_task_settings_used,
    evaluation_seeds_note,
    task_cem,
)
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config  # noqa: E402
from vjepa_ros.sim.run_command import load_run_model  # noqa: E402
from vjepa_ros.sim.run_notes import image_size_note  # noqa: E402
from vjepa_ros.versions import versions_line  # noqa: E402

# What this benchmark's user may give for a model trained without the gripper (its
# --subgoal-gripper takes no hold: goal_switch_options.SIM_GRIPPER_LEFT_OUT)
BENCH_GRIPPER_ADVICE = ("give --subgoal-gripper subgoal (with --dense for grasp and "
                        "pick-and-place) for a hand that follows the captured sub-goals")


def import_simulator() -> None:
    """Import torch and the simulator as this module's names, once the options are checked.

    They take seconds (a minute on a busy machine): ``--help`` and a bad option answer at once.
    """
    global torch, Sim, manipulation_sim_config, task_loop_config, OracleWorldModel
    import torch

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.manipulation import manipulation_sim_config
    from vjepa_ros.sim.manipulation_loop import task_loop_config
    from vjepa_ros.sim.oracle import OracleWorldModel


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", nargs="*", default=["expert", "oracle", "random"],
                        choices=["expert", "oracle", "random"])
    parser.add_argument("--checkpoint", action="append", default=[],
                        help="world model file as one more agent; 'demo' = the packaged demo "
                        "model; repeatable")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=HELD_OUT_SEED_START)
    parser.add_argument("--objects", nargs="+", default=["cup", "box"], choices=["cup", "box"])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    add_camera_size_arguments(parser)  # as vjepa-ros run
    parser.add_argument("--dense", action="store_true",
                        help="loop agents: a sub-goal image at every turn of the expert's motion "
                        "(DENSE_MILESTONES) instead of the paper's")
    parser.add_argument("--dense-steps", type=int, nargs=len(DENSE_STEPS_DEFAULT), metavar="N",
                        help=f"loop agents with --dense: {DENSE_STEPS_HELP}")
    parser.add_argument("--max-steps", type=int,
                        help="loop agents: at most this many planning steps per episode")
    parser.add_argument("--device", help="learned models: cpu, cuda (default: cuda if available)")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--json", help="write every episode's numbers here")
    add_goal_switch_arguments(parser, several=True)
    defaults = load_reach_config().planner  # what the loop agents plan with by default
    add_cem_arguments(parser.add_argument_group("planner"), "config/reach_demo.yaml's", defaults,
                      {"close_gripper": CLOSE_GRIPPER_TASK_DEFAULT})
    add_search_method_arguments(parser, defaults.to_cem())
    args = parser.parse_args()
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    if args.seeds < 1 or args.seed_start < 0:
        parser.error("--seeds must be >= 1 and --seed-start >= 0")
    try:
        args.width, args.height = camera_size(args)  # from here on: the camera's size
    except ValueError as exc:
        parser.error(str(exc))
    if args.max_steps is not None and args.max_steps < 1:
        parser.error(f"--max-steps {args.max_steps}: must be >= 1")
    args.checkpoint = distinct_files(args.checkpoint, "--checkpoint", keywords=("demo",))
    args.agents = list(dict.fromkeys(args.agents))  # an agent named twice: run once
    if not args.agents and not args.checkpoint:
        parser.error("no agent: give --agents and/or --checkpoint")
    try:
        seeds_note = evaluation_seeds_note(args.seed_start, args.seeds, "--seed-start", "--seeds")
        check_device_and_dtype(args.device, None, ("--device", "--dtype"))  # before torch
        check_dense_steps(args.dense_steps, args.dense, "--dense", tasks=args.tasks)
        check_dense_subgoals(args.dense, args.tasks, "--dense")
        cem = load_reach_config(None, planner_overrides(args)).planner.to_cem()
        say_frozen_mean(cem)  # a mean momentum of 1: the script's one line
        from vjepa_ros.models.world_model import resolve_device
        from vjepa_ros.planning.memory import check_samples_fit

        # before the header and the expert's rows, not at the first planned step (as
        # vjepa-ros reach; command_errors words its SamplesMemoryError as --samples)
        check_samples_fit(cem, resolve_device(args.device))
        switchings = goal_switch_configs(args)
        check_subgoal_gripper(args, switchings, args.tasks, args.dense, "--dense")
        check_task_settings_used(args.tasks, cem, args.close_gripper is not None,
                                 planner_overrides(args))
        check_subgoal_axes(switchings, args.tasks, args.dense, "--dense")
        check_subgoal_rule(switchings, args.tasks, args.dense, "--dense")
        if args.json:
            output_file(args.json, "--json")
        models = [(label, load_run_model(c, args.device, option="--checkpoint"))
                  for label, c in zip(checkpoint_labels(args.checkpoint), args.checkpoint,
                                      strict=True)]
    except (ValueError, ConfigError) as exc:
        parser.error(planner_option_message(str(exc), args))
    import_simulator()
    set_torch_threads(args.threads)  # 0 or left out: OMP_NUM_THREADS, else cores - 1
    loop = task_loop_config(args.max_steps, args.dense_steps, args.dense)
    rules = [s.rule for s in switchings]
    seeds = range(args.seed_start, args.seed_start + args.seeds)
    print("\n".join(header_lines(args, cem, loop, switchings, seeds)))
    print(f"# versions: {versions_line()}")  # seeds' outcomes are not portable between installs
    if seeds_note:
        print(f"# note: {seeds_note}")
    for name, model in models:
        # its TCP against the simulator's, a --no-gripper model's hand held (trained_model)
        for note in (image_size_note(model.img_size, args.width, args.height,
                                     getattr(model, "trained_frame_sizes", None)),
                     *map(option_message,  # goals.* as this benchmark's options
                          simulator_notes(model, switchings, BENCH_GRIPPER_ADVICE))):
            if note:
                print(f"# note: {name}: {note}")
    rule_tag = max(len(f" [{rule}]") for rule in rules) if len(rules) > 1 else 0
    width = max([24] + [len(name) + rule_tag for name, _ in models])  # labels in full
    print(f"{'agent':{width}} {'object':6}  {'task':18}  {'success':>11}  {'steps':>5}  "
          f"{'sim s':>6}  {'wall s':>6}  expert: agree, misses → recovered, sub-goal images")
    results: dict[str, list[dict]] = {}
    try:
        for kind in args.objects:
            with Sim(manipulation_sim_config(args.seed_start, kind, args.width,
                                             args.height)) as sim:
                oracle = OracleWorldModel().attach(sim)  # remembers every frame from here on
                loop_agents = [(name, model, False) for name, model in models]
                loop_agents += [(agent, oracle, agent == "random") for agent in args.agents
                                if agent != "expert"]
                for task in args.tasks:
                    # a crash that disconnected sim (said): every later episode a not_run row
                    if "expert" in args.agents:
                        # filled as the episodes end: a stop keeps them (stopped_line)
                        rows = results[f"expert/{kind}/{task}"] = []
                        rows += (run_expert(sim, task, seed, kind) for seed in seeds)
                        s = summarize_expert(rows)
                        print(f"{'expert':{width}} {kind:6}  {task:18}  {success_text(s):>11}  "
                              f"{number(s['frames_median'], '>5'):>5}  "
                              f"{number(s['sim_s_median'], '>6.1f'):>6}  "
                              f"{number(s['wall_s_median'], '>6.1f'):>6}  {s['agree']:.0%}, "
                              f"{s['episodes_with_a_miss']} → {s['recovered']}, "
                              f"{s['subgoal_images']}/{s['episodes']}{crashed_text(rows)}",
                              flush=True)
                    for name, model, random_actions in loop_agents:
                        for switching in switchings[:1] if random_actions else switchings:
                            task_settings = task_cem(task, cem, args.close_gripper is not None)
                            rows = results[f"{name}/{kind}/{task}/{switching.rule}"] = []
                            rows += (run_loop(sim, model, task_settings, task, seed,
                                              random_actions, args.dense, loop, switching,
                                              kind, name) for seed in seeds)
                            s = summarize_loop(rows)
                            label = name if len(switchings) == 1 or random_actions else \
                                f"{name} [{switching.rule}]"
                            print(f"{label:{width}} {kind:6}  {task:18}  {success_text(s):>11}  "
                                  f"{number(s['steps_median'], '>5'):>5}  "
                                  f"{number(s['sim_s_median'], '>6.1f'):>6}  "
                                  f"{number(s['wall_s_median'], '>6.1f'):>6}  "
                                  f"sub-goal images {s['subgoal_images']}/{s['episodes']}"
                                  f"{crashed_text(rows)}", flush=True)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: what ran is not lost (breaker55d)
        print(stopped_line(results, len(seeds)), flush=True)
        if args.json:  # the episodes that ended; run_script's stop line names the file
            write_text(args.json, json.dumps(results, indent=1, default=lambda o: o.item()))
        raise
    if len(rules) > 1:
        print_rule_comparison({k: v for k, v in results.items()
                               if not k.startswith(("expert/", "random/"))}, rules)
    if args.json:
        write_text(args.json, json.dumps(results, indent=1, default=lambda o: o.item()))
    # as vjepa-ros run: an episode that crashed (or was not run after one) is status 1, after
    # the table and the JSON, so a script or CI job tells a broken model from a run of failures
    return 1 if any(row.get("crashed") for rows in results.values() for row in rows) else 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
