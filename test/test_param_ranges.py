"""A zero-led -p number's advice says when neither reading is in the parameter's range (mend55c).

``-p planner.samples:=-0100`` was told "write -100 (or -64 ...)" for a parameter that must be at
least 1: the advice now adds that the range refuses them, from the nodes' declared ranges.
"""

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.param_ranges import declared_ranges, range_words


def _refusal(item: str, node: str = "vjepa_planner") -> str:
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(ValueError) as caught:
        check_ros_args(["node", "--ros-args", "-p", item], node)
    return str(caught.value)


# Every registered node's settings (node_registry.NODES' config), not a list that drifted:
# sim_node's control_rate_hz (SimNodeConfig, not SimConfig), camera's fps, bag_player's clock_hz.
@pytest.mark.parametrize("node, item, named", [
    ("sim_node", "control_rate_hz:=-010",
     "control_rate_hz must lie in (0, 1000]: neither -10 nor -8 is taken"),
    ("sim_node", "physics_hz:=-010", "physics_hz must lie in [50, 10000]: neither -10 nor -8"),
    ("camera", "fps:=0400", "fps must lie in [1, 300]: the decimal 400 is not taken"),
    ("bag_player", "clock_hz:=-010", "clock_hz must lie in (0, 1000]: neither -10 nor -8"),
    ("image_publisher", "rate_hz:=-010", "rate_hz must lie in [0, "),
])
def test_every_registered_node_says_its_range(node, item, named):
    message = _refusal(item, node)
    assert "\n" not in message and "octal" in message and named in message, message


@pytest.mark.parametrize("item, named", [
    ("planner.samples:=-0100", "planner.samples must lie in [1, 100000]: neither -100 nor -64"),
    ("vjepa_planner:planner.samples:=-0100", "planner.samples must lie in [1, 100000]"),
    ("safety.max_step_m:=-010", "safety.max_step_m must lie in (0, 0.2]: neither -10 nor -8"),
])
def test_an_octal_reading_outside_the_range_is_said_with_the_range(item, named):
    message = _refusal(item)
    assert "\n" not in message and "octal" in message and named in message, message


@pytest.mark.parametrize("item", ["planner.samples:=0100", "planner.samples:=010",
                                  "no_such.parameter:=-0100"])
def test_readings_in_range_or_an_unknown_range_add_nothing(item):
    message = _refusal(item)
    assert "octal" in message and "taken" not in message and "must lie" not in message, message


def test_one_reading_out_of_range_is_named_alone():
    assert range_words("planner.samples", {"decimal": 5, "octal": 0}) == (
        "; but planner.samples must lie in [1, 100000]: the octal 0 is not taken")
    assert range_words("planner.samples", {"decimal": 5, "octal": 4}) == ""
    assert declared_ranges("planner.samples", "planner") == declared_ranges("planner.samples")
    assert declared_ranges("planner.samples", "sim") == []  # launch's NODE: that node's only
    assert declared_ranges("node:planner.samples") == declared_ranges("planner.samples")


def test_launch_and_a_parameter_file_say_the_range_too(tmp_path):
    from vjepa_ros.nodes.launch_arguments import parse_overrides
    from vjepa_ros.nodes.params_file import check_params_file

    with pytest.raises(UsageError) as caught:
        parse_overrides(["vjepa_planner.planner.samples:=-0100"])
    assert "neither -100 nor -64 is taken" in str(caught.value)
    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: -0100\n")
    with pytest.raises((ValueError, UsageError)) as caught:
        check_params_file(str(path))
    assert "octal" in str(caught.value) and "neither -100 nor -64 is taken" in str(caught.value)
