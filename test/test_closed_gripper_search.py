"""The gripper search's settings under a gripper closed from the first step (fix61c #1).

With ``close_gripper`` 0 every sampled gripper delta is 1 from the first step
(``planning.cem.clip_to_box``), so the samples' clip, initial spread and std momentum
(``method_reads.CLOSED_GRIPPER_IDLE_FIELDS``) change nothing; the mean momentum and the round
threshold still shape the planned gripper (the search's mean), and are taken. Every command
and benchmark that takes ``--close-gripper`` refuses the void ones then (exit status 2, one
line naming both options, before any model or file is read); the planner node warns
(``test_idle_parameters.py``).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.method_reads import CLOSED_GRIPPER_IDLE_FIELDS
from vjepa_ros.planning.methods import check_given_settings_used
from vjepa_ros.robot.planner_config import CEMParams

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", CLOSED_GRIPPER_IDLE_FIELDS)
def test_a_gripper_setting_under_close_gripper_0_is_refused_naming_both(name):
    for config in (CEMConfig(close_gripper=0), CEMParams(close_gripper=0)):
        with pytest.raises(UsageError) as caught:
            check_given_settings_used(config, [f"planner.{name}"])
        text = str(caught.value)
        assert text.startswith(f"planner.{name} does nothing while planner.close_gripper is 0")
        assert text.endswith("set planner.close_gripper to -1 (never) or a later step"), text
    for config in (CEMConfig(close_gripper=1), CEMConfig(), CEMParams(close_gripper=-1)):
        check_given_settings_used(config, [f"planner.{name}"])  # the gripper is searched
    check_given_settings_used(CEMConfig(close_gripper=0), ["planner.momentum_mean_gripper",
                                                           "planner.gripper_round_threshold"])


def _plan(**settings):
    """Return the plan of a CEM search with the gripper closed from the first step, one seed."""
    import torch

    from vjepa_ros.planning.cem import cem_search

    def energy(actions):  # prefers an open gripper: a searched gripper would not close
        return actions[..., 6].sum(-1) + actions[..., :3].square().sum((-1, -2))

    config = CEMConfig(horizon=2, samples=16, topk=4, iterations=3, close_gripper=0, **settings)
    return cem_search(energy, config, torch.device("cpu"),
                      torch.Generator().manual_seed(0)).actions


def test_the_refused_settings_are_void_and_the_others_are_not():
    """The rule's premise, on the real search.

    The samples' clip and spread change no plan; the mean momentum and round threshold change
    the planned gripper (the search's mean).
    """
    import torch

    plan = _plan()
    assert bool((plan[:, 6] > 0.99).all()), plan  # closing: 1 - 0.15**3
    assert torch.equal(plan, _plan(gripper_clip=0.6, gripper_init_std=3.0,
                                   momentum_std_gripper=0.9))
    slow = _plan(momentum_mean_gripper=0.9)
    assert torch.allclose(slow[:, 6], torch.tensor(1 - 0.9 ** 3)), slow
    assert bool((_plan(momentum_mean_gripper=0.9, gripper_round_threshold=0.3)[:, 6] == 0).all())


def _cli(*argv, script=None):
    command = [str(ROOT / script)] if script else ["-m", "vjepa_ros.cli"]
    return subprocess.run([sys.executable, *command, *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.mark.parametrize("argv", [
    ("run", "--task", "grasp", "--world-model", "oracle"),
    ("run", "--task", "pick-and-place", "--world-model", "oracle"),
    ("run", "--task", "reach-with-object", "--world-model", "oracle"),
    ("eval", "missing.bag"),
])
def test_commands_refuse_them_in_one_line(tmp_path, argv):
    result = _cli(*argv, "--close-gripper", "0", "--momentum-std-gripper", "0.5",
                  "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert "--momentum-std-gripper does nothing while --close-gripper is 0" in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("script, argv", [
    ("benchmarks/bench_manipulation.py", ("--tasks", "grasp")),
    ("benchmarks/bench_reach.py", ()),
])
def test_benchmarks_refuse_them_in_one_line(script, argv):
    result = _cli(*argv, "--close-gripper", "0", "--momentum-std-gripper", "0.3",
                  script=script)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert "--momentum-std-gripper does nothing while --close-gripper is 0" in line, line
