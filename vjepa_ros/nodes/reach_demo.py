"""``vjepa-ros reach``: the whole system closed loop in the simulator, from one command.

The command is a pure ROS client of nodes it starts as processes of their own, the way the launch
files start them (:mod:`vjepa_ros.nodes.node_processes`): the simulated Franka (``sim_node``) and
the planner node (``vjepa_planner``, the demo world model or ``--checkpoint``, configured as
``launch/vjepa_mpc.launch.py`` configures it, through :mod:`vjepa_ros.nodes.node_launch`). Then it
does what a person does on a real arm (:mod:`vjepa_ros.nodes.reach_client`):

1. guides the arm to the goal pose (the stand-in for hand guiding: while the planner is disabled,
   the demo publishes the goal pose on the controller's ``target_pose`` topic, the one the planner
   commands on), calls ``/vjepa_planner/capture_goal`` (std_srvs/Trigger) so the newest camera
   frame becomes the goal image, and guides the arm back to where it started;
2. calls ``/vjepa_planner/enable`` (std_srvs/SetBool) and follows the planner reaching in
   blocking mode from its ``~/plan_report`` messages (:mod:`vjepa_ros.sim.reach_follower`),
   printing one line per commanded step (energy, distance to goal, planning time);
3. disables the planner when the true TCP is within the success radius after a move, or after
   the step limit, and saves an image strip (PNG) and an animation (GIF) of the episode.

Everything it knows comes from topics and services: the true TCP from ``current_pose``, frames
from the camera topic, steps from ``~/plan_report``, the arrival rule from the planner's
parameters, its device from its ``/diagnostics`` values (never from a log line's words). The
goal of seed ``s`` is the one ``benchmarks/bench_reach.py`` uses for seed ``s``. The nodes run
on the simulator's ``/clock`` (``use_sim_time``), so a slow CPU slows the run but never makes
inputs stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vjepa_ros.cli_options import (
    add_search_method_arguments,
    planner_option_message,
    search_method_overrides,
)
from vjepa_ros.command_errors import command_ended, usage_errors
from vjepa_ros.config import ConfigError, flatten
from vjepa_ros.counts import counted
from vjepa_ros.nodes.node_processes import NodeProcess, NodeProcesses, keep_dds_local
from vjepa_ros.nodes.run_enclave import new_enclave
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS
from vjepa_ros.out_paths import fresh_output_dir, output_dir, overwritten_note
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.ros_environment import ros_network_line

if TYPE_CHECKING:
    from vjepa_ros.sim.reach import ReachEpisode
    from vjepa_ros.sim.reach_config import ReachDemoConfig

# The parser is built for every vjepa-ros command: torch, the simulator and rclpy are imported
# only when the demo runs (inside the functions below).

PROG = "vjepa-ros reach"  # the prefix of its one-line errors and stop lines
SIM = "sim_node"
CAMERA_TOPIC = TOPIC_DEFAULTS["camera_topic"]
SIZE_SETTINGS = "sim.width/sim.height of a --config file"  # what sets the simulator's camera
# How reach takes a model's hyper-parameters (none: its planner node reads them from the file),
# said where a file needs one (models.checkpoint.check_checkpoint's options; {kind}: encoder,
# predictor)
HYPER_PARAMETERS = ("vjepa-ros reach gives the planner none: give a file that records them "
                    "(vjepa-ros train writes its config), or start the planner node yourself "
                    "with model.{kind}_args")


def fresh_out_dir(base: Path | None = None) -> Path:
    """Return a new path ``reach_<date>-<time>[_n]`` under ``base`` (default: cwd)."""
    return fresh_output_dir("reach", base)


def demo_nodes(config: ReachDemoConfig, checkpoint: Path) -> list:
    """Return the planner (as ``vjepa_mpc.launch.py`` starts it) and the simulator."""
    from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes

    planner_parameters = {name: value for name, value, _ in flatten(config.planner, "planner.")}
    planner_parameters.update({"model.device": config.device, "model.dtype": config.dtype,
                               "model.threads": config.threads, "control.mode": "blocking"})
    nodes = mpc_nodes(str(checkpoint), camera_topic=CAMERA_TOPIC,  # the other topics: defaults
                      planner_parameters=planner_parameters)
    settings = config.sim
    nodes.append(NodeLaunch("sim", parameters={
        "use_sim_time": False,  # the simulator makes the clock
        "publish_clock": True,
        "seed": config.goal_seed,
        "real_time_factor": settings.real_time_factor,
        "camera_rate_hz": config.episode.camera_rate_hz,
        "camera.width": settings.width,
        "camera.height": settings.height,
        "camera.shadows": settings.shadows,
    }))
    return nodes


def demo_processes(nodes: list, enclave: str | None = None) -> NodeProcesses:
    """Return the nodes as processes, the simulator with one torch/OpenMP thread.

    The simulator leaves the other cores to the planner, whose ``model.threads`` sets its own
    (0: the user's ``OMP_NUM_THREADS`` when set, else all cores but one: the planner's
    environment is this process's, not the simulator's ``OMP_NUM_THREADS=1``). ``enclave``: the
    run's (``run_enclave.new_enclave``), by which the busy-domain check knows them.
    """
    by_name = {node.name: node for node in nodes}
    return NodeProcesses([
        NodeProcess(by_name["sim"], "simulator", SIM, log_level="warn",
                    env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, enclave=enclave),
        NodeProcess(by_name["planner"], "planner", PLANNER_NODE, use_sim_time=True,
                    enclave=enclave),
    ])


# What a Ctrl-C or SIGTERM stopped, by how far run_reach_demo had come (the KeyboardInterrupt's
# ``reach_stage``): the command's last line says what had happened and what was undone.
STOPPED = {
    "start-up": "the nodes were starting (the planner never commanded the arm); nodes stopped; "
                "nothing saved",
    "goal": "the goal was being set (the planner was never enabled); nodes stopped; nothing saved",
    "episode": "planner disabled, nodes stopped; nothing saved (the pictures come after the "
               "episode)",
    "pictures": "the episode had ended; its pictures were being saved, perhaps not both (each "
                "file is whole or absent)",
}


def stop_line(exc: KeyboardInterrupt) -> str:
    """Return what ``reach`` says after ``terminated; `` / ``interrupted; `` (:data:`STOPPED`)."""
    return STOPPED[getattr(exc, "reach_stage", "start-up")]


def failure_line(exc: Exception) -> str:
    """Return what ``reach`` says of a failure of :func:`run_reach_demo`, saved files included.

    Before its pictures (``reach_stage``): ``; nothing saved`` after the error's first part (a
    node process's last lines, ``node_processes.NodeExited.tail``, below it).
    """
    if getattr(exc, "reach_stage", "start-up") == "pictures":
        return str(exc)
    tail = getattr(exc, "tail", "")
    return f"{getattr(exc, 'what', exc)}; nothing saved" + (f":\n{tail}" if tail else "")


def run_reach_demo(config: ReachDemoConfig, out_dir: Path, say=print,
                   seed_from: str = "--goal-seed") -> ReachEpisode:
    """Start the nodes, run one episode, save the pictures; raise on any failure.

    ``seed_from``: where ``config.goal_seed`` came from, as a training-seed note names it
    (``--goal-seed``, ``goal_seed in reach.yaml``: :func:`goal_seed_source`).

    A KeyboardInterrupt (Ctrl-C, SIGTERM) or an error leaves with ``reach_stage``, the
    :data:`STOPPED` key of what it stopped (:func:`stop_line`, :func:`failure_line`).
    """
    from vjepa_ros.models.checkpoint import check_checkpoint
    from vjepa_ros.nodes.dds_profile import use_camera_profile
    from vjepa_ros.nodes.reach_client import ReachClient, ReachDemo
    from vjepa_ros.robot.trained_model import simulator_rules
    from vjepa_ros.sim.choices import training_seeds_note
    from vjepa_ros.sim.reach_media import picture_names, save_episode_pictures
    from vjepa_ros.sim.reach_text import format_summary
    from vjepa_ros.sim.run_notes import image_size_note

    stage, client, demo = "start-up", None, None
    try:
        checkpoint = checkpoint_path(config)
        cem = config.planner
        say(f"ROS          {ros_network_line()}")  # as launch and every node says it
        say(f"world model  {checkpoint}")
        sizes = check_checkpoint(checkpoint, options=HYPER_PARAMETERS)
        # the planner node logs these into its hidden output (node_processes): said here
        _, model_notes = simulator_rules(sizes)  # reach sets no goals.gripper: no advice
        notes = (training_seeds_note(config.goal_seed, 1, seed_from),
                 image_size_note(sizes.img_size, config.sim.width, config.sim.height,
                                 sizes.trained_frame_sizes, SIZE_SETTINGS), *model_notes,
                 overwritten_note(out_dir, "an earlier run's", picture_names("reach")))
        for note in filter(None, notes):
            say(f"note         {note}")
        enclave = new_enclave()  # the children's identity (busy_domain)
        processes = demo_processes(demo_nodes(config, checkpoint), enclave)
        use_camera_profile()  # this process subscribes to the frames too
        try:
            client = ReachClient(PLANNER_NODE, CAMERA_TOPIC)  # before the nodes: misses nothing
            refuse_busy_domain(client, enclave, started=False)  # never another's arm (user60)
            processes.start()
            demo = ReachDemo(client, processes.check, config, say)
            ready = demo.wait_for_nodes()
            refuse_busy_domain(client, enclave, started=True)  # one come meanwhile: before a call
            stage = "goal"
            say(f"             {PLANNER_NODE} process: {_device_text(ready)}")
            say(f"planner      CEM S {cem.samples}, H {cem.horizon}, I {cem.iterations}, "
                f"k {cem.topk}, maxnorm {cem.maxnorm} m; blocking control; simulator camera "
                f"{config.sim.width}x{config.sim.height} at "
                f"{config.episode.camera_rate_hz:g} Hz")
            episode = demo.run()
        finally:
            if demo is not None and demo.was_enabled:
                stage = "episode"
            try:
                if demo is not None:
                    demo.close()
            finally:
                try:
                    if client is not None:
                        client.close()
                finally:
                    processes.stop()
        stage = "pictures"
        say(format_summary(episode))
        strip, gif = save_episode_pictures(out_dir, episode)
        say(f"saved        {strip}\n             {gif}")
        return episode
    except (KeyboardInterrupt, Exception) as exc:
        exc.reach_stage = stage
        raise


def refuse_busy_domain(client, enclave: str, started: bool) -> None:
    """Raise RuntimeError when another launch runs reach's node names or topics (user60).

    ``busy_domain.refuse_busy_domain`` with reach's nodes and topics; ``enclave``: its
    children's; ``started``: they run.
    """
    from vjepa_ros.nodes.busy_domain import refuse_busy_domain as refuse

    node = client.node
    refuse(node, (f"/{SIM}", f"/{PLANNER_NODE}"),
           ("/clock", node.resolve_topic_name("current_pose"), CAMERA_TOPIC),
           (node.resolve_topic_name(TOPIC_DEFAULTS["target_topic"]),), PROG, enclave, started)


def checkpoint_path(config: ReachDemoConfig, option: str = "--checkpoint",
                    settings: str | os.PathLike | None = None) -> Path:
    """Return the world model file of ``config`` (``checkpoint``, or the packaged demo model).

    ValueError naming ``option`` for a missing, unreadable or folder path
    (``input_paths.world_model_path``). ``settings``: the ``--config`` file the checkpoint came
    from. Its relative path is the working directory's (as a ``--params-file``'s and a goal
    file's are, and ``train --config``'s): one not there is refused naming the absolute path
    looked at, and the file of that name beside the settings file where there is one. ``~`` and
    ``$NAME`` are expanded (``user_paths.expand_path``); a variable that is not set is refused
    naming it (``--checkpoint PATH names the environment variable NAME, which is not set ...``).
    """
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.user_paths import UnsetVariable, expand_path

    spec = config.checkpoint
    try:  # ~ and $NAME, as a shell would (a settings file's path is no shell word)
        path = expand_path(spec)
    except UnsetVariable as exc:
        raise ValueError(f"{option} {exc}") from None
    if settings and spec and spec != "demo" and not path.is_absolute() and not path.exists() \
            and not path.is_symlink():
        beside = Path(settings).parent / path
        there = f"; {shown_path(beside)} is there" if beside.exists() else ""
        instead = f", or checkpoint: {shown_path(beside)}" if beside.exists() else ""
        raise ValueError(f"{option} {shown_path(spec)} does not exist (a relative path: looked "
                         f"at {shown_path(path.absolute())}, in the working directory, not "
                         f"beside {shown_path(settings)}{there}): give an absolute path"
                         f"{instead}")
    return world_model_path(spec or "demo", option)


def _device_text(values: dict[str, str]) -> str:
    """Describe the planner's process from its ``/diagnostics`` ``values``.

    "blocking control, device cpu, torch.float32, 2 CPU threads, GIL switch interval 5 ms"
    (``mode`` and the keys of ``PlannerNode.runtime_values``); a "see its log" line when a key
    is missing.
    """
    keys = ("mode", "device", "dtype", "torch_threads", "gil_switch_interval_ms")
    if not all(values.get(key) for key in keys):
        return "started (its diagnostics did not name its device: see its log)"
    threads = values["torch_threads"]  # a number's text
    threads = counted(int(threads), "CPU thread") if threads.isdigit() else \
        f"{threads} CPU threads"
    return (f"{values['mode']} control, device {values['device']}, {values['dtype']}, "
            f"{threads}, GIL switch interval "
            f"{values['gil_switch_interval_ms']} ms")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from vjepa_ros.sim.reach_config import help_defaults

    defaults = help_defaults()  # the package's config/reach_demo.yaml, as run without --config
    planner, file = defaults.planner, "(default {}, or a --config file's)"
    parser.add_argument("--checkpoint", help="world model file (one vjepa-ros train wrote, or "
                        "vjepa2-ac-vitg.pt); default: the packaged demo world model")
    parser.add_argument("--goal-seed", type=int, help="scene and goal seed "
                        + file.format(f"{defaults.goal_seed}, the first held-out goal"))
    parser.add_argument("--max-steps", type=int, help="planning steps before giving up "
                        + file.format(defaults.episode.max_steps))
    parser.add_argument("--samples", type=int, help="CEM samples per iteration "
                        + file.format(planner.samples))
    parser.add_argument("--iterations", type=int, help="CEM iterations per step "
                        + file.format(planner.iterations))
    parser.add_argument("--horizon", type=int, help="CEM horizon, 1 reaches; 2 hovers "
                        + file.format(planner.horizon))
    parser.add_argument("--device", help="cpu, cuda (default: cuda when available)")
    parser.add_argument("--out", help="directory for the strip and GIF (default: a new "
                        "reach_<date>-<time> directory here)")
    parser.add_argument("--config", help="settings file (default: the package's "
                        "config/reach_demo.yaml)")
    parser.add_argument("--require-success", action="store_true", help="exit 1 when the goal "
                        "was not reached (default: 0 whenever the episode ran)")
    add_search_method_arguments(parser, planner.to_cem())


def _settings_error(exc: ValueError, args: argparse.Namespace, overrides: dict) -> int:
    """Print a settings error of ``reach`` (one line, the options named); return its status.

    ``planner.X``, ``episode.max_steps``, ``goal_seed``: as the options the user gave; a
    ``--config`` file's key its search would not use (``reach_config.UnusedFileSetting``) as the
    file's, which names it.
    """
    from vjepa_ros.sim.reach_config import UnusedFileSetting

    if isinstance(exc, UnusedFileSetting):
        return command_ended(PROG, exc)
    given = {"goal_seed": "--goal-seed", "episode.max_steps": "--max-steps"}
    options = {key: option for key, option in given.items() if overrides[key] is not None}
    return command_ended(PROG, exc, message=planner_option_message(str(exc), args,
                                                                   args.config, options))


def goal_seed_source(args: argparse.Namespace) -> str:
    """Return where reach's goal seed came from, as a note names it.

    ``--goal-seed`` where given; else ``goal_seed in FILE`` (``--config``); else ``the default
    goal_seed``.
    """
    if args.goal_seed is not None:
        return "--goal-seed"
    return f"goal_seed in {args.config}" if args.config else "the default goal_seed"


def cmd_reach(args: argparse.Namespace) -> int:
    """Run the demo; print one line and return 1 on a bad start or a failure.

    A ``--config`` file that cannot be read as settings, an unknown key in it, an option out of
    its range, one that does not go with the file's settings or that the search would not use
    (``config.UsageError``) return 2. An
    episode that ran but did not reach the goal returns 0, or 1 with ``--require-success``.
    """
    keep_dds_local()
    from vjepa_ros.input_paths import world_model_error
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.models.errors import CheckpointError
    from vjepa_ros.ros_environment import domain_id_problem
    from vjepa_ros.sim.reach_config import check_config_file, load_reach_config

    overrides = {"checkpoint": args.checkpoint, "goal_seed": args.goal_seed,
                 "episode.max_steps": args.max_steps, "planner.samples": args.samples,
                 "planner.iterations": args.iterations, "planner.horizon": args.horizon,
                 "device": args.device}
    try:
        with usage_errors():
            overrides.update(search_method_overrides(args))
    except ValueError as exc:
        return command_ended(PROG, exc)
    try:  # the file's own errors name it and the key, never an option not typed
        if args.config:
            check_config_file(args.config)
    except ValueError as exc:  # ConfigError, UsageError too
        return command_ended(PROG, exc)
    try:  # the options (over --config's settings), then the files: --out, the checkpoint
        # the file alone passed above: what fails now is the options' (a usage error, 2)
        with usage_errors():
            check_device_and_dtype(args.device, None, ("--device", "--dtype"))  # not "device"
            config = load_reach_config(args.config, overrides)
    except (ValueError, ConfigError) as exc:
        return _settings_error(exc, args, overrides)
    try:
        if args.out:  # never into a bag's folder
            from vjepa_ros.train.out_check import refuse_out_in_recording

            refuse_out_in_recording(args.out, "reach")
        out_dir = output_dir(args.out, create=False) if args.out else fresh_out_dir()
    except ValueError as exc:
        return command_ended(PROG, exc, status=1)
    # else each node process's line, or DDS's and exit 1; unset, keep_dds_local draws one
    problem = domain_id_problem(unset="a random domain in 1..100 (printed on reach's ROS line)")
    if problem:
        return command_ended(PROG, RuntimeError(problem), status=1)
    try:
        option = "--checkpoint" if args.checkpoint else f"{args.config}: checkpoint"
        checkpoint = checkpoint_path(config, option, None if args.checkpoint else args.config)
        import rclpy  # noqa: F401  (a clear message when ROS is missing)

        from vjepa_ros.models.checkpoint import check_checkpoint  # torch: after the checks above

        # a file that is no checkpoint, or holds no predictor: before the nodes start
        check_checkpoint(checkpoint, need_predictor=True, options=HYPER_PARAMETERS)
        from vjepa_ros.models.world_model import resolve_device
        from vjepa_ros.planning.memory import check_samples_fit

        # the planner node would refuse them too, but in its own process, after the simulator
        # started (cli.main words this SamplesMemoryError as --samples)
        check_samples_fit(config.planner.to_cem(), resolve_device(config.device or None))
    except CheckpointError as exc:  # "FILE is not a vjepa_ros checkpoint (...): give ..."
        return command_ended(PROG, world_model_error(exc, checkpoint, option))
    except ImportError as exc:
        return command_ended(PROG, exc, message=f"needs rclpy ({exc}); run scripts/demo.sh")
    except OSError as exc:
        return command_ended(PROG, exc)
    except (ValueError, ConfigError) as exc:
        return _settings_error(exc, args, overrides)
    try:
        episode = run_reach_demo(config, out_dir, seed_from=goal_seed_source(args))
    except (KeyboardInterrupt, OSError, ValueError, RuntimeError, ConfigError) as exc:
        # a stop: Ctrl-C, or SIGTERM (command_errors.run_reporting); what it stopped
        message = None if isinstance(exc, KeyboardInterrupt) else failure_line(exc)
        return command_ended(PROG, exc, stop_line(exc), status=1, message=message)
    if args.require_success and not episode.success:
        print(f"vjepa-ros reach: goal not reached ({episode.stop_reason}, "
              f"{episode.final_distance * 100:.1f} cm); --require-success", file=sys.stderr)
        return 1
    return 0  # reached or not, the demo ran


def add_commands(sub) -> None:
    """Register ``reach`` on the ``vjepa-ros`` sub-parsers."""
    reach = sub.add_parser("reach", help="the main job: sim + planner node reach an image goal "
                           "closed loop; prints each step, saves a strip and a GIF")
    add_arguments(reach)
    reach.set_defaults(func=cmd_reach)
