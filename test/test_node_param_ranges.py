"""Every number parameter of every node has a declared range; inf and NaN are refused.

``bag_player`` took ``rate:=.inf`` (every message at once), ``clock_hz:=.nan`` and
``start_delay_s:=.inf`` (it never started), ``camera`` a ``timeout_s`` of inf, the planner a
``robot.tcp_xyz`` of NaN (every pose NaN): each started without a word. The ranges live on the
fields (``config.param(range=...)``); the planner's own are in test_planner_param_ranges.py.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from pathlib import Path

import pytest

from vjepa_ros.config import from_dict, value_range

ROOT = Path(__file__).resolve().parent.parent


def _config_classes() -> dict:
    """Return the settings dataclass each node of ``node_registry.NODES`` declares."""
    from vjepa_ros.eval.playback import PlaybackConfig
    from vjepa_ros.robot.camera import CameraConfig
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    classes = {"planner": PlannerNodeConfig, "camera": CameraConfig,
               "bag_player": PlaybackConfig}
    if importlib_ok("rclpy"):  # these modules import rclpy with their config
        from vjepa_ros.nodes.image_publisher import ImagePublisherConfig
        from vjepa_ros.nodes.sim_node import SimNodeConfig

        classes.update(image_publisher=ImagePublisherConfig, sim=SimNodeConfig)
    return classes


def importlib_ok(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _numbers(cfg, prefix="", kind=float):
    """Yield ``(dotted name, field)`` of every ``kind`` field of dataclass instance ``cfg``."""
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            yield from _numbers(value, f"{prefix}{f.name}.", kind)
        elif hints[f.name] is kind:
            yield f"{prefix}{f.name}", f


def test_every_node_is_covered():
    from vjepa_ros.nodes.node_registry import NODES

    if not importlib_ok("rclpy"):
        pytest.skip("rclpy is installed by scripts/bootstrap.sh")
    assert set(_config_classes()) == set(NODES)


FLOAT_FIELDS = [(node, name) for node, cls in _config_classes().items()
                for name, _ in _numbers(cls())]


@pytest.mark.parametrize("node, name", FLOAT_FIELDS)
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_every_float_parameter_has_a_range_and_refuses_inf_and_nan_in_one_line(node, name,
                                                                               value):
    """Some families word their range themselves (``must be a finite number > 0``)."""
    from vjepa_ros.robot.planner_config import parameter_message

    cls = _config_classes()[node]
    assert value_range(dict(_numbers(cls()))[name]), f"{node}: {name} declares no range"
    with pytest.raises(ValueError) as caught:
        getattr(from_dict(cls, {name: value}), "check", lambda: None)()
    message = parameter_message(str(caught.value))  # as the node says it
    # ends with the value, or with the upper bound's reason after it (config.param high_why)
    assert "\n" not in message and re.search(rf"(^|: |')({re.escape(name)})\b", message) and \
        re.search(rf", got {re.escape(repr(value))}(: [^:]+)?$", message), message


INT_FIELDS = [(node, name) for node, cls in _config_classes().items()
              for name, _ in _numbers(cls(), kind=int)]


@pytest.mark.parametrize("node, name", INT_FIELDS)
def test_every_integer_parameter_has_a_range_and_refuses_values_past_it_in_one_line(node,
                                                                                    name):
    """The camera node took ``width:=0``, ``fps:=-5``, ``height:=100000`` without a word."""
    from vjepa_ros.robot.planner_config import parameter_message

    cls = _config_classes()[node]
    field = dict(_numbers(cls(), kind=int))[name]
    assert value_range(field), f"{node}: {name} declares no range"
    low, high = field.metadata["range"]
    for value in (low - 1, high + 1 if math.isfinite(high) else None):
        if value is None:
            continue
        values = {name: value, "bag": "/data/run.mcap"} if node == "bag_player" else \
            {name: value}
        with pytest.raises(ValueError) as caught:
            getattr(from_dict(cls, values), "check", lambda: None)()
        message = parameter_message(str(caught.value))
        assert "\n" not in message and name.rpartition(".")[2] in message and \
            f"{value}" in message, message


@pytest.mark.parametrize("name, value, bounds", [
    ("width", 0, "[32, 4096]"), ("height", 100000, "[32, 4096]"), ("fps", -5, "[1, 300]"),
    ("fps", 0, "[1, 300]"),
])
def test_the_camera_nodes_stream_size_and_rate_name_their_range(name, value, bounds):
    from vjepa_ros.robot.camera import CameraConfig

    with pytest.raises(ValueError) as caught:
        from_dict(CameraConfig, {name: value})
    assert str(caught.value) == f"{name} must lie in {bounds}, got {value}"


@pytest.mark.parametrize("node, name, bounds", [
    ("bag_player", "rate", "(0, 100]"), ("bag_player", "clock_hz", "(0, 1000]"),
    ("bag_player", "start_delay_s", "[0, 3600]"), ("camera", "timeout_s", "(0, 600]"),
])
@pytest.mark.parametrize("value", [math.inf, math.nan, -1.0, 1e9])
def test_the_newly_ranged_parameters_name_their_range(node, name, bounds, value):
    cls = _config_classes()[node]
    values = {name: value, "bag": "/data/run.mcap"} if node == "bag_player" else {name: value}
    with pytest.raises(ValueError) as caught:
        getattr(from_dict(cls, values), "check", lambda: None)()
    assert str(caught.value) == f"{name} must lie in {bounds}, got {value!r}"


@pytest.mark.parametrize("name, bounds", [
    ("rate", "(0, 100]"), ("clock_hz", "(0, 1000]"), ("start_delay_s", "[0, 3600]"),
    ("timeout_s", "(0, 600]"),
])
def test_the_readme_tables_give_the_ranges(name, bounds):
    text = ROOT.joinpath("README.md").read_text()
    assert re.search(rf"^\| `{name}` \| `[^`]+` \| .*{re.escape(bounds)}", text, re.M), name


@pytest.mark.parametrize("name", ["tcp_xyz", "tcp_rpy"])
def test_a_tool_offset_of_nan_inf_or_out_of_reach_is_refused_in_one_line(name):
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    unit, bound = ("m", "1") if name == "tcp_xyz" else ("rad", "6.283")
    # 1e5 m: a pose 100 km away, and the planner advised moving the arm back by hand (breaker23)
    for value in ([math.nan, 0.0, 0.1], [0.0, math.inf, 0.0], [0.0, 0.1], [0.0, 0.0, 1e5],
                  [0.0, -7.0, 0.0]):
        with pytest.raises(ValueError) as caught:
            from_dict(PlannerNodeConfig, {f"robot.{name}": value})
        assert str(caught.value) == \
            f"robot.{name} must be 3 numbers in [-{bound}, {bound}] [{unit}], got {value!r}"
    assert from_dict(PlannerNodeConfig, {f"robot.{name}": [0.0, -1.0, 0.5]})


def test_the_bag_player_refuses_an_infinite_rate_at_start_up_naming_it(tmp_path, capfd):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes import node_runner
    from vjepa_ros.nodes.bag_player import BagPlayer

    path = tmp_path / "p.yaml"
    path.write_text("/**:\n  ros__parameters:\n    bag: /no/bag\n    rate: .inf\n")
    code = node_runner.run_node(BagPlayer, ["node", "--ros-args", "--params-file", str(path)])
    err = capfd.readouterr().err
    assert code == 1 and err == \
        f"bag_player: --params-file {path}: rate must lie in (0, 100], got inf\n", err
    code = node_runner.run_node(BagPlayer, ["node", "--ros-args", "-p", "bag:=/no/bag",
                                            "-p", "clock_hz:=.nan"])
    err = capfd.readouterr().err
    assert code == 2 and err == \
        "bag_player: -p clock_hz must lie in (0, 1000], got nan\n", err  # typed: usage (fix61u)
