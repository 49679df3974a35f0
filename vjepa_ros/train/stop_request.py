"""Ctrl-C and SIGTERM as a request to stop where the work is whole (after a training step).

A long loop that saves what it did on Ctrl-C or SIGTERM (``vjepa-ros pretrain``) needs the
signal to land between steps: one that lands mid-step (in the middle of an EMA update of the
target encoder) leaves a half-updated model. Within :func:`deferred_stop` the signal is only
noted; the loop calls ``check()`` after each step, which raises it then as the exception the
signal raises elsewhere (KeyboardInterrupt; ``terminate.Terminated`` for SIGTERM), so
``terminate.stopped_by`` words it and gives the exit status.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

from vjepa_ros.terminate import Terminated


@contextlib.contextmanager
def deferred_stop() -> Iterator[Callable[[], None]]:
    """Within: Ctrl-C (SIGINT) and SIGTERM only request a stop; yield ``check()`` raising it.

    ``check()`` raises KeyboardInterrupt after a Ctrl-C, :class:`terminate.Terminated` after a
    SIGTERM (the first one that came), and nothing before. A second Ctrl-C raises
    KeyboardInterrupt at once (a step that hangs can still be stopped); later SIGTERMs are
    ignored, as ``terminate.sigterm_raises`` ignores them. The handlers in force before are
    restored on the way out. Outside the main thread (where Python cannot set handlers) nothing
    changes and ``check()`` never raises.
    """
    requested: list[KeyboardInterrupt] = []

    def check() -> None:
        if requested:
            raise requested[0]

    if threading.current_thread() is not threading.main_thread():
        yield check
        return

    def on_sigint(signum, frame) -> None:
        if requested:
            raise KeyboardInterrupt
        requested.append(KeyboardInterrupt())

    def on_sigterm(signum, frame) -> None:
        if not requested:
            requested.append(Terminated())

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_sigint),
                signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm)}
    try:
        yield check
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
