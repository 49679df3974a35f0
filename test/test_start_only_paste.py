"""The restart advice of a start-only parameter pastes into a shell as the value it names.

``-p planner.safety.workspace_min:=[0.0, 0.0, 0.0]`` split at its spaces in a shell:
``vjepa-ros launch: error: unrecognized arguments: 0.0, 0.0]``. Each form the message gives
(``vjepa-ros launch -p NODE.NAME:=V``, ``ros2 run``'s ``--ros-args -p NAME:=V``) is split as a
shell does and read back by its own parser.
"""

import argparse
import shlex

import pytest

from vjepa_ros.nodes.launch_arguments import add_launch_arguments, parse_overrides
from vjepa_ros.nodes.ros_args import check_param_item
from vjepa_ros.nodes.start_only import start_only_message
from vjepa_ros.ros_values import yaml_value

VALUES = [[0.0, 0.0, 0.0], ["a b", "c"], "bogus", "/tmp/goal image.png", "3", "true", "",
          "it's", "a: b", "$HOME;*", 1e-9, -2, True]


@pytest.mark.parametrize("node, registry", [("vjepa_planner", "planner"), ("sim_node", "sim")])
@pytest.mark.parametrize("value", VALUES)
def test_each_form_of_the_advice_reads_back_as_the_value(node, registry, value):
    message = start_only_message(node, "safety.workspace_min", value)
    launch, ros2 = message[message.index("(vjepa-ros launch") + 1:-1].split(", or ros2 run: ")
    argv = shlex.split(launch)
    assert argv[:2] == ["vjepa-ros", "launch"], message
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_launch_arguments(parser)
    args = parser.parse_args(argv[2:])  # (was: unrecognized arguments: 0.0, 0.0])
    assert parse_overrides(args.overrides) == {registry: {"safety.workspace_min": value}}
    flag, p, item = shlex.split(ros2)
    assert (flag, p) == ("--ros-args", "-p"), message
    check_param_item(item)
    name, _, raw = item.partition(":=")
    assert name == "safety.workspace_min" and yaml_value(name, raw) == value, message


def test_a_plain_value_stays_unquoted():
    message = start_only_message("vjepa_planner", "planner.samples", 400)
    assert "-p planner.planner.samples:=400, or ros2 run: --ros-args -p planner.samples:=400)" \
        in message
    assert "camera.topic:=/image_raw," in start_only_message("sim_node", "camera.topic",
                                                             "/image_raw")
