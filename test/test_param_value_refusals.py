"""A ``-p`` or parameter-file value no ROS parameter takes is refused in one line naming it.

``vjepa-ros launch -p 'planner.planner.samples:={a: 1}'`` (or ``:=[[1]]``) ended in rclpy's
TypeError traceback; ``-p planner.planner.samples:=<5000 digits>`` in Python's "Exceeds the
limit (4300 digits) for integer string conversion"; ``1e-320`` for ``planner.samples`` advised
"write 0" (out of its range), inside a list "quoted strings"; ``08``/``010``/a number past int64
were refused without saying how rcl read them; a parameter file's ``[[1, 2]]`` reached the node
as ``[1, 2]``. The parsing functions are tested directly (no rclpy context, no node).
"""

import pytest

from vjepa_ros.cli import main
from vjepa_ros.config import UsageError
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.nodes_in_process import _prefixed
from vjepa_ros.nodes.params import type_error
from vjepa_ros.nodes.params_file import check_params_file
from vjepa_ros.nodes.ros_args import check_param_item
from vjepa_ros.rcl_scalars import rcl_scalar
from vjepa_ros.robot.planner_config import PlannerNodeConfig

NESTED = ["[[1]]", "[[1, 2], [3]]", "[1, [2]]", "[{a: 1}]"]
HUGE = ["1" * 5000, "-" + "1" * 5000, "1" * 400, "0." + "0" * 310 + "1" * 5000,
        "1" + "0" * 5000 + "e-5320"]


@pytest.mark.parametrize("value", ["{a: 1}", "{}", "{a: {b: 1}}", *NESTED])
def test_launch_refuses_a_mapping_or_a_nested_list_in_one_line_naming_the_item(value):
    with pytest.raises(UsageError) as caught:
        parse_overrides([f"planner.planner.samples:={value}"])
    message = str(caught.value)
    assert message.startswith("-p planner.planner.samples: a ROS ") and "\n" not in message
    assert ("one -p per parameter (-p planner.planner.samples." if value.startswith("{") else
            "write one flat list (-p planner.planner.samples:='[1, 2]')") in message


@pytest.mark.parametrize("value", NESTED)
def test_a_node_executable_refuses_a_nested_list_as_launch_does(value):
    with pytest.raises(ValueError) as caught:
        check_param_item(f"planner.samples:={value}")
    assert str(caught.value).startswith("-p planner.samples: a ROS list holds plain values")


def test_launch_says_a_mapping_in_one_line_before_any_node_starts(capsys):
    assert main(["launch", "-p", "planner.planner.samples:={a: 1}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vjepa-ros launch: -p planner.planner.samples: a ROS parameter is a "
                          "value or a list, not a mapping") and err.count("\n") == 1, err


@pytest.mark.parametrize("value, kind", [("[[1, 2]]", "a list of lists"),
                                         ("[{a: 1}]", "a list of mappings")])
def test_a_parameter_file_names_the_parameter_holding_a_nested_list(tmp_path, value, kind):
    path = tmp_path / "p.yaml"
    path.write_text(f"vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: {value}\n")
    with pytest.raises(UsageError) as caught:
        check_params_file(path)
    assert str(caught.value) == (
        f"--params-file {path}: parameter 'planner.samples' of vjepa_planner holds {kind}: a ROS "
        "list holds plain values (true/false, whole numbers, numbers or strings) (rcl does not "
        "read it as written); write one flat list such as [1, 2]")


@pytest.mark.parametrize("text", HUGE)
def test_a_number_of_thousands_of_digits_is_typed_as_rcl_types_it_and_named(text):
    """rcl: strtol's ERANGE, then strtod's (beyond a double, or a subnormal): a string."""
    assert rcl_scalar(text) == text
    assert parse_overrides([f"planner.planner.samples:={text}"]) == {
        "planner": {"planner.samples": text}}
    message = str(type_error("planner.samples", text, PlannerNodeConfig()))
    assert message.startswith("parameter 'planner.samples' takes a whole number (e.g. 800), got ")
    assert "\n" not in message and len(message) < 400 and "digits" not in message, message
    assert message.endswith((": write 100000 or a smaller whole number",
                             ": write 1 or a larger whole number")), message


SMALL = ("rcl reads a number this small as a string (C's strtod underflows below "
         "2.2250738585072014e-308)")
LARGE = ("rcl reads a number this large as a string (C's strtod overflows above "
         "1.7976931348623157e+308)")


@pytest.mark.parametrize("name, text, fix", [
    ("planner.samples", "1e-320", f"{SMALL}: write 1 or a larger whole number"),  # [1, 100000]
    ("planner.maxnorm", "1e-320", f"{SMALL}: write a number above 0"),  # (0, 0.2]
    ("planner.chunk_size", "1e-320", f"{SMALL}: write 0"),  # [0, 100000]: 0 is right
    ("planner.momentum_mean", "1e-320", f"{SMALL}: write 0 or a larger number"),  # [0, 1]
    ("planner.samples", "1e400", f"{LARGE}: write 100000 or a smaller whole number"),
    ("planner.close_gripper", "-1e400", f"{LARGE}: write -1 or a larger whole number"),
    ("safety.workspace_min", ["1e-320"], f"{SMALL}: write 0 or a larger number"),
])
def test_a_number_rcl_reads_as_a_string_is_told_what_its_range_takes(name, text, fix):
    message = str(type_error(name, text, PlannerNodeConfig()))
    assert message.endswith(f"; {fix}"), message


@pytest.mark.parametrize("value, why", [
    ("[1e-320, 0.5]", "entry 1, 1e-320: rcl reads a number this small as a string (C's strtod "
     "underflows below 2.2250738585072014e-308): write 0 or a larger number"),
    ("[0.5, 1_000]", "entry 2, 1_000: rcl reads digits with '_' as a string: write 1000"),
])
def test_a_list_with_a_number_rcl_reads_as_a_string_says_why_not_quote_strings(value, why):
    with pytest.raises(UsageError) as caught:
        parse_overrides([f"sim.goal_gripper:={value}"])
    assert str(caught.value).endswith(f"this one mixes float, str; {why}"), str(caught.value)


@pytest.mark.parametrize("text, value, note", [  # (08: refused before, test_mend56z_digits)
    ("99999999999999999999", 1e20, "rcl reads a whole number beyond int64 "
     "(-9223372036854775808 to 9223372036854775807) as the float 1e+20"),
])
def test_a_refused_value_rcl_read_unlike_its_digits_says_how(text, value, note):
    from vjepa_ros.nodes.param_sources import ros_arg_notes

    notes = {}
    overrides = parse_overrides([f"planner.planner.samples:={text}"], notes)
    assert overrides == {"planner": {"planner.samples": value}}
    refused = ValueError(f"planner.samples must lie in [1, 100000], got {value!r}")
    message = str(_prefixed(refused, "planner",
                            {"planner.samples": "-p planner.planner.samples"}, notes["planner"]))
    assert message == (f"planner: -p planner.planner.samples must lie in "
                       f"[1, 100000], got {value!r}; {note}")
    # a node executable's --ros-args -p: the same note (node_runner)
    assert ros_arg_notes(["planner_node", "--ros-args", "-p", f"planner.samples:={text}"]) == {
        "planner.samples": note}
