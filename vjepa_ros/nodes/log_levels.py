"""``vjepa-ros launch --log-level``: rcl's ``--log-level`` forms, checked before ROS starts.

rcl takes ``--ros-args --log-level LEVEL`` (every logger) and ``--log-level NAME:=LEVEL`` (one
logger: a node's is its ROS name, ``vjepa_planner``; in a namespace, dotted: ``camera.camera``),
repeatable, LEVEL one of :data:`LOG_LEVELS` in any case. ``launch`` names its nodes ``planner``,
``sim``, ... (``node_registry.NODES``) in every option, so ``planner:=warn`` goes to rcl as
``vjepa_planner:=warn`` (``node_registry.node_logger_name``); a ROS name passes as typed.
``launch`` starts its nodes in one process (``nodes_in_process.Launch``), so the levels go to
that process's ``rclpy.init``.
"""

from __future__ import annotations

import argparse

from vjepa_ros.nodes.node_registry import node_logger_name
from vjepa_ros.robot.planner_name import PLANNER_NODE

LOG_LEVELS = ("debug", "info", "warn", "error", "fatal", "unset")  # rcutils' severities


def log_level_item(value: str) -> str:
    """Return ``value`` (``LEVEL`` or ``NAME:=LEVEL``) as rcl is to get it, when rcl can parse it.

    ``NAME`` is launch's name of a node (``planner``, ``sim``, ``sim.child``: the node's logger
    under its ROS name, ``vjepa_planner:=warn``, ``sim_node.child:=warn``) or any rcl logger
    name (``vjepa_planner``, ``rcl``), given as typed; ``LEVEL`` as typed.
    The ``type`` of ``--log-level``: raises ``argparse.ArgumentTypeError`` (argparse names the
    option; exit status 2) for a LEVEL not in :data:`LOG_LEVELS` (``Warning``), an empty logger
    name (``:=warn``) or a second ``:=``, where rcl would end ``rclpy.init`` with its lexer's
    words (``Expected lexeme type 1, got 8 at index 4``).
    """
    name, sep, level = value.rpartition(":=")
    form = (f"give LEVEL or LOGGER:=LEVEL (e.g. --log-level planner:=warn, or by its ROS name "
            f"{PLANNER_NODE}:=warn)")
    if sep and (not name.strip() or ":=" in name):
        raise argparse.ArgumentTypeError(f"{value!r}: no logger name before ':=' (or two "
                                         f"':='); {form}")
    if level.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{value!r}: {level!r} is no ROS log level (one of "
                                         f"{', '.join(LOG_LEVELS[:-1])}); {form}")
    logger = node_logger_name(name) if sep else name
    return f"{logger}:={level}" if logger != name else value  # launch's name: the node's


def log_level_args(items: list[str]) -> list[str]:
    """Return ``rclpy.init``'s ``args`` for ``--log-level`` items ([] for none)."""
    if not items:
        return []
    return ["--ros-args", *(arg for item in items for arg in ("--log-level", item))]
