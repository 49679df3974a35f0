"""A reader that stops early (``| head``) ends a command as SIGPIPE ends a C program: 141, silent.

The commands, their ``--help`` and a benchmark script run with a stdout pipe whose reader has
already gone (the state after ``head`` took its lines and exited); a broken pipe that is not our
output's is still an error; a command refused with stdout closed keeps its own line and status.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, write_test_bag
from vjepa_ros.closed_output import READER_GONE_STATUS
from vjepa_ros.command_errors import SCRIPT_ERRORS, run_reporting


def _closed_stdout(argv: list[str]) -> subprocess.CompletedProcess:
    """Run ``argv`` (a Python script's arguments) with its stdout a pipe nobody reads."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head) has gone
    try:
        return subprocess.run([sys.executable, *argv], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=300, cwd=REPO_ROOT, check=False,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    finally:
        os.close(write_end)


def test_the_status_is_the_shells_for_a_program_ended_by_sigpipe():
    assert READER_GONE_STATUS == 141


def test_a_command_whose_reader_has_gone_ends_141_without_a_line(tmp_path):
    bag = write_test_bag(tmp_path / "bag", frames=4)
    done = _closed_stdout(["-m", "vjepa_ros.cli", "inspect", str(bag)])
    assert (done.returncode, done.stderr) == (READER_GONE_STATUS, ""), done.stderr


@pytest.mark.parametrize("argv", [["-m", "vjepa_ros.cli", "--help"],
                                  ["-m", "vjepa_ros.cli", "train", "--help"],
                                  ["benchmarks/bench_search.py", "--help"]],
                         ids=["vjepa-ros", "train", "bench_search"])
def test_help_whose_reader_has_gone_ends_as_the_commands_do(argv):
    """The help once ended 0 (argparse drops a failed write) where a command ended 1."""
    done = _closed_stdout(argv)
    assert (done.returncode, done.stderr) == (READER_GONE_STATUS, ""), done.stderr


def test_a_refusal_with_the_output_closed_keeps_its_line_and_status(tmp_path):
    """Nothing was written to the closed stdout: the refusal is what the user needs to see."""
    done = _closed_stdout(["-m", "vjepa_ros.cli", "inspect", str(tmp_path / "no_bag")])
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("vjepa-ros inspect: ") and "no_bag" in done.stderr
    assert "Broken pipe" not in done.stderr


def test_a_broken_pipe_of_something_else_is_still_an_error(capsys):
    """A child process's stdin closed (our own output open) is no reader of ours gone."""
    def work():
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        run_reporting("prog", work)
    assert run_reporting("bench.py", work, SCRIPT_ERRORS) == 1
    assert capsys.readouterr().err == "bench.py: [Errno 32] Broken pipe\n"
