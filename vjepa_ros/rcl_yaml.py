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
One scalar's typing is ``rcl_scalars.py``; the words for a number rcl reads unlike it looks
(``string_reason``, ``number_reading``, ``zero_led_reading``) are ``rcl_readings.py``; all
importable from here as before.
"""

from __future__ import annotations

import yaml

from vjepa_ros.rcl_readings import (  # noqa: F401 (re-exported for users' imports)
    number_reading,
    string_reason,
    zero_led_reading,
)
from vjepa_ros.rcl_scalars import _C_SPACE, _octal, _zero_led_float, rcl_scalar
from vjepa_ros.yaml_keys import RepeatedKeys, dotted_repeats, merge_repeated

try:  # libyaml, the parser rcl reads files with (bundled in PyYAML's wheels)
    from yaml.cyaml import CParser as _LibYaml
except ImportError:  # PyYAML built without it: its own parser (a tab between tokens refused)
    _LibYaml = None

_PLAIN = "tag:vjepa_ros,rcl:plain"  # a plain scalar, typed by rcl_scalar
_EMPTY = "tag:vjepa_ros,rcl:empty"  # an empty scalar that is not quoted: None, no value
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_EMPTY_MAP = "tag:vjepa_ros,rcl:empty-map"  # '{}': EmptyMapping


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
