"""A Python script run as a user whose file mode 000 stops it (root: without DAC rights).

:func:`_without_read_rights` runs :data:`UNREADABLE_RUN` (a load and a train of a checkpoint,
its JSON answer on stdout) or another script so; skipped for root without setpriv. First
written for breaker54d.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


UNREADABLE_RUN = r"""
import json, sys
from vjepa_ros.cli import main
from vjepa_ros.models.checkpoint import load_models
out = {}
try:
    load_models(sys.argv[1])
    out["load"] = "loaded"
except Exception as exc:
    out["load"] = [type(exc).__name__, str(exc)]
out["train"] = main(["train", sys.argv[2], sys.argv[1], "--data", sys.argv[3], "--out",
                     sys.argv[4], "--steps", "1"])
print(json.dumps(out))
"""


def _without_read_rights(args: list[str], script: str = UNREADABLE_RUN
                         ) -> subprocess.CompletedProcess:
    """Run ``script`` as a user the file's mode 000 stops (root: without DAC rights)."""
    command = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root reads any file and setpriv (util-linux) is not here")
        caps = "-dac_override,-dac_read_search"
        command = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
