"""``vjepa_ros/ros_environment.py`` against rcl itself, and where the nodes use it (rclpy).

The ROS-free rules (``test_ros_environment.py``, ``test_ros_network_line.py``) are checked here
against the real thing: rcl's own reading of ``ROS_DOMAIN_ID`` (``rclpy.init``) and librcl's
discovery range; a node executable and ``vjepa-ros launch`` refuse an unusable domain with one
line and status 1, word an ``rclpy.init`` failure without rcl's source path, and print the
network line once (launch, reach and the node executables from the one helper).
"""

import pytest

from vjepa_ros.nodes import node_runner
from vjepa_ros.ros_environment import discovery_range, domain_id_problem, ros_network_line

RANGE_NAMES = {1: "OFF", 2: "LOCALHOST", 3: "SUBNET", 4: "SYSTEM_DEFAULT"}  # rmw's enum values


def _rcl_domain(value: str, monkeypatch) -> int | None:
    """Return the domain rclpy.init takes from ``ROS_DOMAIN_ID=value``; None if rcl refuses."""
    import rclpy

    monkeypatch.setenv("ROS_DOMAIN_ID", value)
    context = rclpy.Context()
    try:
        rclpy.init(context=context)
        domain = context.get_domain_id()
    except RuntimeError:  # "ROS_DOMAIN_ID is not an integral number"
        domain = None
    finally:
        context.try_shutdown()
    return domain


@pytest.mark.parametrize("value", [" 5 ", "+5", "5\r", "07", "0x10", "010", "1_0", "08", "0\r"])
def test_a_domain_id_is_taken_exactly_when_rcl_reads_the_number_written(value, monkeypatch):
    """Against rcl itself: taken when its domain is the decimal number a person reads."""
    domain = _rcl_domain(value, monkeypatch)
    written = value.strip().lstrip("+")
    meant = int(written) if written.isdigit() else None
    assert (domain_id_problem({"ROS_DOMAIN_ID": value}) == "") == (
        domain is not None and domain == meant), (domain, meant)


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


@pytest.mark.parametrize("value", ["", " 5 ", "+5", "5\r", "07", "0x10", "010", "1_0", "08",
                                   "0\r", "abc"])
def test_the_domain_read_is_the_one_rcl_reads(value, monkeypatch):
    """``rcl_domain_id`` against rcl itself: the same domain, None where rcl refuses."""
    from vjepa_ros.ros_environment import rcl_domain_id

    domain = _rcl_domain(value, monkeypatch)
    assert rcl_domain_id(value) == domain


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
