"""Which nodes of the ROS graph only watch: viewers and recorders, never an arm's controller.

A command that starts its own arm refuses a domain where a ``target_pose`` subscriber runs
(``busy_domain``): another arm's controller would take its commands. rviz2 showing the target,
``ros2 bag record`` recording the run, rqt's plots or ``ros2 topic echo`` subscribe to the same
topic and move nothing. :func:`only_watches` tells them apart by the node's name
(:data:`WATCHER_PREFIXES`, these tools' default names) and, since a controller may be given any
name, by what it does besides listening: a node that publishes an arm's state (a
``sensor_msgs/JointState`` topic, a ``joint_states`` or ``current_pose`` topic) or offers a
controller's services (ros2_control's ``controller_manager_msgs``, ``franka_msgs``) is an arm's,
whatever its name.
"""

from __future__ import annotations

from vjepa_ros.nodes.graph_publishers import by_node

# Default node names of the viewers and recorders of ROS 2 (a prefix: rqt and ros2cli add the
# process id): rviz2 (``rviz2``; ``rviz`` as launch files often name it), ``ros2 bag record``
# (``rosbag2_recorder``), rqt (``rqt_gui_py_node_<pid>``, ``rqt_gui_cpp_node_<pid>``), ``ros2
# topic echo``/``hz``/``bw`` (``_ros2cli_<pid>``), Foxglove's and rosbridge's web bridges
WATCHER_PREFIXES = ("rviz", "rosbag2_recorder", "rqt_gui_", "_ros2cli_", "foxglove_bridge",
                    "rosbridge_websocket")
ARM_STATE_TYPES = {"sensor_msgs/msg/JointState"}
ARM_STATE_TOPICS = {"joint_states", "current_pose"}  # the last part of a topic's name
CONTROLLER_SERVICE_PACKAGES = ("controller_manager_msgs/", "franka_msgs/")


def only_watches(node, full: str) -> bool:
    """Whether the node of full name ``full`` ("/ns/name") is a viewer or recorder, no arm's.

    True only for a name of :data:`WATCHER_PREFIXES` that publishes no arm state
    (:data:`ARM_STATE_TYPES`, :data:`ARM_STATE_TOPICS`) and offers no controller's service
    (:data:`CONTROLLER_SERVICE_PACKAGES`), as the graph of ``node`` (rclpy) lists them. A name
    not discovered yet, a twin's note, or any other name: False (an arm's, until shown not).
    """
    namespace, _, name = full.rpartition("/")
    if not full.startswith("/") or " " in full or not name.startswith(WATCHER_PREFIXES):
        return False
    namespace = namespace or "/"
    for topic, types in by_node(node.get_publisher_names_and_types_by_node, name, namespace):
        if ARM_STATE_TYPES.intersection(types) or topic.rsplit("/", 1)[-1] in ARM_STATE_TOPICS:
            return False
    return not any(kind.startswith(CONTROLLER_SERVICE_PACKAGES) for _, types in by_node(
        node.get_service_names_and_types_by_node, name, namespace) for kind in types)
