"""Declare a typed config dataclass as ROS parameters (with descriptions) and read it back."""

from __future__ import annotations

import dataclasses
import difflib
import typing

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from rclpy.parameter import Parameter

from vjepa_ros.config import flatten, from_dict

_ARRAY_TYPES = {
    str: Parameter.Type.STRING_ARRAY,
    int: Parameter.Type.INTEGER_ARRAY,
    float: Parameter.Type.DOUBLE_ARRAY,
    bool: Parameter.Type.BOOL_ARRAY,
}


def _field_hint(cfg, dotted: str):
    """Type hint of the (possibly nested) dataclass field ``dotted`` of ``cfg``."""
    head, _, rest = dotted.partition(".")
    if rest:
        return _field_hint(getattr(cfg, head), rest)
    return typing.get_type_hints(type(cfg))[head]


def closest_name(name: str, names) -> str:
    """Return the name in ``names`` most like ``name`` (one ending in ``.name`` first).

    ``samples`` → ``planner.samples``; ``planner.sampels`` → ``planner.samples``.
    """
    names = sorted(names)
    suffixed = [candidate for candidate in names if candidate.endswith(f".{name}")]
    if suffixed:
        return suffixed[0]
    return max(names, key=lambda candidate: difflib.SequenceMatcher(None, name, candidate)
               .ratio())


def refuse_undeclared_overrides(node: Node) -> None:
    """Raise ValueError when a parameter given at start-up was never declared by ``node``.

    rclpy keeps start-up values (``-p``, ``--params-file``, ``parameter_overrides``) aside until
    the node declares the parameter, and silently drops the rest: a typo would leave a default
    in force. The node's overrides are rclpy's ``Node._parameter_overrides`` (rclpy has no public
    accessor; every rclpy since Dashing has it). One line names each unknown parameter and the
    closest declared name.
    """
    overrides = getattr(node, "_parameter_overrides", {})
    declared = node.get_parameters_by_prefix("")  # every declared parameter
    unknown = sorted(name for name in overrides if not node.has_parameter(name))
    if unknown:
        named = "; ".join(f"{name!r} (closest: {closest_name(name, declared)!r})"
                          for name in unknown)
        raise ValueError(f"{node.get_name()}: unknown parameter{'s' if len(unknown) > 1 else ''} "
                         f"{named}; `ros2 param list` on the running node (or its config/*.yaml) "
                         "lists the names")


def declare_config(node: Node, defaults):
    """Declare every field of dataclass ``defaults`` on ``node``; return the configured copy.

    Values given at start-up (``--ros-args --params-file``, launch ``parameters=[...]``,
    ``parameter_overrides``) win over the defaults; the result is type-checked by
    :func:`vjepa_ros.config.from_dict`. A list field whose default is empty is declared with its
    array type (``list[str]`` → string array), since rclpy cannot infer a type from ``[]``.
    A start-up value for a parameter the node does not have raises ValueError
    (:func:`refuse_undeclared_overrides`).
    """
    assert dataclasses.is_dataclass(defaults)
    values = {}
    for name, default, description in flatten(defaults):
        descriptor = ParameterDescriptor(description=description)
        if isinstance(default, list) and not default:
            (item,) = typing.get_args(_field_hint(defaults, name)) or (str,)
            value = node.declare_parameter(name, _ARRAY_TYPES[item], descriptor).value
            values[name] = [] if value is None else list(value)
        else:
            values[name] = node.declare_parameter(name, default, descriptor).value
    refuse_undeclared_overrides(node)
    return from_dict(type(defaults), values)
