"""``-p NAME:=VALUE`` and parameter files are typed as rcl types them (rcl_yaml.py)."""

from __future__ import annotations

import math

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.params_file import check_params_file
from vjepa_ros.nodes.ros_args import check_param_item
from vjepa_ros.rcl_readings import string_reason
from vjepa_ros.rcl_yaml import OctalInt, ZeroLedFloat
from vjepa_ros.ros_values import ros_arg_value, yaml_value
from vjepa_ros.yaml_files import read_ros_params

# Spellings where PyYAML (YAML 1.1) and rcl (its own typing with C's strtol/strtod) differed,
# and their neighbours: launch typed these one way, a node executable (rcl) another.
SPELLINGS = [
    "1e-320", "-1e-320", "4.9e-324", "1e-308", "1e-400", "1e400", "1.8e308", "0x1p-1074",
    "-0.0", "1E5", ".5", "5.", "1.", "+1.0", "1.e5", "+.5", "-.5e3", "1e-9", "1e3", "0e-400",
    "1_000", "1,000", "1:30", "inf", "-inf", "Infinity", "INF", "nan", "NaN", "nan(1)", ".inf",
    "-.Inf", ".NaN", ".nAn", "+.nan", "08", "08.5", "010", "0777", "0x10", "-0x10", "0X1F",
    "0x", "0x1.8p1", "0b11", "0o10", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "1e", "e5", "5e+", ".", "yes", "Y", "n", "on", "Off", "yEs",
    "True", "null", "~", "'5'", '"5"', "!!str 5", "!!str yes", "!!float 5", "!!int 5.0",
    "!foo 5", "2026-01-01", "hello", "/tmp/goal.png", "[1e-3, 1.0]", "[inf, 1.0]", "[yes, no]",
    "[1e-320]", "1e-99999999", "0e-99999999", "0x1p-5000",
    # beyond int64 (strtol's ERANGE): strtod's float, or its string beyond a double; Python
    # refuses int() of more than 4300 digits (sys.get_int_max_str_digits): never tried here
    "99999999999999999999", "0x10000000000000000", "0" + "7" * 30, "1" * 5000, "-" + "1" * 5000,
    "1" * 400, "1." + "1" * 5000, "0." + "0" * 310 + "1" * 5000, "1" + "0" * 5000 + "e-5320",
]


def _rcl_types(context_args: list[str]) -> dict:
    """Return {name: value} of the overrides rcl parsed from ``context_args`` (one context)."""
    rclpy = pytest.importorskip("rclpy")
    context = rclpy.Context()
    rclpy.init(args=["--ros-args", *context_args], context=context)
    try:
        node = rclpy.create_node("rcl_yaml_test", context=context)
        try:
            return {name: parameter.value
                    for name, parameter in node._parameter_overrides.items()}  # noqa: SLF001
        finally:
            node.destroy_node()
    finally:
        context.try_shutdown()


def _same(ours, theirs) -> bool:
    if isinstance(theirs, (list, tuple)) or type(theirs).__name__ == "array":
        return isinstance(ours, list) and len(ours) == len(theirs) and all(
            _same(a, b) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, float) and isinstance(theirs, float) and math.isnan(theirs):
        return math.isnan(ours)
    if isinstance(ours, OctalInt):  # an int to rcl, marked as read from octal digits (0777)
        return type(theirs) is int and ours == theirs
    if isinstance(ours, ZeroLedFloat):  # a float to rcl, marked as read from zero-led digits (08)
        return type(theirs) is float and ours == theirs
    return type(ours) is type(theirs) and ours == theirs


def test_every_spelling_of_a_p_value_is_typed_as_rcl_types_it():
    """``launch -p x:=1e-320`` was a float (rcl: a string), ``inf``/``08`` strings (floats)."""
    given = {f"p{index}": text for index, text in enumerate(SPELLINGS)}
    theirs = _rcl_types([arg for name, text in given.items() for arg in ("-p", f"{name}:={text}")])
    differ = {text: (yaml_value(name, text), theirs[name]) for name, text in given.items()
              if not _same(yaml_value(name, text), theirs[name])}
    assert not differ


def test_a_value_launch_passes_to_a_child_node_keeps_its_type():
    values = [1e-320, -5e-324, math.inf, 0.5, 3, "inf", "null", True, [1e-320, 2.0]]
    theirs = _rcl_types([arg for index, value in enumerate(values)
                         for arg in ("-p", f"p{index}:={ros_arg_value(value)}")])
    assert all(_same(value, theirs[f"p{index}"]) for index, value in enumerate(values)), theirs


def test_a_parameter_file_is_typed_as_rcl_types_it(tmp_path):
    """``[1e-3, 1.0]`` was refused as a list mixing a string and a float; rcl reads floats."""
    path = tmp_path / "sim.yaml"
    path.write_text("sim_node:\n  ros__parameters:\n    home_joints: [1e-3, 1.0]\n"
                    "    max_target_distance: 1e-1\n    null: null\n")
    assert check_params_file(path) == path
    assert read_ros_params(path, "sim_node") == {
        "home_joints": [0.001, 1.0], "max_target_distance": 0.1, "null": "null"}


# YAML that rcl reads unlike PyYAML past the spellings of one plain scalar: a block (| or >) is
# typed as a plain scalar is (launch read '|-\n  300' as the string '300': refused where a file
# gave 300), white space before a number is skipped (strtol), a quoted scalar is a string whatever
# its tag and any other tag is ignored; an empty scalar that is not quoted is "No value" to rcl
# ('-' is a list of one: launch crashed in rclpy on [None]), and so is an alias.
FAMILY = ["-", "- 5", "-\n- 5", "~", "null", "[~]", "[-]", "[null]", "|-\n  300", "|\n  300",
          "|\n  300\n", ">-\n  300", "|2-\n   300", "|2-\n   yes", "|2-\n   inf", "|-\n  yes",
          "!!str |-\n  300", "|-\n", "!!str", "!!null", "&a", "!!int '5'", "! 5", "!!str [1]",
          "[!!str , a]", "- !!str", "[&a 1, *a]", "''", "[]"]
REFUSED = "refused"


def _rcl_reads(text: str):
    """Return what a node's rcl makes of ``-p x:=text`` (:data:`REFUSED`: rclpy.init refuses)."""
    try:
        return _rcl_types(["-p", f"x:={text}"]).get("x", REFUSED)
    except Exception as exc:  # noqa: BLE001 - rclpy's RCLError: "No value at line 1", ...
        assert "parameter override rule" in str(exc)
        return REFUSED


def _ours(read, text: str):
    try:
        return read(text)
    except ValueError as exc:  # one line naming the -p item
        assert "\n" not in str(exc).strip() and "-p " in str(exc)
        return REFUSED


@pytest.mark.parametrize("text", FAMILY)
def test_a_node_and_launch_read_or_refuse_each_value_as_rcl_does(text):
    theirs = _rcl_reads(text)
    if theirs is None:  # '[]': rcl sets no value (rclpy: NOT_SET); launch keeps the empty list
        theirs = []
    node = _ours(lambda text: check_param_item(f"x:={text}") or yaml_value("x", text), text)
    launch = _ours(lambda text: parse_overrides([f"planner.x:={text}"])["planner"]["x"], text)
    assert _same(node, theirs) or node == theirs == REFUSED, (node, theirs)
    assert _same(launch, theirs) or launch == theirs == REFUSED, (launch, theirs)


def test_launch_refuses_a_dash_in_one_line_naming_the_parameter():
    """``-p planner.control.mode:=-`` ended in rclpy's TypeError traceback on ``[None]``."""
    with pytest.raises(UsageError) as refused:
        parse_overrides(["planner.control.mode:=-"])
    assert str(refused.value) == (
        "-p planner.control.mode: '-' reads as a list whose entry 1 of 1 is empty, no value to "
        "rcl (\"No value\"): give a value, or quote a string: -p 'planner.control.mode:=\"-\"'")


def test_a_parameter_file_reads_blocks_and_tags_as_rcl_does(tmp_path):
    """A file's ``|-`` block and tags as rcl reads them, and an empty block refused as rcl does."""
    path = tmp_path / "probe.yaml"  # for the node _rcl_types makes
    path.write_text("rcl_yaml_test:\n  ros__parameters:\n    a: |-\n      300\n"
                    "    b: >-\n      1e-9\n    c: !!str |-\n      300\n    d: !!int '5'\n"
                    "    e: ! 5\n"
                    "    f: !!str [1, 2]\n    g: |2-\n       yes\n    h: |\n      300\n")
    theirs = _rcl_types(["--params-file", str(path)])
    ours = read_ros_params(path, "rcl_yaml_test")
    assert check_params_file(path) == path
    assert set(ours) == set(theirs) and all(_same(ours[name], theirs[name]) for name in ours), (
        ours, theirs)
    path.write_text("rcl_yaml_test:\n  ros__parameters:\n    a: |-\n    b: 1\n")
    with pytest.raises(UsageError, match="parameter 'a' of rcl_yaml_test has no value"):
        check_params_file(path)


@pytest.mark.parametrize("text, reason", [
    ("1e-320", "rcl reads a number this small as a string (C's strtod underflows below "
     "2.2250738585072014e-308): write 0 or a larger number"),
    ("1e400", "rcl reads a number this large as a string"),
    ("1_000", "rcl reads digits with '_' as a string: write 1000"),
    ("fast", ""), ("1e-9", ""),
])
def test_a_number_rcl_reads_as_a_string_says_why(text, reason):
    assert string_reason(text).startswith(reason) and bool(reason) == bool(string_reason(text))
