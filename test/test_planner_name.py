"""The planner's ROS node name is spelled once (``robot/planner_name.py``): code, messages."""

import ast
import subprocess
import sys

from conftest import REPO_ROOT
from vjepa_ros.robot.planner_name import PLANNER_NODE

SOURCES = ("vjepa_ros", "benchmarks", "launch", "scripts")


def _docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the module, class and function docstring constants of ``tree``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_the_planner_node_name_is_spelled_in_one_place():
    """A literal 'vjepa_planner' in code (a name, a topic, a message) outside planner_name.py."""
    spelled = []
    for folder in SOURCES:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path.name == "planner_name.py":
                continue
            tree = ast.parse(path.read_text(), str(path))
            docstrings = _docstrings(tree)
            spelled += [f"{path.relative_to(REPO_ROOT)}:{node.lineno}" for node in ast.walk(tree)
                        if isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and PLANNER_NODE in node.value and id(node) not in docstrings]
    assert spelled == [], f"spell it as planner_name.PLANNER_NODE: {spelled}"


def test_the_node_the_registry_and_the_tools_use_that_name():
    from vjepa_ros.nodes.node_registry import NODES
    from vjepa_ros.nodes.reach_client import ReachClient

    assert PLANNER_NODE == "vjepa_planner"  # services and topics: /vjepa_planner/...
    assert NODES["planner"].ros_name == PLANNER_NODE
    assert ReachClient.__init__.__defaults__[0] == PLANNER_NODE


def test_the_name_imports_nothing():
    """Every vjepa-ros command and the launch file import it: nothing heavy comes with it."""
    probe = ("import sys\nbefore = set(sys.modules)\nimport vjepa_ros.robot.planner_name\n"
             "new = set(sys.modules) - before\n"
             "print(sorted(m for m in new if not m.startswith('vjepa_ros')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
