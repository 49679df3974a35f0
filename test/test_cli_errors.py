"""Every ``vjepa-ros`` command's option errors: one line, the command's prefix, the option named.

Bad values of the search-method options (``--method``'s ``--icem-*``, ``--mppi-*``,
``--refine-*``) once left the commands as a bare ``SystemExit`` without the ``vjepa-ros CMD:``
prefix, and the commands built on ``load_reach_config`` named ``refine.lr`` instead of
``--refine-lr``. Each case here is refused before any model, bag or simulator is loaded.
"""

from __future__ import annotations

import pytest

from vjepa_ros.cli import main

SEARCH_OPTIONS = [
    (["--refine-lr", "-1"], "--refine-lr must be > 0, got -1.0"),
    (["--refine-steps", "-2"], "--refine-steps must be an integer >= 0, got -2"),
    (["--icem-noise-beta", "-1"], "--icem-noise-beta must be >= 0, got -1.0"),
    (["--mppi-temperature", "0"], "--mppi-temperature must be > 0, got 0.0"),
    (["--mppi-noise-sigma", "-0.5"], "--mppi-noise-sigma must be > 0, got -0.5"),
]
COMMANDS = {  # the arguments each command needs before its options
    "demo": [],
    "eval": ["BAG", "--out", "OUT"],
    "camera-check": ["BAG", "--out", "OUT"],
    "run": ["--task", "grasp", "--out", "OUT"],
    "reach": ["--out", "OUT"],
}


def run_command(argv, tmp_path, capsys) -> str:
    """Run ``vjepa-ros ARGV`` in-process; return its one stderr line (exit status 1)."""
    out = tmp_path / "out"
    argv = [{"BAG": str(tmp_path / "bag"), "OUT": str(out)}.get(a, a) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("option, message", SEARCH_OPTIONS)
def test_search_method_option_errors_carry_the_command_prefix_and_the_option(
        command, option, message, tmp_path, capsys):
    err = run_command([command, *COMMANDS[command], *option], tmp_path, capsys)
    assert err == f"vjepa-ros {command}: {message}"
