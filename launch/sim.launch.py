"""Start the simulated Franka (robot + camera topics) with config/sim.yaml.

ros2 launch vjepa_ros sim.launch.py
ros2 launch vjepa_ros sim.launch.py real_time_factor:=0 publish_clock:=true width:=640 height:=480

The goal image of each /goal_pose goes to the planner's goal topic (goal_image_topic, default
/vjepa_planner/goal_image: the planner of vjepa_mpc.launch.py), as `-r
goal_image:=/vjepa_planner/goal_image` under `ros2 run` and `vjepa-ros launch --node sim` do; a
planner in a namespace: goal_image_topic:=/arm1/vjepa_planner/goal_image.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE


def generate_launch_description():
    params = os.path.join(get_package_share_directory("vjepa_ros"), "config", "sim.yaml")
    arguments = {
        "seed": ("0", int, "Seed of the object placement"),
        "real_time_factor": ("1.0", float, "Simulated seconds per wall second; 0: flat out"),
        "publish_clock": ("false", bool, "Publish /clock (run other nodes with use_sim_time)"),
        "width": ("256", int, "Camera image width"),
        "height": ("256", int, "Camera image height"),
    }
    names = {"width": "camera.width", "height": "camera.height"}
    overrides = {
        names.get(name, name): ParameterValue(LaunchConfiguration(name), value_type=kind)
        for name, (_, kind, _) in arguments.items()
    }
    return LaunchDescription(
        [
            *[
                DeclareLaunchArgument(name, default_value=default, description=description)
                for name, (default, _, description) in arguments.items()
            ],
            DeclareLaunchArgument(
                "goal_image_topic",
                default_value=PLANNER_GOAL_IMAGE,
                description="Where the goal image of each /goal_pose goes (the planner's topic)",
            ),
            Node(
                package="vjepa_ros",
                executable="sim_node",
                name="sim_node",
                parameters=[params, overrides],
                remappings=[("goal_image", LaunchConfiguration("goal_image_topic"))],
                output="screen",
            ),
        ]
    )
