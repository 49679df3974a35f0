"""Replay a rosbag2 bag with /clock, for nodes started with use_sim_time:=true.

ros2 launch vjepa_ros bag_player.launch.py bag:=run1 rate:=1.0

On a full ROS install `ros2 bag play run1 --clock` does the same; this node needs no rosbag2.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node

from vjepa_ros.nodes.dds_profile import PROFILE_FILE, profile_variables


def generate_launch_description():
    params = os.path.join(get_package_share_directory("vjepa_ros"), "config", "bag_player.yaml")
    profile = EnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", default_value=os.path.join(
        get_package_share_directory("vjepa_ros"), "config", PROFILE_FILE))
    return LaunchDescription(
        [
            DeclareLaunchArgument("bag", description="rosbag2 bag (directory, .mcap or .db3)"),
            # Raw frames to nodes in other processes need the larger shared-memory segment.
            *(SetEnvironmentVariable(name, profile)
              for name in profile_variables(os.environ.get("ROS_DISTRO"))),
            DeclareLaunchArgument("rate", default_value="1.0", description="Playback speed"),
            DeclareLaunchArgument(
                "loop", default_value="false", description="Start again when the bag ends"
            ),
            Node(
                package="vjepa_ros",
                executable="bag_player",
                name="bag_player",
                parameters=[
                    params,
                    {
                        "bag": LaunchConfiguration("bag"),
                        "rate": LaunchConfiguration("rate"),
                        "loop": LaunchConfiguration("loop"),
                    },
                ],
                output="screen",
            ),
        ]
    )
