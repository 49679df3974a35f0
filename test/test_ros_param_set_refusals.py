"""A run-time value a node cannot take: its own error, or one line naming an unknown parameter.

``ros2 param set /vjepa_planner goals.rule bogus`` was told to restart the node with
``goals.rule:=bogus`` (which it then refuses at start); a parameter the node does not have got
rclpy's ``Invalid access to undeclared parameter(s): []``. Nodes are declared in-process on a
context of their own; the unknown name also goes through the real ``set_parameters`` services.
"""

import dataclasses
import re

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from rcl_interfaces.srv import SetParameters, SetParametersAtomically  # noqa: E402
from rclpy.exceptions import ParameterNotDeclaredException  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402

from vjepa_ros.config import flatten  # noqa: E402
from vjepa_ros.nodes.params import declare_config  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402

START_ONLY = "is read at start only"


def _named(name: str, reason: str) -> bool:
    """Whether ``reason`` names parameter ``name``, also as a pair (``camera.width/height``)."""
    head, _, leaf = name.rpartition(".")
    pair = rf"{re.escape(head)}\.(\w+/{re.escape(leaf)}|{re.escape(leaf)}/\w+)\b"
    return name in reason or re.search(pair, reason) is not None


def _configs():
    from vjepa_ros.eval.playback import PlaybackConfig
    from vjepa_ros.nodes.camera_node import CameraConfig
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig
    from vjepa_ros.nodes.sim_node import SimNodeConfig
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    return [("vjepa_planner", PlannerNodeConfig), ("sim_node", SimNodeConfig),
            ("camera", CameraConfig), ("image_publisher", ImagePublisherConfig),
            ("bag_player", PlaybackConfig)]


@pytest.fixture
def planner(context):
    node = PlannerNode(context=context, cli_args=["--ros-args", "-p", "model.checkpoint:=demo",
                                                  "-p", "model.device:=cpu"])
    yield node
    node.destroy_node()


@pytest.mark.parametrize("name, value, error", [
    ("goals.rule", "bogus", "goals.rule must be one of ('steps', 'energy'), got 'bogus'"),
    ("planner.samples", 0, "planner.samples must lie in "),
    ("planner.topk", 1000, "planner.topk (1000) must be less than planner.samples (800)"),
    ("planner.samples", 80_000_000, "planner.samples must lie in [1, 100000], got 80000000"),
    ("safety.max_step_m", 100.0, "safety.max_step_m must lie in (0, 0.2], got 100.0"),
])
def test_an_invalid_start_only_value_gets_the_parameters_own_error(planner, name, value, error):
    (result,) = planner.set_parameters([Parameter(name, value=value)])
    assert not result.successful
    assert error in result.reason and START_ONLY not in result.reason, result.reason
    assert "restart" not in result.reason and "\n" not in result.reason, result.reason
    (valid,) = planner.set_parameters([Parameter("goals.rule", value="energy")])
    assert valid.reason.startswith(f"parameter 'goals.rule' {START_ONLY}"), valid.reason


def _out_of_range(default, low, high):
    """Return a value of ``default``'s type just outside [low, high] (None: unbounded)."""
    for bound, step in ((high, 1), (low, -1)):
        if bound not in (float("inf"), -float("inf")):
            return type(default)(bound + step)
    return None


@pytest.mark.parametrize("node_name, config", [
    (name, config) for name, config in _configs() if name not in ("camera", "bag_player")])
def test_every_nodes_ranged_parameter_refuses_a_value_outside_its_range(context, node_name,
                                                                         config):
    """Camera and bag player have no ranged parameters (the bag player: the test below)."""
    from vjepa_ros.robot.planner_config import parameter_message

    node = rclpy.create_node(node_name, context=context)
    try:  # (the planner words its settings' errors as its parameters: PlannerNode's words)
        declare_config(node, config(),
                       words=parameter_message if node_name == "vjepa_planner" else None)
        ranged = []
        for name, default, _ in flatten(config()):
            field = _field(config(), name)
            if "range" in field.metadata and not isinstance(default, (bool, list)):
                value = _out_of_range(default, *field.metadata["range"])
                if value is not None:
                    ranged.append((name, value))
        assert ranged
        for name, value in ranged:
            (result,) = node.set_parameters([Parameter(name, value=value)])
            assert not result.successful, name
            assert START_ONLY not in result.reason and _named(name, result.reason), result.reason
    finally:
        node.destroy_node()


def test_a_value_a_nodes_own_check_refuses_gets_its_error(context):
    """The bag player's settings are checked by ``PlaybackConfig.check`` (its ranges too)."""
    from vjepa_ros.eval.playback import PlaybackConfig

    node = rclpy.create_node("bag_player", context=context,
                             parameter_overrides=[Parameter("bag", value="/data/run.mcap")])
    try:
        declare_config(node, PlaybackConfig())
        (result,) = node.set_parameters([Parameter("rate", value=-1.0)])
        assert result.reason == "rate must lie in (0, 100], got -1.0", result.reason
        (result,) = node.set_parameters([Parameter("rate", value=2.0)])
        assert result.reason.startswith(f"parameter 'rate' {START_ONLY}"), result.reason
    finally:
        node.destroy_node()


def _field(cfg, dotted):
    head, _, rest = dotted.partition(".")
    if rest:
        return _field(getattr(cfg, head), rest)
    return next(f for f in dataclasses.fields(cfg) if f.name == head)


def _listing(node_name: str) -> str:
    """Return how the running node's names are listed (mend62e: the pip route has no ros2).

    The planner by ``vjepa-ros planner param list`` first, the others by ros2's, said as such.
    """
    if node_name == "vjepa_planner":
        return ("`vjepa-ros planner param list` (or `ros2 param list /vjepa_planner` with a ROS 2 "
                "install)")
    return f"`ros2 param list /{node_name}` (a ROS 2 install)"


def test_a_planner_elsewhere_is_listed_with_its_node_option(context):
    """A planner started as ``/arm1/vjepa_planner``: the listing names ``--node`` for it."""
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    node = rclpy.create_node("vjepa_planner", namespace="arm1", context=context)
    try:
        declare_config(node, PlannerNodeConfig())
        with pytest.raises(ParameterNotDeclaredException) as caught:
            node.set_parameters([Parameter("zzzz", value=1)])
        assert str(caught.value).endswith(
            "; `vjepa-ros planner param list --node /arm1/vjepa_planner` (or `ros2 param list "
            "/arm1/vjepa_planner` with a ROS 2 install) lists its parameters"), caught.value
    finally:
        node.destroy_node()


@pytest.mark.parametrize("node_name, config", _configs())
def test_a_parameter_the_node_lacks_is_named_in_one_line(context, node_name, config):
    node = rclpy.create_node(node_name, context=context)
    try:
        declare_config(node, config())
        known = flatten(config())[0][0]
        typo = known + "x"  # one like a real name: named as the closest
        for names, closest in (([typo], f" (closest: '{known}')"), (["zzzz"], "")):
            with pytest.raises(ParameterNotDeclaredException) as caught:
                node.set_parameters([Parameter(names[0], value=1)])
            assert str(caught.value) == (
                f"{node_name} has no parameter '{names[0]}'{closest}; {_listing(node_name)} "
                "lists its parameters")
    finally:
        node.destroy_node()


def test_the_set_parameters_services_answer_an_unknown_name_in_our_words(context):
    from vjepa_ros.nodes.sim_node import SimNodeConfig

    node = rclpy.create_node("sim_node", context=context)
    client_node = rclpy.create_node("param_client", context=context)
    executor = SingleThreadedExecutor(context=context)
    try:
        declare_config(node, SimNodeConfig())
        executor.add_node(node)
        executor.add_node(client_node)
        want = ("sim_node has no parameter 'camera.vertical_fov' (closest: "
                "'camera.vertical_fov_deg'); `ros2 param list /sim_node` (a ROS 2 install) "
                "lists its parameters")
        message = Parameter("camera.vertical_fov", value=50.0).to_parameter_msg()
        for service, request in (
                (SetParameters, SetParameters.Request(parameters=[message])),
                (SetParametersAtomically, SetParametersAtomically.Request(parameters=[message]))):
            suffix = "set_parameters" if service is SetParameters else "set_parameters_atomically"
            client = client_node.create_client(service, f"/sim_node/{suffix}")
            assert client.wait_for_service(timeout_sec=60)  # each wait ends once it holds
            future = client.call_async(request)
            executor.spin_until_future_complete(future, timeout_sec=60)
            reply = future.result()
            result = reply.results[0] if service is SetParameters else reply.result
            assert not result.successful and result.reason == want, result.reason
    finally:
        executor.shutdown()
        client_node.destroy_node()
        node.destroy_node()
