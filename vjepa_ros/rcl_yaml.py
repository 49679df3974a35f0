"""YAML read as rcl reads a ROS 2 parameter value (``-p NAME:=VALUE``, ``--params-file``).

rcl parses with libyaml but types each scalar that is not quoted (plain, or a ``|``/``>``
block) itself (rcl_yaml_param_parser, ``get_value``), not by YAML's rules: the bools
``true/True/TRUE/yes/Yes/YES/on/On/ON/y/Y`` (and their false twins), then C's
``strtol(text, 0)`` (``0x1F`` and ``0777`` are ints, ``1_000`` is not), then ``strtod``
(``inf``, ``nan``, ``1e-9``, ``.5``, ``5.``, ``08``, ``0x1.8p1`` are floats) where C reports no
range error: a decimal that rounds to a subnormal or to zero (``1e-320``, ``1e-400``) or
overflows (``1e400``) stays a string, as does ``null``/``~``. A quoted scalar or one tagged
``!!str`` is a string; any other tag is ignored. PyYAML's YAML 1.1 rules differ for many of
these (``1e-9``/``inf``/``08`` are strings there, ``1_000`` an int, ``1:30`` 90, ``null`` and
``~`` None, a ``|-`` block holding 300 a string). An empty scalar that is not quoted is None
(rcl refuses it: "No value"; ``-`` is a list of one); an alias is refused; a mapping's key is
a name, a string. The text is parsed by libyaml, rcl's parser, where PyYAML has it (its
wheels do): tabs between the tokens of a line are read as rcl reads them (PyYAML's own parser
refuses them), tabs as indentation refused as rcl refuses them. The documents of a file
(``---``) are one mapping of nodes to rcl: read so here (:func:`load`).
No rclpy here. Matches rcl on glibc (Linux), checked against it in test/test_rcl_yaml.py.
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal
from fractions import Fraction

import yaml

from vjepa_ros.yaml_keys import RepeatedKeys, dotted_repeats, merge_repeated

try:  # libyaml, the parser rcl reads files with (bundled in PyYAML's wheels)
    from yaml.cyaml import CParser as _LibYaml
except ImportError:  # PyYAML built without it: its own parser (a tab between tokens refused)
    _LibYaml = None

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
_PLAIN = "tag:vjepa_ros,rcl:plain"  # a plain scalar, typed by rcl_scalar
_EMPTY = "tag:vjepa_ros,rcl:empty"  # an empty scalar that is not quoted: None, no value
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_EMPTY_MAP = "tag:vjepa_ros,rcl:empty-map"  # '{}': EmptyMapping


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


_BASES = (yaml.composer.Composer, _LibYaml, yaml.constructor.SafeConstructor,
          yaml.resolver.Resolver) if _LibYaml else (yaml.SafeLoader,)


class RclLoader(RepeatedKeys, *_BASES):
    """A PyYAML loader typing values as rcl does, from libyaml's events as rcl reads them.

    A scalar that is not quoted (plain, or a ``|``/``>`` block: ``|-`` holding 300 is 300) is
    typed by :func:`rcl_scalar` unless tagged ``!!str``; a quoted one is a string whatever its tag
    (``!!int '5'``); an empty one that is not quoted is None, "No value" to rcl (``-p x:=-``,
    a list of one empty entry; ``[!!str , a]``). Any other tag is ignored, on a list or
    mapping too (``!!str [1]`` is the list [1]). An alias (``*a``) is refused as rcl refuses it.
    A mapping's key is a name, a string. A section given twice is merged and a value given twice
    is the later one, as rcl reads a node section (or a parameter group) given twice; so is a
    value given dotted and in its group (``a.b: 1``, ``a: {b: 2}``: one parameter to rcl),
    listed in ``repeated`` too (``yaml_keys.dotted_repeats``).
    """

    keep_last = True  # (yaml_keys.RepeatedKeys)

    def __init__(self, stream):
        if not _LibYaml:
            super().__init__(stream)
            return
        _LibYaml.__init__(self, stream)  # its events, composed by PyYAML's Composer here
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def get_single_node(self):
        """Return the file's documents as one node: rcl reads them as one mapping of nodes.

        One document: its node (None: none). Several (``---``): their mappings joined in file
        order, a section given in two documents merged and a value given twice the later one,
        as rcl reads them (its sections applied in the order each name first appears). A
        document that is not a mapping (empty, a list) among several: a ComposerError naming
        its line (rcl: "No key at line ...").
        """
        self.get_event()  # StreamStartEvent
        documents, starts, repeated = [], [], []
        while not self.check_event(yaml.StreamEndEvent):
            starts.append(self.peek_event().start_mark)  # its '---' (or its first line)
            documents.append(self.compose_document())
            repeated += self.repeated
        self.get_event()
        if len(documents) < 2:
            self.repeated = repeated
            return documents[0] if documents else None
        for document, start in zip(documents, starts, strict=True):
            if not isinstance(document, yaml.MappingNode):
                raise yaml.composer.ComposerError(
                    None, None, "a document of this file holds no mapping of nodes: rcl reads "
                    "the documents of a file (---) as one mapping; remove that document or "
                    "write '<node>: ros__parameters: ...' in it", start)
        joined = yaml.MappingNode(_MAP, [pair for document in documents
                                         for pair in document.value],
                                  documents[0].start_mark, documents[-1].end_mark)
        merge_repeated(joined, True, found=repeated)
        repeated += [found for found in dotted_repeats(joined) if found not in repeated]
        self.repeated = repeated
        return joined

    def compose_document(self):
        node = super().compose_document()
        self.repeated += dotted_repeats(node)
        return node

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"found an alias (*{event.anchor}), which rcl does not read: write "
                "the value again", event.start_mark)
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor):
        event = self.peek_event()
        node = super().compose_scalar_node(anchor)
        if event.style in ("'", '"'):
            node.tag = _STR
        elif not event.value:
            node.tag = _EMPTY
        elif event.tag != _STR:
            node.tag = _PLAIN
        return node

    def compose_sequence_node(self, anchor):
        node = super().compose_sequence_node(anchor)
        node.tag = _SEQ
        return node

    def compose_mapping_node(self, anchor):
        node = super().compose_mapping_node(anchor)
        node.tag = _MAP if node.value else _EMPTY_MAP
        for key, _ in node.value:  # a key is a name (a node's, a parameter's): never typed
            if isinstance(key, yaml.ScalarNode) and key.tag in (_PLAIN, _EMPTY):
                key.tag = _STR
        return node


class OctalInt(int):
    """A whole number rcl reads as octal from zero-led digits (``0100``: 64), as rcl reads it.

    ``text``: the digits as written; ``line``: where (1-based; 0 unknown). An int to every
    reader; :func:`zero_led` finds it, so that no check takes 64 for the 100 a lab meant.
    """

    text = ""
    line = 0


class ZeroLedFloat(float):
    """Zero-led whole digits with an 8 or 9 that rcl reads as a float (``08``: 8.0).

    C's ``strtol(text, 0)`` takes the leading 0 for octal and stops at the 8 (not all of the
    text read: no int), then ``strtod`` reads it all as the decimal 8.0. ``text`` and ``line``
    as :class:`OctalInt`'s. A float to every reader; :func:`zero_led` finds it: a whole-number
    or string parameter gets a float from it (``param_ranges.digits_refusal``).
    """

    text = ""
    line = 0


def _plain_scalar(loader, node):
    text = loader.construct_scalar(node)
    value = rcl_scalar(text)
    digits = text.strip(_C_SPACE)
    if type(value) is int and _octal(digits):
        value = OctalInt(value)
    elif type(value) is float and _zero_led_float(digits):
        value = ZeroLedFloat(value)
    else:
        return value
    value.text, value.line = digits, node.start_mark.line + 1
    return value


RclLoader.add_constructor(_PLAIN, _plain_scalar)
RclLoader.add_constructor(_EMPTY, lambda loader, node: None)


class EmptyMapping(dict):
    """A mapping written empty (``planner: {}``); ``line``: where (1-based).

    rcl cannot read one as a parameter group: before another entry it fails ("Cannot have a
    value before ros__parameters"), after a group's last entry it misreads what follows
    (``{b: {}, a: 1}`` gives ``b.a``), as the last it declares the group's name as a parameter
    without a value (``params_file`` refuses it). Holds keys only where the same mapping is
    given again below with some (merged).
    """

    line = 0


def _empty_mapping(loader, node):
    mapping = EmptyMapping()
    mapping.line = node.start_mark.line + 1
    yield mapping
    mapping.update(loader.construct_mapping(node))


RclLoader.add_constructor(_EMPTY_MAP, _empty_mapping)


def _python_parser_error(text: str) -> None:
    """Raise PyYAML's own parser's error for ``text`` that libyaml refused, if it has one.

    The two word the same fault differently (libyaml: ``line 2, column 1: did not find
    expected ',' or ']'``; PyYAML: ``line 1, column 16: expected ',' or ']', but got '<stream
    end>'``, at the place the text stops making sense): one wording whether or not this PyYAML
    has libyaml. Not where PyYAML's fault is a tab libyaml reads (then libyaml's error stands).
    """
    try:
        for _ in yaml.compose_all(text, Loader=yaml.SafeLoader):
            pass
    except yaml.MarkedYAMLError as exc:
        if "\t" not in (exc.problem or ""):
            raise exc from None


def load(text: str, repeated: list | None = None):
    """Return the YAML document ``text`` with rcl's scalar types; raises yaml.YAMLError.

    Several documents (``---``) are one mapping, as rcl reads them (``RclLoader``). A tab
    where libyaml (and so rcl) refuses one, as indentation or after ``-``: the error's problem
    says so (``found a tab ...: indent with spaces``).
    ``repeated``: receives each value given twice in one mapping, whose later one is kept (as
    rcl keeps it): ``(key path, first line, later line)`` (``yaml_keys.RepeatedKeys``).
    """
    loader = RclLoader(text)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        if mark and line[mark.column:mark.column + 1] == "\t" and "tab" not in exc.problem:
            exc.problem = ("found a tab where rcl reads none (tabs may separate the tokens of a "
                           "line, not indent it or follow '-'): use spaces there") if _LibYaml \
                else ("found a tab, which this PyYAML (built without libyaml, rcl's parser) "
                      "cannot read: use spaces there")
        elif _LibYaml:
            _python_parser_error(text)
        raise
    finally:
        loader.dispose()
    if repeated is not None:
        repeated.extend(getattr(loader, "repeated", ()))  # (none: no document)
    return document


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


def zero_led(value):
    """Return the zero-led number in ``value`` (:func:`load`'s) that rcl reads unlike its digits.

    ``value`` itself where it is an :class:`OctalInt` or :class:`ZeroLedFloat`, a list's first
    such entry, else None (rcl gives the node what the digits say).
    """
    if isinstance(value, (OctalInt, ZeroLedFloat)):
        return value
    return next((item for item in (value if isinstance(value, list) else ())
                 if isinstance(item, (OctalInt, ZeroLedFloat))), None)


def plain(value):
    """Return ``value`` with each :class:`OctalInt`/:class:`ZeroLedFloat` as a plain int/float."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, OctalInt):
        return int(value)
    return float(value) if isinstance(value, ZeroLedFloat) else value


def _fromhex(text: str) -> float:
    try:
        return float.fromhex(text)
    except OverflowError:
        return math.inf
