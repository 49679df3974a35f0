"""Node parameters' types (nodes/params.py): empty lists typed, integers for floats, type errors.

Start-up values (``cli_args`` as ``ros2 run ... --ros-args``, ``parameter_overrides`` as the
launcher) and run-time values of another type than declared: taken as the declared type where
that is safe, else refused in one line saying what the parameter takes. Split from
``test_ros_node_params.py`` (its helpers).
"""

import dataclasses

import pytest
import rclpy
from rclpy.parameter import Parameter
from test_ros_node_params import Small, _declare, _node_configs, _run_time

from vjepa_ros.config import param
from vjepa_ros.nodes.params import declare_config
from vjepa_ros.nodes.planner_node import PlannerNode


@dataclasses.dataclass
class Lists:
    paths: list[str] = param([], "Paths (empty by default).")
    steps: list[int] = param([], "Steps (empty by default).")
    rpy: list[float] = param([0.0, 0.0, 0.0], "Angles.")
    flags: list[bool] = param([True], "Flags.")


ARRAYS = {"paths": Parameter.Type.STRING_ARRAY, "steps": Parameter.Type.INTEGER_ARRAY,
          "rpy": Parameter.Type.DOUBLE_ARRAY, "flags": Parameter.Type.BOOL_ARRAY}


@pytest.mark.parametrize("given", ["cli", "overrides"])
def test_an_empty_list_at_start_up_is_an_empty_list_of_the_declared_type(context, given):
    # -p x:=[] arrives untyped (NOT_SET); Parameter(value=[]) (the launcher) as a byte array.
    names = ["paths", "steps", "rpy", "flags"]
    kwargs = ({"cli_args": ["--ros-args", *[a for n in names for a in ("-p", f"{n}:=[]")]]}
              if given == "cli" else
              {"parameter_overrides": [Parameter(n, value=[]) for n in names]})
    node = rclpy.create_node("lists_test", context=context, **kwargs)
    try:
        assert declare_config(node, Lists(), run_time=ARRAYS) == Lists(paths=[], steps=[], rpy=[],
                                                                       flags=[])
        for name, kind in ARRAYS.items():
            assert node.get_parameter(name).type_ == kind
            assert list(node.get_parameter(name).value) == []
        # At run time too: ros2 param set NODE paths "[]" sends a bool array.
        for name, kind in ARRAYS.items():
            (result,) = node.set_parameters([Parameter(name, Parameter.Type.BOOL_ARRAY, [])])
            assert result.successful, result.reason
            assert node.get_parameter(name).type_ == kind
    finally:
        node.destroy_node()


def test_non_empty_lists_keep_their_type_rules(context):
    config = _declare(context, Lists(), cli_args=["--ros-args", "-p", "paths:=[a.png, b.png]",
                                                  "-p", "rpy:=[1.0, 2.0, 3.0]"])
    assert config.paths == ["a.png", "b.png"] and config.rpy == [1.0, 2.0, 3.0]
    assert config.steps == [] and config.flags == [True]  # defaults
    with pytest.raises(ValueError) as caught:  # a non-empty list of the wrong type: one line
        _declare(context, Lists(), parameter_overrides=[Parameter("rpy", value=["x"])])
    assert str(caught.value) == "parameter 'rpy' takes a list of numbers ([a, b]), got ['x'] " \
        "(a list)"


@pytest.mark.parametrize("given", ["cli", "overrides"])
def test_integers_for_a_float_list_are_floats_at_start_up_and_at_run_time(context, given):
    # goal_gripper:=[1, 0] arrives as an integer array; the parameter is a double array
    kwargs = ({"cli_args": ["--ros-args", "-p", "rpy:=[1, 2, 3]"]} if given == "cli" else
              {"parameter_overrides": [Parameter("rpy", value=[1, 2, 3])]})
    node = rclpy.create_node("int_lists_test", context=context, **kwargs)
    try:
        assert declare_config(node, Lists(), run_time=ARRAYS).rpy == [1.0, 2.0, 3.0]
        assert node.get_parameter("rpy").type_ == Parameter.Type.DOUBLE_ARRAY
        (result,) = node.set_parameters([Parameter("rpy", Parameter.Type.INTEGER_ARRAY, [4, 5])])
        assert result.successful, result.reason
        assert list(node.get_parameter("rpy").value) == [4.0, 5.0]
        (result,) = node.set_parameters([Parameter("steps", Parameter.Type.DOUBLE_ARRAY, [1.5])])
        assert not result.successful, "floats for an integer list are not rounded silently"
    finally:
        node.destroy_node()


def test_the_planner_takes_empty_goal_lists_from_the_launcher_and_the_command_line(context):
    # Typed: the next start-up check (no checkpoint) is reached, not an InvalidParameterType.
    with pytest.raises(ValueError, match="model.checkpoint' is empty"):
        PlannerNode(context=context,
                    cli_args=["--ros-args", "-p", "goal_steps:=[]"],
                    parameter_overrides=[Parameter("goal_image_paths", value=[])])
    # An empty model_frame_rpy_deg is read as [] and refused for its length, not its type.
    with pytest.raises(ValueError, match="model_frame_rpy_deg"):
        PlannerNode(context=context, cli_args=["--ros-args", "-p",
                                               "control.model_frame_rpy_deg:=[]"])


@pytest.mark.parametrize("given", ["cli", "overrides"])
def test_an_integer_for_a_float_parameter_is_a_float_at_start_up_and_at_run_time(context, given):
    """``-p planner.maxnorm:=3`` (or ``:=-3``) was refused for its type: INTEGER, not DOUBLE."""
    kwargs = ({"cli_args": ["--ros-args", "-p", "inner.rate_hz:=-3"]} if given == "cli" else
              {"parameter_overrides": [Parameter("inner.rate_hz", value=-3)]})
    node = rclpy.create_node("int_float_test", context=context, **kwargs)
    try:
        assert declare_config(node, Small(), run_time={"inner.rate_hz"}).inner.rate_hz == -3.0
        assert node.get_parameter("inner.rate_hz").type_ == Parameter.Type.DOUBLE
        (result,) = node.set_parameters([Parameter("inner.rate_hz", Parameter.Type.INTEGER, 5)])
        assert result.successful, result.reason
        assert node.get_parameter("inner.rate_hz").value == 5.0
    finally:
        node.destroy_node()


@pytest.mark.parametrize("dataclass, args, message", [
    (Small, ["name:=3"], "parameter 'name' takes a string (quote one that reads as a number or "
     "true/false: '\"3\"'), got 3 (an integer)"),
    (Small, ["inner.rate_hz:=fast"], "parameter 'inner.rate_hz' takes a number (e.g. 4.0; a "
     "whole number such as -3 is read as -3.0), got 'fast' (a string)"),
    (Lists, ["steps:=[1.5, 2.0]"], "parameter 'steps' takes a list of whole numbers ([a, b]), "
     "got [1.5, 2.0] (a list)"),
])
def test_a_start_up_value_of_another_type_is_one_line_saying_what_the_parameter_takes(
        context, dataclass, args, message):
    """The message was rclpy's: "Trying to set parameter ... of type 'INTEGER', expecting ..."."""
    with pytest.raises(ValueError) as caught:
        _declare(context, dataclass(), cli_args=["--ros-args", *[a for item in args
                                                                 for a in ("-p", item)]])
    assert str(caught.value) == message


def test_the_planner_reads_a_negative_whole_number_for_a_float_by_its_range(context):
    """The reported case: ``-p planner.maxnorm:=-3`` is refused for its value, not its type."""
    with pytest.raises(ValueError, match=r"planner.maxnorm must lie in \(0, 0.2\], got -3.0"):
        PlannerNode(context=context, cli_args=["--ros-args", "-p", "planner.maxnorm:=-3",
                                               "-p", "model.checkpoint:=x.pt"])


@pytest.mark.parametrize("node_name, config", _node_configs())
def test_every_parameter_of_every_node_refuses_another_type_at_run_time_in_one_line(
        context, node_name, config):
    """``ros2 param set NODE NAME 5`` was rclpy's "Wrong parameter type, expected '4' got '2'"."""
    from vjepa_ros.config import flatten

    node = rclpy.create_node(node_name, context=context)
    try:
        declare_config(node, config(), run_time=_run_time(node_name))
        for name, default, _ in flatten(config()):
            declared = node.describe_parameter(name).type
            wrong = Parameter(name, value=5 if isinstance(default, str) else "x")
            (result,) = node.set_parameters([wrong])
            assert not result.successful, name
            takes = f"parameter '{name}' takes " if name in _run_time(node_name) else (
                f"parameter '{name}' is read at start only: ")
            assert result.reason.startswith(takes), result.reason
            assert "; it takes " in result.reason or takes.endswith("takes "), result.reason
            assert "Wrong parameter type" not in result.reason
            assert node.describe_parameter(name).type == declared, name  # ros2 param describe
            (unset,) = node.set_parameters([Parameter(name)])  # would undeclare it
            assert node.has_parameter(name), name  # (a list's: its empty list, _typed_lists)
            assert isinstance(default, list) or not unset.successful, name
    finally:
        node.destroy_node()


@pytest.mark.parametrize("name, expected", [
    ("safety.max_speed_m_s", "takes a number (e.g. 0.1; a whole number such as 1 is read as "
     "1.0)"),  # (0, 1]: -3 (the old example) is out of range
    ("planner.maxnorm", "takes a number (e.g. 0.075), got"),  # (0, 0.2]: no whole number
    ("planner.samples", "takes a whole number (e.g. 800), got"),
])
def test_a_number_parameters_type_error_gives_examples_in_its_range(context, name, expected):
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    with pytest.raises(ValueError) as caught:
        _declare(context, PlannerNodeConfig(), parameter_overrides=[Parameter(name, value="x")])
    assert expected in str(caught.value)


def test_the_image_publishers_rate_type_error_gives_a_rate_it_takes(context):
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig

    with pytest.raises(ValueError) as caught:
        _declare(context, ImagePublisherConfig(), cli_args=["--ros-args", "-p", "rate_hz:=x"])
    assert str(caught.value) == ("parameter 'rate_hz' takes a number (e.g. 0.0; a whole number "
                                 "such as 3 is read as 3.0), got 'x' (a string)")
