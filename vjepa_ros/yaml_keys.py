"""Keys given twice in a user's YAML file: a section merged, a value refused (or rcl's last kept).

PyYAML keeps the last of two equal keys of a mapping without a word, so a section given twice
(``optim:`` at the top of a settings file and again below it) silently lost the first one's
settings. Here a section (a mapping) given twice is merged key by key, as rcl merges a node
section given twice in a ROS 2 parameter file, so that both kinds of file read alike and the
file reads as written. A value (a number, a string, a list) given twice in a settings file (or
in a mapping given as one value: ``--set optim={...}``, ``model.encoder_args``) has two
meanings: :class:`SettingsLoader` refuses it, naming the key and both lines
(:class:`RepeatedKeyError`); a parameter file keeps the later value, as rcl does
(``keep_last``), and lists it for a warning (``RepeatedKeys.repeated``; a value given dotted
and in its group, one parameter to rcl: ``dotted_repeats``). No rclpy here.
"""

from __future__ import annotations

import re

import yaml

from vjepa_ros.rcl_scalars import rcl_scalar

_MERGE = "tag:yaml.org,2002:merge"  # '<<: *base': keys of an anchor, overridden by design


def both_lines(first: int, later: int) -> str:
    """Say where a key given twice is: "lines 2 and 5", or "both on line 3" (a one-line {...})."""
    return f"both on line {first}" if first == later else f"lines {first} and {later}"


class RepeatedKeyError(yaml.YAMLError):
    """A key of a settings file given twice with a value (not a section); str: one line.

    ``optim.lr is given twice (lines 2 and 5): keep one of them``. ``keys``: the key path
    (``("optim", "lr")``); ``name``: it dotted (``optim.lr``); ``lines``: the 1-based lines of
    both.
    """

    def __init__(self, keys: tuple, lines: tuple[int, int]):
        name = dotted(keys)
        super().__init__(f"{name} is given twice ({both_lines(*lines)}): keep one of them")
        self.keys, self.name, self.lines = tuple(keys), name, lines

    def one_line_value(self, under: str = "") -> str:
        """Say it for a value written on one line (a ``--set`` item): no line numbers.

        ``under``: the name the value was given to (``--set optim={...}``: ``optim``), named
        before the key (``optim.lr``, ``x[0].a``).
        """
        return f"{dotted((under, *self.keys)) if under else self.name} is given twice: keep " \
            "one of them"


class BoolWordError(yaml.YAMLError):
    """A settings value written as a true/false word that readers disagree on; str: one line.

    ``planner.warm_start: off (line 3) is false to PyYAML (YAML 1.1) and to rcl, but text to
    YAML 1.2: write false for true/false, or quote it ('off') for the text``; ``y``: ``... is
    true to rcl, but text to PyYAML (which reads settings files) and to YAML 1.2: ...``.
    ``keys``: the key path; ``name``: it dotted; ``line``: 1-based; ``word``: as written.
    """

    def __init__(self, keys: tuple, word: str, truth: bool, line: int):
        name = dotted(keys) or "the value"
        said = "true" if truth else "false"
        readers = ("to rcl, but text to PyYAML (which reads settings files) and to YAML 1.2"
                   if len(word) == 1 else "to PyYAML (YAML 1.1) and to rcl, but text to YAML 1.2")
        self.reading = f"{word} is {said} {readers}: write {said} for true/false, or quote it " \
            f"('{word}') for the text"
        super().__init__(f"{name}: {self.reading.replace(' is ', f' (line {line}) is ', 1)}")
        self.keys, self.name, self.word, self.line = tuple(keys), name, word, line

    def one_line_value(self, under: str = "") -> str:
        """Say it for a value written on one line (a ``--set`` item): no line number.

        ``under``: the name the value was given to (``--set progress=yes``: ``progress``;
        ``--set optim={x: off}``: ``optim``), named before the key (``optim.x``).
        """
        return f"{dotted((under, *self.keys)) if under else self.name}: {self.reading}"


def bool_words(node, keys: tuple = ()) -> None:
    """Raise :class:`BoolWordError` for the first plain value of ``node`` that is a bool word.

    The words rcl reads as true/false besides ``true``/``false`` (``y``, ``Yes``, ``NO``,
    ``on``, ``Off``; rcl_yaml_param_parser ``get_value``): YAML 1.1 (PyYAML) reads
    ``yes/no/on/off`` as true/false but ``y``/``n`` as text, YAML 1.2 all of them as text, so
    the same line means one thing in a settings file and another in a parameter file or to
    another YAML reader. Keys are names, not looked at; a quoted value is text to all.
    """
    if isinstance(node, yaml.ScalarNode) and getattr(node, "plain", False):
        truth = rcl_scalar(node.value)
        if isinstance(truth, bool) and node.value.lower() not in ("true", "false"):
            raise BoolWordError(keys, node.value, truth, node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            bool_words(item, (*keys, f"[{index}]"))
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            bool_words(value, (*keys, getattr(key, "value", "?")))


class RepeatedKeys:
    """A PyYAML loader mixin: merge sections given twice; refuse a value given twice.

    ``keep_last = True``: keep the later value instead, as rcl does with a parameter given
    twice in a parameter file; ``repeated`` then lists each as ``(keys, first line, later
    line)`` (``keys``: the key path, a tuple of names; lines 1-based), for a warning.
    """

    keep_last = False

    def compose_document(self):
        node = super().compose_document()
        self.repeated = []
        merge_repeated(node, self.keep_last, found=self.repeated)
        return node


_DECIMAL = "tag:vjepa_ros,settings:decimal"  # zero-led digits: a decimal, as YAML 1.2 reads them
_ZERO_LED = re.compile(r"[-+]?0[0-9_]+")
# YAML 1.1's numbers that YAML 1.2's core schema (and the options: --max-steps 1:30) reads as
# text: base 60 (1:30 is 90, 1:30.5 90.5) and binary (0b11 is 3)
_YAML11_ONLY = re.compile(r"[-+]?(?:0b[01_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)")


class SettingsLoader(RepeatedKeys, yaml.SafeLoader):
    """``yaml.SafeLoader`` whose sections given twice merge and whose values given twice fail.

    Plain whole numbers with leading zeros (``0100``, ``000042``, ``08``, ``0900001``) are their
    decimal value, as YAML 1.2 (and the commands' options: ``--steps 0100``) reads them, not
    YAML 1.1's octal (64, 34) or a string (``08``, not an octal number there). YAML 1.1's
    base-60 and binary numbers (``1:30`` is 90, ``15:00`` 900, ``0b11`` 3) are strings, as YAML
    1.2 reads them: a number setting refuses them by its type, naming the text. A true/false
    word readers disagree on (``yes``, ``off``, ``y``) is refused (:class:`BoolWordError`).
    """

    def compose_scalar_node(self, anchor):
        plain = self.peek_event().implicit[0]  # no tag, not quoted: typed by the reader
        node = super().compose_scalar_node(anchor)
        node.plain = plain
        return node

    def compose_document(self):
        node = super().compose_document()
        bool_words(node)  # refuse the true/false words readers disagree on
        return node

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0] and _ZERO_LED.fullmatch(value):
            return _DECIMAL
        if kind is yaml.ScalarNode and implicit[0] and _YAML11_ONLY.fullmatch(value):
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


SettingsLoader.add_constructor(
    _DECIMAL, lambda loader, node: int(loader.construct_scalar(node).replace("_", ""), 10))


def load_settings(text: str):
    """Return the YAML document ``text`` (as ``yaml.safe_load``) with keys given twice handled.

    Zero-led whole numbers are decimal (``0100`` is 100: :class:`SettingsLoader`). The text of a
    settings file or a value typed for settings (``--set KEY=VALUE``, ``--encoder-arg``): its
    values read as rcl reads the same line or are refused: a true/false word other than
    ``true``/``false`` (``yes``, ``off``, ``y``: :func:`bool_words`).
    ``~``/``null`` stay None (a setting that takes none: ``data_seed: null``), ``1e3`` is the
    text a float setting reads as 1000.0 (``config``), ``0x10`` 16 and ``.inf`` inf, as rcl.

    Raises :class:`RepeatedKeyError` for a value given twice, :class:`BoolWordError` for such a
    word (each says it for a one-line value: ``one_line_value``), yaml.YAMLError for bad YAML.
    """
    return yaml.load(text, Loader=SettingsLoader)  # noqa: S506 - a SafeLoader subclass


def merge_repeated(node, keep_last: bool = False, keys: tuple = (), seen: set | None = None,
                   found: list | None = None):
    """Merge in place the mappings of composed YAML ``node`` whose keys repeat, deeply.

    Two values of one key that are both mappings become one mapping (the first's keys, then the
    second's, merged in turn); other repeated values raise :class:`RepeatedKeyError` naming
    the key path (``keys`` + the key, dotted) and both lines, or (``keep_last``) the later one
    is kept, and ``(key path, first line, later line)`` appended to ``found`` (when given).
    Keys are equal when their resolved tag and text are (``1`` and ``'1'`` are two keys, as
    YAML reads them).
    """
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias met again (or a recursive one)
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            merge_repeated(item, keep_last, (*keys, f"[{index}]"), seen, found)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    merged, where = [], {}
    for key, value in node.value:
        name = (key.tag, key.value) if isinstance(key, yaml.ScalarNode) else None
        if name is None or key.tag == _MERGE or name not in where:
            if name is not None and key.tag != _MERGE:
                where[name] = len(merged)
            merged.append((key, value))
            continue
        first_key, first = merged[where[name]]
        if isinstance(first, yaml.MappingNode) and isinstance(value, yaml.MappingNode):
            value = yaml.MappingNode(first.tag, first.value + value.value, first.start_mark,
                                     value.end_mark, first.flow_style)
        else:
            lines = (first_key.start_mark.line + 1, key.start_mark.line + 1)
            if not keep_last:
                raise RepeatedKeyError((*keys, key.value), lines)
            if found is not None:
                found.append(((*keys, key.value), *lines))
        merged[where[name]] = (first_key, value)
    node.value = merged
    for key, value in merged:
        merge_repeated(value, keep_last, (*keys, getattr(key, "value", "?")), seen, found)


def dotted_repeats(node) -> list[tuple[tuple, int, int]]:
    """Return the values of composed YAML ``node`` that one full dotted name gives twice.

    rcl keys a parameter by its full name, so ``safety.max_step_m: 0.05`` and ``safety:
    {max_step_m: 0.2}`` in one section are one parameter given twice (the later kept): each
    such pair as ``(key path, first line, later line)`` (the path split at dots, lines
    1-based, as :func:`merge_repeated` lists a key given twice). Run it after
    :func:`merge_repeated`, which lists (and folds) a key given twice as written.
    """
    seen: dict = {}
    found = []

    def walk(mapping, keys: tuple):
        for key, value in mapping.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
                continue
            path = (*keys, *str(key.value).split("."))
            if isinstance(value, yaml.MappingNode):
                walk(value, path)
                continue
            line = key.start_mark.line + 1
            if path in seen:
                found.append((path, *sorted((seen[path], line))))
            seen[path] = line

    if isinstance(node, yaml.MappingNode):
        walk(node, ())
    return found


def dotted(keys) -> str:
    """Return a key path as one name: ``("optim", "lr")`` → ``optim.lr``, ``a[0].b``."""
    return "".join(key if key.startswith("[") or not index else f".{key}"
                   for index, key in enumerate(map(str, keys)))


def setting_given_twice(data: dict) -> str:
    """Return the first setting a settings mapping gives twice, dotted and in its section.

    ``{"optim.lr": 1e-3, "optim": {"lr": 1e-2}}``: ``"optim.lr"`` (both spellings name one
    setting; which one wins would depend on their order); "" when none is.
    """
    found: set = set()
    for top, value in data.items():
        for name, _ in setting_leaves(f"{top}", value):
            if name in found:
                return name
            found.add(name)
    return ""


def setting_leaves(key: str, value):
    """Yield ``(dotted name, value)`` of each leaf of a setting (a mapping value walked into).

    ``("optim", {"lr": 1e-3})`` yields ``("optim.lr", 1e-3)``; an empty mapping is a leaf.
    """
    if isinstance(value, dict) and value:
        for name, item in value.items():
            yield from setting_leaves(f"{key}.{name}", item)
    else:
        yield key, value
