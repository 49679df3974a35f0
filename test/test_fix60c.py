"""fix60c: breaker60c's fixes on the routes its xfails did not walk.

The settings-read table (``planning/method_reads.py``) now says MPPI reads none of the four CEM
momenta: the commands refuse ``--momentum-mean`` under ``--method mppi`` (they checked only the
``--icem-*`` / ``--mppi-*`` options before). A mean momentum of 1 is warned of in the API and in
the node's start-up warnings; a held gripper value the plan rule would round to 0 is refused on
every route into ``fixed_axes``; MPPI's note on NaN energies is CEM's line; the demo never prints
``agreement ... = +nan``.
"""

import dataclasses
import math
import warnings

import numpy as np
import pytest
import torch
from test_cli_errors import COMMANDS, run_command
from test_demo import _collect_like_episode

from vjepa_ros.demo import run_demo
from vjepa_ros.planning.cem import cem_search, make_generator
from vjepa_ros.planning.config import (
    CEMConfig,
    FrozenMeanWarning,
    frozen_mean_warning,
    say_frozen_mean,
)
from vjepa_ros.planning.mppi import mppi_search
from vjepa_ros.robot.planner_config import PlannerNodeConfig


@pytest.mark.parametrize("command", ["demo", "eval", "camera-check"])  # reach: no momenta
@pytest.mark.parametrize("option", ["--momentum-mean", "--momentum-std-gripper"])
def test_a_momentum_option_under_mppi_is_a_usage_error(command, option, tmp_path, capsys):
    err = run_command([command, *COMMANDS[command], "--method", "mppi", option, "0.5"],
                      tmp_path, capsys, status=2)
    assert err.startswith(f"vjepa-ros {command}: {option} is for --method cem or icem, and this "
                          "run plans with --method mppi (which "), err
    assert err.endswith(f"use --method cem or icem, or leave {option} out"), err


@pytest.mark.parametrize("method", ["cem", "icem"])
def test_the_node_warns_at_start_of_a_mean_momentum_of_one(method):
    config = PlannerNodeConfig()
    config = dataclasses.replace(config, planner=dataclasses.replace(
        config.planner, method=method, momentum_mean=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # logged by the node, not a Python warning on every to_cem
        lines = config.startup_warnings()
    frozen = [line for line in lines if "planner.momentum_mean 1.0" in line]
    assert len(frozen) == 1 and "CEMConfig" not in frozen[0], lines
    assert "never moves the search mean's xyz" in frozen[0]


def test_under_mppi_a_momentum_of_one_is_idle_not_frozen():
    config = PlannerNodeConfig()
    config = dataclasses.replace(config, planner=dataclasses.replace(
        config.planner, method="mppi", momentum_mean=1.0))
    assert not any("momentum" in line for line in config.startup_warnings())
    assert frozen_mean_warning(CEMConfig(method="icem", momentum_mean=1.0)) is not None
    with pytest.warns(Warning) as caught:  # the idle warning only
        config = CEMConfig(method="mppi", momentum_mean=1.0)
    assert [type(w.message).__name__ for w in caught] == ["IdleSettingsWarning"]
    assert frozen_mean_warning(config) is None


@pytest.mark.parametrize("changes, named", [
    ({"momentum_mean": 1.0}, ["CEMConfig.momentum_mean"]),
    ({"momentum_mean_gripper": 1}, ["CEMConfig.momentum_mean_gripper"]),
    ({"momentum_mean": 1.0, "momentum_mean_gripper": 1.0},
     ["CEMConfig.momentum_mean", "CEMConfig.momentum_mean_gripper"]),
])
def test_a_mean_momentum_of_one_warns_naming_it(changes, named):
    with pytest.warns(FrozenMeanWarning) as caught:  # the API's entry (make_planner's)
        say_frozen_mean(CEMConfig(**changes))
    assert len(caught) == 1 and caught[0].filename == __file__  # the caller's line
    message = str(caught[0].message)
    assert all(name in message for name in named) and "\n" not in message, message


@pytest.mark.parametrize("changes", [{"momentum_mean": 0.99}, {"momentum_std": 1.0},
                                     {"momentum_std_gripper": 1.0}, {"momentum_mean": 0.0}])
def test_momenta_that_let_the_mean_move_are_taken_silently(changes):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        say_frozen_mean(CEMConfig(**changes))


@pytest.mark.parametrize("value", [0.2, -0.01, 0.2499])
def test_a_plans_held_gripper_below_the_round_threshold_is_refused(value):
    config = CEMConfig()
    with pytest.raises(ValueError, match=r"fixed_axes .*axis 6 .*gripper_round_threshold"):
        config.with_held_axes(((6, value),))
    with pytest.raises(ValueError, match="CEMConfig.fixed_axes"):
        CEMConfig(fixed_axes=((6, value),))


@pytest.mark.parametrize("value", [0.0, 0.25, -0.25, 0.75])
def test_a_held_gripper_the_plan_keeps_is_taken(value):
    config = CEMConfig().with_held_axes(((6, value),))
    assert config.fixed_axes == ((6, value),)
    # a lower threshold lets a smaller held value through
    assert CEMConfig(gripper_round_threshold=0.1, fixed_axes=((6, 0.2),)).fixed_axes == ((6, 0.2),)


def _mostly_nan(actions):
    energies = actions[:, :, :3].abs().sum(dim=(1, 2))
    energies[3:] = float("nan")
    return energies


def test_mppi_notes_too_few_finite_energies_in_cems_words():
    settings = dict(horizon=1, samples=20, topk=5, iterations=2)
    cem = cem_search(_mostly_nan, CEMConfig(**settings), torch.device("cpu"), make_generator(0))
    mppi = mppi_search(_mostly_nan, CEMConfig(**settings, method="mppi"), torch.device("cpu"),
                       make_generator(0))
    assert mppi.elites_note == cem.elites_note != ""
    assert mppi.elites_note.startswith("iteration 1: 3 of 20 predicted energies finite")
    clean = mppi_search(lambda a: a[:, :, :3].abs().sum(dim=(1, 2)),
                        CEMConfig(**settings, method="mppi"), torch.device("cpu"),
                        make_generator(0))
    assert clean.elites_note == ""


def test_the_demo_says_n_a_for_a_plan_of_no_motion(tmp_path, capsys):
    episode = _collect_like_episode(tmp_path, 0.04)
    with pytest.warns(FrozenMeanWarning):
        out = run_demo(episode=episode, samples=12, topk=4, iterations=1, horizon=1,
                       momentum_mean=1.0, momentum_mean_gripper=1.0)
    printed = capsys.readouterr().out
    agreement = [line for line in printed.splitlines() if line.startswith("agreement")]
    assert agreement[0].startswith("agreement     n/a: the planned dxyz is 0"), agreement
    assert "nan" not in printed
    assert out["first_action"][:3] == [0.0, 0.0, 0.0] and math.isnan(out["cosine_xyz"])
    assert np.isfinite(out["executed_action"]).all()
