"""Start vjepa_ros nodes in one process, with the YAML files and remappings the launch files use.

``ros2 launch vjepa_ros vjepa_mpc.launch.py`` needs the ``launch`` packages of a ROS install; this
module starts the same nodes with the same ``config/*.yaml`` files (passed as ``--params-file``,
exactly what ``ros2 launch`` does) and the same remappings, each node on a single-threaded
executor and thread of its own (``spinning.NodeSpinner``; not rclpy's MultiThreadedExecutor, which
busy-loops in the pinned rclpy)::

    vjepa-ros launch --checkpoint vjepa2-ac-vitg.pt --camera-topic /camera/camera/color/image_raw \
        --target-topic /cartesian_impedance_controller/target_pose [--camera] [--use-sim-time]

Tests use :class:`Launch` directly. A node joins the registry with one line in
``node_registry.NODES``; start it with ``--node NAME`` (its YAML file is loaded,
``-p NAME.param:=value`` overrides a parameter). One node as an executable (``ros2 run``) is
:mod:`vjepa_ros.nodes.node_runner`. rclpy is imported inside the functions, so the CLI parser
builds without ROS.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from vjepa_ros.cli_parser import Takes
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import (
    ConfigError,
    UsageError,
    config_path,
    package_share_dir,
    read_ros_params,
    typed_on_command_line,
)
from vjepa_ros.nodes.dds_profile import use_camera_profile
from vjepa_ros.nodes.node_registry import NODES, NodeEntry
from vjepa_ros.nodes.node_runner import one_line
from vjepa_ros.nodes.planner_name import PLANNER_NODE
from vjepa_ros.nodes.reply_warnings import route_reply_warnings
from vjepa_ros.nodes.ros_args import ros_arg_value
from vjepa_ros.nodes.spinning import NodeSpinner
from vjepa_ros.terminate import stop_signals_held


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
    # {parameter: how rcl read its -p text} where not as its digits (08: the float 8.0), said
    # after a value error naming it (param_sources.noted)
    notes: dict = dataclasses.field(default_factory=dict)

    def node_kwargs(self, use_sim_time: bool = False) -> dict:
        """Keyword arguments for the node class: cli_args and parameter_overrides."""
        from rclpy.parameter import Parameter

        parameters = {"use_sim_time": use_sim_time, **self.parameters}
        overrides = [Parameter(name, value=value) for name, value in parameters.items()]
        return {"cli_args": self._file_and_remap_args(), "parameter_overrides": overrides}

    def command(self, use_sim_time: bool = False) -> list[str]:
        """Return the same node as a command line (its module's ``main``): a child process."""
        module = self._entry().target.partition(":")[0]
        parameters = {"use_sim_time": use_sim_time, **self.parameters}
        values = [["-p", f"{name}:={ros_arg_value(value)}"] for name, value in parameters.items()]
        return [sys.executable, "-m", module, *self._file_and_remap_args(),
                *(arg for pair in values for arg in pair)]

    def _entry(self) -> NodeEntry:
        if self.name not in NODES:
            raise ValueError(f"unknown node {self.name!r}; known: {sorted(NODES)}")
        return NODES[self.name]

    def sources(self, use_sim_time: bool = False) -> dict[str, str]:
        """Return ``{parameter: its source}`` of the node's start-up values, the winner's each.

        A parameter file given (``--params-file NAME`` as given, else its path), or the
        registry's own ``config/`` file (``the packaged default config/planner.yaml``: no
        ``--params-file`` the user did not give), then the overrides (which rclpy applies over
        it): ``-p NODE.name``, or the option that set it (:attr:`labels`; ``use_sim_time``:
        ``--use-sim-time`` when true).
        """
        from vjepa_ros.nodes.param_sources import file_sources, packaged_file

        sources = {}
        path = self._params_file_path()
        if path:
            label = (self.file_label or f"--params-file {path}") if self.params_file else \
                packaged_file(self._entry().params_file)
            sources.update(file_sources(path, f"/{self._entry().ros_name}", label))
        if use_sim_time:
            sources["use_sim_time"] = "--use-sim-time"
        for name in self.parameters:
            sources[name] = self.labels.get(name, f"-p {self.name}.{name}")
        return sources

    def _params_file_path(self) -> str:
        """Return the path of the node's parameter file ("" none)."""
        params_file = self._entry().params_file if self.params_file is None else self.params_file
        if not params_file:
            return ""
        return params_file if "/" in params_file else str(config_path(params_file))

    def _file_and_remap_args(self) -> list[str]:
        path = self._params_file_path()
        cli_args = ["--ros-args"]
        if path:
            cli_args += ["--params-file", path]
        for source, target in self.remappings.items():
            cli_args += ["-r", f"{source}:={target}"]
        return cli_args


def mpc_nodes(checkpoint: str = "", camera_topic: str = "/camera/camera/color/image_raw",
              target_topic: str = "target_pose", joint_states_topic: str = "/joint_states",
              gripper_topic: str = "gripper_command", camera: bool = False,
              params_file: str | None = None, image_transport: str = "raw",
              planner_parameters: dict | None = None) -> list[NodeLaunch]:
    """Return the nodes of ``launch/vjepa_mpc.launch.py``, given the same arguments."""
    parameters = {"image_transport": image_transport, **(planner_parameters or {})}
    labels = {} if "image_transport" in (planner_parameters or {}) else \
        {"image_transport": "--image-transport"}
    if checkpoint:
        parameters["model.checkpoint"] = checkpoint
        labels["model.checkpoint"] = "--checkpoint"
    nodes = [NodeLaunch(
        "planner", parameters=parameters, params_file=params_file, labels=labels,
        remappings={"image": camera_topic, "target_pose": target_topic,
                    "joint_states": joint_states_topic, "gripper_command": gripper_topic},
    )]
    if camera:
        nodes.append(NodeLaunch("camera"))
    return nodes


# The planner's goal image topic (its "~/goal_image"), where the simulator's goal images go
PLANNER_GOAL_IMAGE = f"/{PLANNER_NODE}/goal_image"


def wire_sim(sim: NodeLaunch, use_sim_time: bool) -> None:
    """Connect the simulator ``sim`` to the planner this launch starts with it.

    Its goal images (``goal_image``, one per ``/goal_pose``) go to the planner's goal image
    topic (:data:`PLANNER_GOAL_IMAGE`), as ``-r goal_image:=/vjepa_planner/goal_image`` does
    for ``ros2 run vjepa_ros sim_node``; with ``use_sim_time`` it publishes ``/clock`` unless a
    ``-p sim.publish_clock`` says otherwise (sim_node refuses use_sim_time without it: nothing
    else would publish ``/clock``).
    """
    sim.remappings.setdefault("goal_image", PLANNER_GOAL_IMAGE)
    if use_sim_time and "publish_clock" not in sim.parameters:
        sim.parameters["publish_clock"] = True
        sim.labels["publish_clock"] = "--use-sim-time"


class Launch:
    """Nodes in one process, each spun by an executor thread of its own; a context manager.

    ``Launch(nodes)`` creates the nodes (its own rclpy context unless one is given), those
    that load the world model (``NodeEntry.slow_start``) last, so that a bad parameter of
    another node is refused before that wait; ``nodes`` keeps the order given. Its
    ``executor`` (a ``spinning.NodeSpinner``) spins them: ``start()`` on background threads,
    ``spin()`` in the foreground; ``shutdown()`` destroys the nodes and the context (if it made
    it).
    """

    def __init__(self, nodes: list[NodeLaunch], context=None, use_sim_time: bool = False):
        import rclpy
        from rclpy.exceptions import ParameterException

        from vjepa_ros.nodes.params import UnknownParameterError

        route_reply_warnings()  # rclpy's reply-timeout warning: one line, not two
        self.own_context = context is None
        self.executor = None
        self.names: dict = {}  # started node -> its -p NODE. name (failure's prefix)
        # made whole: a stop raised after, never inside rclpy (terminate.stop_signals_held);
        # not around the nodes below (a stop while the planner loads its model: at once)
        with stop_signals_held():
            self.context = rclpy.Context() if context is None else context
            if self.own_context:
                rclpy.init(context=self.context)
        self.nodes = []
        try:
            for spec in nodes:
                spec.node_kwargs(use_sim_time)  # checks every name before any node starts
            started = {}  # index in nodes -> the node
            try:
                for index, spec in sorted(enumerate(nodes),
                                          key=lambda item: NODES[item[1].name].slow_start):
                    node_class = NODES[spec.name].load()
                    try:
                        node = node_class(context=self.context, **spec.node_kwargs(use_sim_time))
                    except UnknownParameterError as exc:  # the closest as -p NODE.name:=...
                        # or, for a name a --params-file gave, after that file, as its key
                        raise UsageError(f"{spec.name}: "
                                         f"{exc.message(spec.name, spec.sources(use_sim_time))}"
                                         ) from None
                    except (ParameterException, OSError, ValueError, RuntimeError) as exc:
                        # One prefix, the node as -p NODE.param names it; its messages carry
                        # none. A value error names the sources of the values it names.
                        raise _prefixed(exc, spec.name, spec.sources(use_sim_time),
                                        spec.notes) from None
                    started[index] = node  # (an unknown parameter: refused by the node itself)
            finally:  # the order given; on an error, the nodes started so far (shut down)
                self.nodes = [started[i] for i in sorted(started)]
                self.names = {node: nodes[i].name for i, node in started.items()}
        except BaseException:
            self.shutdown()
            raise
        self.executor = NodeSpinner(self.context)  # add_node, spin, shutdown like an executor
        for node in self.nodes:
            self.executor.add_node(node)

    def node(self, name: str):
        """Return the started node whose ROS name is ``name``."""
        for node in self.nodes:
            if node.get_name() == name:
                return node
        raise KeyError(f"no node named {name!r}; started: {[n.get_name() for n in self.nodes]}")

    def spin(self) -> str:
        """Spin the nodes in the foreground until they stop; Ctrl-C stops them and re-raises.

        Also until a node ends itself with a failure (:meth:`failure`: a simulator that refuses
        to run beside another one); returns the line the launch ends with
        (:meth:`failure_line`), else "".
        """
        from rclpy.executors import ExternalShutdownException

        try:
            self.executor.spin(until=self.failure)
        except ExternalShutdownException:
            pass
        return self.failure_line()

    def failure(self) -> str:
        """Return why a node stopped itself with a failure, ``-p NODE.`` name first ("" none).

        A node that ends its work by itself sets its ``done`` event (as for ``run_node``); a
        non-zero ``exit_status()`` is a failure, said by its ``refused`` line (``sim: another
        node publishes /clock by /sim_node ...``). A node done with status 0 (a bag played to
        its end) is no failure: the others go on.
        """
        node = self._failed_node()
        if node is None:
            return ""
        why = getattr(node, "refused", "") or f"stopped (status {node.exit_status()})"
        return f"{self.names.get(node, node.get_name())}: {why}"

    def failure_line(self) -> str:
        """Return :meth:`failure` as the launch's last line says it: the reason once ("" none).

        A node's ``refused`` line is one it logged at ERROR as it stopped (on the console, in
        ``/rosout`` and the ROS log file, as under ``ros2 run``): the last line names the node
        and points at that line (``sim: refused to run (the [ERROR] [sim_node] line above says
        why); every node stopped``) instead of repeating it. The whole :meth:`failure` where
        the node's logger shows no ERROR (``--log-level``) or it has no such line.
        """
        from rclpy.logging import LoggingSeverity

        node = self._failed_node()
        if node is None:
            return ""
        if not getattr(node, "refused", "") or \
                not node.get_logger().is_enabled_for(LoggingSeverity.ERROR):
            return self.failure()
        return (f"{self.names.get(node, node.get_name())}: refused to run (the [ERROR] "
                f"[{node.get_logger().name}] line above says why); every node stopped")

    def _failed_node(self):
        """Return the first node done with a non-zero ``exit_status()`` (None: none is)."""
        for node in self.nodes:
            done = getattr(node, "done", None)
            if done is not None and done.is_set() and node.exit_status():
                return node
        return None

    def start(self) -> Launch:
        self.executor.start()
        return self

    def shutdown(self, timeout: float = 30.0) -> None:
        for node in self.nodes:  # let long callbacks (a plan) end before the executor stops:
            prepare = getattr(node, "prepare_shutdown", None)  # rclpy's executor shutdown does
            if prepare is not None:  # not wait for a running callback before destroying its
                prepare(timeout)  # wake-up guard condition
        if self.executor is not None:
            self.executor.shutdown(timeout_sec=timeout)
        for node in self.nodes:
            node.destroy_node()
        self.nodes = []
        if self.own_context:
            self.context.try_shutdown()

    def __enter__(self) -> Launch:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _prefixed(exc: BaseException, name: str, sources: dict | None = None,
              notes: dict | None = None) -> Exception:
    """Return ``exc`` as the same kind of error with ``name: `` before its one-line message.

    rclpy's ParameterException (e.g. a string for a float parameter) becomes a ValueError.
    With ``sources`` (``NodeLaunch.sources``) the sources of the parameters the message names
    come after ``name: `` (``planner: --params-file p.yaml: planner.samples must ...``). A value
    of the wrong type typed as ``-p`` becomes a UsageError (exit status 2, as argparse's
    ``invalid int value``); from a file it stays a value error (status 1). ``notes``
    (``NodeLaunch.notes``) go after a message naming their parameters.
    """
    from vjepa_ros.nodes.param_sources import command_line_names, noted, sourced

    text = one_line(exc)
    if sources and not isinstance(exc, UsageError):
        text = sourced(text, sources)
    text = noted(text, notes or {})
    message = f"{name}: {text}"
    if typed_on_command_line(exc, command_line_names(sources or {})):
        return UsageError(message)  # a -p value of the wrong type: status 2, as argparse's
    if isinstance(exc, (OSError, ValueError, RuntimeError)):
        try:
            return type(exc)(message)
        except TypeError:  # an exception class with another signature
            pass
    return ValueError(message)


def _parse_overrides(items: list[str], notes: dict | None = None) -> dict[str, dict]:
    """``NODE.param:=value`` items (value parsed as YAML) → {node: {param: value}}.

    ``notes``: filled with ``{node: {param: note}}`` for a value rcl reads unlike its digits
    (``rcl_yaml.number_reading``: ``08`` the float 8.0), for ``NodeLaunch.notes``.

    An empty value (``-p planner.goal_image_path:=''``: the shell leaves nothing after ``:=``)
    is the empty string, not YAML's null ("expected a string, got None"): a string parameter
    takes it, any other refuses it by its type.

    Raises UsageError (one line naming the ``-p`` item) for an item without ``NODE.`` or ``:=``,
    a value that is not YAML, a mapping, a list of lists or mappings and a list mixing types,
    as a node executable refuses its ``-p`` (``ros_args.check_param_value``).
    """
    from vjepa_ros.nodes.rcl_yaml import number_reading
    from vjepa_ros.nodes.ros_args import check_param_value, yaml_value

    out: dict[str, dict] = {}
    for item in items:
        key, sep, raw = item.partition(":=")
        node, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise UsageError("-p expects NODE.param:=value (e.g. "
                             f"planner.control.mode:=continuous), got {item!r}")
        try:
            value = "" if not raw.strip() else yaml_value(key, raw)
            check_param_value(key, value, raw)
            out.setdefault(node, {})[name] = _one_type_list(key, value)
            if notes is not None:
                notes.setdefault(node, {}).pop(name, None)  # the last -p of a name wins
                if number_reading(raw.strip()):
                    notes[node][name] = number_reading(raw.strip())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return out


def _one_type_list(key: str, value):
    """Return ``value``, a list mixing ints and floats as floats (ROS lists hold one type).

    ``[0.0, 1, 0.0]`` → ``[0.0, 1.0, 0.0]``; any other mix raises ValueError naming ``-p key``.
    """
    from vjepa_ros.nodes.params_file import list_kinds
    from vjepa_ros.nodes.ros_args import mixed_list

    if not isinstance(value, list) or not value:
        return value
    kinds = list_kinds(value)
    if kinds == ["float", "int"]:
        return [float(item) for item in value]
    if len(kinds) > 1:
        raise ValueError(mixed_list(key, value))
    return value


def add_launch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="V-JEPA 2-AC checkpoint file "
                        "(model.checkpoint); 'demo': the packaged demo world model (default: "
                        "-p planner.model.checkpoint, else the parameter file's)")
    parser.add_argument("--camera-topic", default="/camera/camera/color/image_raw",
                        help="camera image topic the planner subscribes to")
    parser.add_argument("--target-topic", default="target_pose",
                        help="where target poses go, e.g. /cartesian_impedance_controller/"
                        "target_pose or /franka/equilibrium_pose")
    parser.add_argument("--joint-states-topic", default="/joint_states",
                        help="sensor_msgs/JointState topic of the arm (and gripper) the planner "
                        "reads its state from")
    parser.add_argument("--gripper-topic", default="gripper_command",
                        help="std_msgs/Float64 gripper closedness commands")
    parser.add_argument("--image-transport", default="raw", choices=("raw", "compressed"),
                        help="camera messages: raw (sensor_msgs/Image) or compressed "
                        "(CompressedImage on --camera-topic)")
    parser.add_argument("--camera", action="store_true", help="also start camera_node "
                        "(pyrealsense2)")
    parser.add_argument("--use-sim-time", action="store_true", help="use /clock (bag play "
                        "--clock, simulator)")
    parser.add_argument("--params-file", type=Takes("a parameter file"),
                        help="planner parameter file (default: the package's "
                        "config/planner.yaml)")
    parser.add_argument("--node", action="append", default=[], choices=sorted(NODES),
                        help="start another registered node with its config file (repeatable; "
                        "default: none, the planner alone)")
    parser.add_argument("-p", dest="overrides", action="append", default=[],
                        type=Takes("NODE.PARAM:=VALUE (e.g. planner.control.mode:=continuous)"),
                        metavar="NODE.PARAM:=VALUE", help="override a parameter, e.g. "
                        "planner.control.mode:=continuous (repeatable; default: none, the "
                        "parameter files' values)")


def _params_file_path(name: str) -> Path:
    """Return where ``--params-file NAME`` is (a local file wins over the package's).

    A path with ``/`` as given; a bare name: the file here when there is one, else the
    package's ``config/NAME`` (``planner_notebook.yaml``).

    Raises UsageError naming both places looked in for a bare name found in neither.
    """
    local = Path(name).expanduser()
    if "/" in name or local.is_file():
        return local  # (a missing path: check_params_file says so)
    packaged = package_share_dir() / "config" / name
    if packaged.is_file():
        return packaged
    raise UsageError(f"--params-file {name} is neither a file here ({local.absolute()}) nor in "
                     f"the package's config/ folder ({packaged.parent}): give the path of a ROS "
                     "2 parameter file")


def check_launch_inputs(args: argparse.Namespace, planner_overrides: dict) -> tuple[str, str]:
    """Check ``--params-file`` and the planner's checkpoint file; ValueError naming the source.

    A parameter file that cannot be used is a UsageError (exit status 2); a checkpoint that is
    missing or empty, a ValueError (exit status 1, as the planner node refuses it).

    The parameter file goes to the planner alone: a section that applies to no node of that
    name (a misspelled ``vjepa_planer:``) is refused (``check_params_file``), not dropped; so
    is one for a node ``--node``/``--camera`` starts too (it reads its own file); one for
    another node of the package is ignored with a note, as rcl ignores it.
    Without ``--params-file`` that is the package's ``config/planner.yaml``, the file the node
    reads (never a ``planner.yaml`` in the working directory), named as "the packaged default".

    The checkpoint comes from ``--checkpoint``, else ``-p planner.model.checkpoint``, else the
    parameter file's ``model.checkpoint`` (as the node will read it; ``demo``: the packaged
    demo world model, ``input_paths.world_model_path``); none at all is refused as
    the node refuses it (naming ``--checkpoint demo`` too), but before rclpy, torch and the
    model load. A ``-p planner.model.checkpoint`` that is no string is refused (a UsageError
    in the node's words), with ``--checkpoint`` too, which would drop it unseen. Returns (the
    source as messages name it, the checkpoint).
    """
    from vjepa_ros.input_paths import CHECKPOINT_FORMAT, world_model_path
    from vjepa_ros.nodes.param_sources import PACKAGED, packaged_file
    from vjepa_ros.nodes.params_file import check_params_file

    nodes = [f"/{PLANNER_NODE}"]  # the file goes to the planner only
    nodes_are = "launch gives this file to"  # --node sim etc. start with their own files
    if args.params_file:
        path, option = _params_file_path(args.params_file), "--params-file"
        where = f"--params-file {args.params_file}"
    else:  # the file the node will read: the package's, never one of that name here
        path, option = config_path(NODES["planner"].params_file), PACKAGED
        where = packaged_file(NODES["planner"].params_file)
    alongside = [*getattr(args, "node", []), *(["camera"] if getattr(args, "camera", False)
                                                else [])]  # each started on its own file
    params_file = check_params_file(path, option, nodes=nodes, nodes_are=nodes_are,
                                    alongside=alongside)
    if args.params_file:  # the file found, as the planner's --ros-args --params-file
        # absolute: str(Path("./mine.yaml")) is "mine.yaml", which NodeLaunch reads as config/'s
        args.params_file = str(params_file.absolute())
    model = read_ros_params(params_file, nodes[0]).get("model")
    given = planner_overrides.get("model.checkpoint")
    if given is not None and not isinstance(given, str):  # --checkpoint would drop it unseen
        from vjepa_ros.nodes.params import type_error  # (rclpy: only to refuse)
        from vjepa_ros.robot.planner_config import PlannerNodeConfig

        problem = type_error("model.checkpoint", given, PlannerNodeConfig())
        raise UsageError(f"planner: -p planner.model.checkpoint: {problem}")
    sources = (("--checkpoint", args.checkpoint),
               ("-p planner.model.checkpoint", given),
               (f"{where}: model.checkpoint",
                model.get("checkpoint") if isinstance(model, dict) else None))
    for source, checkpoint in sources:
        if checkpoint:  # 'demo' too, as the node takes it
            return source, str(world_model_path(str(checkpoint), source))
    raise ValueError(f"the planner's parameter 'model.checkpoint' is empty: give --checkpoint "
                     f"with {CHECKPOINT_FORMAT}, or --checkpoint demo for the packaged demo "
                     "world model")


def check_override_nodes(overrides: dict[str, dict], started: list[str]) -> None:
    """Refuse ``-p NODE.param`` for a node this launch does not start (it would be dropped).

    Raises UsageError naming the ``-p`` item and what to do: ``--node NODE`` for a registered
    node (``NODES``), else the names there are.
    """
    for node, parameters in overrides.items():
        if node in started:
            continue
        item = f"-p {node}.{next(iter(parameters))}"
        if node in NODES:
            raise UsageError(f"{item}: node '{node}' is not started, so the value would be "
                             f"dropped: add --node {node}, or leave it out")
        raise UsageError(f"{item}: no node '{node}'; the nodes are {', '.join(sorted(NODES))}")


def cmd_launch(args: argparse.Namespace) -> int:
    """Run the planner (and camera / extra nodes) until Ctrl-C.

    Exit status 2 for a usage error (``config.UsageError``: a ``-p`` item, a ``-p`` value of the
    wrong type, a ``--params-file`` that cannot be used), 1 for a start-up error (a checkpoint,
    a parameter value a node refuses: out of range, or of the wrong type in a file)
    and for a node that stops itself while running (``Launch.failure``: a simulator that finds
    another one on the domain), after one line naming it (``Launch.failure_line``: the reason
    said once); the other nodes stop with it.
    Ctrl-C and SIGTERM stop the nodes and raise KeyboardInterrupt / ``terminate.Terminated``:
    exit status 130 / 143 with one line (``cli.main``); Ctrl-C also where the shell started it
    ignoring SIGINT (``vjepa-ros launch ... &`` in a script), as a node executable. Further ones
    during the clean-up are ignored (they would leave a spinning thread inside rclpy at exit).
    """
    from vjepa_ros.terminate import sigint_raises, sigterm_raises

    # SIGTERM: the nodes stop as on Ctrl-C, then one line, status 143
    with sigterm_raises(), sigint_raises():
        return _launch(args)


def _launch(args: argparse.Namespace) -> int:
    from vjepa_ros.input_paths import world_model_error
    from vjepa_ros.models.errors import CheckpointError  # (no torch)
    from vjepa_ros.nodes.topic_options import check_topic_options  # rclpy: launch starts nodes
    from vjepa_ros.terminate import ignore_stop_signals

    try:
        notes: dict[str, dict] = {}
        overrides = _parse_overrides(args.overrides, notes)
        given_file = args.params_file
        source, checkpoint = check_launch_inputs(args, overrides.get("planner", {}))  # no torch
        if args.checkpoint:  # 'demo' (as run / bench accept it) or a path: the file found
            args.checkpoint = checkpoint
        nodes = mpc_nodes(args.checkpoint or "", args.camera_topic, args.target_topic,
                          args.joint_states_topic, args.gripper_topic, args.camera,
                          args.params_file, args.image_transport, overrides.get("planner"))
        if given_file:  # its values named as typed, not as the absolute path found
            nodes[0].file_label = f"--params-file {given_file}"
        nodes += [NodeLaunch(name) for name in args.node if name not in {n.name for n in nodes}]
        check_override_nodes(overrides, [node.name for node in nodes])
        for node in nodes:
            node.notes.update(notes.get(node.name, {}))
            if node.name != "planner":
                node.parameters.update(overrides.get(node.name, {}))
            if node.name == "sim":
                wire_sim(node, args.use_sim_time)
        # rclpy's validators: after the checks that need no ROS, before rcl parses the remaps
        check_topic_options({"--camera-topic": args.camera_topic,
                             "--target-topic": args.target_topic,
                             "--joint-states-topic": args.joint_states_topic,
                             "--gripper-topic": args.gripper_topic}, PLANNER_NODE)
        use_camera_profile()  # as the launch files: before the first participant is created
        launch = Launch(nodes, use_sim_time=args.use_sim_time)
    except CheckpointError as exc:  # "planner: FILE is not a vjepa_ros checkpoint (...): ..."
        error = world_model_error(str(exc).removeprefix("planner: "), checkpoint, source)
        return command_ended("vjepa-ros launch", error, status=1)
    except (OSError, ValueError, RuntimeError, ConfigError) as exc:
        return command_ended("vjepa-ros launch", exc)
    names = ", ".join(node.get_fully_qualified_name() for node in launch.nodes)
    print(f"vjepa-ros launch: running {names} (Ctrl-C stops)", file=sys.stderr)
    try:
        failure = launch.spin()  # Ctrl-C / SIGTERM: exit status 130 / 143 (cli.main)
    finally:
        ignore_stop_signals()  # (cmd_launch restores the handlers)
        launch.shutdown()
    if failure:  # a node stopped itself (a second simulator): the others stop with it
        print(f"vjepa-ros launch: {failure}", file=sys.stderr)
        return 1
    return 0
