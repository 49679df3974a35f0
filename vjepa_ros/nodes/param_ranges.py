"""Whether a ``-p`` number is outside the declared range or type of the node parameter it sets.

A refusal that suggests values (``rcl_readings.zero_led_reading``: ``write -100 (or -64, ...)``)
must not suggest one the node then refuses (``planner.samples`` is at least 1): :func:`range_words`
says so, from the ranges the nodes' settings declare (``config.param``'s ``range=``): each
registered node's (``node_registry.NODES``' ``config``) and the planner's. The settings classes
are imported only when a refusal asks; :func:`digits_refusal` is the whole refusal of zero-led
digits rcl reads unlike their decimal (``010`` octal 8, ``08`` the float 8.0), by the type the
parameter is declared with.
"""

from __future__ import annotations

import dataclasses
import importlib
import json

from vjepa_ros.config import (
    RANGE_KEYS,
    dotted_fields,
    field_at,
    field_hint,
    format_range,
    in_range,
    item_type,
)
from vjepa_ros.name_lists import CLOSE, closest_name
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.rcl_readings import zero_led_reading
from vjepa_ros.rcl_yaml import OctalInt, ZeroLedFloat, zero_led

# The planner's settings ("module:Class"): not its registry entry's ``config``, which would make
# ``launch_values.check_ranges`` check the planner's launch arguments too.
PLANNER_SETTINGS = "vjepa_ros.robot.planner_config:PlannerNodeConfig"
# how the closest name is written: launch's -p NODE.name, a node executable's -p name, a file's
LAUNCH_FORM, NODE_FORM, FILE_FORM = "-p {node}.{name}:=...", "-p {name}:=...", "'{name}'"


def node_settings() -> tuple[str, ...]:
    """Return the "module:Class" of every node's settings whose fields are ROS parameters.

    The planner's and each registered node's (``NodeEntry.config``). A name two declare
    (``camera.width``) is out of range only when it is out of every declared range.
    """
    return (PLANNER_SETTINGS, *(entry.config for entry in NODES.values() if entry.config))


def declared_ranges(name: str, node: str | None = None) -> list[dict]:
    """Return the range metadata (``config.RANGE_KEYS``) every node setting ``name`` declares.

    ``name``: the parameter's dotted name (``planner.samples``; a ``node:`` prefix is cut).
    ``node``: ``vjepa-ros launch``'s ``NODE`` (``-p planner.planner.samples:=...``): only that
    node's settings are looked in (:func:`node_settings_of`); None, or a node unknown here
    (launch refuses it next): every node's.
    Empty when no node setting of that name declares a range.
    """
    return [{k: v for k, v in field.metadata.items() if k in RANGE_KEYS}
            for field, _ in _declared(name, node) if "range" in field.metadata]


def declared_types(name: str, node: str | None = None) -> set:
    """Return the types every node setting ``name`` is declared with (a list's: its item type).

    ``{int}`` for ``planner.samples``, ``{float}`` for ``safety.workspace_min`` (a list of
    floats), ``{str}``, ``{bool}``; empty where no node setting has that name. ``name`` and
    ``node`` as :func:`declared_ranges` takes them.
    """
    types = set()
    for _, hint in _declared(name, node):
        types.add(item_type(hint))
    return types


def node_settings_of(node: str) -> str:
    """Return the "module:Class" of the settings node ``node`` (a ``NODES`` key) declares.

    The planner's :data:`PLANNER_SETTINGS`; "" for a node without settings here or no such node.
    """
    if node == "planner":
        return PLANNER_SETTINGS
    return NODES[node].config if node in NODES else ""


def _declared(name: str, node: str | None = None) -> list:
    """Return ``(field, type hint)`` of each node setting ``name`` (a ``node:`` prefix is cut).

    ``node``: as :func:`declared_ranges` takes it.
    """
    name = name.rpartition(":")[2]
    own = node_settings_of(node) if node is not None else ""
    return _fields(name, (own,) if own else node_settings())


def _settings_class(target: str):
    """Return the settings class "module:Class" names (None: a part not installed)."""
    module, _, cls_name = target.partition(":")
    try:
        return getattr(importlib.import_module(module), cls_name)
    except (ImportError, AttributeError):  # a part not installed: not looked up
        return None


def _fields(name: str, targets) -> list:
    found = []
    for target in targets:
        cls = _settings_class(target)
        field = None if cls is None else field_at(cls, name)
        if field is not None:
            found.append((field, field_hint(cls, name)))
    return found


def digits_refusal(name: str, value, node: str | None = None, called: str = "",
                   form: str = LAUNCH_FORM) -> tuple[OctalInt | ZeroLedFloat, str] | None:
    """Return the zero-led number in ``value`` the node would not get as typed, and why.

    rcl reads ``010`` as the octal 8 and ``08`` (or ``018``, ``-09``) as the float 8.0
    (``rcl_yaml``): refused wherever the node would get another value or type than the digits
    say, by the type parameter ``name`` is declared with (:func:`declared_types`; a list: its
    entries', the first such entry named: ``entry 2, 010: ...``):

    - octal (``010``): any parameter (8, not 10): ``rcl reads 010 as the octal number 8 (a
      leading 0 means octal): write 10 (or 8, if the octal number was meant)``, with
      :func:`range_words` for a number alone (``; but planner.samples must lie in [1,
      100000]: neither -100 nor -64 is taken``);
    - a float (``08``): a whole-number parameter (``..., which planner.samples, a whole
      number, refuses: write 8``) and a string one (``..., which goal_image_path, a string,
      refuses: quote it ("08")``); taken by a float parameter (8.0 is 8, as typed), by one of
      another or no known type (8.0 may be what was meant), and by a true/false one (its type
      check refuses any number).

    ``name``, ``node``: as :func:`declared_ranges` takes them; ``value``: as ``rcl_yaml.load``
    reads it. With ``node`` (``vjepa-ros launch``'s NODE, a node executable's own node, the node
    of a parameter file's section), a name that node does not declare is refused as unknown
    first (:func:`unknown_words`, with ``called`` and ``form``): a fixed number would only meet
    that refusal next. None: nothing refused.
    """
    alone = zero_led(value) is value
    items = [(0, value)] if alone else [
        (index, item) for index, item in enumerate(value if isinstance(value, list) else (), 1)
        if zero_led(item) is item]
    if not items:
        return None  # (the settings classes are imported only when a refusal may ask)
    unknown = unknown_words(name, node, called, form) if node is not None else ""
    if unknown:
        return items[0][1], unknown
    setting, types = name.rpartition(":")[2], declared_types(name, node)
    for index, item in items:
        said, fix = zero_led_reading(item.text)
        numbers = {"decimal": int(item.text)}
        if str in types:  # a number, not the string typed
            said, fix, numbers = f"{said}, which {setting}, a string, refuses", \
                f"quote it ({json.dumps(item.text)})", {}
        elif isinstance(item, ZeroLedFloat) and int in types:
            said = f"{said}, which {setting}, a whole number, refuses"
        elif isinstance(item, ZeroLedFloat):
            continue  # a float parameter gets 8.0 for 08, as typed; any other: no type known
        if not alone:
            return item, f"entry {index}, {item.text}: {said}: {fix}"
        if isinstance(item, OctalInt) and numbers:
            numbers["octal"] = int(item)
        return item, f"{said}: {fix}{range_words(name, numbers, node) if numbers else ''}"
    return None


def range_words(name: str, values: dict[str, int], node: str | None = None) -> str:
    """Say which of ``values`` (reading -> number) the parameter ``name``'s range refuses.

    '' when its range is not known or takes each of them; else ``; but NAME must lie in [1,
    1000000]: neither -100 nor -64 is taken`` (or ``the decimal -100 is not taken``). ``node``:
    as :func:`declared_ranges` takes it.
    """
    ranges = declared_ranges(name, node)
    if not ranges:
        return ""
    refused = [(reading, number) for reading, number in values.items()
               if not any(in_range(number, declared["range"], declared.get("low_open", False),
                                   declared.get("high_open", False)) for declared in ranges)]
    if not refused:
        return ""
    said = f"{name.rpartition(':')[2]} must lie in {format_range(**ranges[0])}"
    if len(refused) == len(values) and len(values) > 1:
        listed = " nor ".join(str(number) for _, number in refused)
        return f"; but {said}: neither {listed} is taken"
    reading, number = refused[0]
    return f"; but {said}: the {reading} {number} is not taken"


def unknown_words(name: str, node: str, called: str = "", form: str = LAUNCH_FORM) -> str:
    """Say that node ``node`` (a ``NODES`` key) has no parameter ``name``, and the closest.

    ``planner has no parameter 'seed' (closest: -p planner.planner.seed:=...)``: a setting
    ending in ``.name`` first, else the one whose last part is most like ``name``'s
    (``difflib`` ratio at least 0.6: ``sampels`` → ``planner.samples``); "" where ``node`` declares
    ``name``, is not known here (no settings, a part not installed), or ``name`` is rclpy's own
    (``use_sim_time``: ``rclpy_own``, the node's rule; ``qos_overrides.*`` is none, the node
    refuses it). ``called``: the node as the line names it (default ``node``: launch's
    NODE; ``vjepa_planner`` for its executable); ``form``: the closest name's spelling,
    ``{node}``/``{name}`` filled (:data:`LAUNCH_FORM`, :data:`NODE_FORM`, :data:`FILE_FORM`).
    """
    from vjepa_ros.nodes.rclpy_own import rclpy_own

    name = name.rpartition(":")[2]  # (-p vjepa_planner:seed:=...: rcl's node prefix)
    target = node_settings_of(node)
    cls = _settings_class(target) if target else None
    if cls is None or name in rclpy_own() or field_at(cls, name) is not None:
        return ""
    names = [dotted for dotted in dotted_fields(cls)
             if not dataclasses.is_dataclass(field_hint(cls, dotted))]  # no sections
    # by the last part: 'sampels' ~ 'planner.samples'
    closest = closest_name(name, names, cutoff=CLOSE, key=lambda dotted: dotted.rpartition(".")[2])
    hint = f" (closest: {form.format(node=node, name=closest)})" if closest else ""
    return f"{called or node} has no parameter {name!r}{hint}"
