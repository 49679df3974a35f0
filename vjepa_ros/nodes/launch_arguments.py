"""``vjepa-ros launch``'s options and its ``-p NODE.param:=value`` overrides, parsed.

:func:`add_launch_arguments` declares the options; one that sets a parameter
(``--checkpoint``, ``--image-transport``, ``--use-sim-time``) defaults to None, so a value a
``--params-file`` gives is kept unless the option is given (user33). :func:`parse_overrides`
turns the ``-p`` items into ``{node: {param: value}}`` as a node executable reads its ``-p`` (a
UsageError naming the item otherwise).
"""

from __future__ import annotations

import argparse

from vjepa_ros.cli_parser import Takes
from vjepa_ros.config import UsageError
from vjepa_ros.nodes.log_levels import log_level_item
from vjepa_ros.nodes.node_registry import NODES, launch_node_name
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS
from vjepa_ros.robot.planner_name import PLANNER_NODE


def add_launch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="V-JEPA 2-AC checkpoint file "
                        "(model.checkpoint); 'demo': the packaged demo world model (default: "
                        "-p planner.model.checkpoint, else the parameter file's)")
    parser.add_argument("--camera-topic", default=TOPIC_DEFAULTS["camera_topic"],
                        help="camera image topic the planner subscribes to")
    parser.add_argument("--target-topic", default=TOPIC_DEFAULTS["target_topic"],
                        help="where target poses go, e.g. /cartesian_impedance_controller/"
                        "target_pose or /franka/equilibrium_pose")
    parser.add_argument("--joint-states-topic", default=TOPIC_DEFAULTS["joint_states_topic"],
                        help="sensor_msgs/JointState topic of the arm (and gripper) the planner "
                        "reads its state from")
    parser.add_argument("--gripper-topic", default=TOPIC_DEFAULTS["gripper_topic"],
                        help="std_msgs/Float64 gripper closedness commands")
    parser.add_argument("--image-transport", choices=("raw", "compressed"),
                        help="camera messages: raw (sensor_msgs/Image) or compressed "
                        "(CompressedImage on --camera-topic) (default: -p "
                        "planner.image_transport, else the parameter file's: raw in the "
                        "packaged one)")
    parser.add_argument("--camera", action="store_true", help="also start camera_node "
                        "(pyrealsense2)")
    parser.add_argument("--namespace", help="ROS namespace of the nodes started "
                        f"(e.g. arm1: /arm1/{PLANNER_NODE}, its services and relative topics "
                        "under /arm1; a --node sim, bag_player or image_publisher in it too; "
                        "the --camera node stays /camera/camera), as the launch file's "
                        "namespace:= (default: none)")
    parser.add_argument("--use-sim-time", action=argparse.BooleanOptionalAction,
                        help="use /clock (bag play --clock, simulator), for every node started; "
                        "--no-use-sim-time: the wall clock (default: each node's parameter "
                        "file, else the wall clock)")
    parser.add_argument("--params-file", action="append", type=Takes("a parameter file"),
                        help="planner parameter file (repeatable: each applied in turn, a "
                        "later file's value over an earlier one's, as ros2 run and launch_ros "
                        "apply them; default: the package's config/planner.yaml)")
    parser.add_argument("--node", action="append", default=[], choices=sorted(NODES),
                        type=launch_node_name, help="start another registered node with its "
                        "config file; its ROS name is taken too (sim_node: sim) (repeatable; "
                        "default: none, the planner alone)")
    parser.add_argument("--log-level", action="append", default=[], type=log_level_item,
                        metavar="[LOGGER:=]LEVEL", help="ROS log level, as ros2 run's "
                        "--ros-args --log-level: LEVEL (debug, info, warn, error, fatal) for "
                        "every node, LOGGER:=LEVEL for one (a node's logger is its ROS name, "
                        f"launch's name stands for it: planner:=warn, or {PLANNER_NODE}:=warn, "
                        "quiets the planner's per-command INFO lines); repeatable (default: "
                        "info)")
    parser.add_argument("-p", dest="overrides", action="append", default=[],
                        type=Takes("NODE.PARAM:=VALUE (e.g. planner.control.mode:=continuous)"),
                        metavar="NODE.PARAM:=VALUE", help="override a parameter, e.g. "
                        "planner.control.mode:=continuous; NODE: a --node name (planner, sim, "
                        f"...) or its ROS name ({PLANNER_NODE}, sim_node) (repeatable; default: "
                        "none, the parameter files' values)")


def parse_overrides(items: list[str], notes: dict | None = None) -> dict[str, dict]:
    """``NODE.param:=value`` items (value parsed as YAML) → {node: {param: value}}.

    ``NODE``: launch's name of a node (``planner``, ``sim``) or its ROS name (``vjepa_planner``,
    ``sim_node``), keyed by launch's name (``node_registry.launch_node_name``), as ``--node`` and
    ``--log-level`` take both; the item as typed names it in a refusal. Another ``NODE`` is kept
    as typed (``launch_inputs.check_override_nodes`` refuses it).

    ``notes``: filled with ``{node: {param: note}}`` for a whole number rcl reads as a float
    (``rcl_readings.number_reading``: one beyond int64), for ``NodeLaunch.notes``; zero-led digits
    the node would not get as typed (``010``: octal 8 to rcl; ``08``, the float 8.0, for a
    whole-number or string parameter) are refused, never noted (``param_ranges.digits_refusal``).

    An empty value (``-p planner.goal_image_path:=''``: the shell leaves nothing after ``:=``)
    is the empty string, not YAML's null ("expected a string, got None"): a string parameter
    takes it, any other refuses it by its type.

    Raises UsageError (one line naming the ``-p`` item) for an item without ``NODE.`` or ``:=``,
    a value that is not YAML, a mapping, a list of lists or mappings, a list mixing types and
    zero-led digits the node would not get as typed, as a node executable refuses its ``-p``
    (``ros_args.check_param_value``, the parameter looked up as ``param`` of ``NODE``; one
    ``NODE`` does not declare, with zero-led digits, is refused as unknown first).
    """
    from vjepa_ros.nodes.ros_args import check_param_value
    from vjepa_ros.rcl_readings import number_reading
    from vjepa_ros.rcl_yaml import plain
    from vjepa_ros.ros_values import yaml_value

    out: dict[str, dict] = {}
    for item in items:
        key, sep, raw = item.partition(":=")
        typed, dot, name = key.partition(".")
        node = launch_node_name(typed)  # planner or vjepa_planner: the planner
        if not sep or not dot or not name:
            raise UsageError("-p expects NODE.param:=value (e.g. "
                             f"planner.control.mode:=continuous), got {item!r}")
        try:
            value = "" if not raw.strip() else yaml_value(key, raw)
            check_param_value(key, value, raw, node=node)
            out.setdefault(node, {})[name] = _one_type_list(key, plain(value))
            if notes is not None:
                notes.setdefault(node, {}).pop(name, None)  # the last -p of a name wins
                if number_reading(raw.strip()):
                    notes[node][name] = number_reading(raw.strip())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return out


def _one_type_list(key: str, value):
    """Return ``value``, a list mixing ints and floats as floats (ROS lists hold one type).

    ``[0.0, 1, 0.0]`` → ``[0.0, 1.0, 0.0]``; any other mix raises ValueError naming ``-p key``.
    """
    from vjepa_ros.nodes.params_file import list_kinds
    from vjepa_ros.nodes.ros_args import mixed_list

    if not isinstance(value, list) or not value:
        return value
    kinds = list_kinds(value)
    if kinds == ["float", "int"]:
        return [float(item) for item in value]
    if len(kinds) > 1:
        raise ValueError(mixed_list(key, value))
    return value
