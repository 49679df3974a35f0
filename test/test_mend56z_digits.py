"""mend56z: zero-led digits in a ROS parameter are judged by the type the node declares.

rcl (rcl_yaml_param_parser ``get_value``) types a plain scalar by C's ``strtol(text, 0)`` and then
``strtod``: ``010`` is the octal 8, and ``08`` (``018``, ``0900001``: an 8 or 9 after a leading 0)
is no octal number, so ``strtod`` reads it whole, the float 8.0. ``010`` was refused, ``08`` only
noted after the node refused the float, and a params file's ``08`` not explained at all. Now one
rule (``param_ranges.digits_refusal``) refuses either wherever the node would get another value or
type than typed, for ``-p`` (a node executable's and ``launch``'s) and ``--params-file`` alike.
"""

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.params_file import check_params_file
from vjepa_ros.nodes.ros_args import check_param_item

WHOLE = [("08", "8.0", "8"), ("09", "9.0", "9"), ("018", "18.0", "18"),
         ("+019", "19.0", "19"), ("0900001", "900001.0", "900001")]


@pytest.mark.parametrize("text, read, fix", WHOLE)
def test_zero_led_digits_rcl_reads_as_a_float_are_refused_by_a_whole_number_parameter(
        text, read, fix):
    said = (f"rcl reads {text} as the float {read} (strtol takes a leading 0 for octal, and "
            f"{'8' if '8' in text else '9'} is no octal digit), which planner.seed, a whole "
            f"number, refuses: write {fix}")
    with pytest.raises(ValueError) as caught:
        check_param_item(f"planner.seed:={text}")
    assert str(caught.value).startswith(f"-p planner.seed: {said}"), str(caught.value)
    with pytest.raises(UsageError) as caught:
        parse_overrides([f"planner.planner.seed:={text}"])
    assert str(caught.value).startswith(f"-p planner.planner.seed: {said}"), str(caught.value)


def test_a_refused_reading_outside_the_range_names_the_setting_not_the_launch_key():
    with pytest.raises(UsageError) as caught:
        parse_overrides(["planner.planner.samples:=0900001"])
    assert str(caught.value).endswith(
        "write 900001; but planner.samples must lie in [1, 100000]: the decimal 900001 is not "
        "taken"), str(caught.value)


@pytest.mark.parametrize("text", ["08", "010", "-018", "0100"])
def test_a_string_parameter_refuses_zero_led_digits_with_the_quoted_form(text):
    with pytest.raises(ValueError) as caught:
        check_param_item(f"goal_image_path:={text}")
    message = str(caught.value)
    assert message.startswith(f"-p goal_image_path: rcl reads {text} as the "), message
    assert message.endswith(f", which goal_image_path, a string, refuses: quote it "
                            f"(\"{text}\")"), message


@pytest.mark.parametrize("raw, value", [("08", 8.0), ("-019", -19.0), ("[08, 0.5, 1.0]",
                                                                        [8.0, 0.5, 1.0])])
def test_a_float_parameter_takes_what_rcl_reads_as_the_float_typed(raw, value):
    name = "planner.maxnorm" if "[" not in raw else "safety.workspace_min"
    check_param_item(f"{name}:={raw}")  # no error
    taken = parse_overrides([f"planner.{name}:={raw}"])["planner"][name]
    assert taken == value
    # a plain float reaches the node, not rcl_yaml's marked one
    assert all(type(item) is float for item in (taken if isinstance(taken, list) else [taken]))


def test_a_float_parameter_still_refuses_octal_digits():
    with pytest.raises(ValueError, match=r"rcl reads 010 as the octal number 8 .*: write 10 "):
        check_param_item("planner.maxnorm:=010")


@pytest.mark.parametrize("raw, entry", [("[08, 9]", "entry 1, 08"),
                                        ("[1, 2, 019]", "entry 3, 019"),
                                        ("[8, 010]", "entry 2, 010")])
def test_a_whole_number_list_names_the_entry(raw, entry):
    with pytest.raises(ValueError) as caught:
        check_param_item(f"goal_steps:={raw}")
    assert str(caught.value).startswith(f"-p goal_steps: {entry}: rcl reads"), str(caught.value)


def test_a_parameter_of_no_known_type_takes_a_float_and_refuses_octal():
    check_param_item("some_other.value:=08")  # 8.0 may be what was meant
    with pytest.raises(ValueError, match="octal number 8"):
        check_param_item("some_other.value:=010")


@pytest.mark.parametrize("line, said", [
    ("    planner:\n      seed: 08\n", "which planner.seed, a whole number, refuses: write 8"),
    ("    goals:\n      default_steps: [1, 09]\n", "entry 2, 09: rcl reads 09 as the float 9.0"),
])
def test_a_params_file_refuses_zero_led_floats_naming_parameter_and_line(tmp_path, line, said):
    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n" + line)
    with pytest.raises(UsageError) as caught:
        check_params_file(str(path), nodes=["/vjepa_planner"])
    message = str(caught.value)
    assert message.startswith(f"--params-file {path}: parameter '") and said in message
    assert "(line 4)" in message and "\n" not in message, message


def test_a_params_file_float_parameter_takes_zero_led_digits(tmp_path):
    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner:\n      maxnorm: 08\n")
    said = []
    assert check_params_file(str(path), nodes=["/vjepa_planner"], say=said.append) == path
    assert said == []


def test_no_note_repeats_a_fix_for_zero_led_digits_a_float_parameter_took():
    from vjepa_ros.nodes.param_sources import ros_arg_notes

    notes = {}
    parse_overrides(["planner.planner.maxnorm:=08"], notes)
    assert notes == {"planner": {}}
    assert ros_arg_notes(["planner_node", "--ros-args", "-p", "planner.maxnorm:=08"]) == {}
