"""The scripts a user runs keep the caller's folder for what they write.

`bash scripts/demo.sh --out relrun` must write ./relrun where the user stands (README: outputs
go to the current directory), not into the clone; WORK=<dir> of the model-making scripts is from
the caller's folder too. A small checkout (the real scripts) and a fake environment (from
test_bootstrap_venv: no network, no real install) whose `vjepa-ros` only records its folder and
arguments.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from test_bootstrap_venv import make_checkout, make_fake_venv

from conftest import REPO_ROOT

FAKE_CLI = '#!/bin/sh\necho "cwd=$PWD"\necho "args=$*"\nexit 1\n'


def run_script(tmp_path: Path, script: str, *args: str, **env) -> subprocess.CompletedProcess:
    checkout = make_checkout(tmp_path / "clone")
    for name in ("demo.sh", "ros_env.sh", "make_demo_model.sh"):
        shutil.copy(REPO_ROOT / "scripts" / name, checkout / "scripts")
    venv = make_fake_venv(tmp_path / "venv")
    cli = venv / "bin" / "vjepa-ros"
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    caller = tmp_path / "caller"
    caller.mkdir()
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VJEPA_VENV": str(venv),
                   "VJEPA_TORCH": "skip", "PYTHON": sys.executable, **env}
    return subprocess.run(["bash", str(checkout / "scripts" / script), *args], cwd=caller,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_demo_runs_reach_in_the_callers_folder(tmp_path):
    done = run_script(tmp_path, "demo.sh", "--out", "relrun")
    assert f"cwd={(tmp_path / 'caller').resolve()}" in done.stdout.splitlines(), done.stderr
    assert "args=reach --out relrun" in done.stdout.splitlines()


def test_make_demo_model_work_is_from_the_callers_folder(tmp_path):
    done = run_script(tmp_path, "make_demo_model.sh", WORK="mywork")
    out = f"{(tmp_path / 'caller').resolve()}/mywork/episodes/train"
    assert f"--out {out} " in done.stdout, done.stdout + done.stderr
