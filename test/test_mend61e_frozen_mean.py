"""mend61e: a mean momentum of 1 is said by one route, in each entry point's words.

``CEMConfig`` raises the one ``FrozenMeanWarning`` (``CEMParams.to_cem`` too: it no longer
silences it); ``option_warnings.said_warnings`` turns it into the line of each entry point: the
``vjepa-ros`` commands and the benchmark scripts (``option_warnings``, ``command_errors.
run_script``) and the planner node's start-up warnings (``PlannerNodeConfig.startup_warnings``),
once each. Only the API's line advises ``fixed_axes``: no command option, node parameter or
benchmark option holds it, so theirs advise a momentum below 1. A check of the settings
(``CEMParams.check_cem``, run by every config that holds them) warns of nothing.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings

import pytest
from planner_harness import checkpoint, harness  # noqa: F401

from vjepa_ros.command_errors import run_script
from vjepa_ros.option_warnings import option_warnings, said_warnings
from vjepa_ros.planning.config import CEMConfig, FrozenMeanWarning
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.sim.reach_config import load_reach_config

FROZEN = ": the refit new = (1 - m)*elite + m*old never moves the search mean's xyz"
ADVICE = "; give a momentum below 1 (published 0.15)"


def test_the_api_line_advises_fixed_axes_and_the_entry_points_line_does_not():
    with pytest.warns(FrozenMeanWarning) as caught:
        CEMConfig(momentum_mean=1.0)
    (warning,) = [w.message for w in caught]
    assert str(warning).startswith("CEMConfig.momentum_mean 1.0" + FROZEN)
    assert str(warning).endswith(ADVICE + ", or hold an axis with fixed_axes"), warning
    assert warning.momentum_only == str(warning).removesuffix(", or hold an axis with fixed_axes")
    said = []
    with said_warnings(said.append):
        CEMConfig(momentum_mean=1.0)
    assert said == [warning.momentum_only]


def test_to_cem_warns_as_cemconfig_does_and_a_settings_check_does_not():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building and checking the settings: no warning
        params = CEMParams(momentum_mean=1.0)
        params.check_cem()
        config = PlannerNodeConfig(planner=params)
        dataclasses.replace(config, planner=dataclasses.replace(params, samples=64))
        load_reach_config(None, {"planner.momentum_mean": 1.0})
    with pytest.warns(FrozenMeanWarning, match=r"CEMConfig\.momentum_mean 1\.0"):
        params.to_cem()  # the config planned with: the warning's one source


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
        for _ in range(3):  # the options checked, the run's config, each plan's
            load_reach_config(None, {"planner.momentum_mean": 1.0}).planner.to_cem()
    (line,) = capsys.readouterr().err.splitlines()
    assert line == ("vjepa-ros run: warning: --momentum-mean 1.0" + FROZEN
                    + " from its start (0, or the warm start), whatever the energies (method "
                    "'cem' samples around it only, and plans it)" + ADVICE), line


def test_a_benchmark_says_it_once_as_its_option(monkeypatch, capsys):
    """A benchmark built its planner by ``to_cem`` and said nothing (to_cem silenced it)."""
    monkeypatch.setattr(sys, "argv", ["bench_x.py", "--momentum-mean", "1"])

    def main():
        for _ in range(2):
            load_reach_config(None, {"planner.momentum_mean": 1.0}).planner.to_cem()
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
