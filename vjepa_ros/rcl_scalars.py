"""One plain scalar typed as rcl types it: its bool words, then C's ``strtol`` and ``strtod``.

rcl (rcl_yaml_param_parser, ``get_value``) types a scalar that is not quoted itself, not by
YAML's rules: the bools ``true/True/TRUE/yes/Yes/YES/on/On/ON/y/Y`` (and their false twins),
then C's ``strtol(text, 0)`` (``0x1F`` and ``0777`` are ints, ``1_000`` is not), then
``strtod`` where C reports no range error (a decimal that rounds to a subnormal or to zero, or
overflows, stays a string). glibc's readings (Linux); ``rcl_yaml.py`` applies them to a file.
No rclpy, no yaml here.
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal
from fractions import Fraction

_TRUE = {"Y", "y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"N", "n", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_SPECIAL = {f"{sign}.{word}": (-1.0 if sign == "-" else 1.0) * float(word.lower())
            for sign in ("", "+", "-") for word in ("inf", "Inf", "INF")}
_SPECIAL.update({f".{word}": math.nan for word in ("nan", "NaN", "NAN")})
# strtol(text, &end, 0) reading all of text: decimal, 0x hex or 0 octal
_INT = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
# strtod reading all of text (glibc): decimal, hex (binary exponent optional), inf, nan
_DECIMAL = re.compile(r"([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")
_HEX = re.compile(
    r"([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?[0-9]+))?")
_WORD = re.compile(r"[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)", re.IGNORECASE)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_C_SPACE = " \t\n\v\f\r"  # C's isspace


def rcl_scalar(text: str):
    """Return the bool, int, float or str rcl makes of the plain scalar ``text``.

    ``"08"`` → 8.0, ``"0x10"`` → 16, ``"inf"`` → inf, ``"1e-320"`` → ``"1e-320"`` (a string:
    C's strtod reports an underflow), ``""`` → None (no value). White space before a number is
    skipped, as C's strtol and strtod skip it (``" 300"``, from a ``|2-`` block, is 300), not
    before a word (``" yes"`` is a string).
    """
    if not text:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    number = _strtol(text.lstrip(_C_SPACE))  # strtol and strtod skip leading white space
    if number is not None:
        return number
    if text in _SPECIAL:
        return _SPECIAL[text]
    number = _strtod(text.lstrip(_C_SPACE))
    return text if number is None else number


def _strtol(text: str) -> int | None:
    """Return ``text`` read whole by C's ``strtol(text, &end, 0)``; None: fails or ERANGE.

    Beyond int64 strtol sets ERANGE: rcl reads the text with strtod then (a float, or a string
    beyond a double). A decimal of more than 19 digits is beyond int64 unread (Python refuses
    to read one of more than 4300 digits: ``sys.get_int_max_str_digits``); hex and octal have
    no such limit.
    """
    if not _INT.fullmatch(text):
        return None
    digits = text.lstrip("+-")
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits[:1] == "0" else 10
    if base == 10 and len(digits) > len(str(_INT64[1])):
        return None
    number = int(text, base)
    return number if _INT64[0] <= number <= _INT64[1] else None


def _strtod(text: str) -> float | None:
    """Return ``text`` read whole by glibc's strtod; None where it fails or sets ERANGE."""
    if _WORD.fullmatch(text):
        return float(re.sub(r"\(.*\)", "", text))
    form = _DECIMAL.fullmatch(text) or _HEX.fullmatch(text)
    if not form:
        return None
    number = float(text) if form.re is _DECIMAL else _fromhex(text)
    if math.isinf(number):
        return None  # overflow: ERANGE
    if number == 0:  # underflow to zero (ERANGE) unless the digits are zeros
        return None if form[2].strip("0.") else number
    if abs(number) < sys.float_info.min and Fraction(number) != _exact(text, form):
        return None  # rounded to a subnormal: ERANGE (an exact one is no error)
    return number


def _exact(text: str, form: re.Match) -> Fraction:
    """Return the exact value of a C float literal ``text`` matched by ``_DECIMAL`` or ``_HEX``.

    A decimal through ``Decimal`` (exact, and without Python's 4300-digit limit on reading an
    int: a mantissa may be any length).
    """
    if form.re is _DECIMAL:
        return Fraction(Decimal(text))
    sign, digits, exponent = form.groups()
    whole, _, fraction = digits.partition(".")
    value = int(whole + fraction, 16) * Fraction(2) ** (int(exponent or 0) - 4 * len(fraction))
    return -value if sign == "-" else value


def _octal(text: str) -> bool:
    """Whether rcl reads the plain scalar ``text`` as octal unlike its decimal.

    ``010`` (8), ``-0100`` (-64); not ``007`` nor ``0`` (the same either way), nor ``08`` (a
    float to rcl).
    """
    digits = text.lstrip("+-")
    return (len(digits) > 1 and digits.isdigit() and digits.startswith("0")
            and type(rcl_scalar(text)) is int and int(digits, 8) != int(digits, 10))


def _zero_led_float(text: str) -> bool:
    """Whether rcl reads the zero-led whole digits ``text`` as a float (``08``, ``-019``).

    A leading 0 and an 8 or 9 among the digits: no octal number to strtol, a float to strtod.
    """
    digits = text.lstrip("+-")
    return (len(digits) > 1 and digits.isdigit() and digits.startswith("0")
            and type(rcl_scalar(text)) is float)


def _fromhex(text: str) -> float:
    try:
        return float.fromhex(text)
    except OverflowError:
        return math.inf
