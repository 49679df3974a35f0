"""Start vjepa_ros nodes in one process, with the YAML files and remappings the launch files use.

``ros2 launch vjepa_ros vjepa_mpc.launch.py`` needs the ``launch`` packages of a ROS install; this
module starts the same nodes with the same ``config/*.yaml`` files (passed as ``--params-file``,
exactly what ``ros2 launch`` does) and the same remappings, each node on a single-threaded
executor and thread of its own (``spinning.NodeSpinner``; not rclpy's MultiThreadedExecutor, which
busy-loops in the pinned rclpy)::

    vjepa-ros launch --checkpoint vjepa2-ac-vitg.pt --camera-topic /camera/camera/color/image_raw \
        --target-topic /cartesian_impedance_controller/target_pose [--camera] [--use-sim-time]

Tests use :class:`~vjepa_ros.nodes.nodes_in_process.Launch` directly. A node joins the registry
with one line in ``node_registry.NODES``; start it with ``--node NAME`` (its YAML file is loaded,
``-p NAME.param:=value`` overrides a parameter). One node as an executable (``ros2 run``) is
:mod:`vjepa_ros.nodes.node_runner`. rclpy is imported inside the functions, so the CLI parser
builds without ROS. This module holds the command (:func:`cmd_launch`); the nodes and their
parameters: :mod:`~vjepa_ros.nodes.node_launch`; starting them:
:mod:`~vjepa_ros.nodes.nodes_in_process`; the options: :mod:`~vjepa_ros.nodes.launch_arguments`;
the checks before ROS loads: :mod:`~vjepa_ros.nodes.launch_inputs` (a simulator on the
planner's robot: :mod:`~vjepa_ros.sim.same_robot`; a replayed bag's hand opening:
:mod:`~vjepa_ros.recordings.played_hand`).
"""

from __future__ import annotations

import argparse
import sys

from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import ConfigError
from vjepa_ros.nodes.dds_profile import use_camera_profile
from vjepa_ros.nodes.input_publishers import check_input_publishers
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.launch_inputs import (
    check_launch_inputs,
    check_namespace,
    check_option_overrides,
    check_override_nodes,
    check_required_parameters,
    size_sim_for_model,
)
from vjepa_ros.nodes.log_levels import log_level_args
from vjepa_ros.nodes.node_launch import (
    NodeLaunch,
    follow_planner_clock,
    mpc_nodes,
    put_in_namespace,
    wire_camera,
    wire_image_publisher,
    wire_sim,
)
from vjepa_ros.nodes.nodes_in_process import Launch
from vjepa_ros.nodes.planner_cli import talk_hint
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS, check_remap_options
from vjepa_ros.recordings.played_hand import check_bag_hand
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.ros_environment import ros_network_line
from vjepa_ros.sim.same_robot import check_sim_robot


def cmd_launch(args: argparse.Namespace) -> int:
    """Run the planner (and camera / extra nodes) until Ctrl-C.

    Exit status 2 for a usage error (``config.UsageError``: a ``-p`` item, a ``-p`` value of the
    wrong type or one its node refuses, out of its range, a ``--params-file`` that cannot be
    used), 1 for a start-up error (a checkpoint, a value from a file a node refuses: out of
    range, or of the wrong type)
    and for a node that stops itself while running (``Launch.failure``: a simulator that finds
    another one on the domain), after one line naming it (``Launch.failure_line``: the reason
    said once); the other nodes stop with it.
    Ctrl-C and SIGTERM stop the nodes and raise KeyboardInterrupt / ``terminate.Terminated``:
    exit status 130 / 143 with one line (``cli.main``); Ctrl-C also where the shell started it
    ignoring SIGINT (``vjepa-ros launch ... &`` in a script), as a node executable. Further ones
    during the clean-up are ignored (they would leave a spinning thread inside rclpy at exit).
    """
    from vjepa_ros.terminate import sigint_raises, sigterm_raises

    # SIGTERM: the nodes stop as on Ctrl-C, then one line, status 143
    with sigterm_raises(), sigint_raises():
        return _launch(args)


def _launch(args: argparse.Namespace) -> int:
    from vjepa_ros.input_paths import world_model_error
    from vjepa_ros.models.errors import CheckpointError  # (no torch)
    from vjepa_ros.nodes.topic_options import check_topic_options  # rclpy: launch starts nodes
    from vjepa_ros.terminate import ignore_stop_signals

    source = checkpoint = None  # the world model file, once check_launch_inputs found it
    try:
        topics = {f"--{name.replace('_', '-')}": getattr(args, name) for name in TOPIC_DEFAULTS}
        check_remap_options(topics)  # rcl takes no {node} in a remap: named before the rest
        notes: dict[str, dict] = {}
        overrides = parse_overrides(args.overrides, notes)
        check_option_overrides(args, overrides)  # an option and a -p item: never a silent pick
        given_files = list(args.params_file or ())  # named as typed, not as the paths found
        source, checkpoint = check_launch_inputs(args, overrides.get("planner", {}))  # no torch
        if args.checkpoint:  # 'demo' (as run / bench accept it) or a path: the file found
            args.checkpoint = checkpoint
        nodes = mpc_nodes(args.checkpoint or "", args.camera_topic, args.target_topic,
                          args.joint_states_topic, args.gripper_topic, args.camera,
                          args.params_file, args.image_transport, overrides.get("planner"),
                          params_labels=given_files)  # each file named as typed
        # a node named twice (--node sim --node sim) is started once: two would be a mistake
        nodes += [NodeLaunch(name) for name in dict.fromkeys(args.node)
                  if name not in {n.name for n in nodes}]
        check_override_nodes(overrides, [node.name for node in nodes])
        put_in_namespace(nodes, check_namespace(args.namespace))  # before any file is read
        for node in nodes:
            node.notes.update(notes.get(node.name, {}))
            if node.name != "planner":
                node.parameters.update(overrides.get(node.name, {}))
        follow_planner_clock(nodes, args.use_sim_time)  # a --params-file on sim time
        # the model's recorded frame size (the demo's 128 px), not sim.yaml's 256
        sized = size_sim_for_model(nodes, checkpoint, source)
        check_sim_robot(nodes)  # one TCP, hand and base frame on both sides (breaker60e)
        check_bag_hand(nodes)  # a replayed bag's hand opening is the planner's (fix61misc)
        for node in nodes:  # each on the planner's topics (breaker57f), or refused
            if node.name == "sim":
                wire_sim(node, args.use_sim_time, nodes[0])
            if node.name == "camera":
                wire_camera(node, nodes[0])
            if node.name == "image_publisher":  # the planner's transport, however set
                wire_image_publisher(node, args.camera_topic,
                                     nodes[0].start_value("image_transport", "raw"),
                                     nodes[0].sources().get("image_transport", "the default"),
                                     nodes[0])
        # two nodes on one planner input (--node sim --camera): never frames of two worlds
        check_input_publishers(nodes, lambda name: "--camera" if name == "camera" and
                               args.camera else f"--node {name}")
        check_required_parameters(nodes)  # an image_publisher without its image
        # rclpy's validators: after the checks that need no ROS, before rcl parses the remaps
        check_topic_options(topics, PLANNER_NODE)
        use_camera_profile()  # as the launch files: before the first participant is created
        launch = Launch(nodes, use_sim_time=args.use_sim_time,
                        ros_args=log_level_args(args.log_level))  # rcl's --log-level forms
    except CheckpointError as exc:  # "planner: FILE is not a vjepa_ros checkpoint (...): ..."
        if checkpoint is None:  # the file not found (input_paths.world_model_path): its line
            return command_ended("vjepa-ros launch", exc)
        error = world_model_error(str(exc).removeprefix("planner: "), checkpoint, source)
        return command_ended("vjepa-ros launch", error, status=1)
    except (OSError, ValueError, RuntimeError, ConfigError) as exc:
        return command_ended("vjepa-ros launch", exc)
    print(f"vjepa-ros launch: {ros_network_line()}", file=sys.stderr)  # as reach and each node
    # launch's name (-p NODE., --node, --log-level NODE:=) and the ROS name its log lines show
    names = ", ".join(f"{launch.names.get(node, node.get_name())} "
                      f"({node.get_fully_qualified_name()})" for node in launch.nodes)
    sized = f"; {sized}" if sized else ""
    print(f"vjepa-ros launch: running {names} (Ctrl-C stops){sized}", file=sys.stderr)
    if launch.nodes:  # the planner first (mpc_nodes): the pip route has no ros2 to call it with
        print(f"vjepa-ros launch: {talk_hint(launch.nodes[0].get_fully_qualified_name())}",
              file=sys.stderr)
    try:
        failure = launch.spin()  # Ctrl-C / SIGTERM: exit status 130 / 143 (cli.main)
    finally:
        ignore_stop_signals()  # (cmd_launch restores the handlers)
        launch.shutdown()
    if failure:  # a node stopped itself (a second simulator): the others stop with it
        print(f"vjepa-ros launch: {failure}", file=sys.stderr)
        return 1
    return 0
