"""A planning setting's warning in a ``vjepa-ros`` command: one line, once, in its options' words.

``CEMConfig`` warns of a mean momentum of 1 (``planning.config.FrozenMeanWarning``) each time one
is built, and a command builds several (its options checked, the preset, each plan's held axes):
Python printed each as ``.../dataclasses.py:1501: FrozenMeanWarning: CEMConfig.momentum_mean
1.0: ...``, twice, naming the planning field instead of the ``--momentum-mean`` the user typed.
:func:`option_warnings` prints it as the commands print their refusals
(``command_errors.error_line``): ``vjepa-ros eval: warning: --momentum-mean 1.0: the refit ...``,
once per distinct line; other warnings pass to Python's printer unchanged.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Collection
from contextlib import contextmanager

from vjepa_ros.planning.config import FrozenMeanWarning


@contextmanager
def option_warnings(prog: str, typed: Collection[str]):
    """Print each :class:`FrozenMeanWarning` raised inside once, ``PROG: warning: TEXT``.

    ``prog``: the line's prefix (``vjepa-ros eval``); ``typed``: the options the command line
    gave (``command_errors.typed_options``): a setting given there is named as its option
    (``--momentum-mean``), one that is not (a ``--config`` file's) by its bare name
    (``momentum_mean``), as ``command_errors.error_line`` names them. To stderr; the filters
    and printer in force before are restored on leaving.
    """
    from vjepa_ros.command_errors import error_line

    shown: set[str] = set()
    with warnings.catch_warnings():
        earlier = warnings.showwarning
        warnings.simplefilter("always", FrozenMeanWarning)  # the hook keeps each line once

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, FrozenMeanWarning):
                return earlier(message, category, filename, lineno, file, line)
            text = error_line(message, typed)
            if text not in shown:
                shown.add(text)
                print(f"{prog}: warning: {text}", file=sys.stderr, flush=True)
            return None

        warnings.showwarning = show
        yield
