"""Every ```python block of README.md and docs/*.md runs as written.

Each block runs on its own in a fresh interpreter, in an empty working folder. A block that
needs what a checkout does not hold (the published checkpoint) says so in a comment line
``# needs: <file> (...)``; without that file in torch hub's checkpoints folder the block is
parsed and its imports run (every name it imports exists), not skipped; with the file it runs.
A block that talks to running nodes (a ROS client of the planner against the simulator) says
so in a comment line ``# needs running: <command>``: it is parsed and its imports run, as a
block whose checkpoint is missing (run as written it would wait for those nodes, then give up;
such a block has a live test of its own, test_readme_ros_client.py, its bounded wait too).
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NEEDS = re.compile(r"^# needs: (\S+)", re.M)
NEEDS_RUNNING = re.compile(r"^# needs running: \S", re.M)
HUB_CHECKPOINTS = Path(os.environ.get("TORCH_HOME", "~/.cache/torch")).expanduser() / "hub" / \
    "checkpoints"


def python_blocks() -> list:
    """Return one pytest param (source, id ``file:line``) per ```python block of the docs."""
    blocks = []
    for path in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            blocks.append(pytest.param(match.group(1), id=f"{path.name}:{line}"))
    return blocks


def test_the_docs_have_python_examples():
    assert len(python_blocks()) >= 4


@pytest.mark.parametrize("source", python_blocks())
def test_python_example_runs_as_written(source, tmp_path):
    tree = ast.parse(source)  # a block that does not parse fails here
    if NEEDS_RUNNING.search(source) or \
            any(not (HUB_CHECKPOINTS / needed).is_file() for needed in NEEDS.findall(source)):
        # what runs without the checkpoint or the nodes: the block's imports
        source = "\n".join(ast.unparse(node) for node in tree.body
                           if isinstance(node, (ast.Import, ast.ImportFrom)))
        assert source, "a block that needs a checkpoint still imports what it uses"
    script = tmp_path / "example.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
