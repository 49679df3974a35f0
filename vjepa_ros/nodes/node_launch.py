"""One node a launch starts (:class:`NodeLaunch`) and the node sets ``vjepa-ros launch`` starts.

A :class:`NodeLaunch` holds a registered node's parameter file, overrides and remappings, and
gives them as rclpy node arguments, as a command line (a child process) or as the source of each
start-up value; :func:`mpc_nodes` are the nodes of ``launch/vjepa_mpc.launch.py``;
:func:`wire_sim` and :func:`wire_camera` connect a simulator and a camera to the planner started
with it, and
:func:`follow_planner_clock` puts the other nodes on the planner's clock. rclpy is imported inside
the functions.
"""

from __future__ import annotations

import dataclasses
import sys

from vjepa_ros.nodes.node_registry import NODES, NodeEntry
from vjepa_ros.nodes.param_sources import PACKAGED
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS
from vjepa_ros.nodes.topic_wiring import (
    CAMERA_INSTEAD,
    absolute_topic,
    camera_remappings,
    check_raw_images,
    sim_remappings,
    transport_given,
)
from vjepa_ros.package_files import config_path
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.ros_values import ros_arg_value


@dataclasses.dataclass
class NodeLaunch:
    """One node to start: registry name, parameter file, overrides, remappings (from → to)."""

    name: str
    parameters: dict = dataclasses.field(default_factory=dict)
    remappings: dict = dataclasses.field(default_factory=dict)
    params_file: str | None = None  # None: the registry's file; "": none
    # How a value error names a source other than "-p NODE.name" (param_sources.sourced):
    # {parameter: option} for values from the launch's own options, and the file's name as given
    labels: dict = dataclasses.field(default_factory=dict)
    file_label: str | None = None  # None: "--params-file PATH"
    # Further parameter files, applied after params_file in turn (--params-file given again):
    # [(path, how messages name it)]
    more_files: list = dataclasses.field(default_factory=list)
    # {parameter: how rcl read its -p text} where not as its digits (08: the float 8.0), said
    # after a value error naming it (param_sources.noted)
    notes: dict = dataclasses.field(default_factory=dict)
    # The namespace it starts in (``-r __ns:=``, absolute: "/arm1"; "" the registry's own, as
    # ``launch --namespace`` leaves the camera: launch/vjepa_mpc.launch.py's namespace:= is the
    # planner's)
    namespace: str = ""

    def fqn(self) -> str:
        """Return the node's full name as rcl reads its parameter file sections for it.

        ``/arm1/vjepa_planner`` in :attr:`namespace`; else ``/ROS_NAME`` (``/vjepa_planner``).
        """
        return f"{self.namespace}/{self._entry().ros_name}"

    def node_kwargs(self, use_sim_time: bool | None = None) -> dict:
        """Keyword arguments for the node class: cli_args and parameter_overrides.

        ``use_sim_time`` None: not overridden (the parameter file's, else rclpy's false).
        """
        from rclpy.parameter import Parameter

        overrides = [Parameter(name, value=value)
                     for name, value in self._overrides(use_sim_time).items()]
        return {"cli_args": self._file_and_remap_args(), "parameter_overrides": overrides}

    def _overrides(self, use_sim_time: bool | None) -> dict:
        clock = {} if use_sim_time is None else {"use_sim_time": use_sim_time}
        return {**clock, **self.parameters}

    def command(self, use_sim_time: bool | None = None) -> list[str]:
        """Return the same node as a command line (its module's ``main``): a child process."""
        module = self._entry().target.partition(":")[0]
        parameters = self._overrides(use_sim_time)
        values = [["-p", f"{name}:={ros_arg_value(value)}"] for name, value in parameters.items()]
        return [sys.executable, "-m", module, *self._file_and_remap_args(),
                *(arg for pair in values for arg in pair)]

    def _entry(self) -> NodeEntry:
        if self.name not in NODES:
            raise ValueError(f"unknown node {self.name!r}; known: {sorted(NODES)}")
        return NODES[self.name]

    def sources(self, use_sim_time: bool | None = None) -> dict[str, str]:
        """Return ``{parameter: its source}`` of the node's start-up values, the winner's each.

        A parameter file given (``--params-file NAME`` as given, else its path), or the
        registry's own ``config/`` file (``the packaged default config/planner.yaml``: no
        ``--params-file`` the user did not give), then the overrides (which rclpy applies over
        it): ``-p NODE.name``, or the option that set it (:attr:`labels`; ``use_sim_time``:
        ``--use-sim-time`` / ``--no-use-sim-time`` when not None).
        """
        from vjepa_ros.nodes.param_sources import file_sources

        sources = {}
        for path, label in self.files():  # later files over earlier ones, as rcl applies them
            sources.update(file_sources(path, self.fqn(), label))
        if use_sim_time is not None:
            sources["use_sim_time"] = "--use-sim-time" if use_sim_time else "--no-use-sim-time"
        for name in self.parameters:
            sources[name] = self.labels.get(name, f"-p {self.name}.{name}")
        return sources

    def start_value(self, name: str, default):
        """Return the start-up value of parameter ``name``: an override, else the files'.

        The last of the node's parameter files (:meth:`files`) giving it, as rcl applies them;
        ``default`` when none gives it, or a file cannot be read (its own check refuses it
        before any node starts).
        """
        from vjepa_ros.config import ConfigError, merge_deep
        from vjepa_ros.yaml_files import read_ros_params

        if name in self.parameters:
            return self.parameters[name]
        value: dict = {}
        try:
            for path, _ in self.files():
                value = merge_deep(value, read_ros_params(path, self.fqn()))
        except (ConfigError, OSError):
            return default
        for part in name.split("."):  # groups: model.checkpoint is model: {checkpoint: ...}
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def params_file_path(self) -> str:
        """Return the path of the node's parameter file ("" none)."""
        params_file = self._entry().params_file if self.params_file is None else self.params_file
        if not params_file:
            return ""
        return params_file if "/" in params_file else str(config_path(params_file))

    def files(self) -> list[tuple[str, str]]:
        """Return ``[(path, label)]``: the node's parameter files in the order rcl applies them.

        :meth:`params_file_path` (``label``: ``--params-file NAME`` as given, else its path; the
        registry's own file: ``the packaged default config/NAME``), then :attr:`more_files`.
        """
        from vjepa_ros.nodes.param_sources import packaged_file

        path = self.params_file_path()
        if not path:
            return list(self.more_files)
        label = (self.file_label or f"--params-file {path}") if self.params_file else \
            packaged_file(self._entry().params_file)
        return [(path, label), *self.more_files]

    def _file_and_remap_args(self) -> list[str]:
        cli_args = ["--ros-args", *(["-r", f"__ns:={self.namespace}"] if self.namespace else [])]
        for path, _ in self.files():  # each applied in turn, a later value over an earlier
            cli_args += ["--params-file", path]
        for source, target in self.remappings.items():
            cli_args += ["-r", f"{source}:={target}"]
        return cli_args


def mpc_nodes(checkpoint: str = "", camera_topic: str = TOPIC_DEFAULTS["camera_topic"],
              target_topic: str = TOPIC_DEFAULTS["target_topic"],
              joint_states_topic: str = TOPIC_DEFAULTS["joint_states_topic"],
              gripper_topic: str = TOPIC_DEFAULTS["gripper_topic"], camera: bool = False,
              params_file: str | list[str] | None = None, image_transport: str | None = None,
              planner_parameters: dict | None = None,
              params_labels: list[str] | None = None) -> list[NodeLaunch]:
    """Return the nodes of ``launch/vjepa_mpc.launch.py``, given the same arguments.

    An argument that sets a parameter (``checkpoint`` "", ``image_transport`` None: not given)
    sets it only when given, so the parameter file's value stays otherwise (user33).
    ``params_file``: a path, or the paths ``--params-file`` gave (argparse's list: each applied
    in turn, :attr:`NodeLaunch.more_files` after the first). ``params_labels``: each file's
    name as the user typed it, for messages (``--params-file NAME``; None: its path).
    """
    files = [params_file] if isinstance(params_file, str) else list(params_file or [])
    names = [f"--params-file {name}" for name in (params_labels or files)]
    parameters = dict(planner_parameters or {})
    labels = {}
    if image_transport is not None and "image_transport" not in parameters:
        parameters["image_transport"] = image_transport
        labels["image_transport"] = "--image-transport"
    if checkpoint:
        parameters["model.checkpoint"] = checkpoint
        labels["model.checkpoint"] = "--checkpoint"
    nodes = [NodeLaunch(
        "planner", parameters=parameters, params_file=files[0] if files else None,
        labels=labels, file_label=names[0] if names else None,
        more_files=list(zip(files[1:], names[1:], strict=True)),
        remappings={"image": camera_topic, "target_pose": target_topic,
                    "joint_states": joint_states_topic, "gripper_command": gripper_topic},
    )]
    if camera:
        nodes.append(NodeLaunch("camera"))
    return nodes


# The planner's goal image topic (its "~/goal_image"), where the simulator's goal images go
PLANNER_GOAL_IMAGE = f"/{PLANNER_NODE}/goal_image"


def put_in_namespace(nodes: list[NodeLaunch], namespace: str) -> None:
    """Start every node of ``nodes`` but the camera in ``namespace`` (``launch --namespace``).

    ``namespace``: absolute (``/arm1``; "" none), as ``launch_inputs.check_namespace`` makes
    the launch file's ``namespace:=`` form (``arm1``). The planner runs as
    ``/arm1/vjepa_planner``: its relative topics (``target_pose``, ``gripper_command``) and
    services lie under ``/arm1``, its absolute ones stay, as under ``ros2 launch``; the
    simulator, a bag player or an image publisher beside it run in it too (one arm's nodes
    together), wired to the planner's names (:func:`wire_sim`). The camera node stays
    ``/camera/camera``, as the launch file starts it.
    """
    for node in nodes:
        if node.name != "camera":
            node.namespace = namespace


def follow_planner_clock(nodes: list[NodeLaunch], use_sim_time: bool | None) -> None:
    """Put every other node of ``nodes`` on ``/clock`` when the planner (``nodes[0]``) is.

    ``use_sim_time`` None (no ``--use-sim-time`` / ``--no-use-sim-time``) and the planner's
    start-up value true (``-p planner.use_sim_time:=true``, a ``--params-file`` with
    ``use_sim_time: true``): each other node without its own ``-p NODE.use_sim_time`` gets
    ``use_sim_time`` true, labelled with the planner's source, as ``--use-sim-time`` would set
    it; a simulator then publishes ``/clock`` (:func:`wire_sim`), a camera stamps in it.
    """
    planner, others = nodes[0], nodes[1:]
    if use_sim_time is not None or planner.start_value("use_sim_time", False) is not True:
        return
    source = planner.sources().get("use_sim_time", "its parameter file")
    for node in others:
        if "use_sim_time" not in node.parameters:
            node.parameters["use_sim_time"] = True
            node.labels["use_sim_time"] = f"the planner's use_sim_time ({source})"


def wire_sim(sim: NodeLaunch, use_sim_time: bool, planner: NodeLaunch | None = None) -> None:
    """Connect the simulator ``sim`` to the planner this launch starts with it.

    Its goal images (``goal_image``, one per ``/goal_pose``) go to the planner's goal image
    topic (:data:`PLANNER_GOAL_IMAGE`), as ``-r goal_image:=/vjepa_planner/goal_image`` does
    for ``ros2 run vjepa_ros sim_node``; on sim time (``use_sim_time``: ``--use-sim-time``,
    else its own ``use_sim_time`` override, ``-p sim.`` or :func:`follow_planner_clock`'s) it
    publishes ``/clock`` unless a ``-p sim.publish_clock`` says otherwise (sim_node refuses
    use_sim_time without it: nothing else would publish ``/clock``). With ``planner``: its
    camera, target pose, joint states and gripper topics are the planner's
    (``--camera-topic``, ``--target-topic``, ...; before, the simulator kept its defaults and
    the arm never moved), and a planner on compressed images is refused (UsageError: the
    simulator publishes raw images only).
    """
    sim.remappings.setdefault("goal_image", _goal_image(planner))
    if planner is not None:
        _check_raw_images(planner, "--node sim")
        for source, target in sim_remappings(planner.remappings, planner.fqn()).items():
            sim.remappings.setdefault(source, target)
    own = sim.parameters.get("use_sim_time") is True
    if (use_sim_time or own) and "publish_clock" not in sim.parameters:
        sim.parameters["publish_clock"] = True
        sim.labels["publish_clock"] = "--use-sim-time" if use_sim_time else \
            sim.labels.get("use_sim_time", "-p sim.use_sim_time")


def wire_camera(camera: NodeLaunch, planner: NodeLaunch) -> None:
    """Connect the camera node ``camera`` (``--camera``) to ``planner``'s ``--camera-topic``.

    Its image (and camera_info beside it) are remapped to the planner's camera topic; a
    planner on compressed images is refused (UsageError: the camera node publishes raw only).
    """
    _check_raw_images(planner, "--camera", CAMERA_INSTEAD)
    for source, target in camera_remappings(planner.remappings["image"],
                                            planner.fqn()).items():
        camera.remappings.setdefault(source, target)


def _goal_image(planner: NodeLaunch | None) -> str:
    """Return ``planner``'s goal image topic (:data:`PLANNER_GOAL_IMAGE` without one)."""
    return PLANNER_GOAL_IMAGE if planner is None else f"{planner.fqn()}/goal_image"


def _check_raw_images(planner: NodeLaunch, started: str, instead: str = "") -> None:
    """Refuse ``started`` (a raw-image publisher) beside a planner on compressed images."""
    check_raw_images(started, planner.start_value("image_transport", "raw"),
                     planner.sources().get("image_transport", "the default"),
                     planner.remappings["image"], instead)


def wire_image_publisher(publisher: NodeLaunch, camera_topic: str,
                         image_transport: str = "raw",
                         source: str = "--image-transport",
                         planner: NodeLaunch | None = None) -> None:
    """Connect the image publisher ``publisher`` to the planner this launch starts with it.

    Its ``qos`` and ``transport`` are the values it starts with (:meth:`NodeLaunch.start_value`:
    ``-p image_publisher.NAME``, else its parameter file's), as the planner's own are read.
    Latched (the default ``qos``): a goal image, so ``image`` goes to the planner's goal image
    topic (:data:`PLANNER_GOAL_IMAGE`) and ``image/compressed`` to the compressed one beside it
    (``~/goal_image/compressed``, which the planner hears whatever its camera transport), as
    ``-r image:=/vjepa_planner/goal_image`` does for ``ros2 run vjepa_ros image_publisher``.
    ``qos`` sensor_data: a stand-in camera, so ``image`` and ``image/compressed`` go to
    ``camera_topic`` (the planner's ``--camera-topic``, which names the compressed topic itself
    with ``--image-transport compressed``), in the planner's ``image_transport`` unless the
    publisher's own ``transport`` is set (``-p``, a file other than the packaged default, or a
    packaged value other than raw; then it must be the same); ``source``: what set the
    planner's (``NodeLaunch.sources``: ``--params-file lab.yaml``); ``planner``: the planner
    started with it, whose names the topics take (None: ``/vjepa_planner``'s). Raises UsageError
    (one line, the options named) for a stand-in camera the planner could not hear (review31).
    """
    from vjepa_ros.config import UsageError

    transport, given = _own_transport(publisher)
    if publisher.start_value("qos", "latched") == "sensor_data":
        if transport is None:
            publisher.parameters["transport"] = image_transport
            publisher.labels["transport"] = source
        elif transport != image_transport:
            raise UsageError(
                f"{given} with {transport_given(image_transport, source)}: "
                "the stand-in camera would publish what the planner does not "
                f"take on {camera_topic}; give both the same transport (or leave "
                "image_publisher.transport out: it follows the planner's)")
        planner_fqn = f"/{PLANNER_NODE}" if planner is None else planner.fqn()
        topic = absolute_topic(camera_topic, planner_fqn)  # '~/x': the planner's own
        publisher.remappings.setdefault("image", topic)
        publisher.remappings.setdefault("image/compressed", topic)
        return
    publisher.remappings.setdefault("image", _goal_image(planner))  # raw goals
    publisher.remappings.setdefault("image/compressed", f"{_goal_image(planner)}/compressed")


def _own_transport(publisher: NodeLaunch) -> tuple[str | None, str]:
    """Return the image publisher's own ``transport`` and its source in words, or (None, "").

    None: not chosen, only the packaged file's ``raw`` (the node's declared default: a stand-in
    camera then follows the planner's transport). The words: ``-p image_publisher.transport:=raw``,
    or ``image_publisher transport compressed (--params-file cam.yaml)``.
    """
    from vjepa_ros.nodes.image_publisher_config import ImagePublisherConfig

    default = next(field.default for field in dataclasses.fields(ImagePublisherConfig)
                   if field.name == "transport")
    value = publisher.start_value("transport", None)
    label = publisher.sources().get("transport", "")
    if value is None or (label.startswith(PACKAGED) and value == default):
        return None, ""
    if "transport" in publisher.parameters and label.startswith("-p "):
        return value, f"-p image_publisher.transport:={value}"
    return value, f"image_publisher transport {value} ({label})"
