"""The one line every command that starts nodes prints: ROS domain and discovery (mend59a #1).

``ros_environment.ros_network_line`` by each rcl generation's rules (no ROS); against this
environment's librcl, and printed by a node executable: ``test_ros_environment_rcl.py``.
"""

import pytest

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
