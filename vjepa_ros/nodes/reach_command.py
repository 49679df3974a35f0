"""``vjepa-ros reach``'s command line: its options, their checks, and the run's exit status.

The checks that need no ROS (the settings, ``--out``, the ROS domain, the world model file, the
samples against free memory) run here, before any node starts; then
:func:`vjepa_ros.nodes.reach_demo.run_reach_demo` starts the nodes and runs the episode (that
module's docstring: what the demo does). Every failure is one line prefixed ``vjepa-ros reach:``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vjepa_ros.cli_options import planner_option_message
from vjepa_ros.command_errors import command_ended, usage_errors
from vjepa_ros.config import ConfigError
from vjepa_ros.nodes import reach_demo  # its run_reach_demo by the module: tests replace it
from vjepa_ros.nodes.node_processes import keep_dds_local
from vjepa_ros.nodes.reach_demo import HYPER_PARAMETERS, PROG
from vjepa_ros.out_paths import fresh_output_dir, output_dir
from vjepa_ros.search_method_options import add_search_method_arguments, search_method_overrides

# The parser is built for every vjepa-ros command: torch, the simulator and rclpy are imported
# only when the demo runs (inside the functions below).


def fresh_out_dir(base: Path | None = None) -> Path:
    """Return a new path ``reach_<date>-<time>[_n]`` under ``base`` (default: cwd)."""
    return fresh_output_dir("reach", base)


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
        checkpoint = reach_demo.checkpoint_path(config, option,
                                                None if args.checkpoint else args.config)
        import rclpy  # noqa: F401  (a clear message when ROS is missing)

        from vjepa_ros.models.checkpoint import check_checkpoint  # torch: after the checks above

        try:  # a file that is no checkpoint, or holds no predictor: before the nodes start
            check_checkpoint(checkpoint, need_predictor=True, options=HYPER_PARAMETERS)
        except CheckpointError as exc:  # "FILE is not a vjepa_ros checkpoint (...): give ..."
            return command_ended(PROG, world_model_error(exc, checkpoint, option))
        from vjepa_ros.models.world_model import resolve_device
        from vjepa_ros.planning.memory import check_samples_fit

        # the planner node would refuse them too, but in its own process, after the simulator
        # started (cli.main words this SamplesMemoryError as --samples)
        check_samples_fit(config.planner.to_cem(), resolve_device(config.device or None))
    except ImportError as exc:
        return command_ended(PROG, exc, message=f"needs rclpy ({exc}); run scripts/demo.sh")
    except OSError as exc:
        return command_ended(PROG, exc)
    except (ValueError, ConfigError) as exc:
        return _settings_error(exc, args, overrides)
    try:
        episode = reach_demo.run_reach_demo(config, out_dir, seed_from=goal_seed_source(args))
    except (KeyboardInterrupt, OSError, ValueError, RuntimeError, ConfigError) as exc:
        # a stop: Ctrl-C, or SIGTERM (command_errors.run_reporting); what it stopped
        message = None if isinstance(exc, KeyboardInterrupt) else reach_demo.failure_line(exc)
        return command_ended(PROG, exc, reach_demo.stop_line(exc), status=1, message=message)
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
