"""The parameter values the launch files' arguments give, typed and checked (no launch import).

A launch argument sets its parameter only when given (not empty): the node's YAML file stays the
one source of defaults (user33). Each given text is read as its parameter's type here, so that
launch_ros never reads a path as YAML (``bag:=2025-01-01`` a date, ``bag:=20250101`` an int);
a text that is no value of the type is refused in one line naming the argument
(:func:`given_arguments`), as is a number outside the node's declared range
(:func:`check_ranges`). ``vjepa_mpc.launch.py`` writes its values, and the other launch files
their texts, in a file of their own (:func:`values_file`: quoted, under every section name that
could match the node) whose first line says which argument gave each value, so that the node
names ``checkpoint:=...`` in its error, not the temporary file (:func:`argument_sources`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile

# the first line of a values file: "# launch arguments: {parameter: "argument:=text"}"
ARGUMENTS_HEADER = "# launch arguments: "
# The bool texts launch_ros (YAML's bools) and rcl (the node's) both read as that bool, and the
# node's type error asks for ("true or false"); tRuE, yes, y are refused
_BOOLS = {text: word == "true" for word in ("true", "false")
          for text in (word, word.capitalize(), word.upper())}
INT64 = (-(2 ** 63), 2 ** 63 - 1)  # rcl's integer parameters (int64_t)


def typed_text(argument: str, text: str, kind: type):
    """Return launch argument ``argument``'s ``text`` as a ``kind`` (str, bool, int or float).

    bool: true, True, TRUE, false, False or FALSE (what launch_ros and rcl both read as that
    bool); int: decimal digits (a sign allowed) within int64, rcl's integer; float: a finite
    number. Raises ValueError, one line naming ``argument:=text`` and what to give.
    """
    if kind is str:
        return text
    word = text.strip()
    if kind is bool:
        if word not in _BOOLS:
            raise ValueError(f"launch argument {argument}:={text}: give true or false")
        return _BOOLS[word]
    try:
        value = int(word, 10) if kind is int else float(word)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"launch argument {argument}:={text}: give {what}")
    if kind is int and not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"launch argument {argument}:={text}: give a whole number in "
                         f"[{INT64[0]}, {INT64[1]}] (rcl's int64)")
    return value


def given_arguments(configurations: dict, arguments: dict) -> dict:
    """Return ``{parameter: value}`` for each argument of ``arguments`` given (not empty).

    Args:
        configurations: the launch's texts (``context.launch_configurations``).
        arguments: ``{argument: (parameter, type)}``.
    Raises:
        ValueError: :func:`typed_text`'s one line for a text of the wrong type.
    """
    values = {}
    for argument, (parameter, kind) in arguments.items():
        text = configurations.get(argument, "")
        if text:
            values[parameter] = typed_text(argument, text, kind)
    return values


def node_parameters(configurations: dict, node: str, config: str, arguments: dict,
                    parameter_value, launch_configuration) -> tuple[list, list[str]]:
    """Return (a launch_ros Node's ``parameters``, the values files written for them).

    The parameters: the node's shipped YAML, then the arguments given. Texts (str arguments) go
    in a :func:`values_file` of their own (quoted: ``bag:=2e5`` stays a text, which launch_ros'
    plain YAML dump would make a float for rcl; the node names the argument), numbers and bools
    in a dict (last, possibly empty) as launch_ros' typed values. The files written (``[]`` or
    that one file's path): for :func:`removal` at shutdown.

    Args:
        configurations: the launch's texts (``context.launch_configurations``).
        node: the registered node (``node_registry.NODES``: its YAML file, what it requires).
        config: the installed ``config`` folder.
        arguments: ``{argument: (parameter, type)}``.
        parameter_value, launch_configuration: launch_ros' ``ParameterValue`` and launch's
            ``LaunchConfiguration``: each argument given (not empty) becomes
            ``ParameterValue(LaunchConfiguration(argument), value_type=type)``, so that
            launch_ros reads its text as that type, never as YAML.
    Raises:
        ValueError: one line naming the argument: an empty required one
            (:func:`required_argument`), a text of the wrong type (:func:`given_arguments`),
            a value outside the node's declared range (:func:`check_ranges`); or naming
            the Fast DDS profile variable when it names no profile file
            (``dds_profile.variable_problem``).
    """
    from vjepa_ros.nodes.dds_profile import variable_problem
    from vjepa_ros.nodes.node_registry import NODES

    problem = variable_problem()
    if problem:
        raise ValueError(problem)
    required_argument(configurations, node)
    given = given_arguments(configurations, arguments)
    check_ranges(configurations, NODES[node].config, given, arguments)
    shipped = os.path.join(config, NODES[node].params_file)
    texts = {parameter: given[parameter] for parameter, kind in arguments.values()
             if kind is str and parameter in given}
    labels = argument_labels(configurations, arguments, texts)
    written = values_file(f"/{NODES[node].ros_name}", texts, labels, before=(shipped,))
    return [shipped, *written,
            {parameter: parameter_value(launch_configuration(argument), value_type=kind)
             for argument, (parameter, kind) in arguments.items()
             if parameter in given and kind is not str}], written


def argument_labels(configurations: dict, arguments: dict, parameters) -> dict[str, str]:
    """Return ``{parameter: "argument:=text"}`` for each of ``parameters`` an argument gave.

    ``configurations``: the launch's texts; ``arguments``: ``{argument: (parameter, type)}``.
    Written in the first line of a :func:`values_file`, so that a node refusing a value names
    the argument given (``checkpoint:=/no/such/model.pt``), not the file.
    """
    return {parameter: f"{argument}:={configurations[argument]}"
            for argument, (parameter, _) in arguments.items() if parameter in parameters}


def remove_files(paths) -> None:
    """Remove the values files of :func:`values_file` (the launch shuts down: read by then)."""
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def removal(paths: list[str], register_event_handler, on_shutdown) -> list:
    """Return ``[RegisterEventHandler(OnShutdown(...))]`` removing ``paths`` ([] for none).

    ``register_event_handler``, ``on_shutdown``: launch's classes (no launch import here).
    """
    if not paths:
        return []
    return [register_event_handler(on_shutdown(
        on_shutdown=lambda event, context: remove_files(paths)))]


def check_ranges(configurations: dict, config: str, given: dict, arguments: dict) -> None:
    """Refuse a ``given`` value outside its range in the node's parameters dataclass.

    ``config``: "module:Class" (``NodeEntry.config``; "" nothing to check); ``given``:
    :func:`given_arguments`' values; ``arguments``: ``{argument: (parameter, type)}``. The
    node's own declared ranges (``config.check_field``), checked before the node starts:
    ValueError "launch argument rate:=-2: rate must lie in (0, 100], got -2.0".
    """
    if not config or not given:
        return
    import importlib

    from vjepa_ros.config import check_field, field_at

    module, _, name = config.partition(":")
    settings = getattr(importlib.import_module(module), name)
    for argument, (parameter, _) in arguments.items():
        field = field_at(settings, parameter) if parameter in given else None
        if field is None:
            continue
        try:
            check_field(parameter, given[parameter], field)
        except ValueError as exc:
            raise ValueError(f"launch argument {argument}:={configurations[argument]}: "
                             f"{exc}") from None


def required_argument(configurations: dict, node: str) -> None:
    """Refuse an empty required argument of registered node ``node`` (``NodeEntry.required``).

    ``image_publisher.launch.py path:=`` (``path:=$GOAL`` with the variable unset): ValueError
    "launch argument path:= is empty: give the image file to publish", before the node starts.
    One not given at all is launch's to refuse (its argument has no default).
    """
    from vjepa_ros.nodes.node_registry import NODES

    for name, what in NODES[node].required:
        if name in configurations and not configurations[name].strip():
            raise ValueError(f"launch argument {name}:= is empty: give {what}")


def values_file(fqn: str, values: dict, arguments: dict | None = None,
                before: tuple[str, ...] = ()) -> list[str]:
    """Return ``[path]`` of a new YAML file setting ``values`` for node ``fqn`` ([] if none).

    rcl (rcl_yaml_param_parser) merges a section into the first one of the same name read
    before, a later value replacing an earlier one, and gives a node the sections matching it
    in the order each name first appeared: a section of a file given ``before`` this one
    (``params_file``: ``/**``, ``/arm1/vjepa_planner``, then ``/**/vjepa_planner``) merged with
    none of ours would be applied after ours and win. So the values stand under '/**', ``fqn``
    and every section name of the files ``before`` (one not matching the node is not applied
    to it): whatever
    sections those files hold, in whatever order, the last applied holds the values. Strings
    are written double-quoted, so that rcl reads each as the text (``2e5``, ``y``, ``null``
    plain would be a float, a bool, no value). ``arguments``: ``{parameter: "argument:=text"}``,
    written in the first line (:func:`argument_sources`).
    """
    if not values:
        return []
    import yaml

    class Dumper(yaml.SafeDumper):
        """PyYAML's safe dumper, writing a parameter's text double-quoted."""

    Dumper.add_representer(_Text, lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", str(text), style='"'))
    quoted = {name: _Text(value) if isinstance(value, str) else value
              for name, value in values.items()}
    names = dict.fromkeys(["/**", fqn, *(name for path in before for name in _sections(path))])
    with tempfile.NamedTemporaryFile("w", prefix="launch_params_", suffix=".yaml",
                                     delete=False) as file:
        file.write(f"{ARGUMENTS_HEADER}{json.dumps(arguments or {})}\n")
        # a copy for each section: no alias, which rcl refuses
        yaml.dump({name: {"ros__parameters": dict(quoted)} for name in names}, file,
                  Dumper=Dumper, sort_keys=False)
    return [file.name]


class _Text(str):
    """A parameter's text, written double-quoted by :func:`values_file`."""


def _sections(path: str) -> list[str]:
    """Return the section (node) names of parameter file ``path`` ([]: not readable as one).

    Read as rcl reads it (``rcl_yaml.load``): its documents (``---``) as one mapping, tabs
    between the tokens of a line taken.
    """
    import yaml

    from vjepa_ros import rcl_yaml

    try:
        with open(path, encoding="utf-8") as file:
            loaded = rcl_yaml.load(file.read())
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return []  # the node refuses the file in its own words
    return [name for name in loaded if isinstance(name, str)] if isinstance(loaded, dict) else []


def argument_sources(path: str) -> dict[str, str]:
    """Return ``{parameter: "launch argument NAME:=TEXT"}`` of a :func:`values_file` ``path``.

    ``{}`` for any other file (or one that cannot be read): its values are the file's own.
    """
    try:
        with open(path, encoding="utf-8") as file:
            first = file.readline()
        given = json.loads(first[len(ARGUMENTS_HEADER):]) if first.startswith(
            ARGUMENTS_HEADER) else {}
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return {parameter: f"launch argument {label}" for parameter, label in given.items()
            if isinstance(label, str)}
