"""ROS 2 parameter files checked before rcl reads them (no rclpy here).

rcl refuses a bad ``--params-file`` only once rclpy, torch and the node have loaded, and in
words of its YAML parser (``Cannot have a value before ros__parameters at line 2, at
/project/src/parser.c:...``). :func:`check_params_file` says the same in one line naming the
option, before any of that: the layout rcl reads is ``<node>: ros__parameters: {name: value}``
(``<node>`` may be ``/**``, a name, or namespaces nesting a name), parameter groups may nest,
and a list holds values of one type (the ROS 2 parameter types; rcl_yaml_param_parser). Given
the nodes a file goes to, a section that applies to none of them (a misspelled node name) is
refused too: rcl would drop it silently (``param_sections``). Every refusal is a
``config.UsageError``: the ``vjepa-ros`` commands exit 2 on it, as the node executables do.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.param_ranges import FILE_FORM, digits_refusal
from vjepa_ros.nodes.param_sections import (
    PARAMETERS,
    applies,
    misses_its_node,
    name_problem,
    other_package_nodes,
    sections,
    shown,
    unmatched_problem,
)
from vjepa_ros.rcl_yaml import EmptyMapping
from vjepa_ros.user_paths import expand_path
from vjepa_ros.yaml_files import EMPTY_YAML, load_yaml_file
from vjepa_ros.yaml_keys import both_lines, dotted

LAYOUT = "<node>: ros__parameters: {name: value}"


def check_params_file(path: str | os.PathLike, option: str = "--params-file",
                      like: str = "config/planner.yaml", nodes: Sequence[str] = (),
                      nodes_are: str = "started here", say: Callable[[str], object] = print,
                      alongside: Sequence[str] = (), registry: str | None = None) -> Path:
    """Return ``path`` (``~``, ``$VAR`` expanded) when rcl can read it as a ROS 2 parameter file.

    Args:
        path: the file given.
        option: the option (or parameter) that gave it, as the message names it.
        like: the package's example file for the message.
        nodes: fully qualified names of the nodes the file goes to (``/vjepa_planner``);
            empty: any node.
        nodes_are: what ``nodes`` are to the caller, after "no node" in the message (``started
            here``; ``whose parameters camera-check reads``).
        alongside: registry names (``node_registry.NODES``) of the other nodes the caller
            starts, each with its own file (``vjepa-ros launch --node sim``).
    Raises:
        UsageError: (a ValueError) one line ``{option} {path} ...: give a ROS 2 parameter
            file (...)`` for a missing, unreadable, non-YAML or empty file (rcl reads no
            parameters from it: a mistake, not a request for defaults), a document that is not
            a mapping, a value outside ``ros__parameters``, a node section without one (or with
            it misspelled), a node name rcl refuses, a parameter without a value, an empty
            parameter group (``planner: {}``: rcl misreads it; ``ros__parameters: {}`` is read,
            as rcl reads it: no parameters), zero-led digits the node would not get as
            typed (``samples: 0100``: 64 to rcl, 100 in a settings file; ``samples: 08``: the
            float 8.0; ``param_ranges.digits_refusal``, by the type the section's node
            declares; a name that node does not declare: refused as unknown first), or a
            list mixing types; one
            line ``{option} {path}: section '...' applies to no node {nodes_are} (...);
            closest: '...' ...`` for a section that applies to none of ``nodes``, but for a
            section of another node of this package (``sim_node`` in the planner's file): rcl
            ignores it, and so does this check, with one ``note:`` line to ``say`` each; but
            one for a node started ``alongside`` is refused (``section 'sim_node' is for node
            'sim', which starts with its own file ...``): it was meant for that node.
    A parameter given twice in one section of a node of ``nodes`` (or in a section given twice,
    merged; or dotted and in its group: ``a.b`` and ``a: {b: ...}``): one ``warning:`` line to
    ``say`` naming both lines; the later value is used, as rcl uses it. A section ignored here
    (another node's) gets none.
    """
    give = f"a ROS 2 parameter file like {like} ({LAYOUT})"
    repeated: list = []
    document = load_yaml_file(path, option, give, rcl=True, repeated=repeated)  # one line
    path = expand_path(path)  # read so: ~ and $VAR, which rcl leaves as written
    if document is None:  # rcl reads no parameters from it: a wrong or unsaved file
        raise UsageError(f"{option} {path} {EMPTY_YAML}: give {give}")
    if not isinstance(document, dict):
        problem = f"it holds a YAML {type(document).__name__}, not a mapping of nodes"
    else:
        problem = _node_problem(document, "", lambda section: section_node(
            section, nodes, registry)) or next(
            filter(None, (name_problem(name) for name, _ in sections(document))), "")
    if problem:
        fix = "" if isinstance(problem, _Fixed) else f": give {give}"
        raise UsageError(f"{option} {path}: {problem}{fix}")
    problem = unmatched_problem(document, nodes, nodes_are) if nodes else ""
    if problem:
        raise UsageError(f"{option} {path}: {problem}")
    given_to = ", ".join(shown(node) for node in nodes)
    for section, name in other_package_nodes(document, nodes) if nodes else ():
        if name in alongside:
            raise UsageError(f"{option} {path}: section '{section}' is for node '{name}', which "
                             f"starts with its own file, not this one (it goes to {given_to} "
                             f"alone): set its values with -p {name}.NAME:=VALUE, or remove "
                             "the section")
        missed = misses_its_node(section, name)
        rename = (f"; ROS gives this section to no node '{name}' either, which runs as "
                  f"'{missed}': name the section '{missed}'") if missed else ""
        say(f"note: {option} {path}: section '{section}' is for this package's node '{name}', "
            f"not for {given_to}: ignored here, as ROS ignores the sections of other nodes "
            f"(vjepa-ros launch --node {name} starts it with its own file; -p "
            f"{name}.NAME:=VALUE sets its values){rename}")
    for keys, first, later in repeated:
        at = keys.index(PARAMETERS) if PARAMETERS in keys[:-1] else -1  # (else: a section)
        if at >= 0 and (not nodes or any(applies("/".join(keys[:at]), node) for node in nodes)):
            say(f"warning: {option} {path}: section '{'/'.join(keys[:at])}' gives parameter "
                f"'{dotted(keys[at + 1:])}' twice ({both_lines(first, later)}): the later is "
                "used, as ROS uses it; keep one")
    return path


def section_node(section: str, nodes: Sequence[str] = (), registry: str | None = None
                 ) -> str | None:
    """Return the ``NODES`` key of the node whose parameters ``section`` sets (None: any node's).

    ``section``: a parameter file's node name (``param_sections.sections``: ``vjepa_planner``,
    ``ns/sim_node``, ``/**``). ``registry`` where the section applies to one of ``nodes`` (the
    node the file is given to, under any remapped name); else the node of this package whose
    ROS name the section's last part is; None for a wildcard section given to no known node.
    """
    if registry is not None and any(applies(section, node) for node in nodes):
        return registry
    from vjepa_ros.nodes.node_registry import NODES

    last = section.strip("/").rpartition("/")[2]
    found = {name for name, entry in NODES.items() if entry.ros_name and (
        entry.ros_name == last or "*" in last and any(
            applies(section, node) and node.rpartition("/")[2] == entry.ros_name
            for node in nodes))}
    return found.pop() if len(found) == 1 else None


def _node_problem(section: dict, where: str, node_of: Callable[[str], str | None]) -> str:
    """Return the first layout problem in a mapping of nodes or namespaces ('' none).

    ``node_of``: a section's name → the ``NODES`` key its parameters are checked against.
    """
    for key, value in section.items():
        here = f"{where}{key}"
        if key == PARAMETERS:
            problem = (_values_problem(value, where.rstrip("/") or "/", "",
                                       node_of(where.rstrip("/")))
                       if isinstance(value, dict) else
                       f"'{here}' holds {_kind(value)}, not a mapping of parameters")
        elif (difflib.get_close_matches(str(key), [PARAMETERS], cutoff=0.75)
              and not (isinstance(value, dict) and sections(value))):  # not a node's name
            problem = f"'{here}' is not spelled '{PARAMETERS}' (rcl reads it as a node name)"
        elif isinstance(value, dict):  # a namespace or a node: ros__parameters somewhere inside
            problem = _node_problem(value, f"{here}/", node_of) or (
                "" if sections(value) else f"'{here}' holds no {PARAMETERS} (rcl reads nothing "
                "from it)")
        elif value is None:  # a node's or namespace's section with nothing under it
            problem = _Fixed(f"'{here}' is empty: give it {PARAMETERS}: {{name: value}}, or "
                             "remove it")
        else:
            problem = f"'{here}' holds {_kind(value)} outside any ros__parameters"
        if problem:
            return problem
    return ""


def _values_problem(parameters: dict, node: str, group: str, settings: str | None) -> str:
    """Return the first value rcl refuses (none, or a list mixing types) ('' none).

    ``settings``: the ``NODES`` key of section ``node``'s node (:func:`section_node`).
    """
    for name, value in parameters.items():
        here = f"parameter '{group}{name}' of {node}"
        if isinstance(value, EmptyMapping) or value == {}:
            line = f" (line {value.line})" if getattr(value, "line", 0) else ""
            return _Fixed(f"parameter group '{group}{name}' of {node}{line} is empty: rcl cannot "
                          "read an empty group (it misreads the lines after it, or takes the "
                          "group for a parameter without a value); remove it or give it its "
                          "parameters")
        if isinstance(value, dict):
            problem = _values_problem(value, node, f"{group}{name}.", settings)
            if problem:
                return problem
        elif value is None or (isinstance(value, list) and None in value):
            return f"{here} has no value"
        elif digits := digits_refusal(f"{group}{name}", value, settings, "the node",
                                      FILE_FORM):  # rcl: 64 for 0100, 8.0 for 08
            return _Fixed(f"{here} (line {digits[0].line}): {digits[1]}")
        elif nested_kind(value):
            return _Fixed(f"{here} holds {nested_kind(value)}: {FLAT_LIST} (rcl does not read "
                          "it as written); write one flat list such as [1, 2]")
        elif isinstance(value, list) and len(list_kinds(value)) > 1:
            return _Fixed(f"{here} mixes types in one list ({', '.join(list_kinds(value))}); "
                          f"{list_fix(value)} (rcl refuses a list of two types)")
    return ""


class _Fixed(str):
    """A layout problem that says its own fix (no "give a file like ...")."""


FLAT_LIST = "a ROS list holds plain values (true/false, whole numbers, numbers or strings)"


def nested_kind(value) -> str:
    """Return what a list ``value`` holds that no ROS list holds ('' none, or not a list).

    ``"a list of lists"`` (``[[1]]``), ``"a list of mappings"`` (``[{a: 1}]``): a ROS
    parameter's list holds plain values (:data:`FLAT_LIST`).
    """
    if not isinstance(value, list):
        return ""
    if any(isinstance(item, list) for item in value):
        return "a list of lists"
    if any(isinstance(item, dict) for item in value):
        return "a list of mappings"
    return ""


def list_kinds(values: list) -> list[str]:
    """Return the sorted type names of the items of ``values`` (one: a list ROS accepts).

    An ``rcl_yaml.OctalInt`` is an int, a ``ZeroLedFloat`` a float (``rcl_yaml.plain``).
    """
    from vjepa_ros.rcl_yaml import plain

    return sorted({type(plain(item)).__name__ for item in values})


def list_fix(values: list) -> str:
    """Return what to write for a list mixing types (``list_kinds`` has more than one).

    Whole numbers among floats (``[0.25, -0.45, 0]``, a likely typo): ``write 0 (entry 3) as
    0.0``, naming each (up to three); numbers rcl reads as strings among numbers
    (``[1e-320, 0.5]``): why, and what to write (``rcl_readings.string_reason``) for each (up to
    three); any other mix: write every entry as one type.
    """
    from vjepa_ros.rcl_readings import string_reason

    kinds = list_kinds(values)
    if kinds == ["float", "int"]:
        wholes = [(index, item) for index, item in enumerate(values, 1) if type(item) is int]
        named = ", ".join(f"{item} (entry {index}) as {float(item)}"
                          for index, item in wholes[:3])
        return f"write {named}{', ...' if len(wholes) > 3 else ''}"
    strings = [(index, item) for index, item in enumerate(values, 1) if type(item) is str]
    if set(kinds) <= {"float", "int", "str"} and all(string_reason(item) for _, item in strings):
        named = "; ".join(f"entry {index}, {item}: {string_reason(item)}"
                          for index, item in strings[:3])
        return f"{named}{'; ...' if len(strings) > 3 else ''}"
    return "write every entry as one type (e.g. all quoted strings: '\"1\"')"


def _kind(value) -> str:
    return "nothing" if value is None else f"the value {value!r:.40}"
