"""``vjepa-ros launch --log-level``: rcl's LEVEL / LOGGER:=LEVEL forms reach the nodes' loggers.

The README and ``robot/command_words.py`` told users to quiet the planner's per-command INFO line
with ``--ros-args --log-level vjepa_planner:=warn``, which ``launch`` refuses (review57s).
"""

import subprocess
import sys
from pathlib import Path

import pytest
from test_launch_node_wiring import DEMO_MODEL

from conftest import write_test_bag

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def launched(monkeypatch):
    """Capture the keyword arguments ``launch`` would start its nodes with (nothing starts)."""
    from vjepa_ros.nodes import launcher

    captured = {}

    def fake_launch(nodes, **kwargs):
        captured.update(kwargs)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    return captured


@pytest.mark.parametrize("levels, ros_args", [
    ([], None),  # none: rclpy.init as before
    (["vjepa_planner:=warn"], ["--ros-args", "--log-level", "vjepa_planner:=warn"]),
    (["ERROR", "sim_node:=debug"], ["--ros-args", "--log-level", "ERROR", "--log-level",
                                    "sim_node:=debug"]),
])
def test_each_log_level_goes_to_rclpy_init_as_rcl_takes_it(launched, levels, ros_args):
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL),
          *(arg for level in levels for arg in ("--log-level", level))])
    assert (launched["ros_args"] or None) == ros_args


@pytest.mark.parametrize("level, words", [
    ("Warning", "'Warning' is no ROS log level"),
    ("bogus", "'bogus' is no ROS log level"),
    ("vjepa_planner:=", "'' is no ROS log level"),
    (":=warn", "no logger name before ':='"),
    ("a:=b:=warn", "no logger name before ':='"),
])
def test_a_level_rcl_cannot_parse_is_refused_before_ros_starts(launched, capsys, level, words):
    from vjepa_ros.cli import main

    with pytest.raises(SystemExit) as ended:
        main(["launch", "--checkpoint", str(DEMO_MODEL), "--log-level", level])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and "ros_args" not in launched, err
    assert "--log-level" in err and words in err and "vjepa_planner:=warn" in err, err


def test_the_levels_hold_for_the_launched_nodes_loggers(tmp_path):
    """In a process of its own: rclpy configures logging once per process, at its first init."""
    bag = write_test_bag(tmp_path / "bag")
    code = (
        "import sys\n"
        "from rclpy.logging import LoggingSeverity\n"
        "from vjepa_ros.nodes.node_launch import NodeLaunch\n"
        "from vjepa_ros.nodes.nodes_in_process import Launch\n"
        "args = ['--ros-args', '--log-level', 'error', '--log-level', 'bag_player:=debug']\n"
        "with Launch([NodeLaunch('bag_player', parameters={'bag': sys.argv[1]})],"
        " ros_args=args) as launch:\n"
        "    logger = launch.nodes[0].get_logger()\n"
        "    print(logger.name, LoggingSeverity(logger.get_effective_level()).name)\n"
        "    import rclpy.logging\n"
        "    other = rclpy.logging.get_logger('other_node')\n"
        "    print('other', LoggingSeverity(other.get_effective_level()).name)\n")
    out = subprocess.run([sys.executable, "-c", code, str(bag)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["bag_player DEBUG", "other ERROR"], out
