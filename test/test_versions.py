"""vjepa_ros/versions.py: the versions printed beside simulator and model numbers (session 37)."""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.versions import versions, versions_line

ROOT = Path(__file__).resolve().parent.parent


def test_versions_are_the_installed_ones_and_a_missing_package_is_said():
    found = versions(("numpy", "torch", "no-such-package-vjepa"))
    assert found["numpy"] == np.__version__
    assert found["torch"] == importlib.metadata.version("torch")
    assert found["no-such-package-vjepa"] == "not installed"
    assert found["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions_line(("numpy",)).endswith(f", numpy {np.__version__}")


def test_the_manipulation_benchmark_prints_the_versions_with_its_settings():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_manipulation.py", "--agents", "expert", "--seeds", "1",
         "--objects", "cup", "--tasks", "reach-with-object", "--size", "32"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("# versions: "))
    assert f"numpy {np.__version__}" in line and "pybullet " in line and "torch " in line
