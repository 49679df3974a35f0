"""YAML read as rcl reads a ROS 2 parameter value (``-p NAME:=VALUE``, ``--params-file``).

rcl parses with libyaml but types each plain (unquoted) scalar itself (rcl_yaml_param_parser,
``get_value``), not by YAML's rules: the bools ``true/True/TRUE/yes/Yes/YES/on/On/ON/y/Y`` (and
their false twins), then C's ``strtol(text, 0)`` (``0x1F`` and ``0777`` are ints, ``1_000`` is
not), then ``strtod`` (``inf``, ``nan``, ``1e-9``, ``.5``, ``5.``, ``08``, ``0x1.8p1`` are
floats) where C reports no range error: a decimal that rounds to a subnormal or to zero
(``1e-320``, ``1e-400``) or overflows (``1e400``) stays a string, as does ``null``/``~``. A
quoted scalar or one tagged ``!!str`` is a string; any other tag is ignored. PyYAML's YAML 1.1
rules differ for many of these (``1e-9``/``inf``/``08`` are strings there, ``1_000`` an int,
``1:30`` 90, ``null`` None). An empty plain scalar is None (rcl refuses it: "No value"); a
mapping's key is a name, a string.
No rclpy here. Matches rcl on glibc (Linux), checked against it in test/test_rcl_yaml.py.
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction

import yaml

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
_PLAIN = "tag:vjepa_ros,rcl:plain"  # a plain scalar, typed by rcl_scalar
_STR = "tag:yaml.org,2002:str"


def rcl_scalar(text: str):
    """Return the bool, int, float or str rcl makes of the plain scalar ``text``.

    ``"08"`` → 8.0, ``"0x10"`` → 16, ``"inf"`` → inf, ``"1e-320"`` → ``"1e-320"`` (a string:
    C's strtod reports an underflow), ``""`` → None (no value).
    """
    if not text:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    if _INT.fullmatch(text):
        number = int(text, 16 if text.lstrip("+-")[:2] in ("0x", "0X") else
                     8 if text.lstrip("+-")[:1] == "0" else 10)
        if _INT64[0] <= number <= _INT64[1]:
            return number
    if text in _SPECIAL:
        return _SPECIAL[text]
    number = _strtod(text)
    return text if number is None else number


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
    if abs(number) < sys.float_info.min and Fraction(number) != _exact(form):
        return None  # rounded to a subnormal: ERANGE (an exact one is no error)
    return number


def _exact(form: re.Match) -> Fraction:
    """Return the exact value of a C float literal matched by ``_DECIMAL`` or ``_HEX``."""
    sign, digits, exponent = form.groups()
    whole, _, fraction = digits.partition(".")
    if form.re is _DECIMAL:
        value = int(whole + fraction) * Fraction(10) ** (int(exponent or 0) - len(fraction))
    else:
        value = int(whole + fraction, 16) * Fraction(2) ** (int(exponent or 0)
                                                             - 4 * len(fraction))
    return -value if sign == "-" else value


class RclLoader(yaml.SafeLoader):
    """A PyYAML loader typing scalars as rcl does (:func:`rcl_scalar`); ``!!str`` a string."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node, deep=False):
        for key, _ in node.value:  # a key is a name (a node's, a parameter's): never typed
            if isinstance(key, yaml.ScalarNode) and key.tag == _PLAIN:
                key.tag = _STR
        return super().construct_mapping(node, deep)


def _typed(loader, node):
    return rcl_scalar(loader.construct_scalar(node))


RclLoader.add_constructor(_PLAIN, _typed)
for _tag in ("null", "bool", "int", "float", "timestamp", "binary"):  # rcl ignores these tags
    RclLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _typed)


def _local(loader, suffix, node):  # a local tag (``!foo 5``): ignored, as rcl does
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return _typed(loader, node)


RclLoader.add_multi_constructor("!", _local)


def load(text: str):
    """Return the YAML document ``text`` with rcl's scalar types; raises yaml.YAMLError."""
    return yaml.load(text, Loader=RclLoader)  # noqa: S506 - a SafeLoader subclass


def string_reason(text: str) -> str:
    """Return why rcl reads the number-like ``text`` as a string, with the fix ('' not one).

    ``1e-320``: ``rcl reads a number this small as a string (C's strtod underflows below
    2.2250738585072014e-308): write 0 or a larger number``; ``1e400`` too large;
    ``1_000``: ``rcl reads digits with '_' as a string: write 1000``.
    """
    if not isinstance(text, str) or rcl_scalar(text) != text:
        return ""
    if _DECIMAL.fullmatch(text) or _HEX.fullmatch(text):
        number = float(text) if _DECIMAL.fullmatch(text) else _fromhex(text)
        if abs(number) < 1:
            return (f"rcl reads a number this small as a string (C's strtod underflows below "
                    f"{sys.float_info.min!r}): write 0 or a larger number")
        return (f"rcl reads a number this large as a string (C's strtod overflows above "
                f"{sys.float_info.max!r}): write a smaller number")
    if re.fullmatch(r"[+-]?[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?", text) and "_" in text:
        return f"rcl reads digits with '_' as a string: write {text.replace('_', '')}"
    return ""


def _fromhex(text: str) -> float:
    try:
        return float.fromhex(text)
    except OverflowError:
        return math.inf
