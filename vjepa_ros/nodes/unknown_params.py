"""Parameters a node does not have: refused in one line naming the closest declared name.

At start-up (``-p``, ``--params-file``: :func:`refuse_undeclared_overrides` raises
:class:`UnknownParameterError`, a usage error) and at run time (``ros2 param set``:
:func:`refuse_undeclared_sets` makes rclpy answer :class:`UndeclaredParameterSet`'s line).
"""

from __future__ import annotations

from rclpy.exceptions import ParameterNotDeclaredException
from rclpy.node import Node
from rclpy.parameter import Parameter

from vjepa_ros.config import UsageError
from vjepa_ros.name_lists import CLOSE, closest_name


class UnknownParameterError(UsageError):
    """A start-up value for a parameter the node never declared: a usage error (exit status 2).

    As an unknown key of a ``--config`` file or ``--set`` is (``config.UsageError``), whether it
    came from ``-p`` or a ``--params-file``. Raised by :func:`refuse_undeclared_overrides`.

    ``pairs``: (unknown name, closest declared name, "" when none is alike) for each, sorted by
    name.
    """

    def __init__(self, pairs: list[tuple[str, str]], ros_name: str = ""):
        self.pairs = pairs
        self.ros_name = ros_name  # the node's class's ROS name: where its names are listed
        super().__init__(self.message())

    def message(self, node: str | None = None, sources: dict[str, str] | None = None) -> str:
        """Return the one-line message naming each unknown parameter and its closest name.

        ``sources``: ``{parameter: where its value came from}`` (``param_sources``): a name a
        parameter file gave is named after that file (``--params-file p.yaml: unknown parameter
        'planner.sampels' (closest: 'planner.samples')``), its closest as the key to write
        there. Otherwise, with ``node``, the closest as ``vjepa-ros launch``'s ``-p
        NODE.param:=...`` (the full form to type), else as the node's own name.
        """
        from vjepa_ros.nodes.param_sources import is_file_source

        groups: dict[str, list[tuple[str, str]]] = {}  # source file ("": typed) -> its pairs
        for name, closest in self.pairs:
            source = (sources or {}).get(name, "")
            groups.setdefault(source if is_file_source(source) else "", []).append(
                (name, closest))
        parts = []
        for source, pairs in groups.items():
            many = len(pairs) > 1
            if source:  # the closest as the key to write in that file
                named = "; ".join(f"{name!r}{f' (closest: {closest!r})' if closest else ''}"
                                  for name, closest in pairs)
                parts.append(f"{source}: unknown parameter{'s' if many else ''} {named}: fix "
                             f"{'those keys' if many else 'that key'} in the file")
            else:
                named = "; ".join(f"{name!r}{_closest_hint(closest, node)}"
                                  for name, closest in pairs)
                parts.append(f"unknown parameter{'s' if many else ''} {named}")
        return f"{'; '.join(parts)}; {names_file(self.ros_name)} lists the names it takes"


def names_file(ros_name: str) -> str:
    """Return the parameter file listing node ``ros_name``'s names (its path; a start-up refusal).

    The registry's ``params_file`` of the node of that ROS name (``node_registry.NODES``),
    installed (``node_usage.params_file_where``); "its file in config/" for a node it lacks.
    """
    from vjepa_ros.nodes.node_registry import NODES
    from vjepa_ros.nodes.node_usage import params_file_where

    entry = next((e for e in NODES.values() if e.ros_name == ros_name and e.params_file), None)
    return params_file_where(entry.params_file) if entry else "its file in config/"


def list_command(ros_name: str, fqn: str) -> str:
    """Return the command that lists the parameters of the running node ``fqn``.

    The planner (``ros_name`` ``vjepa_planner``): ``vjepa-ros planner param list`` (with
    ``--node FQN`` where it is not ``/vjepa_planner``), which the pip route has, then ros2's
    for a ROS 2 install; another node: ros2's (docs/environment.md: no ``ros2`` from PyPI).
    """
    from vjepa_ros.robot.planner_name import PLANNER_NODE

    ros2 = f"`ros2 param list {fqn}`"
    if ros_name != PLANNER_NODE:
        return f"{ros2} (a ROS 2 install)"
    node = "" if fqn == f"/{PLANNER_NODE}" else f" --node {fqn}"
    return f"`vjepa-ros planner param list{node}` (or {ros2} with a ROS 2 install)"


def _ros_name(node: Node) -> str:
    """Return the ROS name ``node``'s class is registered by (``ROS_NAME``), else its name."""
    return getattr(type(node), "ROS_NAME", "") or node.get_name()


def _closest_hint(closest: str, node: str | None) -> str:
    """Return `` (closest: -p NODE.NAME:=...)`` (to type) or `` (closest: 'NAME')``.

    "" when no declared name is alike (``closest`` empty).
    """
    if not closest:
        return ""
    return f" (closest: {f'-p {node}.{closest}:=...' if node else repr(closest)})"


def refuse_undeclared_overrides(node: Node) -> None:
    """Raise UnknownParameterError (a UsageError) for start-up values ``node`` never declared.

    rclpy keeps start-up values (``-p``, ``--params-file``, ``parameter_overrides``) aside until
    the node declares the parameter, and silently drops the rest: a typo would leave a default
    in force (:func:`start_up_overrides`). One line names each unknown parameter and the closest
    declared name.
    """
    overrides = start_up_overrides(node)
    declared = node.get_parameters_by_prefix("")  # every declared parameter
    unknown = sorted(name for name in overrides if not node.has_parameter(name))
    if unknown:
        raise UnknownParameterError([(name, closest_name(name, declared, cutoff=CLOSE))
                                     for name in unknown], _ros_name(node))


def start_up_overrides(node: Node) -> dict[str, Parameter]:
    """Return the parameter values ``node`` was given at start-up, by name.

    ``-p``, ``--params-file`` and ``parameter_overrides``: rclpy's ``Node._parameter_overrides``
    (rclpy has no public accessor; every rclpy since Dashing has it).
    """
    return dict(getattr(node, "_parameter_overrides", {}))


class UndeclaredParameterSet(ParameterNotDeclaredException):
    """A run-time value for parameters the node does not have, said in one line (its ``str``)."""

    def __init__(self, node: Node, names: list[str]):
        declared = list(node._parameters)  # every declared name (rclpy's own included)
        named = ", ".join(f"'{name}'" for name in names)
        closest = [closest_name(name, declared, cutoff=CLOSE) for name in names]
        hint = "; ".join(f"closest: '{c}'" for c in closest if c)
        listing = list_command(_ros_name(node), node.get_fully_qualified_name())
        self.text = (f"{node.get_name()} has no parameter{'s' if len(names) > 1 else ''} "
                     f"{named}{f' ({hint})' if hint else ''}; {listing} lists its parameters")
        super().__init__(names)

    def __str__(self) -> str:
        return self.text


def refuse_undeclared_sets(node: Node) -> None:
    """Answer a run-time value for a parameter ``node`` does not have in one line.

    rclpy (9.1.x) refuses it with ``Invalid access to undeclared parameter(s): []`` (its
    ``Node._check_undeclared_parameters`` hands the exception a generator it has just used
    up): the parameter service puts ``str()`` of the exception into the reply. This node's
    check raises :class:`UndeclaredParameterSet` instead (a ``ParameterNotDeclaredException``,
    as before): ``sim_node has no parameter 'camera.fov' (closest: 'camera.fov_deg'); `ros2
    param list /sim_node` (a ROS 2 install) lists its parameters`` (:func:`list_command`).
    rclpy has no public hook for it: a node without that method keeps rclpy's words.
    """
    if not hasattr(node, "_check_undeclared_parameters") or \
            getattr(node, "_allow_undeclared_parameters", False):
        return

    def check(parameters) -> None:
        if not all(isinstance(p, Parameter) for p in parameters):
            raise TypeError(f"parameter must be instance of type '{Parameter!r}'")
        unknown = [p.name for p in parameters if not node.has_parameter(p.name)]
        if unknown:
            raise UndeclaredParameterSet(node, unknown)

    node._check_undeclared_parameters = check
