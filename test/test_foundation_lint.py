"""Lint, as ROS 2 Python packages ship it (ament_flake8 / ament_pep257 rules, via ruff)."""

import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(REPO_ROOT / ".venv" / "bin" / "ruff")
    try:
        result = subprocess.run(
            [ruff, "check", "--no-cache", "."],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except FileNotFoundError:
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    if result.returncode != 0:
        pytest.fail("ruff found problems:\n" + result.stdout + result.stderr)
