"""The one line every command that starts nodes prints: ROS domain and discovery (mend59a #1)."""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.ros_environment import discovery_range, ros_network_line


@pytest.mark.parametrize("environ, rcl, domain, scope", [
    ({"ROS_DOMAIN_ID": "12", "ROS_LOCALHOST_ONLY": "1"}, 9, 12, "LOCALHOST"),  # Jazzy honours it
    ({"ROS_DOMAIN_ID": "12", "ROS_LOCALHOST_ONLY": "1"}, 10, 12, "SUBNET"),  # Kilted: not read
    ({"ROS_DOMAIN_ID": "5\r", "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}, 10, 5, "LOCALHOST"),
    ({}, 10, 0, "SUBNET"),  # rcl's defaults: domain 0, the whole network
    ({"ROS_DOMAIN_ID": "", "ROS_AUTOMATIC_DISCOVERY_RANGE": "subnet"}, 10, 0, "LOCALHOST"),
    # ROS_LOCALHOST_ONLY=1 overrides the range on Iron and Jazzy, as rcl 6..9 honours it
    ({"ROS_DOMAIN_ID": "7", "ROS_LOCALHOST_ONLY": "1",
      "ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET"}, 9, 7, "LOCALHOST"),
    ({"ROS_DOMAIN_ID": "7", "ROS_LOCALHOST_ONLY": "1",
      "ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET"}, 10, 7, "SUBNET"),
])
def test_the_line_names_rcl_s_domain_and_range_and_how_to_watch(environ, rcl, domain, scope):
    line = ros_network_line(environ, rcl=rcl)
    assert discovery_range(environ, rcl=rcl) == scope
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


RANGE_NAMES = {1: "OFF", 2: "LOCALHOST", 3: "SUBNET", 4: "SYSTEM_DEFAULT"}  # rmw's enum values


def test_the_range_is_the_one_this_environment_s_rcl_takes(monkeypatch):
    """review59r #2: asked of librcl itself (``rcl_get_automatic_discovery_range``).

    Every spelling a person may write, rcl's own values among them, gives the range rcl
    takes; and ``ROS_LOCALHOST_ONLY`` is read (``rcl_get_localhost_only`` exported) exactly
    when :func:`rcl_major` says this rcl is older than Kilted's.
    """
    import ctypes

    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    import rclpy._rclpy_pybind11  # noqa: F401  (loads librcl)

    from vjepa_ros.ros_environment import FIRST_RCL_WITHOUT_LOCALHOST_ONLY, rcl_major

    lib = ctypes.CDLL("librcl.so")
    rcl = rcl_major()
    assert rcl is not None, "rcl's version not found (AMENT_PREFIX_PATH, ros-rcl, ROS_DISTRO)"
    assert hasattr(lib, "rcl_get_localhost_only") == (rcl < FIRST_RCL_WITHOUT_LOCALHOST_ONLY)
    monkeypatch.delenv("ROS_LOCALHOST_ONLY", raising=False)
    for value in ("", "SUBNET", "LOCALHOST", "OFF", "SYSTEM_DEFAULT", "subnet", "Localhost",
                  "off", "SUBNET ", " LOCALHOST", "SUBNET\r", "bogus", "1"):
        monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", value)
        options = (ctypes.c_char * 256)()  # rmw_discovery_options_t: the enum first
        assert lib.rcl_get_automatic_discovery_range(options) == 0
        took = RANGE_NAMES[ctypes.c_int.from_buffer(options).value]
        assert discovery_range(rcl=rcl) == took, (value, took)
        line = ros_network_line(rcl=rcl)
        assert f"discovery {took} " in line or f"discovery {took}:" in line, line
        refused = value not in ("", "SUBNET", "LOCALHOST", "OFF", "SYSTEM_DEFAULT")
        assert (f"rcl refuses ROS_AUTOMATIC_DISCOVERY_RANGE={value!r}" in line) == refused, line


@pytest.mark.parametrize("only, jazzy, humble", [
    ("1", "LOCALHOST", "LOCALHOST"), ("1 ", "LOCALHOST", "SUBNET"), ("10", "LOCALHOST", "SUBNET"),
    (" 1", "OFF", "SUBNET"), ("true", "OFF", "SUBNET"), ("0", "OFF", "SUBNET"),
    ("", "OFF", "SUBNET"),
])
def test_ros_localhost_only_as_each_rcl_reads_it(only, jazzy, humble):
    """``ROS_LOCALHOST_ONLY`` per rcl: each generation's own comparison.

    Iron/Jazzy: ``strncmp(value, "1", 1)`` overrides the range; Humble: ``strcmp(value, "1")``
    (no range variable: the rest is the whole network); Kilted and newer: not read.
    """
    environ = {"ROS_LOCALHOST_ONLY": only, "ROS_AUTOMATIC_DISCOVERY_RANGE": "OFF"}
    assert discovery_range(environ, rcl=9) == discovery_range(environ, rcl=6) == jazzy
    assert discovery_range(environ, rcl=5) == humble
    assert discovery_range(environ, rcl=10) == discovery_range(environ, rcl=None) == "OFF"
    line = ros_network_line(environ, rcl=5)
    assert f"ROS_LOCALHOST_ONLY={int(humble == 'LOCALHOST')} ros2 topic list" in line, line
    ignored = ros_network_line(environ, rcl=10)
    assert ("ROS_LOCALHOST_ONLY=" in ignored and "ignored by rcl 10" in ignored) == (
        only.startswith("1")), ignored


def test_a_localhost_only_kilted_ignores_is_named_only_where_it_changes_the_range():
    """The network rule's pair (both set) says nothing more; the variable alone is named."""
    rule = {"ROS_LOCALHOST_ONLY": "1", "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}
    assert "ignored" not in ros_network_line(rule, rcl=10)
    line = ros_network_line({"ROS_LOCALHOST_ONLY": "1"}, rcl=10)
    assert line.startswith("ROS domain 0, discovery SUBNET (this network: ROS_LOCALHOST_ONLY=1 "
                           "is ignored by rcl 10"), line


def test_rcl_s_version_is_read_where_rclpy_finds_rcl(tmp_path, monkeypatch):
    """A sourced install's rcl/package.xml wins over the wheel; ROS_DISTRO when neither says."""
    from importlib import metadata

    from vjepa_ros.ros_environment import rcl_major

    share = tmp_path / "jazzy" / "share" / "rcl"
    share.mkdir(parents=True)
    (share / "package.xml").write_text("<package format=\"3\">\n  <name>rcl</name>\n"
                                       "  <version>9.2.6</version>\n</package>\n")
    sourced = {"AMENT_PREFIX_PATH": f"{tmp_path / 'none'}:{tmp_path / 'jazzy'}"}
    assert rcl_major(sourced) == 9
    assert discovery_range({**sourced, "ROS_LOCALHOST_ONLY": "1"}) == "LOCALHOST"

    def no_wheel(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", no_wheel)
    assert rcl_major({"ROS_DISTRO": "humble"}) == 5
    assert rcl_major({"ROS_DISTRO": "kilted"}) == 10
    assert rcl_major({}) is None
    # unknown: the newest rules (the wheels this package pins are Kilted's)
    assert discovery_range({"ROS_LOCALHOST_ONLY": "1"}) == "SUBNET"
