"""Ctrl-C and SIGTERM as a request to stop where the work is whole (after a training step).

A long loop that saves what it did on Ctrl-C or SIGTERM (``vjepa-ros train``, ``vjepa-ros
pretrain``) needs the signal to land between steps: one that lands mid-step (in the middle of an
optimizer step or an EMA update) leaves a half-updated model. Within :func:`deferred_stop` the
signal is only noted; the loop calls ``check()`` after each step, which raises it then as the
exception the signal raises elsewhere (KeyboardInterrupt; ``terminate.Terminated`` for SIGTERM),
so ``terminate.stopped_by`` words it and gives the exit status. A second Ctrl-C (one process)
stops at once; within a step the loop marked (:meth:`StopRequest.step`) it raises
:class:`InterruptedMidStep`, whose half-updated model must not be saved.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import NoReturn

from vjepa_ros.terminate import Terminated


class InterruptedMidStep(KeyboardInterrupt):
    """A second Ctrl-C stopped step ``step`` (counted from 1) at once, in the middle of it.

    The model may be half updated (within an optimizer step or an EMA update): save nothing of it.
    """

    def __init__(self, step: int):
        super().__init__(step)
        self.step = step


class StopRequest:
    """The stop a signal requested within :func:`deferred_stop` (none yet: ``requested`` False)."""

    def __init__(self):
        self.signal: KeyboardInterrupt | None = None  # Terminated for SIGTERM
        self.stepping: int | None = None  # the number of the step under way (None: between)

    @contextlib.contextmanager
    def step(self, number: int) -> Iterator[None]:
        """Mark the span of step ``number`` (counted from 1): everything that changes the model.

        A second Ctrl-C within it raises :class:`InterruptedMidStep` instead of KeyboardInterrupt.
        """
        self.stepping = number
        try:
            yield
        finally:
            self.stepping = None

    @property
    def requested(self) -> bool:
        """Whether Ctrl-C or SIGTERM came."""
        return self.signal is not None

    @property
    def code(self) -> int:
        """0: no stop requested; 1: Ctrl-C; 2: SIGTERM (across torchrun ranks the larger wins)."""
        if self.signal is None:
            return 0
        return 2 if isinstance(self.signal, Terminated) else 1

    def check(self) -> None:
        """Raise the requested stop (see :meth:`stop`); nothing before one was requested."""
        if self.signal is not None:
            self.stop()

    def stop(self, code: int | None = None) -> NoReturn:
        """Raise KeyboardInterrupt after a Ctrl-C, ``terminate.Terminated`` after a SIGTERM.

        ``code``: the stop the ranks agreed on (the largest :attr:`code` over the torchrun ranks,
        ``distributed.max_over_ranks``), raised as such when this process got no signal of its
        own or another: a SIGTERM that reached one rank (a node's pods evicted, a SLURM
        preemption) ends every rank as terminated (exit 143), not as a Ctrl-C (breaker44h).
        """
        if self.signal is not None and code in (None, self.code):
            raise self.signal
        raise Terminated() if code == 2 else KeyboardInterrupt()


@contextlib.contextmanager
def deferred_stop(at_once_on_second: bool = True) -> Iterator[StopRequest]:
    """Within: Ctrl-C (SIGINT) and SIGTERM only request a stop; yield the :class:`StopRequest`.

    The first signal that came is the one requested. ``at_once_on_second``: a second Ctrl-C
    raises KeyboardInterrupt at once (one process: a step that hangs can still be stopped);
    :class:`InterruptedMidStep` within a step marked by :meth:`StopRequest.step`.
    False for torchrun ranks: each gets SIGINT twice (from the terminal and from torchrun
    passing it on), and a rank that stopped mid-step would leave the others waiting in a
    collective, so there every Ctrl-C only requests the stop (torchrun kills ranks that do not
    exit in time). Later SIGTERMs are ignored, as ``terminate.sigterm_raises`` ignores them. The
    handlers in force before are restored on the way out. Outside the main thread (where Python
    cannot set handlers) nothing changes and nothing is ever requested.
    """
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_sigint(signum, frame) -> None:
        if stop.signal is None:
            stop.signal = KeyboardInterrupt()
        elif at_once_on_second:
            raise KeyboardInterrupt if stop.stepping is None else InterruptedMidStep(stop.stepping)

    def on_sigterm(signum, frame) -> None:
        if stop.signal is None:
            stop.signal = Terminated()

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_sigint),
                signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
