"""The argument parser of every command and benchmark: whole option names only.

argparse takes a unique prefix of a long option as that option by default (``allow_abbrev``), so
``vjepa-ros reach --goal x.png`` silently set ``--goal-seed``. :class:`ArgumentParser` turns
that off; sub-commands inherit it, since ``add_subparsers`` makes each sub-parser with the
parent's class (argparse: ``parser_class`` defaults to ``type(self)``), and an abbreviated
option is refused as an unrecognized argument (exit status 2).
"""

from __future__ import annotations

import argparse


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with ``allow_abbrev=False`` by default (sub-parsers too)."""

    def __init__(self, *args, allow_abbrev: bool = False, **kwargs):
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)
