"""Declare a typed config dataclass as ROS parameters (with descriptions) and read it back."""

from __future__ import annotations

import dataclasses
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


def declare_config(node: Node, defaults):
    """Declare every field of dataclass ``defaults`` on ``node``; return the configured copy.

    Values given at start-up (``--ros-args --params-file``, launch ``parameters=[...]``,
    ``parameter_overrides``) win over the defaults; the result is type-checked by
    :func:`vjepa_ros.config.from_dict`. A list field whose default is empty is declared with its
    array type (``list[str]`` → string array), since rclpy cannot infer a type from ``[]``.
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
    return from_dict(type(defaults), values)
