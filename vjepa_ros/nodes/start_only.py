"""What a node answers a run-time ``ros2 param set`` of a parameter it reads at start only.

Every node reads its parameters once, at start; only a few (the planner's goal parameters,
rclpy's ``use_sim_time``) take effect when set at run time. A value set for any other would be
stored and do nothing, so ``nodes/params.py`` refuses it with :func:`start_only_message`: the
parameter is read at start, and how to start the node with the value. No rclpy import.
"""

from __future__ import annotations

from vjepa_ros.nodes.node_registry import NODES, launch_node_name
from vjepa_ros.ros_values import shell_arg_value
from vjepa_ros.start_forms import ANY_VALUE, start_forms


def start_only_message(node: str, name: str, value=None, type_problem: str = "") -> str:
    """Return the one-line refusal of a run-time value for start-only parameter ``name``.

    ``node``: the node's ROS name (``vjepa_planner``), which picks the ``vjepa-ros launch``
    form (``-p planner.NAME:=VALUE``; ``--node sim -p sim.NAME:=VALUE``); ``value``: the value
    given (None: shown as ``...``); ``type_problem``: what the parameter takes, when ``value``
    has another type ("takes a whole number (e.g. 800), got 'x' (a string)"), said after it.
    """
    shown = ANY_VALUE if value is None or type_problem else _ros_text(name, value)
    registry = launch_node_name(node)  # vjepa_planner: planner
    if registry in NODES:
        how = start_forms(registry, name, shown)
    else:
        how = f"--ros-args -p {name}:={shown}"
    line = (f"parameter '{name}' is read at start only: setting it at run time changes nothing; "
            f"restart the node with the new value ({how})")
    return f"{line}; it {type_problem}" if type_problem else line


def _ros_text(name: str, value) -> str:
    """``value`` as ``-p name:=VALUE`` text to paste into a shell (``shell_arg_value``)."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        value = list(value)
    try:
        return shell_arg_value(name, value)
    except ValueError:
        return ANY_VALUE
