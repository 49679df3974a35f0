"""A node executable's arguments outside --ros-args: --help answers, the rest is refused.

user32: ``camera_node --help`` tried to open a camera; ``sim_node publish_clock:=true`` (ROS 1's
form) ran without a clock, the argument dropped without a word.
"""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.nodes.node_usage import stray_arguments, stray_problem


@pytest.mark.parametrize("argv, stray", [
    (["sim_node"], []),
    (["sim_node", "--ros-args", "-p", "seed:=1"], []),
    (["sim_node", "publish_clock:=true"], ["publish_clock:=true"]),
    (["sim_node", "--ros-args", "-p", "seed:=1", "--", "extra"], ["extra"]),
    (["sim_node", "a", "--ros-args", "-r", "x:=y", "--", "b", "--ros-args", "-p", "c:=1"],
     ["a", "b"]),
    (["sim_node", "--", "--ros-args", "-p", "c:=1"], []),  # a bare -- is a separator
])
def test_stray_arguments_are_those_rcl_leaves_unparsed(argv, stray):
    assert stray_arguments(argv) == stray


def test_the_refusal_gives_the_ros2_form_of_what_was_meant():
    assert stray_problem("sim_node", ["publish_clock:=true"]).endswith(
        "so it is not read; give sim_node --ros-args -p publish_clock:=true")
    assert stray_problem("sim_node", ["__ns:=/arm1"]).endswith(
        "give sim_node --ros-args -r __ns:=/arm1")
    line = stray_problem("camera_node", ["foo", "bar"])
    assert line.startswith("arguments 'foo bar' outside --ros-args") and "these are" in line
    assert line.endswith("(see camera_node --help)")


@pytest.mark.parametrize("stray, fix", [
    (["--log-level", "debug"], "give sim_node --ros-args --log-level debug"),
    (["--remap", "image:=/cam"], "give sim_node --ros-args --remap image:=/cam"),
    (["-p", "seed:=3"], "give sim_node --ros-args -p seed:=3"),
    (["--disable-rosout-logs"], "give sim_node --ros-args --disable-rosout-logs"),
    (["__params:=/tmp/a b.yaml"], "give sim_node --ros-args --params-file '/tmp/a b.yaml'"),
    (["__node:=sim2"], "give sim_node --ros-args -r __node:=sim2"),
])
def test_a_ros2_flag_or_old_special_argument_is_told_where_it_belongs(stray, fix):
    # breaker33x: every rcl flag given before --ros-args was told "-p NAME:=VALUE"
    assert stray_problem("sim_node", stray).endswith(fix)


@pytest.mark.parametrize("stray", [
    ["-r", "__ns:=/arm1", "publish_clock:=true", "__log_level:=debug"],
    ["__node:=sim2", "--params-file", "FILE", "-p", "seed:=3", "x:=[1, 2]"],
    ["--disable-rosout-logs", "__params:=FILE", "--log-level", "info", "seed:=4"],
])
def test_the_advice_for_every_stray_mix_is_a_command_rcl_parses_whole(stray, tmp_path):
    import shlex

    import rclpy
    from rclpy.utilities import remove_ros_args

    params = tmp_path / "lab params.yaml"  # rcl reads it while parsing; a space to quote
    params.write_text("/**:\n  ros__parameters:\n    seed: 1\n")
    stray = [arg.replace("FILE", str(params)) for arg in stray]
    line = stray_problem("sim_node", stray)
    command = shlex.split(line.partition("; give ")[2])
    assert command[:2] == ["sim_node", "--ros-args"], line
    assert len(command) - 2 >= len(stray), f"an argument dropped: {line}"
    context = rclpy.Context()
    rclpy.init(context=context, args=command)  # rcl refuses an argument it does not know
    try:
        assert remove_ros_args(command) == ["sim_node"], line
    finally:
        rclpy.shutdown(context=context)


@pytest.mark.parametrize("stray, taken, given", [
    (["-v", "seed:=3"], "-v", "-p seed:=3"),
    (["seed:=3", "--params-file"], "--params-file", "-p seed:=3"),  # a flag without its value
    (["foo", "-r", "a:=b", ":=x"], "foo :=x", "-r a:=b"),
])
def test_words_a_node_does_not_take_are_named_apart_from_the_advice(stray, taken, given):
    line = stray_problem("sim_node", stray)
    assert f"; sim_node takes no '{taken}' (see sim_node --help); give sim_node --ros-args " \
        f"{given}" in line and line.endswith(given), line


@pytest.mark.parametrize("key", sorted(NODES))
def test_help_answers_without_starting_the_node(key, capsys, monkeypatch):
    entry = NODES[key]

    def no_start(*args, **kwargs):
        raise AssertionError("the node started")

    monkeypatch.setattr(node_runner, "init_node_args", no_start)
    assert node_runner.run_node(entry.load(), [f"/opt/bin/{entry.ros_name}", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {entry.ros_name} [--ros-args")
    assert f"config/{entry.params_file}" in out
    assert f"vjepa-ros launch --node {key} -p {key}.NAME:=VALUE" in out


@pytest.mark.parametrize("argv, fix", [
    (["sim_node.py", "publish_clock:=true"], "give sim_node --ros-args -p publish_clock:=true"),
    (["sim_node", "--ros-args", "-p", "seed:=3", "--", "-v"], "(see sim_node --help)"),
])
def test_an_argument_outside_ros_args_is_refused_before_ros_starts(argv, fix, capsys):
    from vjepa_ros.nodes.sim_node import SimNode

    assert node_runner.run_node(SimNode, argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sim_node: argument '") and err[0].endswith(fix)
