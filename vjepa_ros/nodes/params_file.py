"""ROS 2 parameter files checked before rcl reads them (no rclpy here).

rcl refuses a bad ``--params-file`` only once rclpy, torch and the node have loaded, and in
words of its YAML parser (``Cannot have a value before ros__parameters at line 2, at
/project/src/parser.c:...``). :func:`check_params_file` says the same in one line naming the
option, before any of that: the layout rcl reads is ``<node>: ros__parameters: {name: value}``
(``<node>`` may be ``/**``, a name, or namespaces nesting a name), parameter groups may nest,
and a list holds values of one type (the ROS 2 parameter types; rcl_yaml_param_parser).
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.config import EMPTY_YAML, load_yaml_file

LAYOUT = "<node>: ros__parameters: {name: value}"


def check_params_file(path: str | os.PathLike, option: str = "--params-file",
                      like: str = "config/planner.yaml") -> Path:
    """Return ``path`` when rcl can read it as a ROS 2 parameter file; else ValueError.

    Args:
        path: the file given.
        option: the option (or parameter) that gave it, as the message names it.
        like: the package's example file for the message.
    Raises:
        ValueError: one line ``{option} {path} ...: give a ROS 2 parameter file (...)`` for a
            missing, unreadable, non-YAML or empty file (rcl reads no parameters from it: a
            mistake, not a request for defaults), a document that is not a mapping, a value
            outside ``ros__parameters``, a parameter without a value, or a list mixing types.
    """
    give = f"a ROS 2 parameter file like {like} ({LAYOUT})"
    document = load_yaml_file(path, option, give)  # ConfigError (a ValueError): one line
    path = Path(path).expanduser()
    if document is None:  # rcl reads no parameters from it: a wrong or unsaved file
        raise ValueError(f"{option} {path} {EMPTY_YAML}: give {give}")
    problem = (_node_problem(document, "") if isinstance(document, dict) else
               f"it holds a YAML {type(document).__name__}, not a mapping of nodes")
    if problem:
        raise ValueError(f"{option} {path}: {problem}: give {give}")
    return path


def _node_problem(section: dict, where: str) -> str:
    """Return the first layout problem in a mapping of nodes or namespaces ('' none)."""
    for key, value in section.items():
        here = f"{where}{key}"
        if not isinstance(key, str) or key[:1].isdigit():
            problem = f"node name '{here}' starts with a digit"
        elif key == "ros__parameters":
            problem = (_values_problem(value, where.rstrip("/") or "/", "")
                       if isinstance(value, dict) else
                       f"'{here}' holds {_kind(value)}, not a mapping of parameters")
        elif isinstance(value, dict):
            problem = _node_problem(value, f"{here}/")
        else:
            problem = f"'{here}' holds {_kind(value)} outside any ros__parameters"
        if problem:
            return problem
    return ""


def _values_problem(parameters: dict, node: str, group: str) -> str:
    """Return the first value rcl refuses (none, or a list mixing types) ('' none)."""
    for name, value in parameters.items():
        here = f"parameter '{group}{name}' of {node}"
        if isinstance(value, dict):
            problem = _values_problem(value, node, f"{group}{name}.")
            if problem:
                return problem
        elif value is None or (isinstance(value, list) and None in value):
            return f"{here} has no value"
        elif isinstance(value, list) and len(list_kinds(value)) > 1:
            return f"{here} mixes types in one list ({', '.join(list_kinds(value))})"
    return ""


def list_kinds(values: list) -> list[str]:
    """Return the sorted type names of the items of ``values`` (one: a list ROS accepts)."""
    return sorted({type(item).__name__ for item in values})


def _kind(value) -> str:
    return "nothing" if value is None else f"the value {value!r:.40}"
