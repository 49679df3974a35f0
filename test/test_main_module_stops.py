"""A stop while `python -m vjepa_ros.X` or a benchmark script loads (main_start).

Their module's own imports (rclpy, torch, numpy: 0.3–1 s) run before its ``__main__`` block
reaches ``end_after``: a Ctrl-C there raised KeyboardInterrupt inside an import, which nothing
caught (a traceback; fuzzed Ctrl-C, 3 of 181 runs), and SIGTERM killed it without its line. Here
the signal is sent from an import hook (``sitecustomize``) as the module imports ``MARKER``: in
the middle of its imports, every run.
"""

import ast
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vjepa_ros import main_start

REPO_ROOT = Path(__file__).resolve().parents[1]

# Sends SIGNUM to this process when the main module's imports reach MARKER (site imports this
# module before the main one; the signal's Python handler runs at once, inside the import)
SITECUSTOMIZE = """\
import os, sys

class _StopAt:
    def find_spec(self, name, path=None, target=None):
        if name == {marker!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), {signum})
        return None

sys.meta_path.insert(0, _StopAt())
"""


def _stopped_at(tmp_path: Path, marker: str, signum: int, *argv: str):
    (tmp_path / "sitecustomize.py").write_text(
        SITECUSTOMIZE.format(marker=marker, signum=int(signum)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO_ROOT)]))
    return subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("signum, word, status", [
    (signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)])
def test_a_stop_while_a_node_module_imports_rclpy_ends_it_in_one_line(
        tmp_path, signum, word, status):
    image = tmp_path / "goal.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(image)
    # sensor_msgs: image_publisher's imports, after rclpy's node, before the node's own modules
    done = _stopped_at(tmp_path, "sensor_msgs.msg", signum, "-m",
                       "vjepa_ros.nodes.image_publisher", "--ros-args", "-p", f"path:={image}")
    assert done.stderr == f"image_publisher: {word}\n"
    assert done.returncode == status


def test_ctrl_c_while_the_cli_module_loads_ends_it_in_one_line(tmp_path):
    done = _stopped_at(tmp_path, "vjepa_ros.cli_parser", signal.SIGINT, "-m", "vjepa_ros.cli",
                       "check")
    assert done.stderr == "vjepa-ros: interrupted\n"
    assert done.returncode == 130


@pytest.mark.parametrize("script, option, marker, signum, word, status", [
    # its first import of the package's modules, after the path set-up
    ("bench_models.py", "--small", "vjepa_ros.cli_parser", signal.SIGTERM, "terminated", 143),
    # numpy: 0.3-0.9 s on a loaded machine, imported first by most benchmarks until they
    # imported the package before it
    ("bench_sim.py", "--quick", "numpy", signal.SIGINT, "interrupted", 130)])
def test_a_stop_while_a_benchmark_script_loads_ends_it_in_one_line(
        tmp_path, script, option, marker, signum, word, status):
    done = _stopped_at(tmp_path, marker, signum, f"benchmarks/{script}", option)
    assert done.stderr.startswith(f"{script}: {word}"), done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.returncode == status


def test_every_benchmark_imports_the_package_before_any_other_library():
    """Its stops are noted from there on (main_start); stdlib modules load in milliseconds."""
    for path in sorted((REPO_ROOT / "benchmarks").glob("bench_*.py")):
        tree = ast.parse(path.read_text())
        libraries = [name.split(".")[0] for node in tree.body
                     for name in ([alias.name for alias in node.names]
                                  if isinstance(node, ast.Import) else
                                  [node.module or ""] if isinstance(node, ast.ImportFrom)
                                  else [])
                     if name.split(".")[0] not in sys.stdlib_module_names | {"__future__"}]
        assert libraries, path
        # (bench_X / benchmarks.bench_X: a benchmark that does so itself)
        assert libraries[0] in ("vjepa_ros", "benchmarks") or \
            libraries[0].startswith("bench_"), (path.name, libraries[:3])


@pytest.mark.parametrize("signum, word, status", [
    (signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)])
def test_a_stop_inside_torchs_import_is_raised_after_its_init_ran(tmp_path, signum, word, status):
    """A stop raised in torch's C++ callbacks aborted the process (held_imports).

    'terminate called after throwing ...': its operator registrations, late in its ``__init__``.
    """
    code = ("import sys\n"
            "from vjepa_ros.command_errors import run_reporting\n"
            "status = run_reporting('x', lambda: __import__('torch') and 0)\n"
            "print('torch._meta_registrations' in sys.modules, 'torch._native' in sys.modules,"
            " status)\n")
    # torch.functional: early in torch's __init__; _meta_registrations and _native: late
    done = _stopped_at(tmp_path, "torch.functional", signum, "-c", code)
    assert done.stderr == f"x: {word}\n"
    assert done.stdout == f"True True {status}\n"  # its __init__ ran to its end, then stopped


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_after_the_command_ended_ends_the_process_by_the_signal(signum):
    """The command gave the loading handler back; the interpreter exits (a benchmark script)."""
    code = ("import os\n"
            "from vjepa_ros.command_errors import run_reporting\n"
            "from vjepa_ros.terminate import stops_noted_while_loading\n"
            "stops_noted_while_loading()\n"
            "status = run_reporting('x', lambda: 0)\n"
            f"os.kill(os.getpid(), {int(signum)})  # as during the interpreter's exit\n"
            "print('lived on', flush=True)\n"
            "raise SystemExit(status)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert done.stdout == "" and done.stderr == ""
    assert done.returncode == -signum  # by the signal: 128 + signum to a shell


def test_only_a_main_module_of_ours_that_loads_notes_the_stops(monkeypatch):
    bench = REPO_ROOT / "benchmarks" / "bench_models.py"
    monkeypatch.setattr(sys, "argv", ["-m"])  # runpy locating `python -m vjepa_ros.X`
    assert main_start.main_is_ours_and_loads()
    monkeypatch.setattr(sys, "argv", [str(bench)])
    main = types.ModuleType("__main__")
    main.__file__ = str(bench)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert main_start.main_is_ours_and_loads()
    # a worker multiprocessing spawned: the script's file as __mp_main__, no end_after to
    # take a stop (noted, it would never be acted on)
    main.__name__ = "__mp_main__"
    assert not main_start.main_is_ours_and_loads()
    main.__name__, main.__file__ = "__main__", str(REPO_ROOT / "scripts" / "other.py")
    assert not main_start.main_is_ours_and_loads()


def test_a_scripts_child_is_left_to_end_at_once_while_it_starts(monkeypatch):
    """Its script stops it with SIGTERM and says the line (script_children): no noting."""
    from vjepa_ros.terminate import QUIET_STOP_ENV

    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(sys, "argv", ["-m"])
    try:
        monkeypatch.setenv(QUIET_STOP_ENV, "1")
        main_start.main_loads()
        assert {s: signal.getsignal(s) for s in before} == before
        monkeypatch.delenv(QUIET_STOP_ENV)
        main_start.main_loads()
        assert {s: signal.getsignal(s) for s in before} != before  # (the noting handler)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_every_package_module_run_as_main_ends_through_end_after():
    """``python -m vjepa_ros.X`` notes the stops; its ``__main__`` block must act on them."""
    mains = []
    for path in sorted((REPO_ROOT / "vjepa_ros").rglob("*.py")):
        tree = ast.parse(path.read_text())
        blocks = [node for node in tree.body if isinstance(node, ast.If)
                  and "__main__" in ast.unparse(node.test)]
        if blocks:
            mains.append(path.name)
            last = blocks[-1].body[-1]
            assert isinstance(last, ast.Expr) and \
                ast.unparse(last.value).startswith("end_after("), path
    assert "cli.py" in mains and "image_publisher.py" in mains
