"""mend61e: a mean momentum of 1 is said by one route, in each entry point's words.

mend62a: at the entry points only. Building a config (``CEMConfig``, ``CEMParams.to_cem``, a
check of the settings) warns of nothing; each entry point says ``frozen_mean_warning``'s line
once: the API's ``make_planner`` as a ``FrozenMeanWarning`` (``say_frozen_mean`` outside a
command), the ``vjepa-ros`` commands and the benchmark scripts as one ``warning:`` line
(``option_warnings``, ``command_errors.run_script``) and the planner node as a start-up warning
(``PlannerNodeConfig.startup_warnings``). Only the API's line advises ``fixed_axes``: no command
option, node parameter or benchmark option holds it, so theirs advise a momentum below 1.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings

import pytest
from planner_harness import checkpoint, harness  # noqa: F401

from vjepa_ros.command_errors import run_script
from vjepa_ros.option_warnings import option_warnings
from vjepa_ros.planning.config import (
    CEMConfig,
    FrozenMeanWarning,
    frozen_mean_warning,
    say_frozen_mean,
)
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.sim.reach_config import load_reach_config

FROZEN = ": the refit new = (1 - m)*elite + m*old never moves the search mean's xyz"
ADVICE = "; give a momentum below 1 (published 0.15)"


def test_the_api_line_advises_fixed_axes_and_the_entry_points_line_does_not():
    config = CEMConfig(momentum_mean=1.0)
    with pytest.warns(FrozenMeanWarning) as caught:
        say_frozen_mean(config)  # the API (make_planner's)
    (warning,) = [w.message for w in caught]
    assert caught[0].filename == __file__  # the caller's line
    assert str(warning).startswith("CEMConfig.momentum_mean 1.0" + FROZEN)
    assert str(warning).endswith(ADVICE + ", or hold an axis with fixed_axes"), warning
    assert str(frozen_mean_warning(config, fixed_axes=False)) == \
        str(warning).removesuffix(", or hold an axis with fixed_axes")


def test_building_or_checking_a_config_warns_of_nothing():
    """mend62a: no warning from a config built (each plan's held axes, the checks, to_cem)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building and checking the settings: no warning
        params = CEMParams(momentum_mean=1.0)
        params.check_cem()
        config = PlannerNodeConfig(planner=params)
        dataclasses.replace(config, planner=dataclasses.replace(params, samples=64))
        cem = load_reach_config(None, {"planner.momentum_mean": 1.0}).planner.to_cem()
        cem.with_held_axes(((2, 0.0),)).with_(horizon=2)
        CEMConfig(momentum_mean=1.0, momentum_mean_gripper=1.0)
    assert str(frozen_mean_warning(cem)).startswith("CEMConfig.momentum_mean 1.0" + FROZEN)


def test_the_node_says_it_once_as_a_parameter_advising_a_momentum():
    config = PlannerNodeConfig(planner=CEMParams(momentum_mean=1.0, momentum_mean_gripper=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a start-up line, no Python warning
        lines = config.startup_warnings()
    frozen = [line for line in lines if FROZEN.removesuffix(" xyz") in line]
    assert len(frozen) == 1, lines
    assert frozen[0].startswith("planner.momentum_mean and planner.momentum_mean_gripper 1.0"), \
        frozen[0]
    assert frozen[0].endswith(ADVICE) and "fixed_axes" not in frozen[0], frozen[0]


def test_a_command_says_it_once_as_the_option_advising_a_momentum(capsys):
    with option_warnings("vjepa-ros run", {"--momentum-mean"}):
        for _ in range(3):  # said again (a make_planner inside): one line
            say_frozen_mean(load_reach_config(None, {"planner.momentum_mean": 1.0})
                            .planner.to_cem())
    (line,) = capsys.readouterr().err.splitlines()
    assert line == ("vjepa-ros run: warning: --momentum-mean 1.0" + FROZEN
                    + " from its start (0, or the warm start), whatever the energies (method "
                    "'cem' samples around it only, and plans it)" + ADVICE), line


def test_a_benchmark_says_it_once_as_its_option(monkeypatch, capsys):
    """A benchmark built its planner by ``to_cem`` and said nothing (to_cem silenced it)."""
    monkeypatch.setattr(sys, "argv", ["bench_x.py", "--momentum-mean", "1"])

    def main():
        for _ in range(2):
            say_frozen_mean(load_reach_config(None, {"planner.momentum_mean": 1.0})
                            .planner.to_cem())
        return 0

    assert run_script(main) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("bench_x.py: warning: --momentum-mean 1.0" + FROZEN), line
    assert line.endswith(ADVICE) and "CEMConfig" not in line, line


def test_a_planner_node_logs_it_once_at_start_and_python_prints_none(harness, capfd):  # noqa: F811
    """The node builds its planner config many times (parameters checked, session, plan cost)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        harness(**{"planner.momentum_mean": 1.0})  # started: its start-up lines are logged
    assert not [w for w in caught if w.category is FrozenMeanWarning], caught
    err = capfd.readouterr().err  # the node's console log (logged before /rosout is heard)
    lines = [line for line in err.splitlines() if "momentum_mean" in line]
    assert len(lines) == 1, err
    assert "[vjepa_planner]: planner.momentum_mean 1.0" + FROZEN in lines[0], err
    assert lines[0].endswith(ADVICE), lines
    assert "FrozenMeanWarning" not in err and "CEMConfig" not in err, err
