"""The checks of a setting's declared range and frame id (``config.param``'s metadata).

``param(..., range=(low, high), low_open=..., high_open=..., unit=..., high_why=...)`` and
``frame_id=True / "required"`` declare what a field takes; :func:`check_values` refuses a
dataclass's value outside it, in one line naming the parameter. All importable from
``vjepa_ros.config`` as before. No rclpy.
"""

from __future__ import annotations

import dataclasses
import math
import re

# A ROS frame id as tf2 takes it: letters, digits, '_' and '/' separators, no spaces.
FRAME_ID = re.compile(r"/?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")
FRAME_ID_RULE = "ROS frame id (letters, digits, '_', '/' separators; no spaces)"


def value_range(field) -> str:
    """Return a field's ``range`` as ``[low, high]`` / ``(low, high]``; "" when it has none."""
    if "range" not in field.metadata:
        return ""
    return format_range(**{k: v for k, v in field.metadata.items() if k in RANGE_KEYS})


RANGE_KEYS = ("range", "low_open", "high_open", "unit")
CHECK_KEYS = (*RANGE_KEYS, "high_why")  # what check_range takes of a field's metadata


def format_range(range, low_open: bool = False, high_open: bool = False,  # noqa: A002
                 unit: str = "") -> str:
    """Return ``(low, high]``-style text of a range as :func:`param` declares it (+ its unit)."""
    low, high = (f"{b}" if isinstance(b, int) else f"{b:g}" for b in range)
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}" + \
        (f" {unit}" if unit else "")


def in_range(value, range, low_open: bool = False,  # noqa: A002
             high_open: bool = False) -> bool:
    """Whether the number ``value`` lies in ``range`` (as :func:`param` declares it).

    False for NaN and ±inf too, and for an integer beyond a float (``10**400``: ``math.isfinite``
    raised OverflowError on it, a traceback where the range's line was due).
    """
    low, high = range
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    try:
        finite = math.isfinite(value)
    except OverflowError:
        return False
    return finite and above and below


def check_range(name: str, value, range, low_open: bool = False,  # noqa: A002
                high_open: bool = False, unit: str = "", high_why: str = "") -> None:
    """Refuse ``value`` outside ``range`` (as :func:`param` declares it), NaN and ±inf too.

    Raises ValueError in one line naming ``name``, the range and the value: ``planner.samples
    must lie in [1, 1000000], got 0``; above ``high``, then ``high_why`` when given
    (``: 70 N is ...``).
    """
    if not in_range(value, range, low_open, high_open):
        high = range[1]
        raise ValueError(f"{name} must lie in {format_range(range, low_open, high_open, unit)}"
                         f", got {value!r}" + (f": {high_why}" if high_why and value > high
                                               else ""))


def check_field(name: str, value, field: dataclasses.Field) -> None:
    """Refuse ``value`` outside ``field``'s declared range (:func:`check_range`, as ``name``).

    A field that declares no range takes any value.
    """
    if "range" in field.metadata:
        check_range(name, value, **{k: v for k, v in field.metadata.items() if k in CHECK_KEYS})


def check_values(cfg, prefix: str = "") -> None:
    """Refuse a value of dataclass ``cfg`` (nested too) outside its field's range or frame form.

    Raises ValueError in one line naming the parameter (``prefix`` + dotted name), its range
    and the value: ``safety.max_step_m must lie in (0, 0.2], got 100.0``; a ``frame_id`` field
    that is not a ROS frame id (``'a b'``; ``''`` where it is ``"required"``) likewise.
    """
    for f in dataclasses.fields(cfg):
        value, name = getattr(cfg, f.name), prefix + f.name
        if dataclasses.is_dataclass(value):
            check_values(value, f"{name}.")
            continue
        check_field(name, value, f)
        kind = f.metadata.get("frame_id")
        if kind and (value or kind == "required") and not FRAME_ID.fullmatch(value):
            raise ValueError(f"{name} must be a {'' if value else 'non-empty '}{FRAME_ID_RULE}, "
                             f"got {value!r}")


def empty_refused(cfg, prefix: str = "") -> dict[str, str]:
    """Return ``{dotted name: what to give}`` for each field of ``cfg`` an empty value fails.

    The ``frame_id="required"`` fields (nested dataclasses too): ``{"base_frame": "a non-empty
    ROS frame id (...), e.g. panda_link0"}`` (the default as the example). For a ``-p NAME:=``
    left empty: quoting an empty string would only be refused next (``ros_args.no_value``).
    """
    out: dict[str, str] = {}
    for f in dataclasses.fields(cfg):
        value, name = getattr(cfg, f.name), prefix + f.name
        if dataclasses.is_dataclass(value):
            out.update(empty_refused(value, f"{name}."))
        elif f.metadata.get("frame_id") == "required":
            out[name] = f"a non-empty {FRAME_ID_RULE}, e.g. {value}"
    return out


def check_given(cls, values: dict, prefix: str = "") -> None:
    """Refuse each of ``values`` (field name -> value) outside dataclass ``cls``'s field range.

    For values that are not (yet) in a ``cls``, e.g. a command's options; raises ValueError as
    :func:`check_values` (``prefix`` + name). Names that are no ranged field are skipped.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in values.items():
        if name in fields:
            check_field(prefix + name, value, fields[name])
