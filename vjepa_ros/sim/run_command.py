"""``vjepa-ros run --task grasp|reach-with-object|pick-and-place``: a task, closed loop, no ROS.

Per episode (seeds ``--seed``, ``--seed + 1``, ...): the scene of that seed with a cup or a box,
the task's sub-goal images made by the clean scripted expert (``sim/manipulation.py``: the
paper's, or ``--subgoals dense``), then the ROS-free closed loop (``sim/task_run.py`` →
``manipulation_loop.run_task_episode``: the planner node's MPCSession, blocking control, gripper
commands as the node's GripperCommand) with the chosen world model and sub-goal switching rule.
Prints one line per planning step and a summary per episode, and saves a strip (PNG) and an
animation (GIF) per episode. Every option is checked before anything runs or is written: a bad
one ends the command with one line that names it.
"""

from __future__ import annotations

import argparse

from vjepa_ros.cli_options import add_cem_arguments, planner_option_message, planner_overrides
from vjepa_ros.cli_parser import Takes
from vjepa_ros.command_errors import command_ended, usage_errors
from vjepa_ros.goal_switch_options import (
    add_goal_switch_arguments,
    check_subgoal_axes,
    check_subgoal_gripper,
    check_subgoal_rule,
    goal_switch_configs,
)
from vjepa_ros.models.device_names import dtype_help
from vjepa_ros.search_method_options import add_search_method_arguments
from vjepa_ros.sim.run_loop import run_episodes

WORLD_MODEL_HELP = ("demo: the packaged demo world model (default); oracle: the simulator's "
                    "exact stand-in (it sees the hand, not the object: use --subgoals dense for "
                    "grasp and pick-and-place); or a world model FILE (one vjepa-ros train wrote, "
                    "or vjepa2-ac-vitg.pt)")


def _settings(args: argparse.Namespace) -> dict:
    """Check every option, then the ``--world-model`` file; return the run's settings.

    Raises ValueError naming the option (UsageError: exit status 2) or the file (1). The
    options come first, whatever the files (an ``--mppi-*`` option with ``--method cem``
    before a missing ``--world-model`` file), and both before the simulator and torch load.
    """
    _, cem, switching, camera = _checked_options(args)
    if args.world_model != "oracle":  # a missing file: before the simulator and torch load
        from vjepa_ros.input_paths import world_model_path

        world_model_path(args.world_model, "--world-model", ("demo", "oracle"))
    from vjepa_ros.sim.choices import task_cem
    from vjepa_ros.sim.manipulation_loop import task_loop_config  # the simulator

    return {
        "cem": task_cem(args.task, cem, args.close_gripper is not None),
        "switching": switching,
        "loop": task_loop_config(args.max_steps, args.dense_steps, args.subgoals == "dense"),
        "camera": camera,
    }


def _checked_options(args: argparse.Namespace) -> tuple:
    """Check every option that needs no file; return ``(planner, cem, switching, camera)``.

    ``camera``: ``(width, height)`` [px] (:func:`vjepa_ros.sim.camera_options.camera_size`).

    Raises UsageError (exit status 2; ``command_errors.usage_errors``) naming the option: a
    value out of range, one the search would not use, options that do not go together. Imports
    neither torch nor the simulator.
    """
    with usage_errors():  # options alone (the package's config/reach_demo.yaml under them)
        return _check_options(args)


def _check_options(args: argparse.Namespace) -> tuple:
    from vjepa_ros.config import ConfigError
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.planning.config import say_frozen_mean
    from vjepa_ros.sim.camera_options import camera_size
    from vjepa_ros.sim.choices import check_scene_seeds
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.threads import check_threads_option

    for option, value, low in (("--episodes", args.episodes, 1),
                               ("--max-steps", args.max_steps, 1)):
        if value is not None and value < low:
            raise ValueError(f"{option} {value}: must be >= {low}")
    check_scene_seeds(args.seed, args.episodes)
    check_threads_option(args.threads)
    camera = camera_size(args)
    if args.world_model == "oracle":
        for option, value in (("--device", args.device), ("--dtype", args.dtype)):
            if value is not None:
                raise ValueError(f"{option} is for a learned world model; the oracle runs on "
                                 "the CPU: leave it out")
    check_device_and_dtype(args.device, args.dtype, ("--device", "--dtype"))  # before torch
    try:
        planner = load_reach_config(None, planner_overrides(args)).planner
        cem = planner.to_cem()
        say_frozen_mean(cem)  # a mean momentum of 1: this command's one warning line
    except (ValueError, ConfigError) as exc:
        raise type(exc)(planner_option_message(str(exc), args)) from None
    switching = goal_switch_configs(args)[0]
    from vjepa_ros.sim.choices import check_dense_steps, check_dense_subgoals

    check_dense_steps(args.dense_steps, args.subgoals == "dense", tasks=[args.task])
    check_dense_subgoals(args.subgoals == "dense", [args.task])
    check_subgoal_gripper(args, [switching], [args.task], args.subgoals == "dense")
    from vjepa_ros.sim.choices import check_task_settings_used

    try:  # a gripper sample option the task's own close-gripper step makes void
        check_task_settings_used([args.task], cem, args.close_gripper is not None,
                                 planner_overrides(args))
    except ValueError as exc:
        raise type(exc)(planner_option_message(str(exc), args)) from None
    check_subgoal_axes([switching], [args.task], args.subgoals == "dense")
    check_subgoal_rule([switching], [args.task], args.subgoals == "dense")
    return planner, cem, switching, camera


def load_run_model(spec: str, device: str | None = None, dtype: str | None = None,
                   option: str = "--world-model", need_predictor: bool = True):
    """Return the world model ``spec`` names: ``demo``, ``oracle`` or a file.

    ``need_predictor=False`` also accepts an encoder-only file (``vjepa-ros pretrain``'s; the
    model's ``predictor`` is then None). Raises ValueError naming ``option`` (or ``--device`` /
    ``--dtype``) for a missing file, a file that is not a world model, one without an
    action-conditioned predictor (when needed), or a device or dtype this machine cannot use.
    """
    from vjepa_ros.input_paths import world_model_error, world_model_path
    from vjepa_ros.models import load_world_model
    from vjepa_ros.models.checkpoint_entries import ENTRY_FIXED
    from vjepa_ros.models.world_model import resolve_device, resolve_dtype
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import check_model

    if spec == "oracle":
        return OracleWorldModel()
    # missing, a folder: one line (an encoder-only load: advice naming pretrain's files too)
    path = world_model_path(spec, option, ("demo", "oracle"), encoder=not need_predictor)
    try:
        resolved = resolve_device(device)
    except ValueError as exc:
        raise ValueError(f"--device: {exc}") from None
    try:
        resolve_dtype(dtype, resolved)
    except ValueError as exc:
        raise ValueError(f"--dtype: {exc}") from None
    try:
        model = load_world_model(path, device=resolved, dtype=dtype,
                                 need_predictor=need_predictor, key_options=ENTRY_FIXED)
        if need_predictor:
            check_model(model)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise world_model_error(exc, path, option, spec, encoder=not need_predictor) from None
    return model


def _stopped_text(stopped: list[str]) -> str:
    """Say what a stopped run saved (after ``vjepa-ros run: terminated; ``), one line.

    ``stopped``: what the run saved (``run_stop.SavedPictures.stop_text``); none (stopped
    before the episodes, while the model loads): ``nothing saved (no step done)``.
    """
    return "; ".join(stopped or ["nothing saved (no step done)"])


def cmd_run(args: argparse.Namespace) -> int:
    """Run the episodes; print one line and return 1 on a bad option or a failure."""
    from vjepa_ros.out_paths import fresh_output_dir, output_dir
    from vjepa_ros.threads import apply_threads_option

    try:
        settings = _settings(args)  # every option, then the --world-model file
        if args.out:  # never into a bag's folder
            from vjepa_ros.train.out_check import refuse_out_in_recording

            refuse_out_in_recording(args.out, "run")
        out_dir = output_dir(args.out, create=False) if args.out else fresh_output_dir("run")
        model = load_run_model(args.world_model, args.device, args.dtype)
        from vjepa_ros.planning.memory import check_samples_fit
        from vjepa_ros.planning.planners import model_device

        # the planner is built per episode, after the expert's sub-goal motions in the
        # simulator: refused here first (cli.main words this SamplesMemoryError as --samples)
        check_samples_fit(settings["cem"], model_device(model))
    except (KeyboardInterrupt, OSError, ValueError) as exc:  # a stop: while the model loads
        # 2: an option refused (config.UsageError), 1: a file, the model
        return command_ended("vjepa-ros run", exc, _stopped_text([]))
    apply_threads_option(args.threads)  # OMP_NUM_THREADS, else reach's: all cores but one
    stopped: list[str] = []  # what was saved of an episode Ctrl-C or SIGTERM stopped
    crashed: list[str] = []  # an episode that raised: its line (the others ran on)
    try:
        run_episodes(args, settings, model, out_dir, stopped=stopped, crashed=crashed)
    except (KeyboardInterrupt, OSError, ValueError, RuntimeError) as exc:
        # a stop: Ctrl-C, or SIGTERM (command_errors.run_reporting)
        return command_ended("vjepa-ros run", exc, _stopped_text(stopped), status=1)
    except Exception as exc:  # noqa: BLE001 (outside an episode: the simulator, the pictures)
        from vjepa_ros.sim.run_loop import crash_text

        return command_ended("vjepa-ros run", exc, status=1, message=crash_text(exc))
    return 1 if crashed else 0


def add_commands(sub) -> None:
    """Register ``run`` on the ``vjepa-ros`` sub-parsers."""
    from vjepa_ros.sim.camera_options import add_camera_size_arguments
    from vjepa_ros.sim.choices import (
        CLOSE_GRIPPER_TASK_DEFAULT,
        DENSE_STEPS_DEFAULT,
        DENSE_STEPS_HELP,
        HELD_OUT_SEED_START,
        TASKS,
    )
    from vjepa_ros.threads import add_threads_argument

    run = sub.add_parser(
        "run", help="a manipulation task (grasp, reach-with-object, pick-and-place) closed loop "
        "in the simulator without ROS; prints each step, saves a strip and a GIF",
        description=__doc__.split("\n\n")[1].replace("\n", " "))
    run.add_argument("--task", required=True, choices=TASKS, help="the paper's task")
    run.add_argument("--object", default="cup", choices=("cup", "box"),
                     help="graspable object (default cup)")
    run.add_argument("--episodes", type=int, default=1, help="episodes, seeds --seed, "
                     "--seed + 1, ... (default 1)")
    run.add_argument("--seed", type=int, default=HELD_OUT_SEED_START,
                     help=f"scene seed of the first episode (default {HELD_OUT_SEED_START}, the "
                     "first held-out one)")
    run.add_argument("--world-model", default="demo", metavar="demo|oracle|FILE",
                     type=Takes("demo, oracle or a world model file"),
                     help=WORLD_MODEL_HELP)
    run.add_argument("--subgoals", default="paper", choices=("paper", "dense"),
                     help="paper: the published sub-goal images (grasp; goal; grasp, carry, "
                     "place); dense (grasp, pick-and-place): one at every turn of the expert's "
                     "motion and one halfway to the pre-grasp pose (default paper)")
    run.add_argument("--dense-steps", type=int, nargs=len(DENSE_STEPS_DEFAULT), metavar="N",
                     help=f"with --subgoals dense: {DENSE_STEPS_HELP}")
    run.add_argument("--max-steps", type=int, help="at most this many planning steps per "
                     "episode, more or fewer than the task's own (default: the task's, 20 for "
                     "one goal, else the sum of the sub-goals' step counts; above the sum the "
                     "last sub-goal holds longer)")
    add_camera_size_arguments(run)
    run.add_argument("--out", help="directory for the strips and GIFs (default: a new "
                     "run_<date>-<time> directory here)")
    run.add_argument("--device", help="cpu, cuda (default: cuda when available)")
    run.add_argument("--dtype", help=dtype_help())
    add_threads_argument(run)
    add_goal_switch_arguments(run)
    from vjepa_ros.sim.reach_config import help_defaults

    defaults = help_defaults().planner  # what the run plans with when an option is left out
    planner = run.add_argument_group("planner (default: config/reach_demo.yaml's planner)")
    add_cem_arguments(planner, "config/reach_demo.yaml's", defaults,
                      {"close_gripper": CLOSE_GRIPPER_TASK_DEFAULT})
    add_search_method_arguments(run, defaults.to_cem())
    run.set_defaults(func=cmd_run)
