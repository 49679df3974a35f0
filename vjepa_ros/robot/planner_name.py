"""The planner's ROS node name: the one place it is spelled (no imports, no rclpy).

The node (``planner_node``), the node registry (``node_registry``), the launch file, the reach
demo and its client, the camera check's parameter files and the benchmarks take it from here. It
lives in a module of its own, not in ``planner_config`` (which imports numpy and the planning and
robot settings, 0.2 s): every ``vjepa-ros`` command imports the node registry to build its
parser, and the launch file imports it too. It lies in ``robot/``, beside the planner's output
topics (``planner_topics``), so that the core (the camera check in ``eval/``) names the node
without importing ``nodes/``.
"""

PLANNER_NODE = "vjepa_planner"  # services, topics and parameters live under /vjepa_planner/


def diagnostics_name(node: str) -> str:
    """Return the planner's ``/diagnostics`` status name: ``/arm1/vjepa_planner: mpc``.

    ``node``: its fully qualified name (``/vjepa_planner``, ``/arm1/vjepa_planner``), so that
    two planners in two namespaces publish statuses a monitor keys apart (user33).
    """
    return f"{node}: mpc"


def is_diagnostics_of(status_name: str, node: str = PLANNER_NODE) -> bool:
    """Whether ``status_name`` is the status of the planner ``node``.

    ``node``: fully qualified (``/arm1/vjepa_planner``), or a name in no namespace
    (``vjepa_planner``: ``/vjepa_planner``).
    """
    return status_name == diagnostics_name("/" + node.lstrip("/"))
