"""An environment ROS cannot start in is said as such: one line, status 1, no rcl source path."""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.nodes.ros_environment import domain_id_problem


@pytest.mark.parametrize("value, said", [
    ("", ""), ("0", ""), (" 42 ", ""), ("232", ""),
    ("abc", "ROS_DOMAIN_ID='abc' in the environment is not a whole number; set it to a whole "
     "number in 0..101"),
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
