"""The registry of this package's nodes: class, parameter file and ROS name of each.

``vjepa-ros launch --node NAME`` starts a node from it; a node executable finds its parameter
file in it (``node_runner.init_node_args``). A node joins with one line in :data:`NODES`. No
rclpy import: every ``vjepa-ros`` command reads it to build its parser.
"""

from __future__ import annotations

import dataclasses
import importlib

from vjepa_ros.nodes.topic_wiring import CAMERA_NAMESPACE
from vjepa_ros.robot.planner_name import PLANNER_NODE


@dataclasses.dataclass(frozen=True)
class NodeEntry:
    target: str  # "module:Class"; the class takes rclpy Node keyword arguments
    params_file: str = ""  # file in config/ with the node's ros__parameters ("" none)
    # Loads the world model (seconds to minutes): started after the others, so that their
    # parameter errors come before that wait.
    slow_start: bool = False
    ros_name: str = ""  # the class's ROS_NAME (known before rclpy loads; a test compares them)
    # the class's ROS_NAMESPACE: the namespace it starts in without -r __ns:= ("": the root, /)
    namespace: str = ""
    # Made ``held=True`` by a launch and released (``release()``) once every node is made: a
    # bag player that played while the planner loaded its model would feed nobody.
    held: bool = False
    # {parameter: what it names} a node cannot start without: ``launch --node NAME`` refuses it
    # empty before any node starts (launch_inputs.check_required_parameters)
    required: tuple[tuple[str, str], ...] = ()
    # "module:Class" of the node's parameters dataclass (its declared ranges), "" none here:
    # a launch file checks the values it gives against them (launch_values.check_ranges)
    config: str = ""

    @property
    def fqn(self) -> str:
        """The node's fully qualified name without remapping (``/camera/camera``)."""
        return f"/{self.namespace}/{self.ros_name}" if self.namespace else f"/{self.ros_name}"

    def load(self):
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def settings(self):
        """Return the node's parameters dataclass at its defaults (:attr:`config`; None: none)."""
        if not self.config:
            return None
        module, _, name = self.config.partition(":")
        return getattr(importlib.import_module(module), name)()


NODES: dict[str, NodeEntry] = {
    "planner": NodeEntry("vjepa_ros.nodes.planner_node:PlannerNode", "planner.yaml",
                         slow_start=True, ros_name=PLANNER_NODE),
    "camera": NodeEntry("vjepa_ros.nodes.camera_node:CameraNode", "camera.yaml",
                        ros_name="camera", namespace=CAMERA_NAMESPACE,
                        config="vjepa_ros.robot.camera:CameraConfig"),
    "image_publisher": NodeEntry("vjepa_ros.nodes.image_publisher:ImagePublisher",
                                 "image_publisher.yaml", ros_name="image_publisher",
                                 required=(("path", "the image file to publish"),),
                                 config="vjepa_ros.nodes.image_publisher_config:ImagePublisherConfig"),
    "sim": NodeEntry("vjepa_ros.nodes.sim_node:SimNode", "sim.yaml", ros_name="sim_node",
                     config="vjepa_ros.sim.node_config:SimNodeConfig"),
    "bag_player": NodeEntry("vjepa_ros.nodes.bag_player:BagPlayer", "bag_player.yaml",
                            ros_name="bag_player", held=True,
                            required=(("bag", "the bag to play (a folder, .mcap or .db3)"),),
                            config="vjepa_ros.eval.playback:PlaybackConfig"),
}


def default_namespace(ros_name: str) -> str:
    """Return the namespace a node of this package named ``ros_name`` starts in ("" the root).

    ``NodeEntry.namespace`` of the entry whose ROS name it is (the camera node: ``camera``, so
    it runs as ``/camera/camera``); "" for a name no entry has.
    """
    return next((entry.namespace for entry in NODES.values() if entry.ros_name == ros_name), "")


def launch_node_name(name: str) -> str:
    """Return ``vjepa-ros launch``'s name (a :data:`NODES` key) of node ``name``, else ``name``.

    ``name``: launch's name (``planner``, ``sim``) or the node's ROS name, which is also its
    logger's (``vjepa_planner``, ``sim_node``: ``NodeEntry.ros_name``), so that every launch
    option naming a node (``-p NODE.PARAM:=VALUE``, ``--node``, ``--log-level NODE:=LEVEL``)
    takes either; a name of neither is returned as given (the caller refuses it).
    """
    if name in NODES:
        return name
    return next((key for key, entry in NODES.items() if entry.ros_name == name), name)


def node_logger_name(name: str) -> str:
    """Return the rcl logger name that ``--log-level NAME:=LEVEL``'s ``name`` means.

    A node's logger is its ROS name (``vjepa_planner``, ``sim_node``; rcl's
    ``--log-level NAME:=LEVEL``), so launch's node names map to it: ``planner`` →
    ``vjepa_planner``, ``sim.child`` → ``sim_node.child`` (a child logger of the node's); any
    other name (a ROS name already, ``rcl``, ``rclpy``) is returned as given.
    """
    head, dot, rest = name.partition(".")
    entry = NODES.get(head)
    return f"{entry.ros_name}{dot}{rest}" if entry and entry.ros_name else name
