"""fix50a: the pieces behind breaker50a's fixes, each on its own.

``Sim.watch_steps`` (what lets the success monitor see a release between its checks), the
benchmark's checkpoint labels and its ``--seed-start`` refusal, the ``--dense-steps`` refusal's
wording per task.
"""

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import load_benchmark
from vjepa_ros.sim.choices import check_dense_steps

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    return load_benchmark("bench_manipulation", "f50a")


def test_checkpoint_labels_are_the_shortest_distinguishing_suffixes():
    labels = _bench().checkpoint_labels
    assert labels(["runs/a/world_model.pt"]) == ["world_model.pt"]
    assert labels(["runs/a/world_model.pt", "runs/b/world_model.pt", "demo", "x.pt"]) == [
        "a/world_model.pt", "b/world_model.pt", "demo", "x.pt"]
    assert labels(["x/runs/a/m.pt", "y/runs/a/m.pt"]) == ["x/runs/a/m.pt", "y/runs/a/m.pt"]
    assert labels(["/abs/a/m.pt", "rel/a/m.pt"]) == ["abs/a/m.pt", "rel/a/m.pt"]
    # the same file twice, and a file named as a built-in agent: still one label each
    assert labels(["r/m.pt", "r/m.pt", "oracle"]) == ["r/m.pt", "r/m.pt (2)", "oracle (2)"]


def test_bench_refuses_a_seed_start_past_the_last_seed_before_its_header():
    bench = ROOT / "benchmarks" / "bench_manipulation.py"
    done = subprocess.run([sys.executable, str(bench), "--agents", "expert", "--seeds", "2",
                           "--seed-start", str(2**32 - 1)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""  # no header, no simulator
    assert "--seed-start 4294967295 with --seeds 2" in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("tasks", "says", "not_says"), [
    (["grasp"], "one sub-goal, held until --max-steps", "4, 10, 4"),
    (["pick-and-place"], "switch after 4, 10, 4 steps", "held until"),
    (["grasp", "pick-and-place"], "switch after 4, 10, 4 steps", "held until"),
])
def test_dense_steps_without_dense_subgoals_is_worded_per_task(tasks, says, not_says):
    with pytest.raises(ValueError) as caught:
        check_dense_steps([1] * 9, False, tasks=tasks)
    assert says in str(caught.value) and not_says not in str(caught.value)


def test_step_watchers_see_every_step_outside_preserved_and_drop_when_unreferenced():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.manipulation import manipulation_sim_config

    class Counter:
        def __init__(self):
            self.count = 0

        def tick(self):
            self.count += 1

    with Sim(manipulation_sim_config(0, "cup", 32, 32)) as sim:
        counter, inner = Counter(), Counter()
        sim.watch_steps(counter.tick)
        sim.step(5)
        with sim.preserved():
            sim.watch_steps(inner.tick)
            sim.step(7)  # a world put back afterwards: not the outer watcher's episode
        sim.step(3)
        assert (counter.count, inner.count) == (8, 7)
        del counter
        gc.collect()
        sim.step(1)
        assert sim._step_watchers == []
