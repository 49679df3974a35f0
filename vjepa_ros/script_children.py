"""A benchmark script's own child processes: started apart, stopped by the script, silent.

A Ctrl-C at the terminal goes to every process of the terminal's foreground group. A script
whose children were in it ended a stop in one ``SCRIPT: interrupted; ...`` line per process
(a child running the script itself says it too), and a child it then SIGKILLed left its
temporary folder behind. Here a child runs in a session of its own (the terminal's Ctrl-C
reaches the script alone), gets SIGTERM if the script dies without stopping it
(``node_processes.child_signals``), and is stopped by the script with SIGTERM: Python ends at
once and silently while it starts, and a child under ``command_errors.run_script`` cleans up
and ends without a line: its environment has ``terminate.QUIET_STOP_ENV``, which
``run_reporting`` reads, so a stop anywhere in the child, its start included, is silent.
"""

from __future__ import annotations

import os
import signal
import subprocess

from vjepa_ros.nodes.node_processes import child_signals, stop_child
from vjepa_ros.terminate import QUIET_STOP_ENV, call_held

STOP_TIMEOUT_S = 30.0  # [s] after SIGTERM, then SIGKILL


def start_child(command: list[str], **popen) -> subprocess.Popen:
    """Start ``command`` (``subprocess.Popen`` options in ``popen``) apart, as above.

    Started within ``terminate.call_held``: a stop arriving meanwhile is raised once the child
    is recorded, never with one started but unknown.
    """
    env = {**(popen.pop("env", None) or os.environ), QUIET_STOP_ENV: "1"}  # (module doc)
    return call_held(subprocess.Popen, command, start_new_session=True,
                     preexec_fn=child_signals(), env=env, **popen)


def finish_child(child: subprocess.Popen, what: str) -> str | None:
    """Wait for ``child`` to end; return its output (``stdout=PIPE``; else None).

    Stopped meanwhile (Ctrl-C, SIGTERM), the child is stopped first (SIGTERM; SIGKILL after
    :data:`STOP_TIMEOUT_S`), then the stop goes on. Raises SystemExit (one line naming
    ``what``) when the child failed; its own output, on this process's stderr, says why.
    """
    try:
        out, _ = child.communicate()
    finally:
        stop_child(child, STOP_TIMEOUT_S, signal.SIGTERM)  # nothing when it has ended
    if child.returncode != 0:
        raise SystemExit(f"{what} failed (exit status {child.returncode}); see its output "
                         "above")
    return out
