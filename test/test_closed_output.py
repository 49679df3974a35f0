"""A reader that stops early (``| head``) ends a command as SIGPIPE ends a C program: 141, silent.

The commands, their ``--help``, the node executables (mend62d) and the benchmark scripts run
with a stdout (a running node: stderr) pipe whose reader has already gone (the state after
``head`` took its lines and exited); a broken pipe that is not our output's is still an error;
a command refused with stdout closed keeps its own line and status.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, write_test_bag
from vjepa_ros.closed_output import READER_GONE_STATUS
from vjepa_ros.command_errors import SCRIPT_ERRORS, run_reporting


def _closed_stdout(argv: list[str], stream: str = "stdout") -> subprocess.CompletedProcess:
    """Run ``argv`` (a Python script's arguments) with its ``stream`` a pipe nobody reads.

    The other stream is captured.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head) has gone
    other = "stderr" if stream == "stdout" else "stdout"
    try:
        return subprocess.run([sys.executable, *argv], **{stream: write_end,
                                                         other: subprocess.PIPE},
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


NODES = ("planner_node", "sim_node", "camera_node", "image_publisher", "bag_player")


@pytest.mark.parametrize("node", NODES)
def test_a_node_executables_help_whose_reader_has_gone_ends_141_without_a_line(node):
    """mend62d: ``planner_node --help | head -1`` printed a BrokenPipeError traceback, status 1.

    The console scripts (``ros2 run vjepa_ros NODE``) end as the ``vjepa-ros`` command does.
    """
    done = _closed_stdout(["-c", f"from vjepa_ros.entry_points import {node}; {node}()",
                           "--help"])
    assert (done.returncode, done.stderr) == (READER_GONE_STATUS, ""), done.stderr


def test_a_running_node_whose_log_reader_has_gone_ends_141(tmp_path):
    """mend62d: ``python -m vjepa_ros.nodes.sim_node 2>&1 | head -c1``: its first line's write.

    The node starts (rclpy, pybullet) and writes its ROS network line to the closed stderr:
    it ended in a traceback (status 1) nobody could read; now 141, nothing on stdout, as a C
    node ended by SIGPIPE.
    """
    done = _closed_stdout(["-m", "vjepa_ros.nodes.sim_node"], stream="stderr")
    assert (done.returncode, done.stdout) == (READER_GONE_STATUS, "")


def test_profile_planner_goes_through_the_scripts_error_handler(tmp_path):
    """mend62d: profile_planner.py ended on ``sys.exit(main())``, no ``run_script`` around it.

    Its report lines printed to a closed stdout ended in a BrokenPipeError traceback (status
    1); through the benchmarks' one handler: 141, silent.
    """
    done = _closed_stdout(["benchmarks/profile_planner.py", "--tiny", "--parts", "cap",
                           "--out", str(tmp_path)])
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
