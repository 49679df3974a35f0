"""Typed configuration: described dataclass fields, strict loading, declared ranges.

Every configurable value in vjepa_ros is a dataclass field made with :func:`param`, which carries
the description that the ROS nodes publish with the parameter. Nested dataclasses become dotted
ROS parameter names (``planner.samples``). The user's YAML files (settings, ROS 2 parameter
files) are read by ``yaml_files``; the package's own ``config/`` files are found by
``package_files``. The declared ranges and frame ids are checked by ``config_ranges``
(importable from here). This module does not import rclpy.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import typing
from collections.abc import Collection
from typing import Any

from vjepa_ros.config_ranges import (  # noqa: F401 (the range checks: re-exported)
    CHECK_KEYS,
    FRAME_ID,
    FRAME_ID_RULE,
    RANGE_KEYS,
    check_field,
    check_given,
    check_range,
    check_values,
    empty_refused,
    format_range,
    in_range,
    value_range,
)


def param(default, description: str, **kwargs):
    """Return a dataclass field with a default and a description (``ros2 param describe``).

    ``zero_off="clipping"``: 0 turns the setting off (a ``null`` is refused saying so);
    ``range=(low, high)`` (and ``low_open=True`` for ``low < value``, ``high_open=True`` for
    ``value < high``) gives a number's sane range, ``unit="m"`` the unit its messages and help
    give it in (``must lie in (0, 0.2] m``), ``high_why="..."`` the reason for its upper bound
    that a refusal of a value above it adds (``got 80.0: 70 N is ...``), ``frame_id=True``
    marks a ROS frame id or empty (a default is derived from other settings), and
    ``frame_id="required"`` a ROS frame id that must be given: :func:`check_values` refuses
    other values; ``joined=","`` marks a string holding a list, its items joined by ``,``
    (a list given is refused naming the joined form to write: ``nodes.params.type_error``).
    """
    if isinstance(default, (list, dict)):
        return dataclasses.field(
            default_factory=lambda: type(default)(default),
            metadata={"description": description, **kwargs},
        )
    return dataclasses.field(default=default, metadata={"description": description, **kwargs})


def group(cls):
    """Return a dataclass field holding a fresh ``cls()``: a nested group (dotted names)."""
    return dataclasses.field(default_factory=cls)


class ConfigError(ValueError):
    """A configuration value of the wrong type, an unknown key or an unreadable file."""


class UsageError(ConfigError):
    """A usage error: an option given wrong, or a settings file that cannot be read as one.

    A ``-p``/``--set`` item that is not ``KEY:=VALUE``/``KEY=VALUE`` YAML, a ``-p`` for a node
    not started, a parameter a node does not have (``nodes.params.UnknownParameterError``), a
    ``-p``/``--set`` value of the wrong type (:func:`typed_on_command_line`), and
    a ``--params-file``/``--config`` file that is missing, unreadable, not YAML, empty, not a
    mapping or not in the ROS 2 layout (a section for no node included). The
    ``vjepa-ros`` commands exit with status 2 on it (:func:`exit_status`), as argparse does for
    its usage errors and the node executables for their ``--ros-args``; a value the settings
    refuse (``planner.samples 0``), a missing bag or checkpoint and a failure at work exit 1.
    """


class ValueTypeError(ConfigError):
    """A value of another type than its setting's (``planner.samples: expected an integer``).

    ``name``: the setting's dotted name (``planner.samples``; "" when not known). Where the value
    was typed on the command line (``-p``, ``--set``) it is a usage error, as argparse's
    ``invalid int value``, and the command says so with :class:`UsageError`
    (:func:`typed_on_command_line`); in a file it is a value the settings refuse (status 1).
    """

    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.name = name


def typed_on_command_line(exc: BaseException, given: Collection[str]) -> bool:
    """Whether ``exc`` is a :class:`ValueTypeError` of a setting in ``given``.

    ``given``: the dotted names of the settings typed on this command line (``-p``, ``--set``);
    a list item's error (``safety.workspace_min[2]``) counts for its list.
    """
    return isinstance(exc, ValueTypeError) and exc.name.split("[")[0] in given


def exit_status(exc: BaseException) -> int:
    """Return a command's exit status for its one-line error ``exc``: 2 usage, 1 anything else."""
    return 2 if isinstance(exc, UsageError) else 1


def _field_types(cls) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


# A finite decimal number however written (1e-1, 1E3, .5, -2.): the spellings YAML 1.1 leaves
# as strings are numbers for a float setting; nan and inf are not spelled this way.
FLOAT_SPELLING = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _shown(value) -> str:
    """Return a refused value as the user wrote it: YAML's ``null`` for None, else its repr."""
    return "null" if value is None else repr(value)


def _coerce(value, hint, where: str, root=None):
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ValueTypeError(f"{where}: expected a mapping, got {type(value).__name__}", where)
        return from_dict(hint, value, prefix=f"{where}.", root=root)
    if origin in (list, tuple):
        (item,) = typing.get_args(hint)[:1] or (Any,)
        if not isinstance(value, (list, tuple)):
            raise ValueTypeError(f"{where}: expected a list, got {value!r}", where)
        return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueTypeError(f"{where}: expected true/false, got {_shown(value)}", where)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueTypeError(f"{where}: expected an integer, got {_shown(value)}", where)
        return value
    if hint is float:
        if isinstance(value, str) and FLOAT_SPELLING.fullmatch(value.strip()) and \
                math.isfinite(float(value)):  # YAML 1.1 reads 1e-1, 1E3, 1.5e3 as strings
            return float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueTypeError(f"{where}: expected a number, got {_shown(value)}", where)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueTypeError(f"{where}: expected a string, got {_shown(value)}"
                                 f"{_quote_advice(value, where)}", where)
        return value
    return value


def _quote_advice(value, where: str) -> str:
    """Return how to give a string setting that YAML read as another type ('' none applies).

    ``checkpoint: 1.10`` is the number 1.1 to YAML, ``yes`` true, ``2024-01-01`` a date: the text
    in quotes is the string as typed (``checkpoint: "1.10"``).
    """
    import datetime

    kinds = ((bool, "true/false"), ((int, float), "a number"), (datetime.date, "a date"))
    kind = next((kind for types, kind in kinds if isinstance(value, types)), "")
    if not kind:
        return ""
    return (f" (YAML reads the text as {kind}): write the string in quotes as typed "
            f"({where.rpartition('.')[2]}: \"...\")")


def from_dict(cls, data: dict | None, prefix: str = "", root=None):
    """Build dataclass ``cls`` from a nested or dotted-key mapping, strictly typed.

    Missing keys keep their defaults. Unknown keys raise :class:`UsageError` (exit status 2,
    as an unknown option), one ``; ``-separated part each, its whole key path and the section
    a setting of that name is in (``lr: unknown setting here; did you mean optim.lr?``), else
    the closest name (``planner.sampels: unknown setting (closest: samples)``); the keys with
    neither share one part listing the known settings once (``a, b: unknown settings (known:
    ...)``); a file whose keys are mostly another command's is named as that (``this looks
    like a settings file for vjepa-ros train ...``, ``config_kinds.looks_like``); wrongly typed
    values raise :class:`ValueTypeError` (``planner.samples: expected an integer, got 'x'``).
    ``prefix``: the key path of ``data`` (``planner.``); ``root``: ``(dataclass, its key
    path)`` whose sections an unknown key is looked for in (default ``(cls, prefix)``).
    """
    data = unflatten(dict(data or {}))
    types = _field_types(cls)
    root = root or (cls, prefix)
    unknown = sorted(set(data) - set(types))
    if unknown:
        raise UsageError(_unknown_message(unknown, types, prefix, root, data))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    try:
        values = {k: _coerce(v, types[k], prefix + k, root) for k, v in data.items()}
    except ValueTypeError as exc:  # a null where 0 turns the setting off: say so
        key = exc.name.removeprefix(prefix)
        off = fields[key].metadata.get("zero_off") if key in fields else None
        if off and key in data and data[key] is None:
            raise ValueTypeError(f"{exc}; 0 disables {off}", exc.name) from None
        raise
    defaults = cls()
    for name, hint in types.items():
        if name not in values and dataclasses.is_dataclass(hint):
            values[name] = getattr(defaults, name)
    return dataclasses.replace(defaults, **values)


def _unknown_message(unknown: list[str], names, prefix: str, root, data: dict) -> str:
    """Return the one line refusing the ``unknown`` keys of ``data`` (``names``: the known).

    The file of another command (``train``'s read as ``pretrain``'s, a ROS 2 parameter file):
    whose it looks like (``config_kinds.looks_like``). Else each key with a hint gets its own
    part (the section holding a setting of that name, or the closest name); the keys without
    one share a part that lists the known settings once.
    """
    if not prefix:
        from vjepa_ros.config_kinds import looks_like

        kind = looks_like(root[0], data, unknown)
        if kind:
            return kind
    parts, plain = [], []
    for key in unknown:
        hint = _unknown(key, names, prefix, root)
        if hint:
            parts.append(f"{prefix}{key}: {hint}")
        else:
            plain.append(prefix + key)
    if plain:
        parts.append(f"{', '.join(plain)}: unknown setting{'s' if len(plain) > 1 else ''} "
                     f"(known: {', '.join(sorted(names))})")
    return "; ".join(parts)


def _unknown(key: str, names, prefix: str, root) -> str | None:
    """Return why ``key`` is unknown: the sections holding a setting of that name, or close.

    None when neither is found.
    """
    homes = [name for name in dotted_fields(*root) if name.rpartition(".")[2] == key
             and name != prefix + key]
    if homes:
        return f"unknown setting here; did you mean {' or '.join(homes)}?"
    meant = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return f"unknown setting (closest: {meant[0]})" if meant else None


def field_at(cls, dotted: str) -> dataclasses.Field | None:
    """Return the field ``dotted`` (``planner.samples``) of dataclass ``cls``, deeply.

    A dotted name walks into the sections (fields whose type is a dataclass). None where ``cls``
    has no such field, or the name goes on past a field that is no section.
    """
    head, _, rest = dotted.partition(".")
    found = next((f for f in dataclasses.fields(cls) if f.name == head), None)
    if found is None or not rest:
        return found
    hint = _field_types(cls)[head]
    return field_at(hint, rest) if dataclasses.is_dataclass(hint) else None


def field_hint(cls, dotted: str):
    """Return the type hint of the field ``dotted`` of dataclass ``cls`` (as :func:`field_at`).

    ``int`` for ``planner.samples``, ``list[float]`` for ``safety.workspace_min``; None where
    ``cls`` has no such field.
    """
    head, _, rest = dotted.partition(".")
    hint = _field_types(cls).get(head)
    if not rest or hint is None:
        return hint
    return field_hint(hint, rest) if dataclasses.is_dataclass(hint) else None


def item_type(hint):
    """Return the item type of a list (or tuple) type hint; any other hint itself.

    ``float`` for ``list[float]`` and ``tuple[float, float]`` (its first), ``str`` for a bare
    ``list`` (a ROS string array); ``int`` for ``int``.
    """
    if typing.get_origin(hint) in (list, tuple) or hint in (list, tuple):
        return (typing.get_args(hint) or (str,))[0]
    return hint


def dotted_fields(cls, prefix: str = "") -> list[str]:
    """Return the dotted names of dataclass ``cls``'s fields and of its sections', deeply."""
    names = []
    for name, hint in _field_types(cls).items():
        names.append(prefix + name)
        if dataclasses.is_dataclass(hint):
            names += dotted_fields(hint, f"{prefix}{name}.")
    return names


# A user's YAML file without a document (empty, or comments and blank lines only) is a mistake
# (a wrong or unsaved file), not a request for the defaults: leaving the file out asks for those.
def unflatten(data: dict) -> dict:
    """Turn ``{"a.b": 1}`` into ``{"a": {"b": 1}}``; groups given twice are merged deeply."""
    out: dict = {}
    for key, value in data.items():
        head, _, rest = str(key).partition(".")
        if rest:
            value = {rest: value}
        if isinstance(value, dict):
            value = unflatten(value)
            if head in out and not isinstance(out[head], dict):
                raise ConfigError(f"'{head}' is both a value and a group")
            out[head] = merge_deep(out.get(head, {}), value)
        elif isinstance(out.get(head), dict):
            raise ConfigError(f"'{head}' is both a value and a group")
        else:
            out[head] = value
    return out


def merge_deep(base: dict, extra: dict) -> dict:
    """Return ``base`` updated by ``extra``, merging nested dicts key by key (inputs unchanged)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_deep(merged[key], value)
        else:
            merged[key] = value
    return merged


def flatten(cfg, prefix: str = "") -> list[tuple[str, Any, str]]:
    """List ``(dotted_name, value, description)`` for every leaf field of dataclass ``cfg``."""
    rows = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            rows += flatten(value, prefix=f"{prefix}{f.name}.")
        else:
            rows.append((prefix + f.name, value, f.metadata.get("description", "")))
    return rows
