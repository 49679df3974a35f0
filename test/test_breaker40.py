"""Breaker40: the manipulation tasks (issue 15) as a roboticist runs them.

``vjepa-ros run --task ...`` with the oracle (seconds), ``vjepa-ros collect --task ...`` with a few
small episodes, and the sub-goal switching rules. Each test was a strict xfail on the code it was
written against (the energy rule accepted and ignored on a single-goal task; collect recording the
first episode's seed in every episode's simulator settings), fixed in session 40.
"""

import json

import numpy as np
import pytest

from vjepa_ros.cli import main


def _status_and_err(capsys, argv) -> tuple[int, str]:
    """Run ``vjepa-ros argv`` in-process; return its exit status and stderr."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's refusal of an option's value
        status = exc.code
    return status, capsys.readouterr().err.strip()


# --------------------------------------------- the energy rule where there is nothing to switch


@pytest.mark.parametrize("task, extra", [
    ("reach-with-object", ["--subgoal-energy-threshold", "0.01"]),
    ("grasp", ["--subgoal-patience", "2"]),
])
def test_energy_rule_on_a_single_goal_task_is_refused(tmp_path, capsys, task, extra):
    out = tmp_path / "runs"
    status, err = _status_and_err(capsys, [
        "run", "--task", task, "--object", "box", "--world-model", "oracle", "--max-steps", "1",
        "--size", "64", "--out", str(out), "--subgoal-rule", "energy", *extra])
    assert status == 2, (status, err)
    assert "--subgoal-rule" in err.splitlines()[-1], err
    assert not out.exists(), "nothing should be written for a refused option"


# ------------------------------------------------- collect: each episode's recorded settings


@pytest.mark.parametrize("task, extra, stem", [
    ("grasp", ["--object", "cup"], "grasp_cup_{:06d}.npz"),
    ("motion", ["--frames", "2"], "episode_{:06d}.npz"),
])
def test_collect_records_each_episodes_own_seed_in_its_sim_settings(tmp_path, capsys, task,
                                                                     extra, stem):
    out = tmp_path / "eps"
    status, err = _status_and_err(capsys, [
        "collect", "--task", task, *extra, "--episodes", "2", "--seed", "5",
        "--width", "32", "--height", "32", "--out", str(out)])
    assert status in (0, None), err
    for seed in (5, 6):
        metadata = json.loads(str(np.load(out / stem.format(seed))["metadata"]))
        assert metadata["seed"] == seed
        assert metadata["sim"]["seed"] == seed, (seed, metadata["sim"]["seed"])
