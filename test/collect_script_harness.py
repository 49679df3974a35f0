"""Run scripts/collect_manipulation_episodes.sh's ``collect`` steps with a stand-in ``vjepa-ros``.

The script's functions and its closing report, without bootstrap.sh (no environment is made):
the tests of its rerun rules (test_breaker44j, test_breaker44n, test_collect_script_record).
"""

from __future__ import annotations

import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "collect_manipulation_episodes.sh"

# The stand-in's first lines: its arguments appended to ``calls`` (one line a run), and
# --out, --episodes, --seed read into out, n, s for the body that follows.
STAND_IN_HEAD = ('#!/usr/bin/env bash\necho "$*" >> {calls}\n'
                 'while [[ $# -gt 0 ]]; do case $1 in --out) out=$2;; --episodes) n=$2;; '
                 '--seed) s=$2;; esac; shift; done\n')
# A body that writes every episode asked (no seed skipped), status 0
WRITES_ALL = ('mkdir -p "$out"; for ((i=0; i<n; i++)); do '
              'touch "$out/grasp_cup_$(printf %06d $((s+i))).npz"; done\n')


def script_parts(width: int = 128) -> tuple[str, str]:
    """Return the script's (functions, closing report), its collects at ``width`` px square."""
    text = SCRIPT.read_text()
    start = text.index('cd "$VJEPA_ROOT"\n') + len('cd "$VJEPA_ROOT"\n')
    functions = text[start:text.index("# Scripted expert episodes")]
    assert "collect() {" in functions, "collect() not found in collect_manipulation_episodes.sh"
    report = text[text.index("\ndone\n") + len("\ndone\n"):]
    return (functions.replace("--width 128 --height 128", f"--width {width} --height {width}"),
            report)


def run_collect(tmp_path: pathlib.Path, body: str = WRITES_ALL,
                steps: str = "collect grasp cup 3 0 train", width: int = 128,
                ) -> subprocess.CompletedProcess:
    """Run ``steps`` (the script's ``collect`` lines) and its report; WORK is ``tmp_path/work``.

    ``vjepa-ros`` is a stand-in in ``tmp_path/venv/bin``: :data:`STAND_IN_HEAD` (its arguments
    appended to ``tmp_path/calls``), then ``body`` (bash). Returns the finished bash process.
    """
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    fake = venv / "bin" / "vjepa-ros"
    fake.write_text(STAND_IN_HEAD.format(calls=tmp_path / "calls") + body)
    fake.chmod(0o755)
    functions, report = script_parts(width)
    script = (f"set -euo pipefail\nwork={tmp_path}/work\nVJEPA_VENV={venv}\n"
              f"{functions}\n{steps}\n{report}")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)


def calls(tmp_path: pathlib.Path) -> list[str]:
    """Return the stand-in's runs so far: the arguments of each, one string a run."""
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []
