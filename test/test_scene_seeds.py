"""Every command that takes a scene seed refuses one numpy's seeding cannot take, as ``run`` does.

``collect`` and ``record`` took seeds above 2**32 - 1 (and a first seed whose last episode's
passed it) and started the simulator; ``run`` refused them. One rule (``sim.choices``), one
wording, checked before any simulator starts.
"""

from __future__ import annotations

import pytest

from vjepa_ros.cli import main

TOP = 2**32 - 1
RANGE = f"the seeds must lie in [0, {TOP}]"


@pytest.fixture
def no_simulator(monkeypatch):
    """Make any simulation the commands would start fail the test at once."""
    import vjepa_ros.eval.record as record
    import vjepa_ros.sim.collector as collector
    import vjepa_ros.sim.manipulation as manipulation

    def started(*_args, **_kwargs):
        raise AssertionError("the simulator started with a seed out of range")

    monkeypatch.setattr(collector, "collect", started)
    monkeypatch.setattr(manipulation, "collect_manipulation", started)
    monkeypatch.setattr(record, "simulate_episode", started)


@pytest.mark.parametrize("argv, message", [
    (["collect", "--seed", str(TOP + 1), "--episodes", "1"],
     f"--seed {TOP + 1} with --episodes 1: {RANGE}, the last would be {TOP + 1}"),
    (["collect", "--seed", str(TOP - 2), "--episodes", "4"],  # the first in range, not the last
     f"--seed {TOP - 2} with --episodes 4: {RANGE}, the last would be {TOP + 1}"),
    (["collect", "--task", "grasp", "--seed", str(TOP), "--episodes", "2"],
     f"--seed {TOP} with --episodes 2: {RANGE}, the last would be {TOP + 1}"),
    (["run", "--task", "grasp", "--seed", str(TOP), "--episodes", "2"],
     f"--seed {TOP} with --episodes 2: {RANGE}, the last would be {TOP + 1}"),
    (["record", "--seed", str(TOP + 1)],
     f"--seed {TOP + 1}: the seed must lie in [0, {TOP}] (a scene seed)"),
])
def test_a_scene_seed_past_numpys_is_a_usage_error_in_every_command(argv, message, tmp_path,
                                                                    capsys, no_simulator):
    out = tmp_path / "out"
    argv = [argv[0], *(["--out", str(out)] if argv[0] != "record" else [str(out)]), *argv[1:]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"vjepa-ros {argv[0]}: {message}", err
    assert not out.exists()


def test_the_last_seed_in_range_is_taken():
    from vjepa_ros.sim.choices import check_scene_seeds

    check_scene_seeds(TOP, 1)
    check_scene_seeds(TOP - 3, 4)
    check_scene_seeds(TOP, None)
    with pytest.raises(ValueError, match=r"^--goal-seed -1: must be >= 0"):
        check_scene_seeds(-1, None, "--goal-seed")
