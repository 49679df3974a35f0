"""colcon builds this ament_python package; files land where `ros2 run` / `ros2 launch` look."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "install", "log", "__pycache__", "*.egg-info", ".ruff_cache"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    colcon = shutil.which("colcon") or str(Path(sys.executable).parent / "colcon")
    if not os.path.exists(colcon):
        pytest.skip("colcon is not installed (pip install colcon-common-extensions)")
    ws = tmp_path_factory.mktemp("ws")
    shutil.copytree(REPO_ROOT, ws / "src" / "vjepa_ros", ignore=IGNORE)
    result = subprocess.run(
        [colcon, "build", "--base-paths", "src", "--event-handlers", "console_direct-"],
        cwd=ws, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return ws / "install" / "vjepa_ros"


def test_share_and_lib_layout(installed):
    share = installed / "share" / "vjepa_ros"
    assert (share / "package.xml").is_file()
    assert (installed / "share/ament_index/resource_index/packages/vjepa_ros").is_file()
    launch = {p.name for p in (REPO_ROOT / "launch").glob("*.launch.py")}
    assert launch and launch <= {p.name for p in (share / "launch").iterdir()}
    configs = {p.name for pattern in ("*.yaml", "*.xml")  # parameter files, the DDS profile
               for p in (REPO_ROOT / "config").glob(pattern)}
    assert configs and configs <= {p.name for p in (share / "config").iterdir()}
    for exe in ("vjepa-ros", "image_publisher"):
        path = installed / "lib" / "vjepa_ros" / exe
        assert path.is_file() and os.access(path, os.X_OK), f"ros2 run needs lib/vjepa_ros/{exe}"


def test_installed_package_finds_its_share_directory(installed):
    site = next((installed / "lib").glob("python3*/site-packages"))
    env = dict(os.environ, AMENT_PREFIX_PATH=str(installed), PYTHONPATH=str(site))
    code = ("from vjepa_ros.package_files import config_path; "
            "print(config_path('image_publisher.yaml'))")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=installed, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == installed / "share/vjepa_ros/config/image_publisher.yaml"
