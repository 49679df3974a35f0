"""Which of a bag's topics are a live run's commands: ``recordings/replayed_commands.py`` (no ROS).

A bag recorded during a live run (``ros2 bag record -a``) holds the planner's own outputs
(``/target_pose`` set-points, ``/gripper_command``...) and other controllers' commands (a
teleop's ``JointTrajectory``, a forward command controller's ``.../commands``); replayed beside
the robot, a controller listening there would follow them (breaker60d #4). The rule is checked
over the family of names and types, the planner node's publishers (read from its source) against
the list it is taken from, and the warning's words; the bag player over real rclpy:
``test_bag_player_commands.py``.
"""

from __future__ import annotations

import ast

from conftest import REPO_ROOT
from vjepa_ros.recordings.replayed_commands import left_out_warning, recorded_commands
from vjepa_ros.robot.planner_topics import PLANNER_OUTPUTS

CAMERA = "/camera/camera/color/image_raw"

COMMANDS = {  # topic, type -> whose command it is (words the warning says)
    ("/target_pose", "geometry_msgs/msg/PoseStamped"): "the planner's command",
    ("/arm1/target_pose", "geometry_msgs/msg/PoseStamped"): "the planner's command",
    ("/gripper_command", "std_msgs/msg/Float64"): "the planner's command",
    ("/servo_twist", "geometry_msgs/msg/TwistStamped"): "the planner's command",
    ("/vjepa_planner/action", "std_msgs/msg/Float64MultiArray"): "the planner's command",
    ("/vjepa_planner/plan_report", "std_msgs/msg/String"): "the planner's output",
    ("/vjepa_planner/debug_image", "sensor_msgs/msg/Image"): "the planner's output",
    ("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray"): "the planner's output",
    ("/teleop/joint_trajectory", "trajectory_msgs/msg/JointTrajectory"): "a controller's command",
    ("/arm/follow", "trajectory_msgs/msg/MultiDOFJointTrajectory"): "a controller's command",
    ("/servo_node/delta_joint_cmds", "control_msgs/msg/JointJog"): "a controller's command",
    ("/forward_position_controller/commands", "std_msgs/msg/Float64MultiArray"):
        "a controller's command",
    ("/cartesian_impedance_controller/equilibrium_pose", "geometry_msgs/msg/PoseStamped"):
        "a controller's command",
    ("/cmd_vel", "geometry_msgs/msg/Twist"): "a controller's command",
    ("/isaac/joint_command", "sensor_msgs/msg/JointState"): "a controller's command",
    ("/goal_pose", "geometry_msgs/msg/PoseStamped"): "a controller's command",
}
NOT_COMMANDS = [  # what a planner is fed, and what a recording of its scene holds besides
    (CAMERA, "sensor_msgs/msg/Image"),
    (CAMERA + "/compressed", "sensor_msgs/msg/CompressedImage"),
    ("/camera/camera/color/camera_info", "sensor_msgs/msg/CameraInfo"),
    ("/joint_states", "sensor_msgs/msg/JointState"),
    ("/franka/joint_states", "sensor_msgs/msg/JointState"),
    ("/current_pose", "geometry_msgs/msg/PoseStamped"),
    ("/vjepa_planner/goal_image", "sensor_msgs/msg/Image"),
    ("/goal_image", "sensor_msgs/msg/Image"),
    ("/tf", "tf2_msgs/msg/TFMessage"),
    ("/clock", "rosgraph_msgs/msg/Clock"),
    ("/rosout", "rcl_interfaces/msg/Log"),
    ("/target_pose", "std_msgs/msg/String"),  # the planner's name, another type: not its output
    ("/gripper_command/_action/status", "action_msgs/msg/GoalStatusArray"),
]


def test_every_command_of_the_family_is_found_and_nothing_a_planner_is_fed():
    """The planner's outputs (namespaced too) and controllers' commands; inputs never."""
    inputs = dict(NOT_COMMANDS)
    found = recorded_commands({**inputs, **dict(COMMANDS.keys())})  # (/target_pose: its pose type)
    for (topic, _), words in COMMANDS.items():
        assert found.get(topic, "").startswith(words), (topic, found.get(topic))
    assert set(found) == {topic for topic, _ in COMMANDS}, found
    assert recorded_commands(inputs) == {}


def test_the_planners_publishers_are_the_outputs_the_rule_is_taken_from():
    """The planner node's publishers are ``PLANNER_OUTPUTS``' names, of their types.

    A publisher added or renamed there is then left out of replays too.
    """
    from vjepa_ros.robot import planner_topics

    tree = ast.parse((REPO_ROOT / "vjepa_ros" / "nodes" / "planner_node.py").read_text())
    made = {}
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "create_publisher":
            kind, name = call.args[0], call.args[1]
            if isinstance(kind, ast.Name) and kind.id in ("CompressedImage",):
                continue
            assert isinstance(name, ast.Attribute), ast.dump(name)  # out.NAME, never a literal
            made[getattr(planner_topics, name.attr)] = kind.id
    assert {name: PLANNER_OUTPUTS[name].rpartition("/")[2] for name in made} == made
    assert set(made) == set(PLANNER_OUTPUTS)


def test_the_warning_names_each_command_and_the_topics_value_that_plays_them():
    commands = recorded_commands({"/target_pose": "geometry_msgs/msg/PoseStamped",
                                  "/gripper_command": "std_msgs/msg/Float64"})
    line = left_out_warning(commands, [CAMERA])
    assert "\n" not in line
    assert "/target_pose (the planner's command)" in line
    assert "/gripper_command (the planner's command)" in line
    assert (f"-p bag_player.topics:={CAMERA},/target_pose,/gripper_command" in line
            and f"--ros-args -p topics:={CAMERA},/target_pose,/gripper_command" in line), line
