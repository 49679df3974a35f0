"""V-JEPA 2-AC image-goal MPC on a Franka arm: the planner node (and optionally the camera node).

ros2 launch vjepa_ros vjepa_mpc.launch.py checkpoint:=/path/vjepa2-ac-vitg.pt \
    target_topic:=/cartesian_impedance_controller/target_pose camera:=true

The planner starts in shadow mode; `ros2 service call /vjepa_planner/enable std_srvs/srv/SetBool
"{data: true}"` starts commanding. An argument that sets a parameter (checkpoint, device,
image_transport, use_sim_time) sets it only when given: the params_file's value stays otherwise.
A given value is written under '/**', the node's fully qualified name (/vjepa_planner,
/arm1/vjepa_planner) and every section name of params_file, in a file after params_file: rcl
merges the sections of one name and applies them in the order each name first appears, so it
wins over params_file whatever its sections and their order (launch_ros would write a dict under
'/**' alone, which a section naming the node overrides); a text is written quoted (checkpoint:=2e5
stays a text). A value the planner refuses is named by its argument
(checkpoint:=...), not by that file. namespace:=, dds_profile:= and a topic argument holding a
substitution ({node}, {ns}: rcl takes none in a remap) are checked before any node starts (one
line naming the argument).
Those files are removed when the launch shuts down (they were left in the temporary folder, one
per launch).
Without `ros2 launch`, `vjepa-ros launch` starts the same nodes with the same parameter files
(vjepa_ros/nodes/launcher.py).
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
from launch.conditions import IfCondition
from launch.event_handlers import OnShutdown
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node

from vjepa_ros.nodes.dds_profile import (
    PROFILE_FILE,
    PROFILE_VARIABLES,
    profile_problem,
    profile_variables,
    variable_problem,
)
from vjepa_ros.nodes.launch_values import (
    argument_labels,
    given_arguments,
    removal,
    values_file,
)
from vjepa_ros.nodes.ros_names import name_length_problem, namespace_problem
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS, check_remap_options
from vjepa_ros.nodes.topic_wiring import (
    CAMERA_INSTEAD,
    CAMERA_NAMESPACE,
    camera_remappings,
    check_raw_images,
)
from vjepa_ros.robot.planner_name import PLANNER_NODE

# the launch arguments remapping a planner topic
TOPIC_ARGUMENTS = tuple(TOPIC_DEFAULTS)
# launch argument -> (the parameter it sets, its type): given only when the argument is not
# empty (its default), so a params_file's value stays otherwise (user33)
PARAMETER_ARGUMENTS = {
    "checkpoint": ("model.checkpoint", str),
    "device": ("model.device", str),
    "image_transport": ("image_transport", str),
    "use_sim_time": ("use_sim_time", bool),
}


def given_values(context, names=tuple(PARAMETER_ARGUMENTS)):
    """Return ``{parameter: value}`` of the arguments ``names`` given (not empty) at launch.

    Values are typed (str, or bool from true, True, TRUE, false, False, FALSE); raises
    ValueError (one line naming the argument) for another use_sim_time text.
    """
    return given_arguments(context.launch_configurations,
                           {name: PARAMETER_ARGUMENTS[name] for name in names})


def check_arguments(context):
    """Refuse a namespace rcl refuses and a dds_profile that is no profile, before any node.

    ValueError, one line naming the argument (``namespace:=arm1/``, a namespace too long for
    the planner's services, ``dds_profile:=...``, a topic argument holding a substitution
    rcl refuses in a remap: ``target_topic:={node}/target``), or the variable
    ``FASTDDS_DEFAULT_PROFILES_FILE`` when dds_profile is its value.
    """
    configurations = context.launch_configurations
    check_remap_options({name: configurations.get(name, "") for name in TOPIC_ARGUMENTS},
                        "launch argument {option}:={name}")
    namespace = configurations.get("namespace", "")
    problem = namespace and (namespace_problem(namespace, relative_ok=True) or name_length_problem(
        node_fqn(context, namespace, PLANNER_NODE).rpartition("/")[0], PLANNER_NODE))
    if problem:
        raise ValueError(f"launch argument namespace:={namespace}: {problem}")
    profile = configurations.get("dds_profile")  # its default: $FASTDDS_DEFAULT_PROFILES_FILE
    if profile is None or profile in (os.environ.get(name) for name in PROFILE_VARIABLES):
        problem = variable_problem()  # not given: the variable named
        if problem:
            raise ValueError(problem)
    problem = profile and profile_problem(profile)
    if problem:
        raise ValueError(f"launch argument dds_profile:={profile}: {problem}")


def node_fqn(context, namespace, name):
    """Return the fully qualified name launch_ros gives node ``name`` in ``namespace``.

    A relative ``namespace`` ("" none) is put under an enclosing PushRosNamespace
    (launch configuration ``ros_namespace``), as launch_ros does.
    """
    base = context.launch_configurations.get("ros_namespace", "") or ""
    if not namespace.startswith("/"):
        namespace = "/".join(part for part in (base.strip("/"), namespace.strip("/")) if part)
    return "/" + "/".join(part for part in (namespace.strip("/"), name) if part)


def planner_file_value(context, fqn, name):
    """Return parameter ``name`` of the planner ``fqn`` in params_file, or None.

    None also for a file that cannot be read (the planner refuses it in its own words).
    """
    from vjepa_ros.config import ConfigError
    from vjepa_ros.yaml_files import read_ros_params

    try:
        return read_ros_params(context.launch_configurations.get("params_file", ""),
                               fqn).get(name)
    except (ConfigError, OSError):
        return None


def planner_clock(context, fqn):
    """Return ``{"use_sim_time": True}`` when params_file puts the planner ``fqn`` on sim time.

    For the camera started beside it, as ``vjepa-ros launch`` makes its nodes follow the
    planner's clock; ``{}`` otherwise.
    """
    return {"use_sim_time": True} if planner_file_value(context, fqn,
                                                         "use_sim_time") is True else {}


def check_camera_transport(context, fqn, values):
    """Refuse camera:=true beside a planner on compressed images (the camera publishes raw).

    The planner's image_transport: the argument (``values``), else params_file's. ValueError
    (UsageError), one line naming both; nothing when the camera is not started.
    """
    configurations = context.launch_configurations
    if configurations.get("camera", "false").strip().lower() not in ("true", "1"):
        return
    if "image_transport" in values:
        transport, source = values["image_transport"], "image_transport:="
    else:
        transport = planner_file_value(context, fqn, "image_transport")
        source = f"params_file {configurations.get('params_file', '')}"
    check_raw_images("camera:=true", transport, source,
                     configurations.get("camera_topic", ""), CAMERA_INSTEAD)


def nodes(context):
    """Return the planner and camera nodes, with the parameters the arguments given set.

    With them, when a value was given, the handler that removes its file at shutdown.
    """
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    check_arguments(context)
    namespace = context.launch_configurations.get("namespace", "")
    planner = node_fqn(context, namespace, PLANNER_NODE)
    values = given_values(context)
    check_camera_transport(context, planner, values)
    labels = argument_labels(context.launch_configurations, PARAMETER_ARGUMENTS, values)
    planner_given = values_file(planner, values, labels,
                                before=(context.launch_configurations.get("params_file", ""),))
    # the camera follows the planner's clock: the argument, else the planner's params_file
    clock = given_values(context, ("use_sim_time",))
    camera_given = values_file(node_fqn(context, CAMERA_NAMESPACE, "camera"),
                               clock or planner_clock(context, planner),
                               argument_labels(context.launch_configurations,
                                               PARAMETER_ARGUMENTS, clock),
                               before=(os.path.join(config, "camera.yaml"),))
    planner_node = Node(
        package="vjepa_ros",
        executable="planner_node",
        name=PLANNER_NODE,
        **({"namespace": namespace} if namespace else {}),
        parameters=[LaunchConfiguration("params_file"), *planner_given],
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
        namespace=CAMERA_NAMESPACE,
        parameters=[os.path.join(config, "camera.yaml"), *camera_given],
        # its image on the planner's camera_topic, camera_info beside it (breaker57f)
        remappings=list(camera_remappings(context.launch_configurations["camera_topic"],
                                          planner).items()),
        condition=IfCondition(LaunchConfiguration("camera")),
        output="screen",
    )
    return [planner_node, camera, *removal([*planner_given, *camera_given],
                                           RegisterEventHandler, OnShutdown)]


def generate_launch_description():
    config = os.path.join(get_package_share_directory("vjepa_ros"), "config")
    not_given = "; empty (default): the params_file's"
    arguments = [
        ("checkpoint", "", "V-JEPA 2-AC checkpoint file (vjepa2-ac-vitg.pt)" + not_given),
        ("camera_topic", TOPIC_DEFAULTS["camera_topic"], "Camera image topic"),
        ("image_transport", "", "raw (sensor_msgs/Image) or compressed" + not_given),
        ("target_topic", TOPIC_DEFAULTS["target_topic"], "Where target poses go, e.g. "
         "/cartesian_impedance_controller/target_pose or an equilibrium_pose topic"),
        ("joint_states_topic", TOPIC_DEFAULTS["joint_states_topic"],
         "Joint states of arm and fingers"),
        ("gripper_topic", TOPIC_DEFAULTS["gripper_topic"],
         "std_msgs/Float64 gripper closedness commands"),
        ("use_sim_time", "", "true: use /clock (ros2 bag play --clock, a simulator)" + not_given
         + " (else false)"),
        ("camera", "false", "Also start camera_node (pyrealsense2), publishing on camera_topic "
         "(raw images: refused with image_transport compressed)"),
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
