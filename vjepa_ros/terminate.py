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

EXIT_STATUS = 143  # 128 + SIGTERM, the shell's status for a process SIGTERM ended


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while :func:`sigterm_raises` was in force."""


def stopped_by(exc: KeyboardInterrupt) -> tuple[str, int]:
    """Return the word and exit status for a command stopped by ``exc``.

    ``("terminated", 143)`` for :class:`Terminated` (SIGTERM), ``("interrupted", 130)`` for
    Ctrl-C: for the commands that clean up and say their own line (``run``, ``reach``,
    ``train``).
    """
    return ("terminated", EXIT_STATUS) if isinstance(exc, Terminated) else ("interrupted", 130)


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
    raise Terminated


@contextlib.contextmanager
def sigterm_raises():
    """Within: SIGTERM raises :class:`Terminated` in the main thread (once; later ones ignored).

    The handler in force before is restored on the way out. Outside the main thread (where
    Python cannot set handlers) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def sigint_raises():
    """Within: Ctrl-C (SIGINT) raises KeyboardInterrupt in the main thread, as Python's default.

    Also where the process started with SIGINT ignored (``cmd &`` in a script: the shell ignores
    it for a background job, so ``kill -INT`` did nothing). The handler in force before is
    restored on the way out. Outside the main thread nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_stop_signals() -> None:
    """Ignore Ctrl-C and SIGTERM from now on: a second one must not cut the clean-up short.

    (Within :func:`sigint_raises` and :func:`sigterm_raises` the handlers are restored on the
    way out.) Outside the main thread nothing changes.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
