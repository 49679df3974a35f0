"""The planner's ROS node name: the one place it is spelled (no imports, no rclpy).

The node (``planner_node``), the node registry (``node_registry``), the launch file, the reach
demo and its client, the camera check's parameter files and the benchmarks take it from here. It
lives in a module of its own, not in ``planner_config`` (which imports numpy and the planning and
robot settings, 0.2 s): every ``vjepa-ros`` command imports the node registry to build its
parser, and the launch file imports it too.
"""

PLANNER_NODE = "vjepa_planner"  # services, topics and parameters live under /vjepa_planner/
