"""Remap a camera or simulator started beside the planner onto the planner's topics.

The planner's topic options (``vjepa-ros launch --camera-topic``, ``--target-topic``,
``--joint-states-topic``, ``--gripper-topic``; the launch file's ``camera_topic:=``) remap the
planner's names alone. A node started with it that publishes or listens on one of them (the
camera node, the simulator) gets the same remapping here, or the planner listens where nothing
publishes and commands where nothing listens, without a word (breaker57f). Those nodes publish
raw ``sensor_msgs/Image`` only: a planner on ``image_transport: compressed`` is refused
(:func:`check_raw_images`). No rclpy import: ``launch/vjepa_mpc.launch.py`` uses it too.
"""

from __future__ import annotations

from vjepa_ros.config import UsageError

# The planner's remapped names -> the simulator's names of the same topic: sim_node creates its
# publishers and subscriptions by these (one source: a renamed topic stays wired)
SIM_TOPICS = {
    "image": "camera/camera/color/image_raw",
    "target_pose": "target_pose",
    "joint_states": "joint_states",
    "gripper_command": "gripper_command",
}
# The camera node's (and realsense2_camera's) names, private to the node /camera/camera; the
# camera node publishes by these
CAMERA_IMAGE, CAMERA_INFO = "~/color/image_raw", "~/color/camera_info"
CAMERA_NAMESPACE = "camera"  # the camera node's default namespace (camera_node), as the driver's


def absolute_topic(name: str, node_fqn: str) -> str:
    """Return the fully qualified topic name ``name`` resolves to in node ``node_fqn``.

    ``node_fqn``: ``/ns/node`` (``/vjepa_planner``); ``~/x`` is the node's own, a relative name
    lies in its namespace, as rcl expands them; a remap target given to another node must be
    absolute, since that node's namespace (``/camera``) would expand it elsewhere.
    """
    if name.startswith("/"):
        return name
    if name.startswith("~"):
        return node_fqn + name[1:]
    return f"{node_fqn.rpartition('/')[0]}/{name}"


def info_topic(image_topic: str) -> str:
    """Return the ``camera_info`` topic beside ``image_topic``, as image_transport names it."""
    return f"{image_topic.rpartition('/')[0]}/camera_info"


SIM_CAMERA_INFO = info_topic(SIM_TOPICS["image"])  # the simulator's camera_info


def camera_remappings(camera_topic: str, planner_fqn: str) -> dict[str, str]:
    """Return the camera node's remappings onto the planner's ``camera_topic`` (and info)."""
    image = absolute_topic(camera_topic, planner_fqn)
    return {CAMERA_IMAGE: image, CAMERA_INFO: info_topic(image)}


def sim_remappings(planner_remappings: dict[str, str], planner_fqn: str) -> dict[str, str]:
    """Return the simulator's remappings onto the planner's topics (``{planner name: topic}``)."""
    remappings = {SIM_TOPICS[name]: absolute_topic(topic, planner_fqn)
                  for name, topic in planner_remappings.items() if name in SIM_TOPICS}
    if "image" in planner_remappings:
        remappings[SIM_CAMERA_INFO] = info_topic(remappings[SIM_TOPICS["image"]])
    return remappings


def transport_given(transport: str, source: str) -> str:
    """Return how a message names the planner's ``transport`` and ``source``, what set it.

    ``source``: an option or launch argument (``--image-transport``, ``image_transport:=``),
    written before the value, or a file (``--params-file lab.yaml``), named after it.
    """
    if source == "--image-transport":
        return f"--image-transport {transport}"
    if source.endswith(":="):
        return f"{source}{transport}"
    return f"the planner's image_transport {transport} ({source})"


def check_raw_images(started: str, transport: str, source: str, camera_topic: str,
                     instead: str = "") -> None:
    """Raise UsageError (one line) when the planner takes compressed images from ``started``.

    ``started``: how the node was asked for (``--camera``, ``--node sim``, ``camera:=true``);
    ``transport``, ``source``: the planner's ``image_transport`` and what set it
    (:func:`transport_given`); ``instead``: another way to the same images, said after the fix.
    """
    if transport != "compressed":
        return
    raise UsageError(
        f"{started} with {transport_given(transport, source)}: the node it starts publishes "
        "raw sensor_msgs/Image only, and the planner would wait for CompressedImage on "
        f"{camera_topic}; leave the planner on raw images{instead}")


# check_raw_images' ``instead`` for the camera node
CAMERA_INSTEAD = (", or run a driver that publishes compressed images (realsense2_camera with "
                  "its image_transport) instead of the camera node")
