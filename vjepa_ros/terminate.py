"""SIGTERM as an exception, so that a long-running command stops its work as on Ctrl-C.

SIGTERM's default action (``kill``, ``systemctl stop``, ``docker stop``, a supervisor) ends the
process at once: no node stopped cleanly, no line said. Within :func:`sigterm_raises` it raises
:class:`Terminated` in the main thread instead; a subclass of KeyboardInterrupt, it takes every
path Ctrl-C takes (the nodes stopped, then the exception raised again), and
``command_errors.run_reporting`` (every ``vjepa-ros`` command and benchmark script runs within it)
ends the command with one line ``PROG: terminated`` and :data:`EXIT_STATUS`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable

EXIT_STATUS = 128 + signal.SIGTERM  # 143, the shell's status for a process SIGTERM ended
# Set (to "1") in the environment of a script's own child process (script_children): its parent
# says the one stop line, so a stop anywhere in the child, its start included, ends it silently
QUIET_STOP_ENV = "VJEPA_ROS_QUIET_STOP"
_RECEIVED: list[int] = []  # the stop signals this module's handlers raised, in order


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while :func:`sigterm_raises` was in force."""


_STOPS_SAID: list[int] = [0]  # how many stops stopped_by worded (their line said, or a child's)


def stopped_by(exc: KeyboardInterrupt) -> tuple[str, int]:
    """Return the word and exit status for a command stopped by ``exc``; count it as said.

    ``("terminated", 143)`` for :class:`Terminated` (SIGTERM), ``("interrupted", 130)`` for
    Ctrl-C: for the commands that clean up and say their own line (``run``, ``reach``,
    ``train``). Every stop line is worded here, so :func:`stops_said` tells an enclosing
    handler that the command said its line already (:func:`said_since`).
    """
    _STOPS_SAID[0] += 1
    return ("terminated" if isinstance(exc, Terminated) else "interrupted"), stop_status(exc)


def stop_signal(exc: KeyboardInterrupt) -> int:
    """Return the signal number behind ``exc``: SIGTERM for :class:`Terminated`, else SIGINT."""
    return signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT


def stop_status(exc: KeyboardInterrupt) -> int:
    """Return the exit status for a command ``exc`` stopped: 143 after SIGTERM, 130 after Ctrl-C.

    128 + the signal number, the shell's status for a process that signal ended.
    """
    return 128 + stop_signal(exc)


def stops_said() -> int:
    """Return how many stops :func:`stopped_by` has worded in this process."""
    return _STOPS_SAID[0]


def said_since(count: int, exc: KeyboardInterrupt) -> int | None:
    """Return ``exc``'s exit status if a stop line was said since ``stops_said()`` was ``count``.

    For a handler around a command (``entry_points.run_stoppable``,
    ``command_errors.run_reporting``): a stop that reaches it after the command said its own
    line (a second Ctrl-C on the command's way out: its handlers restored, its ``finally``) ends
    it with that status and no second line. None: no line said yet; say it.
    """
    return None if stops_said() == count else stop_status(exc)


def command_stopped(prog: str, exc: KeyboardInterrupt, said: int,
                    saved: Callable[[], str] | None = None) -> int:
    """Say the one stop line for a command that ``exc`` stopped; return its exit status.

    The handler around a command (``entry_points.run_stoppable``,
    ``command_errors.run_reporting``) calls it with ``said = stops_said()`` taken before the
    command ran. No line when the command said its own already (:func:`said_since`: a second
    stop on its way out) or when the process is a script's child (:data:`QUIET_STOP_ENV`: its
    parent says the line); else ``PROG: interrupted`` / ``PROG: terminated``, followed by
    ``; SAVED`` when ``saved`` is given (:func:`report_stop`). Returns 130 / 143
    (:func:`stop_status`).
    """
    import os
    import sys

    status = said_since(said, exc)
    if status is not None:
        return status
    if os.environ.get(QUIET_STOP_ENV):
        return stopped_by(exc)[1]
    if saved is not None:
        return report_stop(prog, exc, saved())
    word, status = stopped_by(exc)
    print(f"{prog}: {word}", file=sys.stderr)
    return status


def report_stop(prog: str, exc: KeyboardInterrupt, saved: str) -> int:
    """Say on stderr that ``prog`` stopped and what it saved; return the exit status.

    One line ``PROG: interrupted; SAVED`` (``terminated`` after SIGTERM, :func:`stopped_by`):
    ``vjepa-ros collect: interrupted; nothing saved (0 of 1 episode)``.
    """
    import sys

    word, status = stopped_by(exc)
    print(f"{prog}: {word}; {saved}", file=sys.stderr)
    return status


def _raise_terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one: a second must not cut the clean-up short
    _RECEIVED.append(signal.SIGTERM)
    raise Terminated


def _raise_interrupt(signum, frame) -> None:
    """Ctrl-C: KeyboardInterrupt, as Python's ``default_int_handler``, noted (stop_disguised)."""
    _RECEIVED.append(signal.SIGINT)
    raise KeyboardInterrupt


@contextlib.contextmanager
def stops_undisguised():
    """Within: an error raised after a stop signal arrived here is raised as that stop.

    Python raises the stop (KeyboardInterrupt, :class:`Terminated`) where the main thread is;
    inside a C extension's import (``scipy.optimize``, torch) the module's initialization
    fails and the stop comes out as another error: ``ImportError: initialization failed``, a
    traceback instead of the one stop line (``bench_planner_safety.py`` stopped by SIGTERM
    while it imported scipy, seen under load). An ``Exception`` escaping the block after
    :func:`sigterm_raises` / :func:`sigint_raises` raised a stop in it is therefore re-raised
    as that stop (the first one; the error chained as its cause). Without a stop, errors pass
    unchanged.
    """
    seen = len(_RECEIVED)
    try:
        yield
    except Exception as exc:
        if len(_RECEIVED) > seen:
            stop = Terminated() if _RECEIVED[seen] == signal.SIGTERM else KeyboardInterrupt()
            raise stop from exc
        raise


def sigterm_raises():
    """Within: SIGTERM raises :class:`Terminated` in the main thread (once; later ones ignored).

    The handler in force before is restored on the way out. Outside the main thread (where
    Python cannot set handlers) nothing changes.
    """
    return _handled_by(signal.SIGTERM, _raise_terminated)


def sigint_raises():
    """Within: Ctrl-C (SIGINT) raises KeyboardInterrupt in the main thread, as Python's default.

    Noted too, for :func:`stops_undisguised`.

    Also where the process started with SIGINT ignored (``cmd &`` in a script: the shell ignores
    it for a background job, so ``kill -INT`` did nothing). The handler in force before is
    restored on the way out. Outside the main thread nothing changes.
    """
    return _handled_by(signal.SIGINT, _raise_interrupt)


@contextlib.contextmanager
def _handled_by(signum: int, handler):
    """Within: ``handler`` handles ``signum`` in the main thread; the one before, after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


@contextlib.contextmanager
def stop_signals_held():
    """Within: Ctrl-C and SIGTERM are noted, not acted on; on the way out the first one is.

    Yields the list of noted signal numbers (empty until one arrives), so that a loop can end
    early: ``with stop_signals_held() as noted: while not noted: executor.spin_once(0.05)``.

    Why: Python raises KeyboardInterrupt at whatever bytecode the main thread is running. Inside
    rclpy that can be the first line of ``Future.__init__`` (a ``call_async``, a task the
    executor makes in ``spin_once``) or ``Executor.__init__``: the half-made object's
    ``__del__`` then printed ``Exception ignored in: <function Future.__del__ ...>
    AttributeError: 'Task' object has no attribute '_exception'`` after the command's last line
    (``bench_planner_node.py`` stopped by Ctrl-C, seen in CI). A KeyboardInterrupt inside
    ``Thread.start`` left a thread recorded but not known to be started (``cannot join thread
    before it is started``). Main-thread rclpy calls and thread starts therefore run within
    this; the stop is raised at its end, where nothing is half made.

    On the way out the handlers in force before are restored and the first noted signal goes
    to its handler (KeyboardInterrupt, :class:`Terminated`; the default action for SIG_DFL;
    nothing for SIG_IGN). Blocking the signals instead does not do: Python's handler runs on a
    flag any thread's delivery sets (rmw's threads block nothing). Signals reach Python in the
    main thread only: elsewhere nothing changes (the list stays empty).
    """
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = {signum: signal.signal(signum, lambda signum, frame: noted.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield noted
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if noted:
            handler = previous[noted[0]]
            if callable(handler):
                handler(noted[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(noted[0])


def call_held(function, *args, **kwargs):
    """Return ``function(*args, **kwargs)`` called within :func:`stop_signals_held`.

    For one main-thread rclpy call (``call_held(executor.spin_once, timeout_sec=0.05)``,
    ``call_held(client.call_async, request)``): a stop signal during it is raised once it has
    returned, never inside rclpy's objects. Keep such calls short (a spin's timeout of
    0.05 s, not 5 s): the stop waits for them.
    """
    with stop_signals_held():
        return function(*args, **kwargs)


# The stop signals noted while a main module loaded (stops_noted_while_loading), in order, and
# whether a command has taken them since (command_holds_stops)
_NOTED_WHILE_LOADING: list[int] = []
_COMMAND_HELD_STOPS: list[bool] = []


def _stop_while_loading(signum, frame) -> None:
    if _COMMAND_HELD_STOPS:  # given back as the command ended: the default action, silent
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)
        return
    _NOTED_WHILE_LOADING.append(signum)


def stops_noted_while_loading() -> None:
    """From now on Ctrl-C and SIGTERM are noted, not acted on, until a command takes them.

    For a main module's own imports (``python -m vjepa_ros.nodes.NAME``: rclpy, 0.5–1 s), where
    nothing could catch a KeyboardInterrupt (``main_start``). ``entry_points.run_stoppable`` and
    ``command_errors.run_reporting`` raise the first noted stop once they hold the signals
    (:func:`command_holds_stops`), so it ends the command with its one line. Once the command
    has given this handler back (it ended; the interpreter exits, seconds after torch), a stop
    ends the process by the signal's default action: at once, nothing printed, 128 + signum to
    a shell, as ``entry_points.exiting`` makes it for a console script. Also where the process
    started with SIGINT ignored (``cmd &``). Outside the main thread nothing changes.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _stop_while_loading)


def command_holds_stops() -> None:
    """Raise the first stop noted while the command loaded, if any; it holds the signals now.

    KeyboardInterrupt for Ctrl-C, :class:`Terminated` for SIGTERM (the others forgotten). From
    then on :func:`stops_noted_while_loading`'s handler, once given back, ends the process by
    the signal instead of noting it, and torch's import holds the stops
    (``held_imports.hold_heavy_imports``).
    """
    from vjepa_ros.held_imports import hold_heavy_imports

    hold_heavy_imports()  # torch's import: never cut inside its C++ code (held_imports)
    _COMMAND_HELD_STOPS[:] = [True]
    if _NOTED_WHILE_LOADING:
        signum = _NOTED_WHILE_LOADING[0]
        _NOTED_WHILE_LOADING.clear()
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def ignore_stop_signals() -> None:
    """Ignore Ctrl-C and SIGTERM from now on: a second one must not cut the clean-up short.

    (Within :func:`sigint_raises` and :func:`sigterm_raises` the handlers are restored on the
    way out.) Outside the main thread nothing changes.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
