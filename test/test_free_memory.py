"""The one "fits in half the free memory" rule (``planning.memory.FreeMemory``) and its four users.

``--samples`` (``planning.memory``), ``--frames`` (``sim.frames_memory``), an evaluation's frame
representations (``eval.rep_memory``) and a training batch (``train.memory``) each read the free
memory once through ``planning.memory.free_memory`` (cgroup-aware: a container's limit where
lower), and word the refusal with ``FreeMemory.beyond``: the same size and device words for all.
A fake free memory stands in for the host's.
"""

from types import SimpleNamespace

import pytest

from vjepa_ros.eval.rep_memory import representations_problem
from vjepa_ros.planning import cgroup_memory, memory, preset
from vjepa_ros.planning.memory import GIB, FreeMemory, free_memory, samples_memory_problem
from vjepa_ros.sim.frames_memory import frames_memory_problem
from vjepa_ros.train.memory import batch_memory_problem

MODEL = SimpleNamespace(tokens_per_frame=16, embed_dim=32)  # 2 KiB a frame's representation


def test_free_memory_holds_half_and_words_it():
    mem = FreeMemory(2 * GIB, "cpu")
    assert mem.holds(GIB) and not mem.holds(GIB + 1)
    assert mem.holds(2 * GIB, share=1) and not mem.holds(2 * GIB + 1, share=1)
    assert mem.fits(1000) == GIB // 1000 and FreeMemory(10, "cpu").fits(6) == 0
    assert mem.fits(1000, share=1) == 2 * GIB // 1000 and FreeMemory(10, "cpu").fits(6, 1) == 1
    assert mem.fits(2.5) == int(GIB // 2.5) and isinstance(mem.fits(2.5), int)  # a step's share
    assert mem.beyond() == "more than half the 2.0 GiB free on cpu"
    assert FreeMemory(8 * 1024, "cuda:0").beyond(share=1) == "more than the 8 KiB free on cuda:0"
    assert FreeMemory(27 * 2**20, "cpu").beyond().endswith(" 27 MiB free on cpu")


def _refusals(available=None):
    """Return the four checks' lines for loads far beyond ``available`` bytes (None: read)."""
    return [samples_memory_problem(preset("paper", samples=100_000_000), "cpu", available),
            frames_memory_problem(100_000_000, 128, 128, available),
            representations_problem(MODEL, 10**9, 10**9, available),
            batch_memory_problem(10**6, 10**6, "cpu", available=available)]


def test_the_four_checks_read_the_free_memory_once_each_and_say_it_alike(monkeypatch):
    reads = []
    monkeypatch.setattr(memory, "available_bytes", lambda device: reads.append(device) or GIB)
    lines = _refusals()
    assert reads == ["cpu"] * 4, "one read per check"
    for line, share in zip(lines, (2, 2, 2, 1), strict=True):
        assert FreeMemory(GIB, "cpu").beyond(share) in line and "\n" not in line, line
        assert "give at most " in line or "evaluate at most " in line, line


def test_the_four_checks_take_a_containers_limit(monkeypatch):
    """The host reports plenty; the process's cgroup leaves 64 MiB: every check says 64 MiB."""
    monkeypatch.setattr(memory, "host_available_bytes", lambda: 512 * GIB)
    monkeypatch.setattr(cgroup_memory, "cgroup_free_bytes", lambda: 64 * 2**20)
    assert free_memory("cpu") == FreeMemory(64 * 2**20, "cpu")
    for line in _refusals():
        assert "64 MiB free on cpu" in line, line


def test_unknown_free_memory_refuses_nothing(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device: None)
    assert free_memory("cpu") is None and _refusals() == ["", "", "", ""]


@pytest.mark.parametrize("check, unit", [
    (lambda n, free: samples_memory_problem(preset("paper", samples=n, horizon=4), "cpu", free),
     "give at most "),
    (lambda n, free: frames_memory_problem(n, 64, 64, free), "give at most "),
    (lambda n, free: representations_problem(MODEL, n, n, free), "evaluate at most "),
    (lambda n, free: batch_memory_problem(n, 10**5, "cpu", available=free), "give at most "),
])
def test_the_count_each_refusal_advises_is_taken(check, unit):
    free = 3 * GIB + 12345
    line = check(10**9, free)
    most = int(line.split(unit)[1].split(" ")[0])
    assert most >= 1 and check(most, free) == "", line
