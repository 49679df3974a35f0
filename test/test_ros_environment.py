"""An environment ROS cannot start in is said as such: one line, status 1, no rcl source path."""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.nodes.ros_environment import domain_id_problem

NOT_A_NUMBER = "in the environment is not a whole number; set it to a whole number in 0..101"


@pytest.mark.parametrize("value, said", [
    ("", ""), ("0", ""), ("42", ""), ("232", ""),
    ("abc", f"ROS_DOMAIN_ID='abc' {NOT_A_NUMBER}"),
    # Python's int took these; rcl's strtoul reads '1_0' as domain 1, '010' as octal 8, and
    # refuses a blank one: the check and the nodes disagreed on the domain
    ("1_0", f"ROS_DOMAIN_ID='1_0' {NOT_A_NUMBER}"), ("+5", f"ROS_DOMAIN_ID='+5' {NOT_A_NUMBER}"),
    (" 5 ", f"ROS_DOMAIN_ID=' 5 ' {NOT_A_NUMBER}"), ("  ", f"ROS_DOMAIN_ID='  ' {NOT_A_NUMBER}"),
    ("5\n", f"ROS_DOMAIN_ID='5\\n' {NOT_A_NUMBER}"),
    ("\uff15", f"ROS_DOMAIN_ID='\uff15' {NOT_A_NUMBER}"),  # a full-width 5: Python's int takes it
    ("010", "ROS_DOMAIN_ID='010' in the environment starts with 0: rcl reads it as an octal "
     "number (8); set it to a whole number in 0..101"),
    ("999", "ROS_DOMAIN_ID=999 in the environment is outside 0..232"),  # DDS: exit 1, no word
    ("-5", "ROS_DOMAIN_ID=-5 in the environment is outside 0..232"),
])
def test_a_domain_id_is_taken_or_refused_naming_the_variable(value, said):
    problem = domain_id_problem({"ROS_DOMAIN_ID": value})
    assert problem.startswith(said) and bool(problem) == bool(said), problem


def test_a_domain_out_of_the_dds_range_stops_a_node_executable_before_ros_loads(monkeypatch,
                                                                               capfd):
    """Seen live: ROS_DOMAIN_ID=999 gave Fast DDS's two coloured lines and status 1."""
    import rclpy

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    monkeypatch.setenv("ROS_DOMAIN_ID", "999")

    class Node:
        ROS_NAME = "sim_node"

    assert node_runner.run_node(Node, ["sim_node"]) == 1
    err = capfd.readouterr().err
    assert err.startswith("sim_node: ROS_DOMAIN_ID=999 in the environment") and \
        err.count("\n") == 1, err
    assert rclpy.ok() is False


def test_an_init_failure_that_is_no_argument_s_is_status_1_without_rcl_s_path(monkeypatch,
                                                                             capfd):
    """A resource error of rclpy.init (EAGAIN on a loaded machine) is no usage error."""
    import rclpy

    def init(**kwargs):
        raise RuntimeError("failed to initialize rcl: error not set, at "
                           "/project/src/rmw/init.c:120")

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    monkeypatch.setattr(rclpy, "init", init)

    class Node:
        ROS_NAME = "sim_node"

    assert node_runner.run_node(Node, ["sim_node"]) == 1
    err = capfd.readouterr().err
    assert err.startswith("sim_node: ROS could not start (rclpy.init: error not set)"), err
    assert "/project/" not in err and "ROS arguments" not in err, err


def test_launch_says_a_bad_domain_id_with_its_prefix_and_status_1(monkeypatch, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    monkeypatch.setattr(launcher, "use_camera_profile", lambda: "")
    monkeypatch.setenv("ROS_DOMAIN_ID", "abc")
    assert main(["launch", "--checkpoint", "demo"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vjepa-ros launch: ROS_DOMAIN_ID='abc' in the environment"), err
    assert err.count("\n") == 1 and "/project/" not in err, err


@pytest.mark.parametrize("value, unusable", [("999", True), ("abc", True), ("42", False)])
def test_check_flags_a_domain_id_ros_cannot_start_in(value, unusable, monkeypatch, capsys):
    """user32: ``vjepa-ros check`` showed ROS_DOMAIN_ID=999 as fine while every node refused it."""
    from vjepa_ros.cli import main

    monkeypatch.setenv("ROS_DOMAIN_ID", value)
    status = main(["check"])
    lines = capsys.readouterr().out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("ROS_DOMAIN_ID"))
    said = lines[index + 1].strip()
    if unusable:
        assert status == 1 and said == f"UNUSABLE: {domain_id_problem()}", said
    else:
        assert "UNUSABLE" not in said and not any("UNUSABLE" in line for line in lines)
