"""breaker44x: attacks on b63c536 (--threads, OMP_NUM_THREADS) and 287fea1 (camera read loop).

b63c536: --threads for eval, camera-check, demo, run; OMP_NUM_THREADS honoured. 287fea1:
camera_node's read loop catching every exception.

Attacked: vjepa_ros/threads.py (apply_threads_option, environment_threads with OMP_NUM_THREADS
"", "0", "abc", "4,2", above the cap), the Python API (evaluate_recording leaves the caller's torch
threads alone: held), eval/camera_check_command.py run_settings (the written planner file against
camera_check.json's torch_threads), sim/run_command.py (check then apply), the docs' timings
(docs/manipulation.md measured with --threads 1 or bench_manipulation: held), and
nodes/camera_node.py _read_loop (a BaseException from the device's read in the read thread).
"""

from __future__ import annotations

import argparse

import pytest
from test_breaker44w import FlakyFrameCamera, assert_read_error_ends_the_node

from vjepa_ros import threads


@pytest.mark.parametrize("value", ["", "0", "abc", "2000", " ,2"])
def test_junk_omp_num_threads_gives_the_default(monkeypatch, value):
    """Held: a junk OMP_NUM_THREADS is ignored (all cores but one), as OpenMP ignores it."""
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert threads.environment_threads() is None


def test_nested_omp_list_takes_its_first_count(monkeypatch):
    """Held: an HPC module's nested list "4,2" gives the outer level's 4."""
    monkeypatch.setenv("OMP_NUM_THREADS", "4,2")
    assert threads.environment_threads() == 4


def test_camera_check_planner_file_plans_on_the_checks_threads(monkeypatch):
    """The written planner file's model.threads resolves to the threads the check planned on.

    A lab sees it: on a cluster node whose module sets OMP_NUM_THREADS=3, ``vjepa-ros
    camera-check`` plans on 3 threads (camera_check.json torch_threads 3) and writes the planner
    file; ``run_settings``' docstring promises "loading the file plans with the model and search
    the correction came from", but without model.threads the node takes 0 (all cores but one,
    OMP_NUM_THREADS not read: planner_node set_torch_threads(cfg.model.threads)), and the README
    says the planned line and cosine change with the thread count (+0.32 vs +0.30).
    """
    from vjepa_ros.eval.camera_check_command import run_settings
    from vjepa_ros.planning.config import preset

    wanted = threads.cpu_threads(0) + 2  # not the node's default
    monkeypatch.setenv("OMP_NUM_THREADS", str(wanted))
    args = argparse.Namespace(checkpoint=None, device=None, dtype=None, threads=None, seed=0)
    settings = run_settings(args, preset("notebook", horizon=1), {})
    checked_on = threads.check_threads_option(args.threads) or threads.environment_threads() or 0
    node_plans_on = threads.cpu_threads(int(settings["model"].get("threads", 0)))
    assert node_plans_on == threads.cpu_threads(checked_on), (
        f"camera_check.json says {checked_on} threads, the planner file plans on {node_plans_on}")


def test_evaluate_recording_leaves_the_callers_threads(monkeypatch):
    """Held: only the commands set torch's threads.

    The library (evaluate_recording, the planner, load_planning_model) never calls
    set_num_threads behind a notebook's back.
    """
    import pathlib

    import vjepa_ros

    root = pathlib.Path(vjepa_ros.__file__).parent
    for name in ("eval/evaluate.py", "demo.py", "planning/planners.py", "eval/cpu_cost.py"):
        text = (root / name).read_text()
        assert "set_num_threads" not in text and "apply_threads_option" not in text, name


class _ExitingCamera(FlakyFrameCamera):
    """A stand-in RealSense whose 3rd read raises a BaseException (SystemExit).

    A vendor wrapper or a watchdog calling sys.exit() inside a read, or a KeyboardInterrupt
    raised into the thread by a C callback (PyErr_SetInterrupt-style), is not an Exception.
    """

    error = SystemExit("device watchdog: giving up")
    after = 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_base_exception_in_the_read_thread_ends_the_node(context):
    """A BaseException (SystemExit) from the read ends the node with status 1, as any error.

    A lab sees it: 287fea1 says "any exception that stops the read thread ends the node"; a
    SystemExit from a vendor library's read (or a KeyboardInterrupt raised in the thread) stops
    it with nothing logged (threading ignores SystemExit silently), and the node spins on
    publishing nothing with exit status 0: the silent hang breaker44w fixed for RuntimeError.
    """
    assert_read_error_ends_the_node(context, _ExitingCamera)
