"""scripts/bootstrap.sh never lets one environment silently run another checkout's code.

Two small checkouts (the real bootstrap.sh, setup.py and requirements-ros.txt, an empty package)
share one environment, as ``VJEPA_VENV=/some/dir bash scripts/demo.sh`` from a second clone does.
The environment is a real venv made without pip; its ``pip`` is a recorder that performs the
editable install the way setuptools' legacy layout does (a .pth naming the checkout), so the
script's own check (where ``import vjepa_ros`` resolves) runs against a real interpreter. No
network, no shared environment touched.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO_ROOT

FAKE_PIP = textwrap.dedent('''
    import json, pathlib, site, sys
    args = sys.argv[1:]
    venv = pathlib.Path(sys.prefix)
    with open(venv / "pip_calls.jsonl", "a") as log:
        log.write(json.dumps(args) + "\\n")
    if "-e" in args:  # editable install: the environment now imports the package from there
        root = args[args.index("-e") + 1].split("[")[0]
        pth = pathlib.Path(site.getsitepackages()[0]) / "vjepa_ros_editable.pth"
        pth.write_text(root + "\\n")
''')


def make_checkout(path: Path) -> Path:
    (path / "scripts").mkdir(parents=True)
    (path / "vjepa_ros").mkdir()
    (path / "vjepa_ros" / "__init__.py").write_text("")
    shutil.copy(REPO_ROOT / "scripts" / "bootstrap.sh", path / "scripts")
    for name in ("setup.py", "requirements-ros.txt"):
        shutil.copy(REPO_ROOT / name, path)
    return path.resolve()


def make_fake_venv(venv: Path) -> Path:
    """Make a real venv whose pip is FAKE_PIP and that imports empty rclpy/torch/sensor_msgs."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c",
                                "import site; print(site.getsitepackages()[0])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "pip").mkdir()
    (site / "pip" / "__init__.py").write_text("")
    (site / "pip" / "__main__.py").write_text(FAKE_PIP)
    for module in ("rclpy", "torch", "sensor_msgs"):  # what the script's final check imports
        (site / module).mkdir()
        (site / module / "__init__.py").write_text("")
    (site / "sensor_msgs" / "msg.py").write_text("")
    return venv


@pytest.fixture
def shared(tmp_path):
    return (make_fake_venv(tmp_path / "venv"), make_checkout(tmp_path / "first"),
            make_checkout(tmp_path / "second"))


def bootstrap(checkout: Path, venv: Path, **env):
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(venv.parent), "VJEPA_VENV": str(venv),
                   "VJEPA_TORCH": "skip", "PYTHON": sys.executable, **env}
    return subprocess.run(["bash", str(checkout / "scripts" / "bootstrap.sh")], env=environment,
                          capture_output=True, text=True, timeout=60)


def installs(venv: Path) -> list[str]:
    log = venv / "pip_calls.jsonl"
    lines = log.read_text().splitlines() if log.is_file() else []
    return [line for line in lines if '"-e"' in line]


def imported_from(venv: Path) -> str:
    return subprocess.run([str(venv / "bin" / "python"), "-I", "-c",
                           "import vjepa_ros, pathlib; print(pathlib.Path(vjepa_ros.__file__)"
                           ".parent.parent)"], capture_output=True, text=True).stdout.strip()


def test_a_second_checkout_is_refused_and_reinstalls_only_when_asked(shared):
    venv, first, second = shared
    done = bootstrap(first, venv)
    assert done.returncode == 0, done.stderr
    assert imported_from(venv) == str(first) and len(installs(venv)) == 1
    again = bootstrap(first, venv)  # ready: nothing to do
    assert again.returncode == 0 and len(installs(venv)) == 1, again.stderr

    refused = bootstrap(second, venv)
    assert refused.returncode == 1
    assert f"runs vjepa_ros from another checkout, {first} (this one is {second})" in \
        refused.stderr
    assert "VJEPA_REINSTALL=1" in refused.stderr
    assert imported_from(venv) == str(first) and len(installs(venv)) == 1  # untouched

    moved = bootstrap(second, venv, VJEPA_REINSTALL="1")
    assert moved.returncode == 0, moved.stderr
    assert f"reinstalling vjepa_ros in {venv} for {second} (it ran {first})" in moved.stderr
    assert imported_from(venv) == str(second) and str(second) in installs(venv)[-1]

    back = bootstrap(first, venv)  # the first checkout is now the stranger
    assert back.returncode == 1 and f"another checkout, {second}" in back.stderr


def test_a_stamp_from_another_checkout_is_not_taken_as_ready(shared):
    venv, first, second = shared
    assert bootstrap(first, venv).returncode == 0
    stamp = (venv / ".vjepa_ros_stamp").read_text()
    for pth in venv.glob("lib/python*/site-packages/vjepa_ros_editable.pth"):
        pth.unlink()  # as after `pip uninstall vjepa_ros`: no checkout owns it
    done = bootstrap(second, venv)
    assert done.returncode == 0, done.stderr
    assert (venv / ".vjepa_ros_stamp").read_text() != stamp  # the stamp names the checkout
    assert imported_from(venv) == str(second)
