"""pybullet is imported without the build-time line its C module writes to stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANNER = "pybullet build time:"


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *(("-c", code) if code else ()), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})


def test_the_banner_is_gone_and_stderr_works_afterwards():
    plain = run_python("import pybullet")
    assert BANNER in plain.stderr  # what the import does on its own
    quiet = run_python("import os, sys\n"
                       "from vjepa_ros.sim.pybullet_import import import_pybullet\n"
                       "print('before', file=sys.stderr)\n"
                       "p, data = import_pybullet()\n"
                       "os.write(2, b'C level after\\n')\n"
                       "print('python after', p.getNumBodies.__name__, file=sys.stderr)\n"
                       "assert import_pybullet()[0] is p\n")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "before\nC level after\npython after getNumBodies\n"


def test_vjepa_ros_check_ends_with_its_own_lines():
    done = run_python("", "-m", "vjepa_ros.cli", "check")
    assert BANNER not in done.stderr + done.stdout
    assert done.stdout.splitlines()[-1].startswith("pyrealsense2")
    assert any(line.split()[:2] == ["pybullet", "available"] for line in done.stdout.splitlines())
