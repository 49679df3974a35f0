"""Replay a rosbag2 bag with /clock, for nodes started with use_sim_time:=true.

ros2 launch vjepa_ros bag_player.launch.py bag:=run1 rate:=1.0

On a full ROS install `ros2 bag play run1 --clock` does the same; this node needs no rosbag2.
An argument sets its parameter only when given (rate, loop: config/bag_player.yaml's values
otherwise); each text is read as its parameter's type (bag:=2025-01-01 stays a folder's name).
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    OpaqueFunction,
    RegisterEventHandler,
    SetEnvironmentVariable,
)
from launch.event_handlers import OnShutdown
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from vjepa_ros.nodes.dds_profile import PROFILE_FILE, profile_variables
from vjepa_ros.nodes.launch_values import node_parameters, removal

# launch argument -> (the parameter it sets, its type), set only when given
ARGUMENTS = {"bag": ("bag", str), "rate": ("rate", float), "loop": ("loop", bool)}


def nodes(context):
    """Return the bag_player node; ValueError naming bag:= empty, rate:=fast (one line)."""
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    given, written = node_parameters(context.launch_configurations, "bag_player", config,
                                     ARGUMENTS, ParameterValue, LaunchConfiguration)
    return [Node(package="vjepa_ros", executable="bag_player", name="bag_player", parameters=given,
                 output="screen"),
            *removal(written, RegisterEventHandler, OnShutdown)]


def generate_launch_description():
    profile = EnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", default_value=os.path.join(
        get_package_share_directory("vjepa_ros"), "config", PROFILE_FILE))
    return LaunchDescription(
        [
            DeclareLaunchArgument("bag", description="rosbag2 bag (directory, .mcap or .db3)"),
            # Raw frames to nodes in other processes need the larger shared-memory segment.
            *(SetEnvironmentVariable(name, profile)
              for name in profile_variables(os.environ.get("ROS_DISTRO"))),
            DeclareLaunchArgument("rate", default_value="", description="Playback speed; "
                                  "empty (default): config/bag_player.yaml's (1.0)"),
            DeclareLaunchArgument("loop", default_value="", description="true: start again "
                                  "when the bag ends; empty (default): config/bag_player.yaml's "
                                  "(false)"),
            OpaqueFunction(function=nodes),
        ]
    )
