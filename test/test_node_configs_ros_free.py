"""The simulator's and the image publisher's settings are checked without ROS.

``sim.node_config.SimNodeConfig`` and ``nodes.image_publisher_config.ImagePublisherConfig`` refuse
a timer period a ROS timer cannot keep (``timer_period.check_period``) in a process that
never imports rclpy; the nodes (``nodes/sim_node.py``, ``nodes/image_publisher.py``) declare the
same classes, and the node registry's ``config=`` and ``params_comments.PARAMS_FILES`` name their
ROS-free modules, so a parameter's range or description is found where rclpy cannot be
imported. The value cases are in ``test_fix55e.py``.
"""

import subprocess
import sys

import pytest

from vjepa_ros.timer_period import MAX_TIMER_PERIOD_S, check_period, long_period

CHECKS = """
import sys
from vjepa_ros.nodes.image_publisher_config import ImagePublisherConfig
from vjepa_ros.sim.node_config import SimNodeConfig
said = []
for make in (lambda: ImagePublisherConfig(path="goal.png", rate_hz=1e-10),
             lambda: SimNodeConfig(real_time_factor=1e-12).check()):
    try:
        make()
    except ValueError as exc:
        said.append(str(exc).split(":")[0])
ImagePublisherConfig(path="goal.png", rate_hz=10.0)
SimNodeConfig().check()
print(said, sorted(m for m in sys.modules if m.split(".")[0] in ("rclpy", "rosidl_runtime_py")))
"""


def test_both_timer_checks_refuse_without_importing_rclpy():
    done = subprocess.run([sys.executable, "-c", CHECKS], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ("[\"parameter 'rate_hz' 1e-10\", "
                                   "\"parameter 'real_time_factor' 1e-12\"] []"), done.stdout


NO_RCLPY = """
import sys
class NoRclpy:  # a process where rclpy cannot be imported
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "rclpy":
            raise ImportError("no rclpy here")
sys.meta_path.insert(0, NoRclpy())
from vjepa_ros.nodes.param_ranges import declared_ranges
from vjepa_ros.params_comments import PARAMS_FILES, descriptions
found = [bool(declared_ranges(name, node)) for name, node in (
    ("rate_hz", "image_publisher"), ("real_time_factor", "sim"), ("rate", "bag_player"))]
said = {file: bool(descriptions(spec)) for file, spec in PARAMS_FILES.items()}
print(found, sorted(said), all(said.values()))
"""


def test_setting_ranges_and_descriptions_are_found_without_rclpy():
    """The registry's and params_comments' classes load where rclpy cannot be imported."""
    done = subprocess.run([sys.executable, "-c", NO_RCLPY], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ("[True, True, True] ['bag_player.yaml', 'camera.yaml', "
                                   "'image_publisher.yaml', 'planner.yaml', 'sim.yaml'] True"
                                   ), done.stdout


def test_check_period_raises_long_period_s_line_and_passes_a_kept_period():
    check_period("rate_hz", 1e-9, MAX_TIMER_PERIOD_S, "1e-09 or more")  # the longest kept
    with pytest.raises(ValueError) as caught:
        check_period("rate_hz", 1e-10, 1e10, "1e-09 or more")
    assert str(caught.value) == long_period("rate_hz", 1e-10, 1e10, "1e-09 or more") != ""


def test_the_nodes_declare_the_ros_free_classes():
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.eval import playback
    from vjepa_ros.nodes import bag_player, image_publisher, image_publisher_config, sim_node
    from vjepa_ros.sim import node_config

    assert sim_node.SimNodeConfig is node_config.SimNodeConfig
    assert image_publisher.ImagePublisherConfig is image_publisher_config.ImagePublisherConfig
    assert bag_player.PlaybackConfig is playback.PlaybackConfig
