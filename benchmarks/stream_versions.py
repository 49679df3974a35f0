"""Earlier commits' set-point streamers, imported side by side with the working tree's.

For the stream tick's differential test (``test/test_stream_tick_same.py``) and its timing
(``benchmarks/bench_stream_tick.py``): :func:`streamer_at` reads ``robot/targets.py`` and the
robot modules its tick runs (:data:`MODULES`: the faces' braking, the ramp, the trailing arm's
anchor, the reach stop's look-ahead) at a commit (``git show``) and imports them under their own
module names, so each version runs its own code beside the working tree's. Needs git and the
repository's history (raises ``subprocess.CalledProcessError`` for an unknown commit).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# each imports only those before it (where it exists at the commit)
MODULES = ("face_braking", "velocity_ramp", "anchor_lag", "ramp_ahead", "reach_stop", "targets")


def _source(commit: str, name: str) -> str | None:
    """Return ``vjepa_ros/robot/<name>.py`` at ``commit``, or None where it did not exist."""
    done = subprocess.run(["git", "show", f"{commit}:vjepa_ros/robot/{name}.py"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if name == "targets":
            raise subprocess.CalledProcessError(done.returncode, done.args, stderr=done.stderr)
        return None
    return done.stdout


def module_at(commit: str, name: str):
    """Return the module ``vjepa_ros.robot.<name>`` (one of MODULES) as it was at ``commit``.

    Imported once, under its own name; raises ``KeyError`` where the commit has no such module.
    """
    tag = "".join(c if c.isalnum() else "_" for c in commit)
    prefix = f"_stream_{tag}_"
    if prefix + "targets" not in sys.modules:
        for part in MODULES:
            source = _source(commit, part)
            if source is None:
                continue
            for earlier in MODULES[:MODULES.index(part)]:
                if prefix + earlier in sys.modules:
                    source = source.replace(f"vjepa_ros.robot.{earlier} ", f"{prefix}{earlier} ")
            spec = importlib.util.spec_from_loader(prefix + part, loader=None)
            module = importlib.util.module_from_spec(spec)
            sys.modules[prefix + part] = module
            exec(compile(source, f"{commit}:{part}.py", "exec"), module.__dict__)
    return sys.modules[prefix + name]


def streamer_at(commit: str) -> type:
    """Return ``SetpointStreamer`` as it was at ``commit`` (:func:`module_at`)."""
    return module_at(commit, "targets").SetpointStreamer
