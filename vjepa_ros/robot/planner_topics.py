"""The planner node's output topics: the names it publishes on and their types (no rclpy).

``planner_node`` creates its publishers from these names, so that a tool which must know what
the planner sends (the bag player, which leaves a recorded run's commands out of a replay:
``recordings.replayed_commands``) reads the same list. Names as the node creates them: ``~/x`` is
the node's own (``/vjepa_planner/x``), a relative one lies in its namespace (``/target_pose``).
"""

ACTION = "~/action"  # the plan's first action [dx, dy, dz, droll, dpitch, dyaw, gripper]
TARGET_POSE = "target_pose"  # the set-points the controller follows (absolute TCP pose)
SERVO_TWIST = "servo_twist"  # the set-point velocity, with control.publish_twist (MoveIt Servo)
GRIPPER_COMMAND = "gripper_command"  # the gripper's closedness, 0 open .. 1 closed
DIAGNOSTICS = "/diagnostics"
DEBUG_IMAGE = "~/debug_image"
PLAN_REPORT = "~/plan_report"  # one JSON record a plan (robot/plan_record.py)

# name -> message type (rosbag2's spelling): everything the planner node publishes
PLANNER_OUTPUTS = {
    ACTION: "std_msgs/msg/Float64MultiArray",
    TARGET_POSE: "geometry_msgs/msg/PoseStamped",
    SERVO_TWIST: "geometry_msgs/msg/TwistStamped",
    GRIPPER_COMMAND: "std_msgs/msg/Float64",
    DIAGNOSTICS: "diagnostic_msgs/msg/DiagnosticArray",
    DEBUG_IMAGE: "sensor_msgs/msg/Image",
    PLAN_REPORT: "std_msgs/msg/String",
}
# the outputs a controller moves the arm or hand by
PLANNER_COMMANDS = (TARGET_POSE, SERVO_TWIST, GRIPPER_COMMAND, ACTION)
