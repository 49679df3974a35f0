"""V-JEPA 2-AC image-goal MPC on a Franka arm: the planner node (and optionally the camera node).

ros2 launch vjepa_ros vjepa_mpc.launch.py checkpoint:=/path/vjepa2-ac-vitg.pt \
    target_topic:=/cartesian_impedance_controller/target_pose camera:=true

The planner starts in shadow mode; `ros2 service call /vjepa_planner/enable std_srvs/srv/SetBool
"{data: true}"` starts commanding. Without `ros2 launch`, `vjepa-ros launch` starts the same nodes
with the same parameter files (vjepa_ros/nodes/launcher.py).
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.conditions import IfCondition
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from vjepa_ros.nodes.dds_profile import PROFILE_FILE, profile_variables
from vjepa_ros.nodes.planner_name import PLANNER_NODE


def generate_launch_description():
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    arguments = [
        ("checkpoint", "", "V-JEPA 2-AC checkpoint file (vjepa2-ac-vitg.pt)"),
        ("camera_topic", "/camera/camera/color/image_raw", "Camera image topic"),
        ("image_transport", "raw", "raw (sensor_msgs/Image) or compressed"),
        ("target_topic", "target_pose", "Where target poses go, e.g. "
         "/cartesian_impedance_controller/target_pose or an equilibrium_pose topic"),
        ("joint_states_topic", "/joint_states", "Joint states of arm and fingers"),
        ("gripper_topic", "gripper_command", "std_msgs/Float64 gripper closedness commands"),
        ("use_sim_time", "false", "Use /clock (ros2 bag play --clock, a simulator)"),
        ("camera", "false", "Also start camera_node (pyrealsense2) on the realsense2 topics"),
        ("params_file", os.path.join(config, "planner.yaml"), "Planner parameter file"),
        ("device", "", "Torch device: cpu, cuda, cuda:1; empty: cuda when available"),
        ("dds_profile", EnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE",
                                            default_value=os.path.join(config, PROFILE_FILE)),
         "Fast DDS profile of the nodes started here (raw "
         "camera frames between processes); default: $FASTDDS_DEFAULT_PROFILES_FILE, else "
         "config/fastdds_camera.xml"),
    ]
    def text(name):
        return ParameterValue(LaunchConfiguration(name), value_type=str)

    use_sim_time = ParameterValue(LaunchConfiguration("use_sim_time"), value_type=bool)
    planner = Node(
        package="vjepa_ros",
        executable="planner_node",
        name=PLANNER_NODE,
        parameters=[
            LaunchConfiguration("params_file"),
            {
                "model.checkpoint": text("checkpoint"),
                "model.device": text("device"),
                "image_transport": text("image_transport"),
                "use_sim_time": use_sim_time,
            },
        ],
        remappings=[
            ("image", LaunchConfiguration("camera_topic")),
            ("target_pose", LaunchConfiguration("target_topic")),
            ("joint_states", LaunchConfiguration("joint_states_topic")),
            ("gripper_command", LaunchConfiguration("gripper_topic")),
        ],
        output="screen",
    )
    camera = Node(
        package="vjepa_ros",
        executable="camera_node",
        name="camera",
        namespace="camera",
        parameters=[os.path.join(config, "camera.yaml"), {"use_sim_time": use_sim_time}],
        condition=IfCondition(LaunchConfiguration("camera")),
        output="screen",
    )
    declared = [
        DeclareLaunchArgument(name, default_value=default, description=description)
        for name, default, description in arguments
    ]
    # Before the nodes: Fast DDS reads the profile when a process creates its participant.
    profile = [SetEnvironmentVariable(name, LaunchConfiguration("dds_profile"))
               for name in profile_variables(os.environ.get("ROS_DISTRO"))]
    return LaunchDescription([*declared, *profile, planner, camera])
