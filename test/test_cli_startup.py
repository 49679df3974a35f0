"""``vjepa-ros`` checks its options before importing torch, pybullet or rclpy.

Each case runs in a fresh interpreter (as the console script does): the command refuses one bad
option in one line, and the heavy libraries are still unloaded at that point, so the error comes
in well under a second instead of after seconds of imports (timed by
``benchmarks/bench_cli_startup.py``, never asserted here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "pybullet", "rclpy", "matplotlib", "rosbags")
PROBE = """
import contextlib, io, json, sys
from vjepa_ros.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
loaded = [m for m in %r if m in sys.modules]
print(json.dumps({"code": code, "err": err.getvalue(), "loaded": loaded}))
""" % (HEAVY,)


def probe(argv: list[str], cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("argv, message", [
    (["--help"], ""),
    (["demo", "--refine-lr", "-1"], "vjepa-ros demo: --refine-lr must be a finite number > 0"),
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "vjepa-ros eval: --rate must be > 0"),
    (["eval", "BAG", "--out", "OUT"], "vjepa-ros eval: bag not found: "),
    (["camera-check", "BAG", "--out", "OUT", "--fine-deg", "200"],
     "vjepa-ros camera-check: --fine-deg must be an angle in (0, 180)"),
    (["collect", "--out", "OUT", "--width", "8"], "vjepa-ros collect: --width/--height"),
    (["run", "--task", "grasp", "--refine-lr", "-1"],
     "vjepa-ros run: --refine-lr must be a finite number > 0"),
    (["train", "--out", "OUT", "--data", "OUT", "--steps", "0"],
     "vjepa-ros train: --steps must be >= 1"),
])
def test_a_bad_option_is_refused_before_the_heavy_libraries_load(argv, message, tmp_path):
    argv = [str(tmp_path / "bag") if a == "BAG" else str(tmp_path / "out") if a == "OUT" else a
            for a in argv]
    result = probe(argv, tmp_path)
    assert result["code"] == (0 if argv == ["--help"] else 1)
    assert result["err"].startswith(message) and result["err"].count("\n") <= 1, result["err"]
    assert result["loaded"] == [], f"{' '.join(argv[:1])} imported {result['loaded']} first"
