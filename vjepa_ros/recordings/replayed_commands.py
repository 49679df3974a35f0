"""Which of a bag's topics are commands to a robot: left out of a replay unless named (no rclpy).

A bag recorded during a live run (``ros2 bag record -a``) holds what was commanded besides what
was seen: the planner's own outputs (``robot.planner_topics.PLANNER_OUTPUTS``: its
``target_pose`` set-points, ``gripper_command``, ``servo_twist``, ``~/action``, and its reports)
and other controllers' command topics (a teleop's ``JointTrajectory``, a forward command
controller's ``Float64MultiArray`` on ``.../commands``). Replayed beside the robot (shadow mode)
a controller listening there would follow the recording: a motion nobody asked for. The bag
player therefore leaves them out when its ``topics`` is empty, with one warning
(:func:`left_out_warning`) naming them and how to play them anyway.

:func:`recorded_commands` is the rule. A topic is the planner's output when its last name part
and its type are those of one of the planner's outputs (a planner in a namespace or renamed
publishes ``/arm1/target_pose``, ``/arm1/vjepa_planner/action``); another controller's command
when its type is a command type whatever its name (:data:`COMMAND_TYPES`), or a type a command
is sent as (:data:`MOTION_TYPES`) on a name that says command (:data:`COMMAND_WORDS` in its last
part: ``joint_command``, ``cmd_vel``, ``/forward_position_controller/commands``,
``equilibrium_pose``, ``goal_pose``). Camera frames, joint states and goal images are never
commands.
"""

from __future__ import annotations

from vjepa_ros.robot.planner_topics import PLANNER_COMMANDS, PLANNER_OUTPUTS
from vjepa_ros.ros_values import shell_arg_value
from vjepa_ros.start_forms import start_forms

# A controller's command whatever the topic's name (ros2_control's joint_trajectory_controller,
# MoveIt Servo's joint jog)
COMMAND_TYPES = frozenset({
    "trajectory_msgs/msg/JointTrajectory",
    "trajectory_msgs/msg/MultiDOFJointTrajectory",
    "control_msgs/msg/JointJog",
})
# Types a command is sent as, though they carry other data too: a command on a commanding name
MOTION_TYPES = frozenset({
    "std_msgs/msg/Float64", "std_msgs/msg/Float32",
    "std_msgs/msg/Float64MultiArray", "std_msgs/msg/Float32MultiArray",
    "geometry_msgs/msg/Pose", "geometry_msgs/msg/PoseStamped",
    "geometry_msgs/msg/Twist", "geometry_msgs/msg/TwistStamped",
    "geometry_msgs/msg/Wrench", "geometry_msgs/msg/WrenchStamped",
    "sensor_msgs/msg/JointState",
})
# Words of a commanding topic name's last part (a substring of it: ``joint_commands``)
COMMAND_WORDS = ("command", "cmd", "setpoint", "set_point", "target", "goal", "reference",
                 "equilibrium")


def _last(name: str) -> str:
    return name.rstrip("/").rpartition("/")[2]


def recorded_commands(topics: dict[str, str]) -> dict[str, str]:
    """Return the commands among a bag's topics: ``{topic: what it is, in words}``, bag order.

    ``topics``: ``{topic: message type}`` (``geometry_msgs/msg/PoseStamped``), fully qualified
    names as recorded. The words say whose it is: ``the planner's command`` (its
    :data:`~vjepa_ros.robot.planner_topics.PLANNER_COMMANDS`), ``the planner's output`` (its
    reports), ``a controller's command, JointTrajectory``.
    """
    planner = {(_last(name), msgtype): name for name, msgtype in PLANNER_OUTPUTS.items()}
    found = {}
    for topic, msgtype in topics.items():
        last = _last(topic)
        name = planner.get((last, msgtype))
        if name is not None:
            found[topic] = "the planner's " + ("command" if name in PLANNER_COMMANDS
                                               else "output")
        elif msgtype in COMMAND_TYPES or (
                msgtype in MOTION_TYPES and any(word in last.lower() for word in COMMAND_WORDS)):
            found[topic] = f"a controller's command, {msgtype.rpartition('/')[2]}"
    return found


def left_out_warning(left_out: dict[str, str], played: list[str]) -> str:
    """Return the one warning of the commands a replay leaves out, and how to play them anyway.

    ``left_out``: :func:`recorded_commands`' answer (not empty); ``played``: the topics that are
    played, in bag order (the ``topics`` value to paste lists them with the left-out ones).
    """
    named = ", ".join(f"{topic} ({what})" for topic, what in left_out.items())
    every = shell_arg_value("topics", ",".join([*played, *left_out]))
    return (f"not replayed: {named}: a live run's commands and outputs, which a controller or "
            "tool beside this replay would take for live ones (the arm would follow the "
            "recording); to play them anyway, name them in parameter 'topics' "
            f"({start_forms('bag_player', 'topics', every)})")
