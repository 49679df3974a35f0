"""The planner's /diagnostics status is named by its fully qualified name (user33).

Two planners in two namespaces were one row in rqt_robot_monitor ('vjepa_planner: mpc');
every reader of the status finds its own planner's by that name.
"""

import re
import types

import pytest

from conftest import REPO_ROOT
from vjepa_ros.robot.planner_name import PLANNER_NODE, diagnostics_name, is_diagnostics_of


def test_the_name_carries_the_namespace_and_readers_match_their_planner_alone():
    assert diagnostics_name(f"/arm1/{PLANNER_NODE}") == "/arm1/vjepa_planner: mpc"
    root = diagnostics_name(f"/{PLANNER_NODE}")
    assert is_diagnostics_of(root) and is_diagnostics_of(root, f"/{PLANNER_NODE}")
    assert not is_diagnostics_of("/arm1/vjepa_planner: mpc")  # another robot's planner
    assert is_diagnostics_of("/arm1/vjepa_planner: mpc", "/arm1/vjepa_planner")
    assert not is_diagnostics_of("/arm1/vjepa_planner: mpc", "/arm2/vjepa_planner")


def test_the_reach_client_reads_its_planners_status_among_two():
    pytest.importorskip("diagnostic_msgs", reason="rclpy is installed by scripts/bootstrap.sh")
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

    from vjepa_ros.nodes.reach_client import ReachClient

    msg = DiagnosticArray()
    msg.status = [DiagnosticStatus(name=f"/arm2/{PLANNER_NODE}: mpc",
                                   values=[KeyValue(key="state", value="moving")]),
                  DiagnosticStatus(name=f"/{PLANNER_NODE}: mpc",
                                   values=[KeyValue(key="state", value="shadow")])]
    client = types.SimpleNamespace(planner=PLANNER_NODE, diagnostics={})
    ReachClient._on_diagnostics(client, msg)
    assert client.diagnostics == {"state": "shadow"}


def test_no_reader_builds_the_status_name_itself():
    """A name spelled as f"{node}: mpc" outside planner_name.py misses a namespaced planner."""
    built = [f"{path.relative_to(REPO_ROOT)}:{number}"
             for folder in ("vjepa_ros", "benchmarks", "scripts")
             for path in sorted((REPO_ROOT / folder).rglob("*.py"))
             if path.name != "planner_name.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\{[^}]*\}: mpc", line)]
    assert built == [], built
