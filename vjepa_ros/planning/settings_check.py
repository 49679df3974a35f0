"""The one type and range rule for the fields of the planner settings dataclasses.

``CEMConfig`` (``config.py``), ``ICEMSettings``, ``MPPISettings`` and ``RefineSettings``
(``methods.py``) call :func:`check_fields` in ``__post_init__``: every field is checked by its
annotation: ``int`` / ``float`` (``| None`` too) by type and declared range (field metadata
``range``/``low_open``/``high_open``, as ``vjepa_ros.config.param`` and :func:`ranged` declare
it), stored as a plain Python ``int`` / ``float``; ``bool`` by type; ``Literal[...]`` by value;
a settings group (``CEMConfig.icem``, ``mppi``, ``refine``) built from a mapping of its fields.

Why floats are converted: a Python int is a legitimate float setting (``momentum_mean=0``), but a
tensor built from it (``torch.full((7,), 0)``) is int64, and a float written into it is truncated
(the gripper's momentum 0.15 became 0). Why bools are refused for numbers: ``True`` is an int and
passes any range check as 1 (``maxnorm=True``: a ±1 m search box). Why only bools for bools: a
string read from JSON, CSV or an environment variable is truthy (``search_rotation="false"``
searched rotation). Why groups from mappings: a config saved with ``dataclasses.asdict`` (the eval
report's ``"planner"``) and given back as ``CEMConfig(**saved)`` held dicts, and every plan raised
``AttributeError`` naming no setting.
"""

import dataclasses
import functools
import math
import numbers
import types
import typing
from collections.abc import Mapping

import numpy

from vjepa_ros.config import RANGE_KEYS, check_range, format_range


def ranged(default, low, high=math.inf, low_open: bool = False, high_open: bool = False):
    """Return a dataclass field: ``default`` and the range [low, high] of :func:`check_fields`.

    ``low_open``: low < value; ``high_open``: value < high (always for ``high`` inf: inf itself is
    refused). Same metadata as ``vjepa_ros.config.param(range=...)``.
    """
    return dataclasses.field(default=default, metadata={
        "range": (low, high), "low_open": low_open, "high_open": high_open or math.isinf(high)})


@functools.cache
def _checked_fields(cls) -> tuple[tuple[dataclasses.Field, str, object, bool], ...]:
    """Return (field, kind, detail, optional) for each field of dataclass ``cls`` checked here.

    ``kind``: ``"number"`` (detail: ``int`` or ``float``), ``"bool"``, ``"literal"`` (detail: the
    allowed values) or ``"group"`` (detail: the settings dataclass); fields of other annotations
    (``fixed_axes``) are left to their class.
    """
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        args = typing.get_args(hint) if union else (hint,)
        optional = type(None) in args
        kinds = [arg for arg in args if arg in (int, float)]
        if bool in args:
            found.append((field, "bool", bool, optional))
        elif kinds:
            found.append((field, "number", kinds[0], optional))
        elif typing.get_origin(hint) is typing.Literal:
            found.append((field, "literal", typing.get_args(hint), optional))
        elif dataclasses.is_dataclass(hint):
            found.append((field, "group", hint, optional))
    return tuple(found)


def check_fields(settings, prefix: str) -> None:
    """Refuse a field of frozen dataclass ``settings`` of the wrong type or range, by annotation.

    - ``int`` / ``float`` fields take any ``numbers.Integral`` / ``numbers.Real`` (numpy numbers
      and, for floats, ints too), stored as a Python ``int`` / ``float``; a bool is refused
      (``True`` would count as 1), and so is a value outside the field's declared range (NaN and
      ±inf included).
    - ``bool`` fields take ``True`` / ``False`` (numpy bools too), stored as a Python bool; a
      string or a number is refused (``"false"`` is truthy: it would switch the setting on).
    - ``Literal[...]`` fields take one of the listed values.
    - Settings-group fields (annotated with a settings dataclass, ``CEMConfig.icem``) take an
      instance of it or a mapping of its fields (what ``dataclasses.asdict`` and JSON give
      back), built into the dataclass (checked there); a key it has no field for is refused.

    ``None`` is taken where the annotation is ``... | None``. Raises ValueError in one line naming
    ``prefix`` + the field and the value: ``CEMConfig.maxnorm must be a number in (0, inf), got
    True``, ``CEMConfig.search_rotation must be True or False (a bool), got 'false'``,
    ``CEMConfig.icem has no setting 'beta' (its settings: noise_beta, ...)``.
    """
    for field, kind, detail, optional in _checked_fields(type(settings)):
        value, name = getattr(settings, field.name), prefix + field.name
        if optional and value is None:
            continue
        checked = _CHECKS[kind](name, value, detail, field, optional)
        object.__setattr__(settings, field.name, checked)


def _number(name: str, value, kind: type, field: dataclasses.Field, optional: bool):
    limits = {key: val for key, val in field.metadata.items() if key in RANGE_KEYS}
    wanted = numbers.Integral if kind is int else numbers.Real
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, wanted):
        within = f" in {format_range(**limits)}" if limits else ""
        raise ValueError(f"{name} must be {'None or ' if optional else ''}"
                         f"{'an integer' if kind is int else 'a number'}{within}, got {value!r}")
    if limits:
        check_range(name, kind(value), **limits)
    return kind(value)


def _bool(name: str, value, kind: type, field: dataclasses.Field, optional: bool):
    if not isinstance(value, (bool, numpy.bool_)):
        raise ValueError(f"{name} must be {'None, ' if optional else ''}True or False (a bool), "
                         f"got {value!r}")
    return bool(value)


def _literal(name: str, value, allowed: tuple, field: dataclasses.Field, optional: bool):
    for choice in allowed:  # equal and of its type: True is not 1, 1.0 is not 1
        if isinstance(value, type(choice)) and value == choice:
            return choice
    raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _group(name: str, value, group: type, field: dataclasses.Field, optional: bool):
    if isinstance(value, group):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be {group.__name__} or a mapping of its settings, got "
                         f"{value!r}")
    known = [f.name for f in dataclasses.fields(group)]
    unknown = [key for key in value if key not in known]
    if unknown:
        raise ValueError(f"{name} has no setting {', '.join(map(repr, unknown))} (its settings: "
                         f"{', '.join(known)})")
    return group(**value)


_CHECKS = {"number": _number, "bool": _bool, "literal": _literal, "group": _group}
