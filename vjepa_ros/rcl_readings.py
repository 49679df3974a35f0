"""How rcl reads a number-like text unlike it looks, worded with the fix (for refusals, notes).

``string_reason``: a number rcl reads as a string (``1e-320``, ``1e400``, ``1_000``);
``number_reading``: a whole number beyond int64 read as a float; ``zero_led_reading``: zero-led
digits read as octal (``010``: 8) or as a float (``08``: 8.0). Typing as ``rcl_scalars.py``.
"""

from __future__ import annotations

import math
import re
import sys

from vjepa_ros.rcl_scalars import (
    _C_SPACE,
    _DECIMAL,
    _HEX,
    _INT,
    _INT64,
    _fromhex,
    _octal,
    _zero_led_float,
    rcl_scalar,
)


def string_reason(text: str, whole: bool = False, range=(-math.inf, math.inf),  # noqa: A002
                  low_open: bool = False, high_open: bool = False) -> str:
    """Return why rcl reads the number-like ``text`` as a string, with the fix ('' not one).

    ``1e-320``: ``rcl reads a number this small as a string (C's strtod underflows below
    2.2250738585072014e-308): write 0 or a larger number``; ``1e400`` too large;
    ``1_000``: ``rcl reads digits with '_' as a string: write 1000``. The fix names the
    parameter's own bound where its range (as ``config.param`` declares it) excludes what it
    would name, and a whole number for a ``whole`` (int) parameter: ``write 1 or a larger whole
    number`` for ``planner.samples``, ``write a number above 0`` for ``planner.maxnorm``.
    """
    if not isinstance(text, str) or rcl_scalar(text) != text:
        return ""
    if _DECIMAL.fullmatch(text) or _HEX.fullmatch(text):
        number = float(text) if _DECIMAL.fullmatch(text) else _fromhex(text)
        bounds = (whole, range, low_open, high_open)
        if abs(number) < 1:
            return (f"rcl reads a number this small as a string (C's strtod underflows below "
                    f"{sys.float_info.min!r}): {_fix(0.0, *bounds)}")
        return (f"rcl reads a number this large as a string (C's strtod overflows above "
                f"{sys.float_info.max!r}): {_fix(number, *bounds)}")
    if re.fullmatch(r"[+-]?[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?", text) and "_" in text:
        return f"rcl reads digits with '_' as a string: write {text.replace('_', '')}"
    return ""


def _fix(toward: float, whole: bool, range, low_open: bool,  # noqa: A002
         high_open: bool) -> str:
    """Return what to write for a number toward ``toward`` (0: tiny, ±inf: huge) rcl cannot read.

    The parameter's bound nearest to it where the range ``(low, high)`` excludes 0 (tiny) or is
    finite on that side (huge); a whole number for a ``whole`` parameter.
    """
    low, high = range
    inside = (low < 0 if low_open else low <= 0) and (0 < high if high_open else 0 <= high)
    if toward == 0 and inside:
        return "write 0" if whole else "write 0 or a larger number"
    larger = (toward == 0 and low >= 0) or (toward < 0 and math.isfinite(low))
    if toward != 0 and not larger and not math.isfinite(high):
        return "write a smaller number"  # no bound on that side: any number it can read
    bound, is_open = (low, low_open) if larger else (high, high_open)
    side = "larger" if larger else "smaller"
    if whole:
        nearest = (math.floor(bound) + 1 if is_open else math.ceil(bound)) if larger else \
            (math.ceil(bound) - 1 if is_open else math.floor(bound))
        return f"write {nearest} or a {side} whole number"
    if is_open:
        return f"write a number {'above' if larger else 'below'} {bound:g}"
    return f"write {bound:g} or a {side} number"


def number_reading(text: str) -> str:
    """Return how rcl reads the plain whole number ``text`` beyond int64, '' any other text.

    ``99999999999999999999``: ``rcl reads a whole number beyond int64 (-9223372036854775808 to
    9223372036854775807) as the float 1e+20`` (C's strtol overflows, strtod reads it). Zero-led
    digits: :func:`zero_led_reading`; a number rcl reads as a string: :func:`string_reason`.
    """
    if not isinstance(text, str):
        return ""
    value = rcl_scalar(text)
    if isinstance(value, float) and _INT.fullmatch(text) and text.lstrip("+-")[:2] not in (
            "0x", "0X"):
        return (f"rcl reads a whole number beyond int64 ({_INT64[0]} to {_INT64[1]}) as the "
                f"float {value!r}")
    return ""


def zero_led_reading(text: str) -> tuple[str, str]:
    """Return how rcl reads the zero-led whole digits ``text`` unlike their decimal, and the fix.

    ``("", "")`` where rcl reads ``text`` as its digits say (``007``, ``0``, ``100``, ``00.5``,
    ``0x10``). ``010``: ``("rcl reads 010 as the octal number 8 (a leading 0 means octal)",
    "write 10 (or 8, if the octal number was meant)")``; ``08``: ``("rcl reads 08 as the float
    8.0 (strtol takes a leading 0 for octal, and 8 is no octal digit)", "write 8")``.
    """
    digits = text.strip(_C_SPACE) if isinstance(text, str) else ""
    sign, body = ("-" if digits.startswith("-") else ""), digits.lstrip("+-")
    decimal = f"{sign}{body.lstrip('0') or '0'}"
    if _octal(digits):
        value = rcl_scalar(digits)
        return (f"rcl reads {digits} as the octal number {value} (a leading 0 means octal)",
                f"write {decimal} (or {value}, if the octal number was meant)")
    if _zero_led_float(digits):  # 08, 019: strtol stops at the 8, strtod reads it all
        digit = next(d for d in body if d in "89")
        return (f"rcl reads {digits} as the float {rcl_scalar(digits)!r} (strtol takes a "
                f"leading 0 for octal, and {digit} is no octal digit)", f"write {decimal}")
    return "", ""
