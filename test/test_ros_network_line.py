"""The one line every command that starts nodes prints: ROS domain and discovery (mend59a #1)."""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.nodes.ros_environment import discovery_range, ros_network_line


@pytest.mark.parametrize("environ, domain, scope", [
    ({"ROS_DOMAIN_ID": "12", "ROS_LOCALHOST_ONLY": "1"}, 12, "LOCALHOST"),
    ({"ROS_DOMAIN_ID": "5\r", "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}, 5, "LOCALHOST"),
    ({}, 0, "SUBNET"),  # rcl's defaults: domain 0, the whole network
    ({"ROS_DOMAIN_ID": "", "ROS_AUTOMATIC_DISCOVERY_RANGE": "subnet"}, 0, "SUBNET"),
    # ROS_LOCALHOST_ONLY=1 overrides the range, as rcl honours it
    ({"ROS_DOMAIN_ID": "7", "ROS_LOCALHOST_ONLY": "1",
      "ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET"}, 7, "LOCALHOST"),
])
def test_the_line_names_rcl_s_domain_and_range_and_how_to_watch(environ, domain, scope):
    line = ros_network_line(environ)
    assert discovery_range(environ) == scope
    assert line.startswith(f"ROS domain {domain}, discovery {scope} "), line
    assert f"ROS_DOMAIN_ID={domain} ROS_AUTOMATIC_DISCOVERY_RANGE={scope} ros2 topic list" in line
    assert "\n" not in line


def test_discovery_off_says_no_shell_sees_the_nodes():
    line = ros_network_line({"ROS_DOMAIN_ID": "3", "ROS_AUTOMATIC_DISCOVERY_RANGE": "OFF"})
    assert line.startswith("ROS domain 3, discovery OFF: no other process") and \
        "ros2 topic list" not in line, line


def test_a_node_executable_says_the_line_once_its_node_started(monkeypatch, capfd):
    """user58u ran ``ros2 topic list`` in another shell on another domain and saw nothing."""
    import threading

    from rclpy.node import Node

    monkeypatch.setenv("ROS_DOMAIN_ID", "12")
    monkeypatch.setenv("ROS_LOCALHOST_ONLY", "1")
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")

    class Quick(Node):
        ROS_NAME = "quick_node"

        def __init__(self):
            super().__init__(self.ROS_NAME)
            self.done = threading.Event()
            self.done.set()  # its work is done at once: the runner stops it

    assert node_runner.run_node(Quick, ["quick_node"]) == 0
    err = capfd.readouterr().err
    assert err.splitlines()[0] == f"quick_node: {ros_network_line()}", err
    assert err.count("ROS domain") == 1, err


def test_launch_and_reach_say_the_same_line_from_the_one_helper():
    """One helper, not copies: launch, reach and the node executables call it."""
    import inspect

    from vjepa_ros.nodes import launcher, reach_demo

    for module in (launcher, reach_demo, node_runner):
        assert "ros_network_line()" in inspect.getsource(module), module.__name__
    assert "this machine only (watch" not in inspect.getsource(reach_demo)
