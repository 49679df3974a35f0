"""Run a ``vjepa-ros`` command in-process: :func:`_run` returns (exit code, stdout, stderr).

First written for breaker45v.
"""

from vjepa_ros.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()
