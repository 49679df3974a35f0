"""A node executable's own command line: ``--help``, and arguments outside ``--ros-args``.

A ROS 2 node reads its settings only from ``--ros-args`` (``-p NAME:=VALUE``,
``--params-file FILE``, ``-r FROM:=TO``); rclpy hands every other argument to the program. Ours
read none, so before this they were dropped without a word: ``sim_node publish_clock:=true``
(the ROS 1 form) ran without a clock, ``camera_node --help`` tried to open a camera.
:func:`stray_arguments` finds them, :func:`usage_text` is the ``--help`` answer and
:func:`stray_problem` the one-line refusal (``node_runner.init_node_args``: status 2).
"""

from __future__ import annotations

import shlex

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

    The advice is a command rcl accepts, each argument converted: a ROS 2 flag (``--params-file
    FILE``, ``-r FROM:=TO``: the commonest slip) kept with its value, after ``--ros-args``;
    ``NAME:=VALUE`` read as a parameter the user meant (ROS 1's form: ``-p NAME:=VALUE``),
    ``__params:=FILE`` and ``__log_level:=LEVEL`` (ROS 2 Dashing's forms) as ``--params-file``
    and ``--log-level``, other ``__name:=`` (``__node``, ``__ns``) as remaps (``-r``); anything
    else (a word, a flag without its value) is named as an argument the node does not take.
    Values are shell-quoted where needed (a path with a space).
    """
    given, unknown = _converted(stray)
    many = len(stray) > 1
    line = (f"argument{'s' if many else ''} '{' '.join(stray)}' outside --ros-args: a ROS 2 "
            f"node reads its settings only after --ros-args, so {'these are' if many else 'it is'}"
            " not read; ")
    if not given:
        return line + f"give {name} --ros-args -p NAME:=VALUE (see {name} --help)"
    if unknown:
        words = " ".join(unknown)
        line += f"{name} takes no '{words}' (see {name} --help); "
    return line + f"give {name} --ros-args {shlex.join(given)}"


def _converted(stray: list[str]) -> tuple[list[str], list[str]]:
    """Return (``stray`` as rcl arguments, the arguments that are none) in their order."""
    from vjepa_ros.nodes.ros_args import BARE_FLAGS, is_ros_flag

    given, unknown, index = [], [], 0
    while index < len(stray):
        arg = stray[index]
        key, assigned, value = arg.partition(":=")
        if is_ros_flag(arg) and arg not in BARE_FLAGS:  # its value follows
            if index + 1 < len(stray):
                given += [arg, stray[index + 1]]
                index += 1
            else:  # rcl refuses a valued flag at the end
                unknown.append(arg)
        elif arg in BARE_FLAGS:
            given.append(arg)
        elif assigned and key in _DASHING_FLAGS:
            given += [_DASHING_FLAGS[key], value]
        elif assigned and key.startswith("__"):
            given += ["-r", arg]
        elif assigned and key:
            given += ["-p", arg]
        else:
            unknown.append(arg)
        index += 1
    return given, unknown


def params_file_where(params_file: str) -> str:
    """Return where a node's ``params_file`` (a name in ``config/``) is installed, as a path.

    ``package_files.config_path``; ``config/NAME`` where the install has lost it (the name
    still helps).
    """
    from vjepa_ros.config import ConfigError
    from vjepa_ros.package_files import config_path

    try:
        return str(config_path(params_file))
    except ConfigError:
        return f"config/{params_file}"


def usage_text(name: str, params_file: str, launch_node: str) -> str:
    """Return ``--help``'s text for the executable ``name`` (several lines).

    ``params_file``: its file in ``config/`` ("" none); ``launch_node``: its ``vjepa-ros
    launch --node`` name. Names where the parameters, their defaults and descriptions are.
    """
    lines = [f"usage: {name} [--ros-args [-p NAME:=VALUE]... [--params-file FILE]... "
             "[-r FROM:=TO]... [--log-level LEVEL]]",
             "",
             "A node of vjepa_ros; it reads only ROS arguments (after --ros-args)."]
    if params_file:
        where = params_file_where(params_file)
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
