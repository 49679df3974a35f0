"""A planner sample count too large for memory is refused up front in one line naming it.

``vjepa-ros eval --samples 100000000`` once ended with torch's raw allocator message. No test
here allocates: the free memory is patched small, or the count is beyond any machine.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.planning import memory, preset
from vjepa_ros.planning.memory import GIB, is_out_of_memory, samples_memory_problem
from vjepa_ros.recordings.bag_writing import write_bag

ROOT = Path(__file__).resolve().parent.parent
ALLOCATOR = ("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: "
             "you tried to allocate 28000000000 bytes.")


def test_samples_beyond_half_the_free_memory_are_refused_with_the_most_that_fit():
    """Half the free memory, as the advice says and ``record --frames`` holds an episode.

    The check once took samples up to all the free memory (7669584 at horizon 1 in 2 GiB)
    while its own advice said half: a count between the two was taken, leaving the model none.
    """
    config = preset("paper", samples=100_000_000)
    assert samples_memory_problem(config, "cpu", available=2 * GIB) == (
        "CEMConfig.samples 100000000 at horizon 1 needs about 26.1 GiB for the planner's action "
        "samples, more than half the 2.0 GiB free on cpu: give at most 3800000 (half the free "
        "memory, leaving room for the model and other programs; the paper's robot runs use 800)")
    assert samples_memory_problem(config.with_(horizon=16), "cpu", available=4096) \
        .endswith("free on cpu: free memory (not one sample at horizon 16 fits in half of it)")
    eleven = 2 * 11 * memory.search_bytes(1, 16)  # half of it holds 11 samples at horizon 16
    assert samples_memory_problem(config.with_(horizon=16), "cpu", available=eleven) \
        .endswith("give at most 11 (half the free memory, leaving room for the model and other "
                  "programs; the paper's robot runs use 800)")
    assert samples_memory_problem(preset("paper", samples=11, horizon=16), "cpu",
                                  available=eleven) == ""
    assert samples_memory_problem(preset("paper", samples=12, horizon=16), "cpu", available=eleven)
    half = preset("paper", samples=3_834_792)  # 10 copies x 28 bytes: 2 GiB / 2 holds 3834792
    assert samples_memory_problem(half, "cpu", available=2 * GIB) == ""
    assert samples_memory_problem(half.with_(samples=3_800_000), "cpu", available=2 * GIB) == ""
    assert "more than half the 2.0 GiB free" in samples_memory_problem(
        half.with_(samples=3_834_793), "cpu", available=2 * GIB)
    assert "more than half the 2.0 GiB free" in samples_memory_problem(
        half.with_(samples=7_669_584), "cpu", available=2 * GIB)  # all of it: refused now
    assert "at horizon 4 needs about 104.3 GiB" in samples_memory_problem(
        half.with_(samples=100_000_000, horizon=4), "cpu", available=2 * GIB)
    assert samples_memory_problem(preset("paper"), "cpu") == ""  # 800: a few hundred kB
    assert samples_memory_problem(config, "cpu", available=None) in ("", samples_memory_problem(
        config, "cpu"))


def test_failed_allocations_are_told_from_other_errors():
    assert is_out_of_memory(RuntimeError(ALLOCATOR))
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB"))
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


@pytest.fixture
def bag(tmp_path):
    frames, states, times = synthetic_episode(6, size=32, seed=2)  # camera-check: 3 motions
    return write_bag(tmp_path / "bag", frames, states, times)


HUGE = 100_000_000  # with 2 GiB free: about 26 GiB per horizon step, refused
# The most samples the commands and the node take (planner.samples' range): with 16 MiB free,
# about 27 MiB per horizon step, refused
MOST = 100_000
SMALL_FREE = 16 * 1024 ** 2


def _fits(horizon: int) -> int:
    """Half of what fits in 16 MiB, to two leading digits (the count the message suggests)."""
    half = SMALL_FREE // (memory.SAMPLE_COPIES * horizon * memory.ACTION_BYTES) // 2
    scale = 10 ** (len(str(half)) - 2)
    return half // scale * scale


@pytest.fixture
def small_memory(monkeypatch):
    """16 MiB free; a planner that plans, a simulator or nodes that start, fail the test.

    The old code planned with the samples (it would have allocated: failed here instead).
    """
    from vjepa_ros.nodes import reach_demo
    from vjepa_ros.planning.cem import SamplingPlanner
    from vjepa_ros.sim import sim

    def never(*args, **kwargs):
        pytest.fail("planned, or a simulator or node started, with samples that do not fit")

    monkeypatch.setattr(memory, "available_bytes", lambda device: SMALL_FREE)
    monkeypatch.setattr(SamplingPlanner, "plan", never)
    monkeypatch.setattr(sim, "Sim", never)
    monkeypatch.setattr(reach_demo, "demo_processes", never)


COMMANDS = {  # command line after the out folder, the horizon it plans with
    "eval": (lambda bag, out: ["eval", str(bag), "--out", str(out), "--quiet"], 1),
    "camera-check": (lambda bag, out: ["camera-check", str(bag), "--out", str(out), "--quiet",
                                       "--no-plots", "--random-weights"], 1),
    "demo": (lambda bag, out: ["demo"], 2),  # preset notebook
    "run": (lambda bag, out: ["run", "--task", "reach-with-object", "--world-model", "oracle",
                              "--out", str(out)], 1),
    "reach": (lambda bag, out: ["reach", "--out", str(out)], 1),  # config/reach_demo.yaml
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_planning_command_refuses_too_many_samples_before_planning(
        command, bag, tmp_path, capsys, small_memory):
    """One line naming --samples, exit 1, nothing planned, no simulator or node started."""
    if command == "reach":
        pytest.importorskip("rclpy")
    argv, horizon = COMMANDS[command]
    out = tmp_path / "out"
    assert main([*argv(bag, out), "--samples", str(MOST)]) == 1
    err = capsys.readouterr().err
    need = memory.search_bytes(MOST, horizon) / 1024 ** 2
    assert err == (f"vjepa-ros {command}: --samples {MOST} at horizon {horizon} needs about "
                   f"{need:.0f} MiB for the planner's action samples, more than half the 16 MiB "
                   f"free on cpu: give at most {_fits(horizon)} (half the free memory, leaving "
                   "room for the model and other programs; the paper's robot runs use 800)\n"), err
    assert not out.exists()


def test_make_planner_refuses_too_many_samples_for_any_caller(monkeypatch):
    """The one check every planner gets, whichever command or script builds it."""
    import torch

    from vjepa_ros.planning import make_planner
    from vjepa_ros.planning.memory import SamplesMemoryError

    monkeypatch.setattr(memory, "available_bytes", lambda device: 2 * GIB)
    model = torch.nn.Linear(1, 1)  # an AC predictor's shape of model: its parameters' device
    with pytest.raises(SamplesMemoryError, match=r"^CEMConfig\.samples 100000000 at horizon 1 "
                       r"needs about 26\.1 GiB .* free on cpu: give at most 3800000 "):
        make_planner(model, preset("paper", samples=HUGE))
    assert make_planner(model, preset("paper")).config.samples == 800


@pytest.mark.parametrize("command", ["eval", "demo"])
def test_an_allocation_failing_while_planning_is_worded_as_the_samples(
        command, bag, tmp_path, capsys, monkeypatch):
    from vjepa_ros.planning.cem import CEMPlanner

    def out_of_memory(*args, **kwargs):
        raise RuntimeError(ALLOCATOR)

    monkeypatch.setattr(CEMPlanner, "_search", out_of_memory)
    argv, horizon = COMMANDS[command]
    assert main([*argv(bag, tmp_path / "out"), "--samples", "1000"]) == 1
    assert capsys.readouterr().err.endswith(
        f"vjepa-ros {command}: out of memory while planning with --samples 1000 at horizon "
        f"{horizon}: give fewer samples (the paper's robot runs use 800), or free memory\n")


PROBE = """
import contextlib, io, json, sys
from vjepa_ros.nodes import planner_node
from vjepa_ros.planning import memory
memory.available_bytes = lambda device: 16 * 1024 ** 2  # 16 MiB free (SMALL_FREE)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    code = planner_node.main(["node", "--ros-args", *sys.argv[1:]])
print(json.dumps({"code": code, "err": err.getvalue()}))
"""


def test_the_planner_node_refuses_too_many_samples_at_start(tiny_world_model):
    """The most samples (27 MiB) with 16 MiB free: refused before anything is allocated."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-p", f"model.checkpoint:={tiny_world_model}", "-p",
         f"planner.samples:={MOST}"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["code"] == 2  # a -p value the node cannot use: a usage error (fix61u)
    assert result["err"].startswith("vjepa_planner: -p planner.samples "
                                    "100000 at horizon 1 needs about 27 MiB for the planner's "
                                    "action samples, more than half the 16 MiB free on cpu: "
                                    "give at most 29000 "), result["err"]
    assert result["err"].count("\n") == 1, result["err"]


def test_the_planner_node_words_an_allocation_failing_while_it_plans():
    from types import SimpleNamespace

    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    logged = []
    config = PlannerNodeConfig()  # the node words it from its session's search (mend61e)
    node = SimpleNamespace(config=config, session=SimpleNamespace(cem=config.planner.to_cem()),
                           closing=False, _failed=lambda where, exc:
                           logged.append(f"{type(exc).__name__}: {exc}"))
    PlannerNode._planning_failed(node, RuntimeError(ALLOCATOR))
    PlannerNode._planning_failed(node, RuntimeError("shape mismatch"))
    assert logged == ["MemoryError: out of memory while planning with planner.samples 800 at "
                      "horizon 1: give fewer samples (the paper's robot runs use 800), or free "
                      "memory", "RuntimeError: shape mismatch"]
