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
from pathlib import Path

from vjepa_ros.cli_options import (
    add_cem_arguments,
    add_search_method_arguments,
    option_message,
    planner_option_message,
    planner_overrides,
)
from vjepa_ros.cli_parser import Takes
from vjepa_ros.command_errors import command_ended, usage_errors
from vjepa_ros.goal_switch_options import (
    add_goal_switch_arguments,
    check_subgoal_axes,
    check_subgoal_gripper,
    check_subgoal_rule,
    goal_switch_configs,
)
from vjepa_ros.image_notes import SizeNotes, camera_size_note
from vjepa_ros.models.device_names import dtype_help

WORLD_MODEL_HELP = ("demo: the packaged demo world model (default); oracle: the simulator's "
                    "exact stand-in (it sees the hand, not the object: use --subgoals dense for "
                    "grasp and pick-and-place); or a world model FILE (one vjepa-ros train wrote, "
                    "or vjepa2-ac-vitg.pt)")
# setup_note: the search the manipulation numbers were measured with, and the held cup's
# closedness as measured (6 cm cup in the 8 cm Franka hand; docs/manipulation.md, Limits)
MEASURED_SEARCH = " (measured with --refine-steps 5)"  # --method icem was given, but the loop
# ran the published CEM whatever the method then (sim/reach.py), so CEM is what was measured
HELD_CUP_CLOSEDNESS = 0.24
# The packaged model's cup successes with dense sub-goals and the gripper from them (README,
# Manipulation): every axis searched, then --subgoal-axes subgoal (the box: 12/20 and 11/20)
CUP_AXES_MEASURED = {"grasp": ("13/20", "16/20"), "pick-and-place": ("11/20", "13/20")}
# What run's user may set for a model trained without the gripper (trained_model.gripper_rule;
# --subgoal-gripper hold is not among run's choices: goal_switch_options.SIM_GRIPPER_LEFT_OUT)
RUN_GRIPPER_ADVICE = ("set goals.gripper subgoal (with --subgoals dense for grasp and "
                      "pick-and-place) for a hand that follows the captured sub-goals")


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
    from vjepa_ros.sim.manipulation_loop import task_cem, task_loop_config  # the simulator

    return {
        "cem": task_cem(args.task, cem, args.close_gripper is not None),
        "switching": switching,
        "loop": task_loop_config(args.max_steps, args.dense_steps, args.subgoals == "dense"),
        "camera": camera,
    }


def planner_seed(scene_seed: int) -> int:
    """Return the seed of the planner's sampling noise for the episode of ``scene_seed``.

    The scene seed itself (an int in [0, 2**32 - 1], as ``planner.seed`` takes): ``vjepa-ros
    run --seed S`` and ``bench_manipulation.py``'s row for seed S plan with the same noise, so
    they are the same episode (breaker53e: ``run`` planned every episode with
    ``planner.seed`` 0).
    """
    return int(scene_seed)


def crash_text(exc: BaseException) -> str:
    """``RuntimeError: CUDA error: ...``: an episode's exception as one line."""
    return " ".join(f"{type(exc).__name__}: {option_message(str(exc))}".split())


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
    except (ValueError, ConfigError) as exc:
        raise type(exc)(planner_option_message(str(exc), args)) from None
    switching = goal_switch_configs(args)[0]
    from vjepa_ros.sim.choices import check_dense_steps

    check_dense_steps(args.dense_steps, args.subgoals == "dense", tasks=[args.task])
    check_subgoal_gripper(args, [switching], [args.task], args.subgoals == "dense")
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
    from vjepa_ros.models.world_model import resolve_device, resolve_dtype
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import check_model

    if spec == "oracle":
        return OracleWorldModel()
    path = world_model_path(spec, option, ("demo", "oracle"))  # missing, a folder: one line
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
                                 need_predictor=need_predictor)
        if need_predictor:
            check_model(model)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise world_model_error(exc, path, option, spec) from None
    return model


def _model_text(spec: str, model) -> str:
    if spec == "oracle":
        return "oracle (the simulator's exact stand-in world model: it knows the hand, not " \
               "the object)"
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    path = resolve_checkpoint("" if spec == "demo" else spec)
    from vjepa_ros.threads import threads_text

    return (f"{path} ({model.device}, {str(model.dtype).replace('torch.', '')}"
            f"{threads_text(model.device)})")


def planner_text(cem, switching) -> str:
    """Return the run's planner settings as its header prints them (after ``planner``).

    The method with its own settings (``CEMConfig.describe_method``), the shared CEM settings,
    the gripper rule, the axes rule when not the published one, gradient refinement when on, and
    the control mode.
    """
    gripper = ("gripper from the sub-goals (--subgoal-gripper subgoal: open or closed as each "
               "was captured)" if switching.gripper == "subgoal" else
               "gripper held (never commanded)" if switching.gripper == "hold" else
               f"gripper clip {cem.gripper_clip}, round threshold {cem.gripper_round_threshold}"
               f"{'' if cem.close_gripper is None else f', close from step {cem.close_gripper}'}")
    if switching.axes == "subgoal":
        gripper += (", axes from the sub-goals (--subgoal-axes subgoal: an axis the expert's "
                    "hand did not move along between two sub-goal images is held still)")
    return (f"{cem.describe_method()} S {cem.samples}, H {cem.horizon}, I {cem.iterations}, "
            f"k {cem.topk}, maxnorm {cem.maxnorm} m, {gripper}{cem.refine.describe()}"
            "; blocking control (the planner node's MPCSession, no ROS)")


def setup_note(task: str, dense: bool, gripper: str, world_model: str, object_kind: str = "cup",
               round_threshold: float = 0.25, axes: str = "searched") -> str:
    """Return a note when the chosen sub-goals and gripper rule are known to fail ("" if not).

    Measured (docs/manipulation.md): from the paper's three sub-goals neither the oracle nor a
    learned model grasps (0/5: the first sub-goal is the object held and lifted, and nothing
    says "descend first"); with dense sub-goals a learned model grasps 0-2/5 with the published
    gripper search (the seeded encoder barely sees the fingers) and 65 % (cup) with the gripper
    from the sub-goals; the oracle's planned gripper never closes on the cup while the round
    threshold is above the held cup's closedness (0.24). reach-with-object has one goal and
    closes the hand from the first step. With dense sub-goals and the gripper from them, a
    learned model loses the cup's descent with every axis searched (grasp 13/20, pick-and-place
    11/20; 16/20 and 13/20 with ``axes`` subgoal, session 35); not the box's (grasp 12/20 with
    every axis searched, 11/20 with ``axes`` subgoal): no note for it, and no advice of ``axes``
    subgoal for it.
    """
    learned = world_model != "oracle"
    if task == "reach-with-object":
        return ""
    cup_axes = object_kind == "cup"  # --subgoal-axes subgoal measured better for the cup only
    if dense and gripper == "subgoal":
        if learned and axes != "subgoal" and cup_axes:
            searched, measured = CUP_AXES_MEASURED.get(task, CUP_AXES_MEASURED["grasp"])
            return (f"{task}: with every axis searched the descent onto the cup misses (cup "
                    f"{task} {searched} with the packaged model); the measured setup adds "
                    f"--subgoal-axes subgoal ({measured}){MEASURED_SEARCH} (README, "
                    "Manipulation)")
        return ""
    axes_option = " --subgoal-axes subgoal" if cup_axes else ""
    if not dense:
        measured = (f"--subgoals dense --subgoal-gripper subgoal{axes_option}" if learned
                    else "--subgoals dense")
        return (f"{task}: 0 of 5 seeds grasped from the paper's sub-goals in the simulator (the "
                "first is the object held and lifted, and nothing says 'descend first'); the "
                f"measured setup adds {measured}{MEASURED_SEARCH if learned else ''} (README, "
                "Manipulation)")
    if learned:
        return (f"{task}: 0-2 of 5 seeds grasped with dense sub-goals and the planner's gripper "
                "search (its energy barely sees the fingers at 128 px); the measured setup adds "
                f"--subgoal-gripper subgoal{axes_option}{MEASURED_SEARCH} (README, "
                "Manipulation)")
    if object_kind == "cup" and round_threshold > HELD_CUP_CLOSEDNESS:
        return (f"{task}: the oracle's plans for the held cup read closedness "
                f"{HELD_CUP_CLOSEDNESS}, below --gripper-round-threshold {round_threshold:g}, so "
                "the hand never closes; add --gripper-round-threshold 0.1 or --subgoal-gripper "
                "subgoal (README, Manipulation)")
    return ""


def image_size_note(model_size, width: int, height: int, trained_sizes=None,
                    options: str = "--width/--height") -> str:
    """Return a note when camera frames of ``width`` x ``height`` px are not the model's size.

    ``model_size``: the world model's input size [px] (``WorldModel.img_size``, from its file's
    ``config`` or its official preset; int or (height, width)); None for a model without one
    (the oracle). ``trained_sizes``: the (height, width) [px] frame sizes its file records it
    was post-trained on (``WorldModel.trained_frame_sizes``; None: not recorded, the input
    size is taken for it). The model resizes every frame to its input size, so at another camera
    size it sees blurred or sharpened images it never saw in training. ``options``: what sets the
    camera size, named in the advice (``reach``: its ``--config`` file's keys). "" when the sizes
    match. The rule and wording: the live planner node's and eval's
    (:func:`vjepa_ros.image_notes.camera_size_note`).
    """
    return camera_size_note(width, height, model_size, trained_sizes, SizeNotes.FRAMES,
                            f"render the camera at the model's size ({options})",
                            f"render the camera at {{size}} px ({options})", larger_too=True)


def run_episodes(args: argparse.Namespace, settings: dict, model, out_dir: Path,
                 say=print, stopped: list[str] | None = None,
                 crashed: list[str] | None = None) -> list:
    """Run the episodes, print their lines, save their pictures; return the ``TaskRun`` list.

    Episode of seed s: planned with noise seed :func:`planner_seed` (s). Ctrl-C or SIGTERM
    (KeyboardInterrupt) mid-episode: the strip and GIF of the steps done so far are saved
    (:func:`save_stopped_episode`), ``stopped`` gets the words saying where, and the exception
    is raised again. Any other exception in an episode (a model's CUDA error, say): one line
    ``seed S: crashed (RuntimeError: ...)`` with what was saved, ``crashed`` gets that line, the
    episode counts as a failure in the totals and the next seed runs.
    """
    from vjepa_ros.out_paths import overwritten_note
    from vjepa_ros.robot.trained_model import simulator_rules
    from vjepa_ros.sim.choices import subgoals_text
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_media import picture_names, save_task_pictures
    from vjepa_ros.sim.sim import Sim
    from vjepa_ros.sim.task_run import format_totals, run_task

    cem, switching, (width, height) = settings["cem"], settings["switching"], settings["camera"]
    # the model's records: its TCP against the simulator's, a --no-gripper model's hand held
    held, model_notes = simulator_rules(model, switching, RUN_GRIPPER_ADVICE)
    dense = args.subgoals == "dense"
    seeds = range(args.seed, args.seed + args.episodes)
    say(f"world model  {_model_text(args.world_model, model)}")
    say(f"task         {args.task} with a {args.object}, seed{'s' if len(seeds) > 1 else ''} "
        f"{seeds[0]}{f'..{seeds[-1]}' if len(seeds) > 1 else ''}, camera {width}x{height}; "
        f"{subgoals_text(args.task, dense, settings['loop'].dense_steps)}; "
        f"switching: {held.describe()}")
    say(f"planner      {planner_text(cem, held)}")
    names = [file for seed in seeds  # save_task_pictures's, per episode
             for file in picture_names(f"{args.task}_{args.object}_{seed}")]
    notes = (setup_note(args.task, dense, switching.gripper, args.world_model, args.object,
                        cem.gripper_round_threshold, switching.axes),
             image_size_note(getattr(model, "img_size", None), width, height,
                             getattr(model, "trained_frame_sizes", None)),
             *(option_message(note) for note in model_notes),
             overwritten_note(out_dir, "an earlier run's", names))
    for note in notes:
        if note:
            say(f"note         {note}")
    runs, skipped, crashes = [], 0, [] if crashed is None else crashed
    with Sim(manipulation_sim_config(seeds[0], args.object, width, height)) as sim:
        if isinstance(model, OracleWorldModel):
            model.attach(sim)  # before the sub-goal images are rendered
        for number, seed in enumerate(seeds, 1):
            say(f"\nepisode {number}/{len(seeds)}: seed {seed}")
            try:
                setup = setup_task(sim, seed, args.task, dense=dense)
            except RuntimeError as exc:
                say(f"seed {seed}: skipped ({exc})")
                skipped += 1
                continue
            if setup.place_xy is not None:
                say(f"place spot   ({setup.place_xy[0]:.3f}, {setup.place_xy[1]:.3f}) m")
            done: list = []  # the steps of this episode, as they are done
            try:
                run = run_task(sim, model, setup, cem, args.object, settings["loop"],
                               held, seed=planner_seed(seed), say=say, steps=done)
            except KeyboardInterrupt:
                words = save_stopped_episode(out_dir, setup, done, args, seed)
                if stopped is not None:
                    stopped.append(words)
                raise
            except Exception as exc:  # noqa: BLE001 (one episode's crash: a failure)
                crashes.append(f"seed {seed}: crashed ({crash_text(exc)}); counted as a failure; "
                               f"{save_stopped_episode(out_dir, setup, done, args, seed)}")
                say(crashes[-1])
                continue
            runs.append(run)
            # a hold's reason names the planning settings (an allocation failing mid-episode:
            # CEMConfig.samples): named as this command's options (--samples), as cli.main does
            say(option_message(run.summary()))
            strip, gif = save_task_pictures(out_dir, run, f"{args.task}_{args.object}_{seed}")
            say(f"saved        {strip}\n             {gif}")
    if len(seeds) > 1:
        say("\n" + format_totals(runs, skipped, len(crashes)))
    return runs


def save_stopped_episode(out_dir: Path, setup, steps: list, args: argparse.Namespace,
                         seed: int) -> str:
    """Save the strip and GIF of an episode stopped after ``steps``; return where, in words.

    ``steps 1-7 of seed 900000 saved: DIR/..._strip.png, DIR/....gif``, or ``nothing saved of
    seed 900000 (no step done)``. A failure to write is said, not raised (the stop goes on).
    """
    from vjepa_ros.sim.reach_media import save_step_pictures

    if not steps:
        return f"nothing saved of seed {seed} (no step done)"
    try:
        strip, gif = save_step_pictures(out_dir, setup, steps,
                                        f"{args.task}_{args.object}_{seed}_stopped")
    except (OSError, ValueError) as exc:
        return f"nothing saved of seed {seed} ({exc})"
    return f"steps 1-{len(steps)} of seed {seed} saved: {strip}, {gif}"


def _stopped_text(stopped: list[str]) -> str:
    """Say what a stopped run saved (after ``vjepa-ros run: terminated; ``), one line.

    ``stopped``: what :func:`save_stopped_episode` saved; none (stopped during set-up or before
    an episode's first step): ``nothing saved (no step done)``.
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
                     "place); dense: one at every turn of the expert's motion and one halfway "
                     "to the pre-grasp pose (default paper)")
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
