"""Start the simulated Franka (robot + camera topics) with config/sim.yaml.

ros2 launch vjepa_ros sim.launch.py
ros2 launch vjepa_ros sim.launch.py real_time_factor:=0 publish_clock:=true width:=640 height:=480

The goal image of each /goal_pose goes to the planner's goal topic (goal_image_topic, default
/vjepa_planner/goal_image: the planner of vjepa_mpc.launch.py), as `-r
goal_image:=/vjepa_planner/goal_image` under `ros2 run` and `vjepa-ros launch --node sim` do; a
planner in a namespace: goal_image_topic:=/arm1/vjepa_planner/goal_image.

An argument sets its parameter only when given: config/sim.yaml holds the defaults (seed 0,
real_time_factor 1.0, publish_clock false, a 256x256 camera); a text of the wrong type
(width:=wide) is refused in one line naming the argument before the node starts.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnShutdown
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from vjepa_ros.nodes.launch_values import node_parameters, removal
from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE

# launch argument -> (the parameter it sets, its type, its description), set only when given
ARGUMENTS = {
    "seed": ("seed", int, "Seed of the object placement"),
    "real_time_factor": ("real_time_factor", float,
                         "Simulated seconds per wall second; 0: flat out"),
    "publish_clock": ("publish_clock", bool,
                      "Publish /clock (run other nodes with use_sim_time)"),
    "width": ("camera.width", int, "Camera image width"),
    "height": ("camera.height", int, "Camera image height"),
}
TYPED = {  # argument -> (parameter, type), for launch_values.node_parameters
    name: (parameter, kind) for name, (parameter, kind, _) in ARGUMENTS.items()}


def nodes(context):
    """Return the sim_node with the parameters the arguments given set.

    Raises ValueError (one line naming the argument) for a text of the wrong type.
    """
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    given, written = node_parameters(context.launch_configurations, "sim", config, TYPED,
                                     ParameterValue, LaunchConfiguration)
    return [Node(package="vjepa_ros", executable="sim_node", name="sim_node", parameters=given,
                 remappings=[("goal_image", LaunchConfiguration("goal_image_topic"))],
                 output="screen"),
            *removal(written, RegisterEventHandler, OnShutdown)]  # [] while all are numbers


def generate_launch_description():
    return LaunchDescription(
        [
            *[
                DeclareLaunchArgument(name, default_value="", description=description
                                      + "; empty (default): config/sim.yaml's")
                for name, (_, _, description) in ARGUMENTS.items()
            ],
            DeclareLaunchArgument(
                "goal_image_topic",
                default_value=PLANNER_GOAL_IMAGE,
                description="Where the goal image of each /goal_pose goes (the planner's topic)",
            ),
            OpaqueFunction(function=nodes),
        ]
    )
