"""V-JEPA 2-AC image-goal MPC on a Franka arm: the planner node (and optionally the camera node).

ros2 launch vjepa_ros vjepa_mpc.launch.py checkpoint:=/path/vjepa2-ac-vitg.pt \
    target_topic:=/cartesian_impedance_controller/target_pose camera:=true

The planner starts in shadow mode; `ros2 service call /vjepa_planner/enable std_srvs/srv/SetBool
"{data: true}"` starts commanding. An argument that sets a parameter (checkpoint, device,
image_transport, use_sim_time) sets it only when given: the params_file's value stays otherwise.
Without `ros2 launch`, `vjepa-ros launch` starts the same nodes with the same parameter files
(vjepa_ros/nodes/launcher.py).
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, SetEnvironmentVariable
from launch.conditions import IfCondition
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from vjepa_ros.nodes.dds_profile import PROFILE_FILE, profile_variables
from vjepa_ros.nodes.planner_name import PLANNER_NODE

# launch argument -> (the parameter it sets, its type): given only when the argument is not
# empty (its default), so a params_file's value stays otherwise (user33)
PARAMETER_ARGUMENTS = {
    "checkpoint": ("model.checkpoint", str),
    "device": ("model.device", str),
    "image_transport": ("image_transport", str),
    "use_sim_time": ("use_sim_time", bool),
}


def given_parameters(context, names=tuple(PARAMETER_ARGUMENTS)):
    """Return ``{parameter: value}`` of the arguments ``names`` given (not empty) at launch."""
    return {PARAMETER_ARGUMENTS[name][0]: ParameterValue(
                LaunchConfiguration(name), value_type=PARAMETER_ARGUMENTS[name][1])
            for name in names if context.launch_configurations.get(name, "")}


def nodes(context):
    """Return the planner and camera nodes, with the parameters the arguments given set."""
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    planner_given = given_parameters(context)
    camera_given = given_parameters(context, ("use_sim_time",))
    namespace = context.launch_configurations.get("namespace", "")
    planner = Node(
        package="vjepa_ros",
        executable="planner_node",
        name=PLANNER_NODE,
        **({"namespace": namespace} if namespace else {}),
        parameters=[LaunchConfiguration("params_file"),
                    *([planner_given] if planner_given else [])],
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
        parameters=[os.path.join(config, "camera.yaml"),
                    *([camera_given] if camera_given else [])],
        condition=IfCondition(LaunchConfiguration("camera")),
        output="screen",
    )
    return [planner, camera]


def generate_launch_description():
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    not_given = "; empty (default): the params_file's"
    arguments = [
        ("checkpoint", "", "V-JEPA 2-AC checkpoint file (vjepa2-ac-vitg.pt)" + not_given),
        ("camera_topic", "/camera/camera/color/image_raw", "Camera image topic"),
        ("image_transport", "", "raw (sensor_msgs/Image) or compressed" + not_given),
        ("target_topic", "target_pose", "Where target poses go, e.g. "
         "/cartesian_impedance_controller/target_pose or an equilibrium_pose topic"),
        ("joint_states_topic", "/joint_states", "Joint states of arm and fingers"),
        ("gripper_topic", "gripper_command", "std_msgs/Float64 gripper closedness commands"),
        ("use_sim_time", "", "true: use /clock (ros2 bag play --clock, a simulator)" + not_given
         + " (else false)"),
        ("camera", "false", "Also start camera_node (pyrealsense2) on the realsense2 topics"),
        ("params_file", os.path.join(config, "planner.yaml"), "Planner parameter file"),
        ("device", "", "Torch device: cpu, cuda, cuda:1" + not_given
         + " (else cuda when available)"),
        ("namespace", "", f"The planner's namespace (e.g. arm1: /arm1/{PLANNER_NODE}, its "
         "services and relative topics under /arm1); empty: none"),
        ("dds_profile", EnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE",
                                            default_value=os.path.join(config, PROFILE_FILE)),
         "Fast DDS profile of the nodes started here (raw "
         "camera frames between processes); default: $FASTDDS_DEFAULT_PROFILES_FILE, else "
         "config/fastdds_camera.xml"),
    ]
    declared = [
        DeclareLaunchArgument(name, default_value=default, description=description)
        for name, default, description in arguments
    ]
    # Before the nodes: Fast DDS reads the profile when a process creates its participant.
    profile = [SetEnvironmentVariable(name, LaunchConfiguration("dds_profile"))
               for name in profile_variables(os.environ.get("ROS_DISTRO"))]
    return LaunchDescription([*declared, *profile, OpaqueFunction(function=nodes)])
