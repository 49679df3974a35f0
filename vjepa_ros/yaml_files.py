"""The user's YAML files read with one-line errors: settings files and ROS 2 parameter files.

:func:`load_yaml_file` reads either kind (a parameter file typed as rcl types it,
``rcl_yaml``; keys given twice as ``yaml_keys`` says), :func:`read_yaml_mapping` a
settings file's mapping, :func:`read_ros_params` the parameters rcl gives one node. Every
refusal is a :class:`config.UsageError` naming the file. This module does not import rclpy.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from vjepa_ros.config import UsageError, merge_deep, unflatten
from vjepa_ros.path_text import shown_path

EMPTY_YAML = "is empty (nothing but comments or blank lines)"


def yaml_problem(exc: yaml.YAMLError, line: bool = True) -> str:
    """Return PyYAML's error ``exc`` on one line: where, then what (its message spans five).

    ``line 3, column 10: expected ',' or ']', but got ':'`` (counted from 1); ``line=False``:
    ``column C: ...`` (a one-line value: ``-p``, ``--set``).
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    if mark is None:
        return problem
    return f"{f'line {mark.line + 1}, ' if line else ''}column {mark.column + 1}: {problem}"


def load_yaml_file(path: str | Path, name: str, give: str, rcl: bool = False,
                   repeated: list | None = None):
    """Return the YAML document of the user's file ``path`` (None: no document in it).

    Args:
        path: the file given (``~`` expanded).
        name: how the message names the file (``--params-file``, ``settings file``).
        give: what the file should be, after ``give`` in the message.
        rcl: a ROS 2 parameter file: scalars typed as rcl types them (``rcl_yaml``:
            ``1e-9`` and ``inf`` floats, ``null`` and ``1e-320`` strings), not by YAML 1.1.
    A section (mapping) given twice is merged, as rcl merges it; a value given twice is the
    later one in a parameter file (rcl's; listed in ``repeated`` when given, as
    ``rcl_yaml.load`` lists it), refused in a settings file (``yaml_keys``).
    Raises:
        UsageError: one line ``{name} {path} ...: ...give {give}`` for a file that does not
            exist, is a folder, a symlink loop or unreadable (``input_paths.input_path``), is
            not UTF-8 text (``is not a text file``) or not valid YAML (``is not valid YAML
            (line 3, column 10: expected ',' or ']', but got ':'): fix that line; give ...``),
            or (not ``rcl``) gives a value twice (``{name} {path}: optim.lr is given twice
            (lines 2 and 5): keep one of them``) or a true/false word YAML 1.1, YAML 1.2 and rcl
            read differently (``{name} {path}: planner.warm_start: off (line 3) is false to
            PyYAML (YAML 1.1) and to rcl, but text to YAML 1.2: write false ...``,
            ``yaml_keys.bool_words``).
    """
    from vjepa_ros.input_paths import input_path
    from vjepa_ros.yaml_keys import BoolWordError, RepeatedKeyError, load_settings

    shown = shown_path(path)  # one line whatever the name holds
    try:
        path = input_path(path, name, give)
        if rcl:
            from vjepa_ros import rcl_yaml  # (no rclpy)

            return rcl_yaml.load(path.read_text(), repeated)
        return load_settings(path.read_text())
    except ValueError as exc:  # input_path's one line (UnicodeDecodeError is one too)
        if isinstance(exc, UnicodeDecodeError):
            raise UsageError(f"{name} {shown} is not a text file: give {give}") from None
        raise UsageError(str(exc)) from None
    except (RepeatedKeyError, BoolWordError) as exc:
        raise UsageError(f"{name} {shown}: {exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{name} {shown} is not valid YAML ({yaml_problem(exc)}): fix that "
                         f"line; give {give}") from None
    except OSError as exc:
        raise UsageError(f"{name} {shown} cannot be read ({exc.strerror}): give {give}") \
            from None


def read_yaml_mapping(path: str | Path, what: str = "settings") -> dict:
    """Return the mapping in the user's YAML file ``path``.

    Raises :class:`UsageError` (one line naming the file, :func:`load_yaml_file`) for a file
    that cannot be read or parsed, an empty one (:data:`EMPTY_YAML`), and one whose top level
    is not a mapping (a list, a string, a number, ``false`` ...), and for a setting given twice
    (``yaml_keys``: by one key twice, or dotted and in its section: ``optim.lr: 0.001`` and
    ``optim: {lr: 0.01}``); a section given twice is merged.
    """
    from vjepa_ros.yaml_keys import setting_given_twice

    path = Path(path).expanduser()
    shown = shown_path(path)
    data = load_yaml_file(path, f"{what} file", f"a YAML mapping of {what} (name: value)")
    if data is None:
        raise UsageError(f"{what} file {shown} {EMPTY_YAML}: write the {what} to change in it, "
                         "or leave it out for the defaults")
    if not isinstance(data, dict):
        raise UsageError(f"{what} file {shown} holds a YAML {type(data).__name__} "
                         f"({_shown(data)}), not a mapping of {what} (name: value)")
    twice = setting_given_twice(data)
    if twice:
        raise UsageError(f"{what} file {shown}: {twice} is given twice (dotted, and in its "
                         "section): keep one of them")
    return data


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


PARAMETER_FILE = "a ROS 2 parameter file (a YAML mapping '<node>: ros__parameters: ...')"


def read_ros_params(path: str | Path, node_name: str) -> dict:
    """Read the ``ros__parameters`` rcl gives node ``node_name`` from a ROS 2 param file.

    Sections apply as rcl applies them: each one whose name matches the node (``/**``, other
    wildcards, its own name; a name nested under others joined with '/', as rcl joins it:
    ``/**: {vjepa_planner: {ros__parameters: ...}}`` is ``/**/vjepa_planner``, the node in any
    namespace), in file order, a later value overriding an earlier one
    (``param_sections.node_sections``); ``node_name`` is fully qualified or in no namespace.
    rcl keys a value by its full name (``model.checkpoint``), so groups merge deeply: a node
    section's ``model:`` keeps the ``model.*`` values of a ``/**`` section it does not give.

    Raises :class:`UsageError` (one line naming the file, :func:`load_yaml_file`) for an
    unreadable, non-YAML or empty file, for one that is not a mapping of nodes, and for a
    section of the node whose ``ros__parameters`` is not a mapping.
    """
    path = Path(path)
    shown = shown_path(path)
    doc = load_yaml_file(path, "parameter file", PARAMETER_FILE, rcl=True)
    if doc is None:
        raise UsageError(f"parameter file {shown} {EMPTY_YAML}: give {PARAMETER_FILE}")
    if not isinstance(doc, dict):
        raise UsageError(f"parameter file {shown} is not {PARAMETER_FILE}, it holds a "
                         f"{type(doc).__name__}")
    from vjepa_ros.nodes.param_sections import node_sections, sections  # (no rclpy)

    node = f"/{node_name.lstrip('/')}"
    for key in ("/**", node_name, node):  # a section by the node's name, or the wildcard's
        section = doc.get(key)
        if section and not (isinstance(section, dict) and sections(section)):
            raise UsageError(f"parameter file {shown}: '{key}' must hold a 'ros__parameters' "
                             "mapping (or node sections: '/**: {NODE: {ros__parameters: "
                             "...}}')")
    applied = node_sections(doc, node)  # as rcl applies them, nested ones included
    for name, parameters in applied:
        if not isinstance(parameters, dict):
            raise UsageError(f"parameter file {shown}: '{name}' must hold a 'ros__parameters' "
                             "mapping")
    params: dict = {}
    for _, parameters in applied:  # in file order: a later value over an earlier one
        params = merge_deep(params, unflatten(parameters))
    return params


