"""How to start a node with a parameter's value: the command lines to paste. ROS-free.

Every node parameter but a few (the planner's goal parameters, rclpy's ``use_sim_time``) is read
once, at start (``nodes/start_only.py`` refuses a run-time ``ros2 param set`` of one), so advice
given while a node runs names a restart with the value, never a "set" that would be refused:
:func:`restart_planner_with`. The forms are ``vjepa-ros launch``'s (``-p NODE.NAME:=VALUE``, and
``--node NODE`` for a node other than the planner) and ``ros2 run``'s (``--ros-args -p
NAME:=VALUE``).
"""

from __future__ import annotations

from vjepa_ros.ros_values import shell_arg_value

PLANNER = "planner"  # the planner's name under vjepa-ros launch (nodes.node_registry.NODES)
ANY_VALUE = "..."  # the value shown where none is known
RESTART = "restart the planner with"  # how advice to change a start-only parameter begins


def start_forms(node: str, name: str, shown: str) -> str:
    """Return the two ways to start ``node`` with parameter ``name`` at ``shown`` (shell text).

    ``node``: the node's name under ``vjepa-ros launch`` (``planner``, ``sim``: the keys of
    ``nodes.node_registry.NODES``); ``shown``: the value as typed after ``:=``, quoted for the
    shell already. E.g. ``vjepa-ros launch -p planner.robot.base_frame:=fr3_link0, or ros2 run:
    --ros-args -p robot.base_frame:=fr3_link0``.
    """
    flag = "" if node == PLANNER else f" --node {node}"
    return (f"vjepa-ros launch{flag} -p {node}.{name}:={shown}, or ros2 run: "
            f"--ros-args -p {name}:={shown}")


def restart_planner_with(name: str, value: str | float | bool | None = None,
                         what: str = "") -> str:
    """Return the advice to restart the planner with start-only parameter ``name`` changed.

    ``value``: the value to give, of the parameter's type (a frame or topic: str, a limit:
    float), None when it is the user's to find (shown as ``...``); ``what``: that value in
    words (``the topic of fr3_finger_joint1/2``), said instead of ``value``. Pasted as typed
    by ``ros_values.shell_arg_value``, so that ROS reads back that value and type: a frame
    named ``0``, ``true`` or ``1e3`` is ``'"0"'`` (bare, rcl takes it for an int, bool or float:
    breaker55j), one with spaces shell-quoted. E.g. ``restart the planner with robot.base_frame
    fr3_link0 (vjepa-ros launch -p planner.robot.base_frame:=fr3_link0, or ros2 run: --ros-args
    -p robot.base_frame:=fr3_link0)``. Raises ValueError for a value of no parameter type.
    """
    shown = ANY_VALUE if value is None else shell_arg_value(name, value)
    said = what or (ANY_VALUE if value is None else value)
    return f"{RESTART} {name} {said} ({start_forms(PLANNER, name, shown)})"
