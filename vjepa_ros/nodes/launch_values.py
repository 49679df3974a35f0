"""The parameter values the launch files' arguments give, typed and checked (no launch import).

A launch argument sets its parameter only when given (not empty): the node's YAML file stays the
one source of defaults (user33). Each given text is read as its parameter's type here, so that
launch_ros never reads a path as YAML (``bag:=2025-01-01`` a date, ``bag:=20250101`` an int);
a text that is no value of the type is refused in one line naming the argument
(:func:`given_arguments`). ``vjepa_mpc.launch.py`` writes its values in a file of its own
(:func:`values_file`) whose first line says which argument gave each value, so that the node
names ``checkpoint:=...`` in its error, not the temporary file (:func:`argument_sources`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile

# the first line of a values file: "# launch arguments: {parameter: "argument:=text"}"
ARGUMENTS_HEADER = "# launch arguments: "
_BOOLS = {"true": True, "false": False}


def typed_text(argument: str, text: str, kind: type):
    """Return launch argument ``argument``'s ``text`` as a ``kind`` (str, bool, int or float).

    bool: true or false in any case; int: decimal digits (a sign allowed); float: a finite
    number. Raises ValueError, one line naming ``argument:=text`` and what to give.
    """
    if kind is str:
        return text
    word = text.strip()
    if kind is bool:
        if word.lower() not in _BOOLS:
            raise ValueError(f"launch argument {argument}:={text}: give true or false")
        return _BOOLS[word.lower()]
    try:
        value = int(word, 10) if kind is int else float(word)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"launch argument {argument}:={text}: give {what}")
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
                    parameter_value, launch_configuration) -> list:
    """Return a launch_ros Node's ``parameters``: its shipped YAML, then the arguments given.

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
            (:func:`required_argument`), a text of the wrong type (:func:`given_arguments`).
    """
    from vjepa_ros.nodes.node_registry import NODES

    required_argument(configurations, node)
    given = given_arguments(configurations, arguments)
    return [os.path.join(config, NODES[node].params_file), {
        parameter: parameter_value(launch_configuration(argument), value_type=kind)
        for argument, (parameter, kind) in arguments.items() if parameter in given}]


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


def values_file(fqn: str, values: dict, arguments: dict | None = None) -> list[str]:
    """Return ``[path]`` of a new YAML file setting ``values`` for node ``fqn`` ([] if none).

    The values stand under '/**' and under ``fqn``: rcl merges the sections of one name across
    files and applies them in the order each name first appeared, so a params_file naming the
    node before its '/**' would apply its '/**' last; under both names, in a file after
    params_file, the values win whatever its order. ``arguments``: ``{parameter: "argument:=
    text"}``, written in the first line (:func:`argument_sources`).
    """
    if not values:
        return []
    import yaml

    with tempfile.NamedTemporaryFile("w", prefix="launch_params_", suffix=".yaml",
                                     delete=False) as file:
        file.write(f"{ARGUMENTS_HEADER}{json.dumps(arguments or {})}\n")
        yaml.safe_dump({"/**": {"ros__parameters": dict(values)},  # two copies: no alias,
                        fqn: {"ros__parameters": dict(values)}}, file,  # which rcl refuses
                       sort_keys=False)
    return [file.name]


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
