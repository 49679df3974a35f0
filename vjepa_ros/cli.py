"""The ``vjepa-ros`` command: everything a person runs by hand.

vjepa-ros check            what this machine offers (torch, device, rclpy, network rule)
vjepa-ros reach            the main job: sim + planner node reach an image goal, closed loop
vjepa-ros run --task T     a manipulation task in the sim: grasp, reach-with-object, pick-and-place
vjepa-ros demo             one planning step on real Franka frames (see ``vjepa-ros demo --help``)
vjepa-ros launch           the planner node (and --camera, --node sim ...) in one process
vjepa-ros planner VERB     talk to a running planner: enable, goals, parameters, status
vjepa-ros eval BAG         replay a rosbag2 recording through the planner (``vjepa_ros/eval``)
vjepa-ros inspect PATH     what eval and train read from bags and .npz episodes, no model
vjepa-ros camera-check BAG does the world model see the robot's axes from this camera placement
vjepa-ros record OUT       record a simulator episode as a rosbag2 bag (also: bag-from-npz)
vjepa-ros collect          record scripted simulator episodes (``vjepa_ros/sim``)
vjepa-ros train            post-train the AC predictor on episodes (``vjepa_ros/train``)
"""

from __future__ import annotations

import argparse
import sys

from vjepa_ros.cli_options import (
    RANDOM_MODEL_CEM,
    RANDOM_MODEL_CEM_WHY,
    add_planning_arguments,
    cem_changes,
    check_input_paths,
    model_hyper_parameters,
)
from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.command_errors import command_ended
from vjepa_ros.search_method_options import add_search_method_arguments
from vjepa_ros.threads import add_threads_argument, apply_threads_option, check_threads_option


def cmd_check(args: argparse.Namespace) -> int:
    """Print the environment the package will run in; exit 1 if something required is missing.

    Required: torch, the package's config/ folder, and a ``ROS_DOMAIN_ID`` ROS can start in
    (``vjepa_ros.ros_environment.domain_id_problem``: unset, or 0..232). A usable domain in
    102..214, whose DDS ports lie in Linux's ephemeral port range, gets a ``WARNING`` line
    (``domain_id_risk``) and status 0: the advice, 0..101 or 215..232, is what passes silently.

    Ctrl-C / SIGTERM: one line saying it saved nothing (it writes no files), status 130 / 143.
    """
    try:
        from vjepa_ros.environment_check import check_environment

        return check_environment()
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (terminate.sigterm_raises)
        return command_ended("vjepa-ros check", exc, "nothing saved (check writes no files)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Plan one step on the real example frames (see ``vjepa_ros/demo.py``).

    Exit status 2 for a usage error (an option refused, a malformed ``--encoder-arg``), 1 for any
    other refusal;
    stopped (Ctrl-C, SIGTERM), one line saying it saved nothing, status 130 / 143.
    """
    defaults = {} if args.checkpoint else RANDOM_MODEL_CEM
    try:
        changes = cem_changes(args, defaults, RANDOM_MODEL_CEM_WHY)  # before torch is imported
        check_threads_option(args.threads)
        model_args = model_hyper_parameters(args, "--checkpoint")
        check_input_paths(args)
        from vjepa_ros.demo import run_demo

        apply_threads_option(args.threads)  # before the model is built, encodes and plans
        run_demo(args.checkpoint, args.episode, args.preset, args.device, args.dtype, args.seed,
                 model_args=model_args, **changes)
    except (KeyboardInterrupt, OSError, ValueError, RuntimeError) as exc:  # stop: Ctrl-C, SIGTERM
        return command_ended("vjepa-ros demo", exc, "nothing saved (demo writes no files)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="vjepa-ros", description="V-JEPA 2-AC world-model MPC for Franka arms on ROS 2."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="report torch/CUDA/rclpy availability")
    check.set_defaults(func=cmd_check)

    demo = sub.add_parser("demo", help="plan one step on real Franka frames, end to end")
    add_planning_arguments(demo, default_preset="notebook", no_checkpoint_cem=RANDOM_MODEL_CEM)
    add_search_method_arguments(demo)
    demo.add_argument("--episode", help="npz with observations [T,H,W,3] and states [T,7]; "
                      "default: the packaged real Franka example")
    add_threads_argument(demo)
    demo.set_defaults(func=cmd_demo)

    from vjepa_ros.nodes.launch_arguments import add_launch_arguments  # ROS-free until run
    from vjepa_ros.nodes.launcher import cmd_launch  # ROS-free until run

    launch = sub.add_parser("launch", help="start the planner node, and with --camera / --node "
                            "the camera, simulator, bag player or image publisher, in one "
                            "process with their parameter files (no `ros2 launch` needed)")
    add_launch_arguments(launch)
    launch.set_defaults(func=cmd_launch)

    from vjepa_ros.eval.command import add_commands as add_eval_commands

    add_eval_commands(sub)  # eval, bag-from-npz, record
    from vjepa_ros.eval.inspect_command import add_commands as add_inspect_commands

    add_inspect_commands(sub)  # inspect
    from vjepa_ros.eval.camera_check_command import add_commands as add_camera_check_commands

    add_camera_check_commands(sub)  # camera-check
    from vjepa_ros.sim.command import add_commands as add_sim_commands

    add_sim_commands(sub)  # collect
    from vjepa_ros.nodes.reach_command import add_commands as add_reach_commands

    add_reach_commands(sub)  # reach
    from vjepa_ros.nodes.planner_cli import add_commands as add_planner_commands

    add_planner_commands(sub)  # planner enable|disable|... (no ros2 command needed)
    from vjepa_ros.sim.run_command import add_commands as add_run_commands

    add_run_commands(sub)  # run
    from vjepa_ros.train.command import add_commands as add_train_commands

    add_train_commands(sub)  # train
    from vjepa_ros.train.pretrain_command import add_commands as add_pretrain_commands

    add_pretrain_commands(sub)  # pretrain
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``vjepa-ros`` command; return its exit status.

    0 done; 2 a usage error (argparse's, or ``config.UsageError``: an option's value out of its
    range or options that do not go together, checked in ``command_errors.usage_errors``, a
    malformed ``-p``/``--set`` item or one whose value is of the wrong type, a
    ``--params-file``/``--config`` file that cannot be used; ``config.exit_status``); 1
    any other refusal or failure (a file, the data, the planner), in one line on stderr.
    Ctrl-C (KeyboardInterrupt) anywhere in a command ends it with one line and status 130, the
    shell's convention for SIGINT (128 + 2); commands that clean up first (``run``, ``reach``,
    ``train``, ``pretrain``) print their own line and return 130 themselves. SIGTERM in ``launch``
    (``terminate.sigterm_raises``) stops its nodes as Ctrl-C does, then ends it with one line
    ``vjepa-ros launch: terminated`` and status 143 (128 + 15). A planner sample count that does
    not fit in memory (``planning.memory.SamplesMemoryError``, from any command's planner) ends
    it with one line naming ``--samples`` and status 1. A planning setting's warning (a mean
    momentum of 1) is one ``warning:`` line naming the option (``option_warnings``).
    The output folders and files the command claimed (``out_lock``) are released when it
    returns; those it made and left empty are removed.
    """
    from vjepa_ros.command_errors import run_reporting, typed_options
    from vjepa_ros.option_warnings import option_warnings
    from vjepa_ros.out_lock import release_outputs

    args = build_parser().parse_args(argv)
    prog = f"vjepa-ros {args.command}"
    # each command words its own user errors; these end any of them (command_errors)
    try:
        with option_warnings(prog, typed_options(sys.argv[1:] if argv is None else argv)):
            return run_reporting(prog, lambda: args.func(args))
    finally:
        release_outputs()


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    end_after(lambda: run_stoppable("vjepa-ros", lambda: main))  # as the console script
