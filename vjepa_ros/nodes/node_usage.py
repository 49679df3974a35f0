"""A node executable's own command line: ``--help``, and arguments outside ``--ros-args``.

A ROS 2 node reads its settings only from ``--ros-args`` (``-p NAME:=VALUE``,
``--params-file FILE``, ``-r FROM:=TO``); rclpy hands every other argument to the program. Ours
read none, so before this they were dropped without a word: ``sim_node publish_clock:=true``
(the ROS 1 form) ran without a clock, ``camera_node --help`` tried to open a camera.
:func:`stray_arguments` finds them, :func:`usage_text` is the ``--help`` answer and
:func:`stray_problem` the one-line refusal (``node_runner.init_node_args``: status 2).
"""

from __future__ import annotations

HELP_FLAGS = ("-h", "--help")
_DASHING_FLAGS = {"__params": "--params-file", "__log_level": "--log-level"}  # before --ros-args


def stray_arguments(argv: list[str]) -> list[str]:
    """Return ``argv[1:]``'s arguments outside every ``--ros-args ... [--]`` block.

    As rcl splits them (``rcl_arguments_get_unparsed``): ``--ros-args`` opens a block, ``--``
    closes it; a bare ``--`` outside a block is a separator, not an argument.
    """
    stray, inside = [], False
    for arg in argv[1:]:
        if arg == "--ros-args":
            inside = True
        elif arg == "--":
            inside = False
        elif not inside:
            stray.append(arg)
    return stray


def stray_problem(name: str, stray: list[str]) -> str:
    """Return the one-line refusal of ``stray`` (non-empty) for node ``name``.

    A ROS 2 flag (``--params-file FILE``, ``-r FROM:=TO``: the commonest slip) is told to
    follow ``--ros-args``; ``NAME:=VALUE`` is read as a parameter the user meant (ROS 1's
    form), ``__params:=FILE`` and ``__log_level:=LEVEL`` (ROS 2 Dashing's forms) as
    ``--params-file`` and ``--log-level``, other ``__name:=`` (``__node``, ``__ns``) as remaps;
    anything else as an argument the node does not take.
    """
    from vjepa_ros.nodes.ros_args import is_ros_flag

    first = stray[0]
    key, assigned, value = first.partition(":=")
    if is_ros_flag(first):
        fix = f"{name} --ros-args {' '.join(stray)}"
    elif assigned and key in _DASHING_FLAGS:
        fix = f"{name} --ros-args {_DASHING_FLAGS[key]} {value}"
    elif assigned and key.startswith("__"):
        fix = f"{name} --ros-args -r {first}"
    elif assigned:
        fix = f"{name} --ros-args -p {key}:={value}"
    else:
        fix = f"{name} --ros-args -p NAME:=VALUE (see {name} --help)"
    many = len(stray) > 1
    return (f"argument{'s' if many else ''} '{' '.join(stray)}' outside --ros-args: a ROS 2 "
            f"node reads its settings only after --ros-args, so {'these are' if many else 'it is'}"
            f" not read; give {fix}")


def usage_text(name: str, params_file: str, launch_node: str) -> str:
    """Return ``--help``'s text for the executable ``name`` (several lines).

    ``params_file``: its file in ``config/`` ("" none); ``launch_node``: its ``vjepa-ros
    launch --node`` name. Names where the parameters, their defaults and descriptions are.
    """
    from vjepa_ros.config import ConfigError
    from vjepa_ros.package_files import config_path

    lines = [f"usage: {name} [--ros-args [-p NAME:=VALUE]... [--params-file FILE]... "
             "[-r FROM:=TO]... [--log-level LEVEL]]",
             "",
             "A node of vjepa_ros; it reads only ROS arguments (after --ros-args)."]
    if params_file:
        try:
            where = str(config_path(params_file))
        except ConfigError:  # a broken install: the name still helps
            where = f"config/{params_file}"
        lines.append(f"Its parameters with their defaults and units: {where}; each one's "
                     f"description: ros2 param describe <node> NAME while it runs, and the "
                     "README's tables.")
    lines += [f"In vjepa-ros launch: vjepa-ros launch --node {launch_node} "
              f"-p {launch_node}.NAME:=VALUE.",
              "Examples:",
              f"  {name} --ros-args -p use_sim_time:=true",
              f"  {name} --ros-args --params-file my_{params_file or 'params.yaml'} "
              "-r __ns:=/arm1"]
    return "\n".join(lines)
