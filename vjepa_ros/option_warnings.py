"""A planning setting's warning at an entry point: one line, once, in that entry point's words.

A mean momentum of 1 (``planning.config.frozen_mean_warning``) is said by each entry point once
(``planning.config.say_frozen_mean``), never by building a config: the ``vjepa-ros`` commands
and the benchmark scripts, inside :func:`option_warnings` (``vjepa-ros eval: warning:
--momentum-mean 1.0: the refit ...``, naming the option typed), the planner node as a start-up
warning naming ``planner.momentum_mean`` (``PlannerNodeConfig.startup_warnings``), the Python
API (``make_planner``, ``cem.plan``, the simulator's ``run_reach_episode`` and
``run_task_episode``) as ``FrozenMeanWarning``; an API entry that runs another quiets the inner
one (:func:`said_already`).
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from contextlib import contextmanager

from vjepa_ros.planning.config import FROZEN_MEAN_SAY


@contextmanager
def option_warnings(prog: str, typed: Collection[str], options: dict[str, str] | None = None):
    """Print each frozen mean said inside once, ``PROG: warning: TEXT``, to stderr.

    ``prog``: the line's prefix (``vjepa-ros eval``, ``bench_search.py``); ``typed``: the
    options the command line gave (``command_errors.typed_options``): a setting given there is
    named as its option (``--momentum-mean``), one that is not (a ``--config`` file's) by its
    bare name (``momentum_mean``), as ``command_errors.error_line`` names them (``options``: a
    script's own setting -> option names, as ``command_errors.run_script`` takes them). Said by
    ``planning.config.say_frozen_mean`` on this thread (the printer is a context variable).
    """
    from vjepa_ros.command_errors import error_line

    shown: set[str] = set()

    def say(text: str) -> None:
        if text not in shown:
            shown.add(text)
            print(f"{prog}: warning: {error_line(text, typed, options)}", file=sys.stderr,
                  flush=True)

    token = FROZEN_MEAN_SAY.set(say)
    try:
        yield
    finally:
        FROZEN_MEAN_SAY.reset(token)


@contextmanager
def said_already():
    """Say no frozen mean inside: the entry point running said its settings already.

    For an API entry that runs another (``run_task_episode`` runs ``run_reach_episode``): the
    outer one says the frozen mean at its caller's line, the inner one says nothing more. Inside
    a command the command's line was printed before (its printer says each line once anyway).
    The same context variable as :func:`option_warnings` (this thread's).
    """
    token = FROZEN_MEAN_SAY.set(_said)
    try:
        yield
    finally:
        FROZEN_MEAN_SAY.reset(token)


def _said(_text: str) -> None:
    """Drop a frozen mean's line (:func:`said_already`)."""
