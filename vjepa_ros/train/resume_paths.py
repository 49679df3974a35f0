"""Resuming a run whose inputs moved: a stored path that is gone may be given anew.

A run stores its data, encoder and init paths (absolute since the paths fix; an older run as
given, relative to the directory it started in). Data moved since, or an older run resumed from
another directory, finds them gone: the new place given on the command line then stands for the
stored one (with a note), while a path that still exists keeps being compared as before, so a
real change of data is still refused.
"""

from __future__ import annotations

import dataclasses
import os

from vjepa_ros.config import ConfigError, unflatten
from vjepa_ros.input_paths import missing
from vjepa_ros.train.config import TrainConfig, absolute_paths

# (dotted field, option, needed on resume: a resumed run takes its models from latest.pt)
PATH_FIELDS = (("data.train", "--data", True), ("data.val", "--val", True),
               ("encoder", "--encoder", False), ("predictor.init", "--init", False))


def _get(config: TrainConfig, field: str):
    value = config
    for part in field.split("."):
        value = getattr(value, part)
    return value


def _set(config: TrainConfig, field: str, value) -> TrainConfig:
    head, _, rest = field.partition(".")
    if not rest:
        return dataclasses.replace(config, **{head: value})
    return dataclasses.replace(config, **{head: _set(getattr(config, head), rest, value)})


def _paths(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _same(a: str, b: str) -> bool:
    return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))


def take_moved_paths(stored: TrainConfig, overrides: dict) -> tuple[TrainConfig, list[str]]:
    """Return ``stored`` with its gone paths replaced by those ``overrides`` give, and notes.

    ``overrides``: dotted settings of the resuming command line (``data.train``: a list).
    A field whose stored paths all still exist is left alone (a different value given is a
    change :func:`~vjepa_ros.train.resume_checks.resume_config` refuses). One with gone paths takes
    the given value when it repeats every stored path that still exists (compared as paths),
    with a note ``--data now NEW (this run stored OLD, which is gone)``.

    Raises ConfigError (one line) when the data (``--data``/``--val``) is gone and no new
    place is given: ``this run's --data was OLD, which does not exist: put it back, or give
    its new place with --data``.
    """
    here = absolute_paths(stored)  # an older run's relative paths: from this directory
    nested = unflatten(dict(overrides))
    notes = []
    for field, option, needed in PATH_FIELDS:
        old = [p for p in _paths(_get(here, field)) if p]
        shown = " ".join(p for p in _paths(_get(stored, field)) if p)
        gone = [p for p in old if missing(p)]
        if not gone:
            continue
        new = nested
        for part in field.split("."):  # --config's nested or dotted keys, options' dotted
            new = new.get(part) if isinstance(new, dict) else None
        if new is None or not _paths(new):
            if needed:
                which = ("which does" if len(gone) == len(old)
                         else f"of which {' '.join(gone)} does")
                raise ConfigError(f"this run's {option} was {shown}, {which} not exist: put it "
                                  f"back, or give its new place with {option}")
            continue
        if [os.path.abspath(os.path.expanduser(p)) for p in _paths(new)] == old:
            continue  # the same paths repeated: still gone, nothing new to note
        kept = [p for p in old if p not in gone]
        if not all(any(_same(p, q) for q in _paths(new)) for p in kept):
            continue  # a path that still exists left out: a change, refused by resume_config
        stored = _set(stored, field, new)
        now = " ".join(os.path.abspath(os.path.expanduser(p)) for p in _paths(new))
        notes.append(f"{option} now {now} (this run stored {shown}, which is gone)")
    return stored, notes
