"""`--threads` of the commands that encode and plan offline: eval, camera-check, demo, run.

breaker44v: `eval` had no --threads and planned with torch's default (one thread per core): on 2
busy cores 4.7-14.9 s a plan against 1.9-2.0 s on one thread, and its cost note timed with the same
threads. Each command now takes `--threads N` (checked as run's: 0..1024), 0 or left out the one
default (threads.cpu_threads: OMP_NUM_THREADS when set, else all cores but one), applied before
the model loads: the cost note, the plans and the printed settings all use the threads reported.
"""

import argparse
import contextlib
import io
import json

import pytest
import torch
from test_eval_step_notes import checkpoint  # noqa: F401 - the tiny model fixture

from conftest import write_test_bag
from vjepa_ros.cli import main
from vjepa_ros.counts import counted
from vjepa_ros.threads import apply_threads_option, cpu_threads

pytestmark = pytest.mark.usefixtures("one_thread")

COMMANDS = ("eval", "camera-check", "demo", "run")


@pytest.fixture
def torch_threads():
    """Restore torch's thread count after a test whose command sets it."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _help(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(out.getvalue().split())


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_that_plans_offline_offers_threads_with_reachs_default(command):
    text = _help(command)
    assert "--threads N" in text
    assert "(0 or left out: OMP_NUM_THREADS when set, else all cores but one, at least 1" in text
    assert "torch's)" not in text, "run's old default (torch's: one thread per core)"


@pytest.mark.parametrize("argv", [
    ["eval", "no_such_bag", "--threads", "-1"],
    ["camera-check", "no_such_bag", "--checkpoint", "demo", "--threads", "-1"],
    ["demo", "--threads", "-1"],
    ["run", "--task", "grasp", "--threads", "-1"],
])
def test_negative_threads_is_a_usage_error_before_any_file_is_read(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--threads -1: must lie in [0, 1024]" in err
    assert "no_such_bag" not in err, "the option is refused before the bag is looked for"


def test_left_out_the_threads_are_reachs_or_omp_num_threads(monkeypatch, torch_threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert apply_threads_option(None) == cpu_threads(0) == torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert apply_threads_option(None) == 1 == torch.get_num_threads()
    assert apply_threads_option(2) == 2 == torch.get_num_threads(), "--threads over the variable"
    monkeypatch.setenv("OMP_NUM_THREADS", "many")  # OpenMP ignores it: reach's default
    assert apply_threads_option(None) == cpu_threads(0)


def test_eval_plans_and_times_its_cost_note_on_the_threads_it_reports(
        capsys, tmp_path, checkpoint, torch_threads):  # noqa: F811 - the fixture
    bag = str(write_test_bag(tmp_path / "bag", seed=0, moving=True))
    # S 101 x I 5: more than reach's CPU settings, so the cost note times the model first
    code = main(["eval", bag, "--checkpoint", checkpoint, "--out", str(tmp_path / "out"),
                 "--samples", "101", "--iterations", "5", "--max-steps", "1",
                 "--landscape-points", "0", "--quiet", "--threads", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (note,) = [line for line in out.splitlines() if "planning on the CPU" in line]
    assert "(508 imagined sequences a step) on 2 CPU threads takes about " in note
    assert "model WorldModel on cpu (float32, 2 CPU threads)" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model"]["torch_threads"] == 2


def test_eval_without_threads_plans_on_all_cores_but_one(capsys, tmp_path, checkpoint,  # noqa: F811
                                                         monkeypatch, torch_threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(cpu_threads(0) + 1)  # torch's default, one per core: not kept
    bag = str(write_test_bag(tmp_path / "bag", seed=0, moving=True))
    code = main(["eval", bag, "--checkpoint", checkpoint, "--out", str(tmp_path / "out"),
                 "--samples", "12", "--iterations", "1", "--max-steps", "1",
                 "--landscape-points", "0", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"(float32, {counted(cpu_threads(0), 'CPU thread')})" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["model"]["torch_threads"] == cpu_threads(0)


def test_demo_prints_the_threads_it_planned_on(capsys, torch_threads):
    code = main(["demo", "--samples", "8", "--iterations", "1", "--topk", "2", "--threads", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "device cpu, dtype torch.float32, 2 CPU threads, " in out
    assert torch.get_num_threads() == 2


def test_camera_checks_written_planner_file_keeps_the_threads_given(monkeypatch):
    from vjepa_ros.eval.camera_check_command import run_settings
    from vjepa_ros.planning import preset

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # (a test worker's share: breaker44x)

    args = argparse.Namespace(checkpoint=None, device=None, dtype=None, threads=3, seed=0)
    assert run_settings(args, preset("paper"), {})["model"]["threads"] == 3
    args.threads = None  # left out: the node's own model.threads 0, all cores but one
    assert "threads" not in run_settings(args, preset("paper"), {})["model"]
