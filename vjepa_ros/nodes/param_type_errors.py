"""The one-line error of a parameter value of another type than its field's (``type_error``).

What a parameter of each type takes, with an example of its own (its default, a whole number in
its range), what the value given is, and why rcl read a number as a string
(``rcl_readings.string_reason``). Used by ``nodes.params`` at start-up and at run time.
"""

from __future__ import annotations

import array
import dataclasses
import functools
import math
import typing

from vjepa_ros.config import ValueTypeError, field_at, field_hint, item_type
from vjepa_ros.nodes.rclpy_own import VALUE_KINDS
from vjepa_ros.rcl_readings import string_reason

# rclpy's own parameter the nodes take at run time (the node clock), as the type errors say it
_RCLPY_PARAMETERS = {"use_sim_time": bool}


def _field(cfg, dotted: str) -> tuple[dataclasses.Field, object]:
    """Return the (possibly nested) dataclass field ``dotted`` of ``cfg`` and its value."""
    return field_at(type(cfg), dotted), functools.reduce(getattr, dotted.split("."), cfg)


# What a parameter of each type takes (and a list of them holds), as the type errors say it;
# numbers name an example of the parameter's own (:func:`_number_kind`).
_KINDS = {bool: "true or false",
          str: "a string (quote one that reads as a number or true/false: '\"3\"')"}
_LISTED = {bool: "true/false values", int: "whole numbers", float: "numbers", str: "strings"}
_WHOLE_EXAMPLES = (-3, 3, 1, 0)  # a float parameter's whole-number example: the first in range


def type_error(name: str, value, defaults) -> ValueTypeError:
    """Return the one-line error for a ``value`` of another type than ``defaults``' ``name``.

    ``parameter 'planner.samples' takes a whole number (e.g. 800), got 3.5 (a float)``;
    ``parameter 'rpy' takes a list of numbers ([a, b]), got ['x'] (a list)`` (:func:`_takes`).
    A :class:`config.ValueTypeError` naming ``name``: typed as ``-p`` it is a usage error.
    """
    return ValueTypeError(f"parameter '{name}' {_takes(name, value, defaults)}", name)


def _takes(name: str, value, defaults) -> str:
    """Return what ``defaults``' ``name`` takes and what ``value`` is: "takes ..., got ...".

    A number's example is its default, and a whole number read as a float one in its range
    (:func:`_number_kind`).
    """
    if name in _RCLPY_PARAMETERS:  # rclpy's own: no field of ours
        field, default, hint = dataclasses.field(), None, _RCLPY_PARAMETERS[name]
    else:
        (field, default), hint = _field(defaults, name), field_hint(type(defaults), name)
    if typing.get_origin(hint) is list:
        kind = f"a list of {_LISTED.get(item_type(hint), 'values of one type')} ([a, b])"
    elif hint in (int, float):
        kind = _number_kind(hint, default, field.metadata)
    else:
        kind = _KINDS.get(hint, "a value of its declared type")
    if isinstance(value, (array.array, tuple)):  # a run-time array value
        value = list(value)
    joined = field.metadata.get("joined")  # a string holding a list (bag_player's topics)
    if hint is str and joined and isinstance(value, list):  # ros2 bag play --topics A B
        return (f"takes one string, its items joined by '{joined}', got {_shown(value)} (a "
                f"list): give them as the one string {joined.join(map(str, value))!r}")
    got = VALUE_KINDS.get(type(value), f"a {type(value).__name__}")
    unquote = ("; give it unquoted (true, not 'true')" if hint is bool and isinstance(value, str)
               and value.strip().lower() in ("true", "false") else "")  # user49u
    return (f"takes {kind}, got {_shown(value)} ({got})"
            f"{_string_reason(value, hint, field)}{unquote}")


def _string_reason(value, hint, field) -> str:
    """Return ``; why rcl read a number (in a list: the first) as a string`` ('' none).

    ``rcl_readings.string_reason`` with what to write in the parameter's own range (a whole
    number for an int): ``1e-320`` for ``planner.samples``: ``write 1 or a larger whole
    number``.
    """
    item = item_type(hint)
    if item not in (int, float):
        return ""
    ranges = {key: field.metadata[key] for key in ("range", "low_open", "high_open")
              if key in field.metadata}
    for text in value if isinstance(value, list) else [value]:
        why = string_reason(text, item is int, **ranges)  # 1e-320: a string to rcl
        if why:
            return f"; {why}"
    return ""


def _shown(value, limit: int = 80) -> str:
    """Return ``repr(value)``, cut in the middle to about ``limit`` characters where longer.

    A 5000-digit number rcl read as a string: ``'1111...1111' (5002 characters)``, one line.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit // 2]}...{text[-limit // 4:]} ({len(text)} characters)"


def _number_kind(hint, default, metadata) -> str:
    """Return what a number parameter takes, with examples it accepts (its default, its range).

    ``a whole number (e.g. 100)``; ``a number (e.g. 0.25; a whole number such as 1 is read as
    1.0)`` for a float in (0, 1]; no whole-number example where none lies in the range.
    """
    if hint is int:
        return f"a whole number (e.g. {default})"
    low, high = metadata.get("range", (-math.inf, math.inf))
    low_open, high_open = metadata.get("low_open", False), metadata.get("high_open", False)
    whole = next((n for n in _WHOLE_EXAMPLES if (low < n if low_open else low <= n)
                  and (n < high if high_open else n <= high)), None)
    also = "" if whole is None else f"; a whole number such as {whole} is read as {float(whole)}"
    return f"a number (e.g. {float(default)!r}{also})"
