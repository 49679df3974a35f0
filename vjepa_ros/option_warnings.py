"""A planning setting's warning at an entry point: one line, once, in that entry point's words.

``CEMConfig`` warns of a mean momentum of 1 (``planning.config.FrozenMeanWarning``) each time one
is built: the one source of that line, ``CEMParams.to_cem`` included. An entry point builds
several (its options checked, the preset, each plan's held axes): Python printed each as
``.../dataclasses.py:1501: FrozenMeanWarning: CEMConfig.momentum_mean 1.0: ...``, twice,
naming the planning field instead of the ``--momentum-mean`` the user typed, and advising
``fixed_axes``, which no command, parameter or benchmark option holds. :func:`said_warnings`
is the one route that turns it into the entry point's line: the ``vjepa-ros`` commands and the
benchmark scripts (:func:`option_warnings`: ``vjepa-ros eval: warning: --momentum-mean 1.0:
the refit ...``) and the planner node (``PlannerNodeConfig.startup_warnings``: a start-up
warning naming ``planner.momentum_mean``).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Collection
from contextlib import contextmanager

from vjepa_ros.planning.config import FrozenMeanWarning


@contextmanager
def said_warnings(say: Callable[[str], None]):
    """Hand each :class:`FrozenMeanWarning` raised inside to ``say(line)``, once per line.

    ``line``: its ``momentum_only`` text (``CEMConfig.momentum_mean 1.0: ...; give a momentum
    below 1 (published 0.15)``: no entry point holds ``fixed_axes``), the setting still named
    as ``CEMConfig`` names it, for ``say`` to name as its entry point does. Python prints
    nothing of it; other warnings pass to Python's printer unchanged. The filters and printer
    in force before are restored on leaving (``say`` runs on the thread that warned).
    """
    shown: set[str] = set()
    with warnings.catch_warnings():
        earlier = warnings.showwarning
        warnings.simplefilter("always", FrozenMeanWarning)  # the hook keeps each line once

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, FrozenMeanWarning):
                return earlier(message, category, filename, lineno, file, line)
            text = getattr(message, "momentum_only", str(message))
            if text not in shown:
                shown.add(text)
                say(text)
            return None

        warnings.showwarning = show
        yield


@contextmanager
def option_warnings(prog: str, typed: Collection[str], options: dict[str, str] | None = None):
    """Print each :class:`FrozenMeanWarning` raised inside once, ``PROG: warning: TEXT``.

    ``prog``: the line's prefix (``vjepa-ros eval``, ``bench_search.py``); ``typed``: the
    options the command line gave (``command_errors.typed_options``): a setting given there is
    named as its option (``--momentum-mean``), one that is not (a ``--config`` file's) by its
    bare name (``momentum_mean``), as ``command_errors.error_line`` names them (``options``: a
    script's own setting -> option names, as ``command_errors.run_script`` takes them). To
    stderr (:func:`said_warnings`).
    """
    from vjepa_ros.command_errors import error_line

    def say(text: str) -> None:
        print(f"{prog}: warning: {error_line(text, typed, options)}", file=sys.stderr,
              flush=True)

    with said_warnings(say):
        yield
