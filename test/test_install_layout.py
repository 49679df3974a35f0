"""A plain (non-editable) ``pip install`` finds the package's config/ and launch/ files.

setup.py installs them as ``data_files`` under ``<prefix>/share/vjepa_ros``, beside
``<prefix>/lib/pythonX.Y/site-packages/vjepa_ros``; without a sourced ament environment they were
looked for in ``site-packages/config`` (``vjepa-ros reach``: "config file not found", the node
executables: a traceback).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from vjepa_ros.nodes.dds_profile import PROFILE_VARIABLES

IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "install", "log", "__pycache__", "*.egg-info", ".ruff_cache"
)


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    work = tmp_path_factory.mktemp("pip")
    shutil.copytree(REPO_ROOT, work / "src", ignore=IGNORE)
    before = _installed_here()
    # --ignore-installed: pip would otherwise uninstall this environment's vjepa_ros (the
    # editable install the suite runs) before installing into the prefix
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--ignore-installed", "--prefix", str(work / "prefix"),
         str(work / "src")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _installed_here() == before, "the running environment's install must stay as it was"
    shutil.rmtree(work / "src")  # nothing may be found in the source tree
    return work / "prefix"


def _installed_here() -> str:
    """Return where this environment's pip has vjepa_ros installed ("" when it has none)."""
    shown = subprocess.run([sys.executable, "-m", "pip", "show", "-f", "vjepa_ros"],
                           capture_output=True, text=True, timeout=120).stdout
    return "\n".join(line for line in shown.splitlines()
                     if line.startswith(("Location", "Editable project location")))


def _run(prefix: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    site = next((prefix / "lib").glob("python3*/site-packages"))
    env = {k: v for k, v in os.environ.items() if k not in (
        "AMENT_PREFIX_PATH", "PYTHONPATH", *PROFILE_VARIABLES)}  # the package's own profile
    env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_pip_installed_package_finds_its_config_files_from_any_folder(prefix, tmp_path):
    check = _run(prefix, "from vjepa_ros.cli import main; main(['check'])", tmp_path)
    assert f"config        {prefix / 'share' / 'vjepa_ros' / 'config'}" in check.stdout
    code = ("import vjepa_ros, vjepa_ros.package_files as c; print(vjepa_ros.__file__); "
            "print(c.config_path('reach_demo.yaml')); print(c.config_path('fastdds_camera.xml')); "
            "print(c.package_share_dir() / 'launch')")
    out = _run(prefix, code, tmp_path)
    assert out.returncode == 0, out.stderr
    module, reach, profile, launch = (Path(line) for line in out.stdout.split())
    assert module.is_relative_to(prefix), "the installed copy, not the source tree"
    share = prefix / "share" / "vjepa_ros"
    assert reach == share / "config" / "reach_demo.yaml" and reach.is_file()
    assert profile == share / "config" / "fastdds_camera.xml"
    assert sorted(p.name for p in launch.glob("*.launch.py")) == sorted(
        p.name for p in (REPO_ROOT / "launch").glob("*.launch.py"))


def test_missing_config_files_are_named_with_every_place_looked_in(prefix, tmp_path):
    moved = prefix / "share" / "vjepa_ros"
    hidden = prefix / "share" / "elsewhere"
    moved.rename(hidden)
    try:
        out = _run(prefix, "import vjepa_ros.package_files as c; c.config_path('reach_demo.yaml')",
                   tmp_path)
        node = _run(prefix, "from vjepa_ros.entry_points import sim_node; sim_node()", tmp_path)
        check = _run(prefix, "import sys; from vjepa_ros.cli import main; "
                     "sys.exit(main(['check']))", tmp_path)
    finally:
        hidden.rename(moved)
    last = out.stderr.strip().splitlines()[-1]
    assert "config file not found: reach_demo.yaml (looked in " in last
    assert str(moved / "config") in last and "reinstall it" in last
    # a node executable: one line naming the file, status 1 (was: a traceback)
    assert node.returncode == 1 and "Traceback" not in node.stderr, node.stderr
    assert node.stderr.startswith("sim_node: config file not found: fastdds_camera.xml (looked in")
    assert check.returncode == 1 and "config        MISSING: config file not found" in check.stdout
