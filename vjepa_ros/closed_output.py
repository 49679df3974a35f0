"""A reader that closed the command's output early (``vjepa-ros inspect BAG | head -1``).

Python ignores SIGPIPE, so a write to a pipe whose reader has gone raises BrokenPipeError
(``[Errno 32] Broken pipe``) where a C program would be ended by the signal. Every ``vjepa-ros``
command and benchmark script (``command_errors.run_reporting``, ``command_ended``), their
``--help`` (``cli_parser.ArgumentParser.print_help``) and the node executables, running or
``--help`` (``entry_points.run_stoppable``) end on it as such a program does: nothing
more printed, exit status :data:`READER_GONE_STATUS` (141 = 128 + SIGPIPE, what a shell reports
for a pipeline member the signal ended: ``set -o pipefail`` sees the output cut short, not a
refusal's 1 nor a success's 0). A broken pipe of anything else (a child process's stdin) is
no closed output of ours and is reported as any error.
"""

from __future__ import annotations

import os
import select
import signal
import sys

READER_GONE_STATUS = 128 + signal.SIGPIPE  # 141 on Linux


def closed_streams() -> list[int]:
    """Return the descriptors of stdout and stderr (1, 2) whose reader has gone.

    A pipe with no reader left polls as an error (POLLERR, Linux's ``pipe_poll``), a socket
    whose peer closed as a hang-up; a file, a terminal or an open pipe as neither.
    """
    closed = []
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # none, or not a real file
            continue
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        try:
            events = sum(event for _, event in poller.poll(0))
        except OSError:
            continue
        if events & (select.POLLERR | select.POLLHUP):
            closed.append(fd)
    return closed


def reader_gone(exc: BaseException) -> bool:
    """Whether ``exc`` is a broken pipe of our own stdout or stderr (:func:`closed_streams`)."""
    return isinstance(exc, BrokenPipeError) and bool(closed_streams())


def end_quietly() -> int:
    """Point the closed stdout / stderr at ``/dev/null``; return :data:`READER_GONE_STATUS`.

    What Python's buffers still hold then goes nowhere: the exit's flush of them no longer
    fails (``Exception ignored ... BrokenPipeError``, status 120) and nothing more is printed.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in closed_streams():
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    return READER_GONE_STATUS


def flush_output() -> None:
    """Flush stdout and stderr, so that a reader gone shows now (BrokenPipeError), not at exit."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not stream.closed:
            stream.flush()
