"""Where each start-up parameter value of a node came from, for its value errors (no rclpy).

A value a node refuses at start-up (``planner.samples must lie in [1, 100000], got -5``) is named
by its source, as a ``--config`` settings file's value is named by the file and its key:
``--params-file p.yaml: planner.samples ...`` or ``-p planner.samples must lie ...``.
rcl applies a node's ``--params-file`` files and ``-p`` items in the order given, the last one
that sets a parameter winning (:func:`ros_arg_sources`); ``vjepa-ros launch`` adds its own
``-p NODE.name`` values and options on top (``node_launch.NodeLaunch.sources``). :func:`sourced`
puts the sources of the parameters a message names before it.
"""

from __future__ import annotations

import re
from pathlib import Path

from vjepa_ros.config import ConfigError
from vjepa_ros.yaml_files import read_ros_params

PACKAGED = "the packaged default"  # how a message names a file of the package's config/


def packaged_file(name: str) -> str:
    """How a message names the package's ``config/NAME``, a file the user did not give.

    ``the packaged default config/planner.yaml`` (a node's defaults under ``vjepa-ros launch``
    without ``--params-file``).
    """
    return f"{PACKAGED} config/{name}"


def packaged_name(path: str | Path) -> str:
    """Return ``NAME`` when ``path`` is the package's own ``config/NAME``, else "".

    However it is spelled: absolute (``ros2 launch vjepa_ros vjepa_mpc.launch.py`` passes the
    installed ``share/vjepa_ros/config/planner.yaml`` as ``--params-file`` itself), relative,
    through a link, in any of the places the package's files may live
    (``package_files.share_dir_candidates``). A file of the same name elsewhere (the user's
    copy) is not the package's.
    """
    from vjepa_ros.package_files import share_dir_candidates

    try:
        real = Path(path).expanduser().resolve()
    except (OSError, RuntimeError):  # a link loop: not the package's file
        return ""
    for share in share_dir_candidates():
        config = share / "config"
        try:
            if real.parent == config.resolve() and real.is_file():
                return real.name
        except (OSError, RuntimeError):
            continue
    return ""


def params_file_label(path: str | Path) -> str:
    """Return how a message names a ``--params-file`` ``path``.

    ``--params-file PATH``; the package's own file (:func:`packaged_name`): ``the packaged
    default config/NAME`` (:func:`packaged_file`), as ``vjepa-ros launch`` names it.
    """
    name = packaged_name(path)
    return packaged_file(name) if name else f"--params-file {path}"


def is_file_source(label: str) -> bool:
    """Return whether a source ``label`` names a parameter file (a ``--params-file``).

    ``--params-file PATH`` or the package's own file (:func:`packaged_file`), not a ``-p`` or
    an option of ``vjepa-ros launch``.
    """
    return label.startswith(("--params-file ", PACKAGED))


def dotted(parameters: dict, prefix: str = "") -> list[str]:
    """Return the dotted names of the values in a nested mapping of parameters (groups)."""
    names = []
    for key, value in parameters.items():
        if isinstance(value, dict):
            names += dotted(value, f"{prefix}{key}.")
        else:
            names.append(f"{prefix}{key}")
    return names


def file_sources(path: str | Path, node: str, label: str) -> dict[str, str]:
    """Return ``{name: label}`` for each parameter the file ``path`` gives node ``node``.

    ``node``: fully qualified (``/vjepa_planner``). A file that cannot be read gives none (its
    own check, ``params_file.check_params_file``, refuses it before any node starts).
    """
    try:
        return dict.fromkeys(dotted(read_ros_params(path, node)), label)
    except (ConfigError, OSError):
        return {}


def ros_arg_sources(argv: list[str], name: str) -> dict[str, str]:
    """Return ``{parameter: source}`` from a node executable's ROS arguments, as rcl applies them.

    ``--params-file F`` gives ``--params-file F`` for each parameter F sets for node ``name``
    (after ``-r __ns:=``/``__node:=``), or ``the packaged default config/NAME`` when F is the
    package's own file (:func:`params_file_label`: the launch file passes it itself);
    ``-p NAME:=VALUE`` gives ``-p NAME``; the last one given wins. A values file of
    ``vjepa_mpc.launch.py`` gives ``launch argument checkpoint:=TEXT``
    (``launch_values.argument_sources``), not the temporary file the user never wrote.
    """
    from vjepa_ros.nodes.launch_values import argument_sources
    from vjepa_ros.nodes.ros_args import node_name, ros_arguments

    arguments = ros_arguments(argv)
    node = node_name(name, arguments)
    sources: dict[str, str] = {}
    for flag, value in arguments:
        if flag == "--params-file" and value:
            given = file_sources(value, node, params_file_label(value))
            given.update({name: label for name, label in argument_sources(value).items()
                          if name in given})  # a launch file's values: named by argument
            sources.update(given)
        elif flag == "-p" and value and ":=" in value:
            parameter = value.partition(":=")[0].rpartition(":")[2]  # (a NODE: prefix)
            sources[parameter] = f"-p {parameter}"
    return sources


def command_line_names(sources: dict[str, str]) -> set[str]:
    """Return the parameters of ``sources`` whose value was typed on the command line (``-p``).

    A value of the wrong type there is a usage error (``config.typed_on_command_line``), as
    argparse's ``invalid int value`` is; one from a file is a value the settings refuse.
    """
    return {name for name, label in sources.items() if label.startswith("-p ")}


def typed_refused(exc: BaseException, said: str, typed) -> bool:
    """Whether ``exc`` refuses a value typed as ``-p`` (``typed``: :func:`command_line_names`).

    A value of the wrong type (``config.typed_on_command_line``) or a plain ValueError naming
    such a parameter in ``said``, its one-line message as the node wrote it (out of its range:
    ``planner.samples must lie in [1, 100000], got 0``): a usage error, exit status 2, as
    argparse's ``invalid int value`` and the ``vjepa-ros`` options' ranges (docs/cli.md "Exit
    status"), under ``vjepa-ros launch`` and the node executables alike. From a file: False.
    """
    from vjepa_ros.config import typed_on_command_line

    if typed_on_command_line(exc, typed):
        return True
    return type(exc) is ValueError and bool(named(said, typed))


def named(message: str, names) -> list[str]:
    """Return the parameters of ``names`` that ``message`` names, in the order it names them.

    A parameter is named where its dotted name stands as a whole (``safety.workspace_min[2]``
    names ``safety.workspace_min``; ``planner.samples`` does not name ``samples``), not after a
    ``/`` as part of a path or topic (``/data/bag`` does not name ``bag``, ``/clock`` ``clock``).
    """
    found = []  # (where in the message, name)
    for name in names:
        match = re.search(rf"(?<![\w./]){re.escape(name)}(?!\w|\.\w)", message)
        if match:
            found.append((match.start(), name))
    return [name for _, name in sorted(found)]


def noted(message: str, notes: dict[str, str]) -> str:
    """Return ``message`` with ``; NOTE`` after it for each parameter of ``notes`` it names.

    ``notes``: ``{parameter: how rcl read its -p text}`` (:func:`ros_arg_notes`): ``planner.samples
    ... got 8.0 (a float)`` → ``...; rcl reads 08 as the float 8.0 (...): write 8``.
    """
    return "".join([message, *(f"; {notes[name]}" for name in named(message, notes))])


def ros_arg_notes(argv: list[str]) -> dict[str, str]:
    """Return ``{parameter: note}`` for each ``-p NAME:=TEXT`` rcl reads unlike its digits.

    ``rcl_readings.number_reading``: a whole number past int64 a float (zero-led digits the node
    would not get as typed, ``010`` or ``08`` for a whole number, are refused before:
    ``ros_args.check_param_value``). The last ``-p`` of a
    name in ``argv`` wins, as rcl applies them.
    """
    from vjepa_ros.nodes.ros_args import ros_arguments
    from vjepa_ros.rcl_readings import number_reading

    notes: dict[str, str] = {}
    for flag, value in ros_arguments(argv):
        if flag == "-p" and value and ":=" in value:
            key, _, text = value.partition(":=")
            notes.pop(key.rpartition(":")[2], None)
            if number_reading(text.strip()):
                notes[key.rpartition(":")[2]] = number_reading(text.strip())
    return notes


def sourced(message: str, sources: dict[str, str]) -> str:
    """Return ``message`` after the sources of the parameters it names (``message`` if none).

    ``planner.samples must lie in [1, 100000], got -5`` with ``{"planner.samples": "--params-file
    p.yaml"}`` → ``--params-file p.yaml: planner.samples must lie ...``; a message that begins
    with the parameter a ``-p`` gave names it once: ``-p planner.planner.samples must lie ...``
    (``{"planner.samples": "-p planner.planner.samples"}``). Two sources:
    ``--params-file p.yaml (camera_check.trial.offset_m), -p safety.max_step_m: ...`` (a ``-p``
    names its parameter itself). A parameter is named where its dotted name stands as a whole
    (``safety.workspace_min[2]`` names ``safety.workspace_min``).
    """
    by_label: dict[str, list[str]] = {}
    for name in named(message, sources):
        by_label.setdefault(sources[name], []).append(name)
    if not by_label:
        return message
    if len(by_label) == 1:
        (label, names), = by_label.items()
        if len(names) == 1 and message.startswith(f"{names[0]} ") and label.startswith("-p ") \
                and (label == f"-p {names[0]}" or label.endswith(f".{names[0]}")):
            return label + message[len(names[0]):]  # named once: "-p sim.x must lie in ..."
        return f"{label}: {message}"
    parts = [label if label.startswith("-p ") else f"{label} ({', '.join(names)})"
             for label, names in by_label.items()]
    return f"{', '.join(parts)}: {message}"
