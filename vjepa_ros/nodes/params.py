"""Declare a typed config dataclass as ROS parameters (with descriptions) and read it back."""

from __future__ import annotations

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node

from vjepa_ros.config import flatten, from_dict


def declare_config(node: Node, defaults):
    """Declare every field of dataclass ``defaults`` on ``node``; return the configured copy.

    Values given at start-up (``--ros-args --params-file``, launch ``parameters=[...]``,
    ``parameter_overrides``) win over the defaults; the result is type-checked by
    :func:`vjepa_ros.config.from_dict`.
    """
    values = {}
    for name, default, description in flatten(defaults):
        descriptor = ParameterDescriptor(description=description)
        values[name] = node.declare_parameter(name, default, descriptor).value
    return from_dict(type(defaults), values)
