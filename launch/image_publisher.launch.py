"""Publish an image file (e.g. a goal image) on a topic.

ros2 launch vjepa_ros image_publisher.launch.py path:=goal.png topic:=/vjepa_planner/goal_image

rate_hz sets its parameter only when given (config/image_publisher.yaml's value otherwise); the
path's text reaches the node as it is (path:=2025-01-01 a file's name, not a date). ``topic`` is
where the image goes in either transport: raw on it, compressed (``transport: compressed`` in
the parameter file) on ``<topic>/compressed``, image_transport's name, which the planner hears
for ``~/goal_image`` and a compressed camera (breaker60d).
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
ARGUMENTS = {"path": ("path", str), "rate_hz": ("rate_hz", float)}


def nodes(context):
    """Return the image_publisher node (ValueError, one line: path:= empty, rate_hz:=fast)."""
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    topic = LaunchConfiguration("topic")
    given, written = node_parameters(context.launch_configurations, "image_publisher", config,
                                     ARGUMENTS, ParameterValue, LaunchConfiguration)
    return [Node(package="vjepa_ros", executable="image_publisher", name="image_publisher",
                 parameters=given, remappings=[
                     ("image", topic),  # transport raw, and compressed beside it (image_transport)
                     ("image/compressed", [topic, "/compressed"])],
                 output="screen"),
            *removal(written, RegisterEventHandler, OnShutdown)]


def generate_launch_description():
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
                default_value="",
                description="Republish rate [Hz], 0 to 1000; 0 publishes once, latched; empty "
                "(default): config/image_publisher.yaml's (0.0)",
            ),
            OpaqueFunction(function=nodes),
        ]
    )
