"""The one type and range rule for the numbers of the planner settings dataclasses.

``CEMConfig`` (``config.py``), ``ICEMSettings``, ``MPPISettings`` and ``RefineSettings``
(``methods.py``) call :func:`check_numbers` in ``__post_init__``: every field annotated ``int`` or
``float`` (``| None`` too) is checked by its annotation and its declared range (field metadata
``range``/``low_open``/``high_open``, as ``vjepa_ros.config.param`` and :func:`ranged` declare
it), and stored as a plain Python ``int`` / ``float``.

Why floats are converted: a Python int is a legitimate float setting (``momentum_mean=0``), but a
tensor built from it (``torch.full((7,), 0)``) is int64, and a float written into it is truncated
(the gripper's momentum 0.15 became 0). Why bools are refused: ``True`` is an int and passes any
range check as 1 (``maxnorm=True``: a ±1 m search box).
"""

import dataclasses
import functools
import math
import numbers
import types
import typing

from vjepa_ros.config import RANGE_KEYS, check_range, format_range


def ranged(default, low, high=math.inf, low_open: bool = False, high_open: bool = False):
    """Return a dataclass field: ``default`` and the range [low, high] of :func:`check_numbers`.

    ``low_open``: low < value; ``high_open``: value < high (always for ``high`` inf: inf itself is
    refused). Same metadata as ``vjepa_ros.config.param(range=...)``.
    """
    return dataclasses.field(default=default, metadata={
        "range": (low, high), "low_open": low_open, "high_open": high_open or math.isinf(high)})


@functools.cache
def _number_fields(cls) -> tuple[tuple[dataclasses.Field, type, bool], ...]:
    """Return (field, int or float, optional) for each number field of dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        args = typing.get_args(hint) if union else (hint,)
        kinds = [arg for arg in args if arg in (int, float)]
        if kinds:
            found.append((field, kinds[0], type(None) in args))
    return tuple(found)


def check_numbers(settings, prefix: str) -> None:
    """Refuse a number field of frozen dataclass ``settings`` of the wrong type or range.

    ``int`` fields take any ``numbers.Integral`` (numpy integers too), ``float`` fields any
    ``numbers.Real`` (Python and numpy ints too); each is stored as a Python ``int`` / ``float``.
    Bools are refused (``True`` would count as 1), and so is a value outside the field's declared
    range (NaN and ±inf included); ``None`` is taken where the annotation is ``... | None``.
    Raises ValueError in one line naming ``prefix`` + the field, its range and the value:
    ``CEMConfig.maxnorm must be a number in (0, inf), got True``, ``CEMConfig.early_stop_rel_tol
    must lie in [0, 1], got nan``.
    """
    for field, kind, optional in _number_fields(type(settings)):
        value, name = getattr(settings, field.name), prefix + field.name
        if optional and value is None:
            continue
        limits = {key: val for key, val in field.metadata.items() if key in RANGE_KEYS}
        wanted = numbers.Integral if kind is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, wanted):
            within = f" in {format_range(**limits)}" if limits else ""
            raise ValueError(f"{name} must be {'None or ' if optional else ''}"
                             f"{'an integer' if kind is int else 'a number'}{within}, "
                             f"got {value!r}")
        object.__setattr__(settings, field.name, kind(value))
        if limits:
            check_range(name, kind(value), **limits)
