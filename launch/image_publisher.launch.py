"""Publish an image file (e.g. a goal image) on a topic.

ros2 launch vjepa_ros image_publisher.launch.py path:=goal.png topic:=/vjepa_planner/goal_image
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node

from vjepa_ros.nodes.dds_profile import PROFILE_FILE, profile_variables


def generate_launch_description():
    params = os.path.join(
        get_package_share_directory("vjepa_ros"), "config", "image_publisher.yaml"
    )
    profile = EnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", default_value=os.path.join(
        get_package_share_directory("vjepa_ros"), "config", PROFILE_FILE))
    return LaunchDescription(
        [
            DeclareLaunchArgument("path", description="Image file to publish"),
            # Raw frames to nodes in other processes need the larger shared-memory segment.
            *(SetEnvironmentVariable(name, profile)
              for name in profile_variables(os.environ.get("ROS_DISTRO"))),
            DeclareLaunchArgument(
                "topic", default_value="image", description="Topic to publish on"
            ),
            DeclareLaunchArgument(
                "rate_hz",
                default_value="0.0",
                description="Republish rate [Hz], 0 to 1000; 0 publishes once, latched",
            ),
            Node(
                package="vjepa_ros",
                executable="image_publisher",
                name="image_publisher",
                parameters=[
                    params,
                    {
                        "path": LaunchConfiguration("path"),
                        "rate_hz": LaunchConfiguration("rate_hz"),
                    },
                ],
                remappings=[("image", LaunchConfiguration("topic"))],
                output="screen",
            ),
        ]
    )
