"""Every ``vjepa-ros`` command's option errors: one line, the command's prefix, the option named.

Bad values of the search-method options (``--method``'s ``--icem-*``, ``--mppi-*``,
``--refine-*``) once left the commands as a bare ``SystemExit`` without the ``vjepa-ros CMD:``
prefix, and the commands built on ``load_reach_config`` named ``refine.lr`` instead of
``--refine-lr``. Each case here is refused before any model, bag or simulator is loaded, and
leaves no output directory behind (``eval``, ``collect`` and ``pretrain`` once created it before
checking the rest).
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
    assert not out.exists(), f"{argv[0]} left its output behind: {err}"
    return err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("option, message", SEARCH_OPTIONS)
def test_search_method_option_errors_carry_the_command_prefix_and_the_option(
        command, option, message, tmp_path, capsys):
    err = run_command([command, *COMMANDS[command], *option], tmp_path, capsys)
    assert err == f"vjepa-ros {command}: {message}"


@pytest.mark.parametrize("argv, message", [
    (["eval", "BAG", "--out", "OUT", "--rate", "0"], "rate_hz"),
    (["eval", "BAG", "--out", "OUT", "--goal", "/nonexistent/goal.png"], "goal.png"),
    (["eval", "BAG", "--out", "OUT"], "bag not found"),
    (["collect", "--out", "OUT", "--width", "8"], "width"),
    (["collect", "--out", "OUT", "--frames", "1"], "frames"),
    (["collect", "--out", "OUT", "--episodes", "0"], "episodes"),
    (["pretrain", "--out", "OUT/encoder.pt", "--data", "DATA", "--batch-size", "0"],
     "batch_size"),
    (["pretrain", "--out", "OUT/encoder.pt", "--data", "/nonexistent/clips"],
     "/nonexistent/clips does not exist"),
    (["train", "--out", "OUT", "--data", "/nonexistent/bags"], "--encoder FILE"),
])
def test_a_refused_command_leaves_no_output_directory(argv, message, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    argv = [str(data) if a == "DATA" else a.replace("OUT", str(tmp_path / "out")) if
            a.startswith("OUT/") else a for a in argv]
    err = run_command(argv, tmp_path, capsys)
    assert err.startswith(f"vjepa-ros {argv[0]}: ") and message in err
