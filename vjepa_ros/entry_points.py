"""The console scripts (``setup.py``): each holds the stop signals before it loads anything.

A console script imports its target's module before it calls it: for ``vjepa-ros`` 0.1–0.2 s
(then 0.6 s more to build the parser), for a node executable (``planner_node``, ``sim_node``,
...) 0.6–1 s of rclpy and torch imports. A Ctrl-C in that time printed a ``KeyboardInterrupt``
traceback, and where the process started with SIGINT ignored (``vjepa-ros launch &`` in a
script: the shell ignores it for a background job) it was lost: the command ran on. These
targets import only :mod:`vjepa_ros.terminate` first, make SIGINT raise KeyboardInterrupt and
SIGTERM :class:`~vjepa_ros.terminate.Terminated` (:func:`~vjepa_ros.terminate.sigint_raises`,
:func:`~vjepa_ros.terminate.sigterm_raises`), then load and run the command; a stop signal that
reaches none of the command's own handlers ends it with one line ``PROG: interrupted`` /
``PROG: terminated`` and status 130 / 143 (128 + the signal, the shell's convention), as the
commands' own handlers do. What is left is the interpreter's own start (0.1–0.3 s on a
loaded 2-core machine, measured: ``python -c 'import vjepa_ros.entry_points'``).

Once the command has returned, the process only exits, which took seconds after torch and rclpy
(module teardown and their finalizers; ~2.5 s after ``vjepa-ros launch`` on 2 shared cores). A
second Ctrl-C then raised KeyboardInterrupt inside those finalizers (a traceback from
``torch/library.py``); the console scripts (:func:`exiting`) give the two signals their default
action for that time: a stop ends the process at once, by the signal (status 130 / 143 to the
shell), with nothing more printed. They then end through
:func:`vjepa_ros.process_exit.exit_process` (:func:`end`): exit handlers, output flushed,
``os._exit``, skipping the teardown where that is safe. A stop between the command's own line
and that switch ends the process by the signal too (:func:`end_after`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import NoReturn

from vjepa_ros.terminate import (
    command_holds_stops,
    command_stopped,
    sigint_raises,
    sigterm_raises,
    stop_signal,
    stops_said,
    stops_undisguised,
)


def run_stoppable(prog: str | Callable[[], str],
                  load: Callable[[], Callable[[], int | None]]) -> int:
    """Run ``load()()`` with the stop signals raising from the start; return its exit status.

    Args:
        prog: the prefix of the stop line (``vjepa-ros``; a node's ROS name), or a function
            returning it (called only for that line, so that finding it loads nothing before).
        load: imports the command and returns it (a callable returning the exit status; None
            means 0).
    Returns the command's status, or 130 / 143 with one line on stderr when Ctrl-C / SIGTERM
    arrived while it loaded or outside the command's own handling (none when the command said
    its own stop line already: a second stop on its way out, ``terminate.said_since``), or 141
    without a line when the reader of its stdout or stderr has gone (a node executable's
    ``--help | head -1``, ``planner_node 2>&1 | head``: ``closed_output``, as ``vjepa-ros``
    commands end; the output is flushed before it returns). A broken pipe of anything else is
    raised.
    """
    said = stops_said()
    with sigterm_raises(), sigint_raises():
        try:  # (closed_output imported in here: the command's first import takes a stop)
            with stops_undisguised():  # a stop inside torch's import: not an ImportError
                command_holds_stops()  # a stop that came while a main module loaded (main_start)
                status = load()() or 0
            from vjepa_ros.closed_output import flush_output

            flush_output()  # a reader gone early shows here, not in the exit's flush
            return status
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (terminate.Terminated)
            return command_stopped(prog() if callable(prog) else prog, exc, said)
        except BrokenPipeError as exc:
            from vjepa_ros.closed_output import end_quietly, reader_gone

            if not reader_gone(exc):
                raise
            return end_quietly()  # ended as SIGPIPE ends a C program: 141, silent


def exiting(status: int) -> int:
    """Return ``status``; from now on Ctrl-C and SIGTERM end the process at once (module doc).

    Only for a process that exits next (a console script's ``sys.exit``).
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    return status


def end(status: int) -> NoReturn:
    """End the console script's process with ``status``, at once where safe (module doc)."""
    status = exiting(status)  # first: a second Ctrl-C from here on ends the process silently
    from vjepa_ros.process_exit import exit_process

    exit_process(status)


def end_after(run: Callable[[], int]) -> NoReturn:
    """Run ``run()`` (a command that handles its own stops), then end the process (:func:`end`).

    For a process's main path: a console script (``run_stoppable``), a node module's
    ``__main__`` (not the benchmark scripts: tests run them inside their own process). A stop
    that lands after the command said its own line but before :func:`exiting` has given the
    signals their default action (the way out of the command's frames and handlers, or
    ``signal.signal`` itself) ends the process as a stop does from then on: by that signal,
    nothing more printed. It raised KeyboardInterrupt there: a traceback after
    ``vjepa-ros launch: interrupted`` when Ctrl-C was pressed twice.
    """
    try:
        status = exiting(run())
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (terminate.Terminated)
        _end_by_signal(stop_signal(exc))
    end(status)


def _end_by_signal(signum: int) -> NoReturn:
    """End the process by ``signum``'s default action (status 128 + signum to a shell)."""
    import os

    exiting(0)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # (only where the signal did not end it)


def vjepa_ros_command() -> NoReturn:
    """Run the ``vjepa-ros`` command (:func:`vjepa_ros.cli.main`)."""
    def load():
        from vjepa_ros.cli import main

        return main

    end_after(lambda: run_stoppable("vjepa-ros", load))


def _node(key: str) -> NoReturn:
    """Run the registered node ``key`` as its executable (:func:`nodes.node_runner.run_node`)."""
    def entry():
        from vjepa_ros.nodes.node_registry import NODES  # no rclpy import

        return NODES[key]

    def load():
        from vjepa_ros.nodes.node_runner import run_node

        node_class = entry().load()
        return lambda: run_node(node_class)

    def name():  # its ROS name (-r __node:=), only for a stop line
        import sys

        from vjepa_ros.nodes.ros_args import started_name

        return started_name(entry().ros_name, sys.argv)

    end_after(lambda: run_stoppable(name, load))


def planner_node() -> NoReturn:
    """Run the ``planner_node`` executable."""
    _node("planner")


def sim_node() -> NoReturn:
    """Run the ``sim_node`` executable."""
    _node("sim")


def camera_node() -> NoReturn:
    """Run the ``camera_node`` executable."""
    _node("camera")


def image_publisher() -> NoReturn:
    """Run the ``image_publisher`` executable."""
    _node("image_publisher")


def bag_player() -> NoReturn:
    """Run the ``bag_player`` executable."""
    _node("bag_player")
