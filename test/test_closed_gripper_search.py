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
import warnings
from pathlib import Path

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.planning.config import CEMConfig, IdleSettingsWarning
from vjepa_ros.planning.method_reads import CLOSED_GRIPPER_IDLE_FIELDS, closed_gripper_idle_fields
from vjepa_ros.planning.methods import ICEMSettings, check_given_settings_used
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.planner_config import CEMParams, PlannerNodeConfig

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
    return _search({}, **settings)


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


# mend62f: where the plan is not the search's mean but a sequence in the samples' box (MPPI's
# boxed mean, iCEM's lowest-energy sample under execute_best), its gripper is 1 too: the mean
# momentum and the round threshold are void there as well; under CEM and iCEM planning its mean
# they are not.
BOXED = [dict(method="mppi"), dict(method="icem")]  # icem: execute_best, its default
MEAN = [dict(), dict(method="icem", icem=ICEMSettings(execute_best=False))]


def _search(settings, **changes):
    """Return the plan of one search (CEM, iCEM or MPPI) closing the gripper from step 0."""
    import torch

    from vjepa_ros.planning.cem import cem_search
    from vjepa_ros.planning.icem import icem_search
    from vjepa_ros.planning.mppi import mppi_search

    def energy(actions):  # prefers an open gripper: a searched gripper would not close
        return actions[..., 6].sum(-1) + actions[..., :3].square().sum((-1, -2))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdleSettingsWarning)
        config = CEMConfig(horizon=2, samples=16, topk=4, iterations=3, close_gripper=0,
                           **settings, **changes)
    search = {"cem": cem_search, "icem": icem_search, "mppi": mppi_search}[config.method]
    result = search(energy, config, torch.device("cpu"), torch.Generator().manual_seed(0))
    return (result[0] if isinstance(result, tuple) else result).actions


@pytest.mark.parametrize("settings", BOXED + MEAN, ids=["mppi", "icem-best", "cem", "icem-mean"])
def test_the_mean_momentum_and_round_threshold_are_void_exactly_where_the_plan_is_boxed(
        settings):
    """The rule's premise for every method, on the real searches (mend62f)."""
    import torch

    plan = _search(settings)
    changed = _search(settings, momentum_mean_gripper=0.9, gripper_round_threshold=0.3)
    boxed = settings in BOXED
    assert bool((plan[:, 6] == 1.0).all()) == boxed, plan
    assert torch.equal(plan, changed) == boxed, (plan, changed)
    config = CEMConfig(close_gripper=0, **settings)
    void = set(closed_gripper_idle_fields(config))
    assert void >= {"gripper_clip", "gripper_init_std"}
    assert ("gripper_round_threshold" in void) == boxed
    # a setting the method does not read at all is the method's to say, not this rule's
    assert ("momentum_mean_gripper" in void) == (boxed and settings["method"] == "icem")
    assert ("momentum_std_gripper" in void) == (settings.get("method") != "mppi")


@pytest.mark.parametrize("settings, name", [
    (BOXED[0], "gripper_round_threshold"), (BOXED[1], "gripper_round_threshold"),
    (BOXED[1], "momentum_mean_gripper")])
def test_the_three_routes_say_a_void_plan_setting_alike(settings, name):
    """The commands refuse it, the API notes it, the node warns of it: one rule (mend62f)."""
    value = 0.3 if name == "gripper_round_threshold" else 0.9
    params = CEMParams(close_gripper=0, **{**settings, **({"icem": ICEMSettings()}
                                                          if settings["method"] == "icem"
                                                          else {})})
    for config in (CEMConfig(close_gripper=0, **settings), params):
        with pytest.raises(UsageError) as caught:
            check_given_settings_used(config, [f"planner.{name}"])
        text = str(caught.value)
        assert text.startswith(f"planner.{name} does nothing while planner.close_gripper is 0"), \
            text
        assert ("mppi plans its weighted mean" if settings["method"] == "mppi" else
                "planner.icem.execute_best plans the lowest-energy sample") in text, text
    with pytest.warns(IdleSettingsWarning) as said:
        CEMConfig(close_gripper=0, **settings, **{name: value})
    (note,) = [str(w.message) for w in said]
    assert note.startswith(f"CEMConfig.{name} is void while close_gripper is 0"), note
    assert note.endswith("set close_gripper to None (never) or a later step, or leave it at the "
                         "default"), note
    node = PlannerNodeConfig(planner=CEMParams(close_gripper=0, **{
        **dict(settings), name: value}))
    (line,) = idle_parameter_warnings(node)
    assert line.startswith(f"planner.{name} does nothing while planner.close_gripper is 0"), line
    assert "whose gripper is 1 too" in line, line
    node.planner.to_cem()  # the node's own config: no note of the API's (it warns itself)


def test_the_api_notes_the_void_sample_settings_once_and_copies_keep_quiet():
    """CEMConfig under close_gripper 0 notes the samples' clip and spread (note61 "Left out").

    As the commands refuse them; a copy made while planning gives no note again.
    """
    with pytest.warns(IdleSettingsWarning) as said:
        config = CEMConfig(close_gripper=0, gripper_clip=0.5, gripper_init_std=2.0)
    (note,) = [str(w.message) for w in said]
    assert note.startswith("CEMConfig.gripper_clip, CEMConfig.gripper_init_std are void while "
                           "close_gripper is 0 (every sampled gripper delta is 1"), note
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdleSettingsWarning)
        config.with_(horizon=2)
        CEMConfig(close_gripper=1, gripper_clip=0.5, gripper_init_std=2.0)  # searched: used
        CEMConfig(close_gripper=0, momentum_mean_gripper=0.9, gripper_round_threshold=0.3)
    with pytest.warns(IdleSettingsWarning) as said:  # method's and gripper's: one note each
        CEMConfig(method="mppi", close_gripper=0, momentum_std_gripper=0.5, gripper_clip=0.5)
    assert [str(w.message).split(" ")[0] for w in said] == ["CEMConfig.momentum_std_gripper",
                                                            "CEMConfig.gripper_clip"]


def test_the_node_s_config_keeps_a_high_round_threshold_valid():
    """A threshold the plan reads at or above the default clip keeps the user's clip (to_cem)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdleSettingsWarning)
        cem = CEMParams(close_gripper=0, gripper_clip=0.9, gripper_round_threshold=0.8).to_cem()
    assert (cem.gripper_clip, cem.gripper_round_threshold) == (0.9, 0.8)
    cem = CEMParams(close_gripper=0, gripper_clip=0.5, gripper_init_std=2.0).to_cem()
    assert (cem.gripper_clip, cem.gripper_init_std) == (0.75, 1.0)  # void: the defaults
