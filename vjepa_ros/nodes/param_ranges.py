"""Whether a ``-p`` number is outside the declared range of the node parameter it sets.

A refusal that suggests values (``rcl_yaml.number_reading``: ``write -100 (or -64, ...)``) must
not suggest one the node then refuses (``planner.samples`` is at least 1): :func:`range_words`
says so, from the ranges the nodes' settings declare (``config.param``'s ``range=``): each
registered node's (``node_registry.NODES``' ``config``) and the planner's. The settings classes
are imported only when a refusal asks; :func:`octal_refusal` is the whole refusal of a
zero-led number rcl reads as octal.
"""

from __future__ import annotations

import importlib

from vjepa_ros.config import RANGE_KEYS, field_at, format_range, in_range
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.rcl_yaml import OctalInt, octal_problem

# The planner's settings ("module:Class"): not its registry entry's ``config``, which would make
# ``launch_values.check_ranges`` check the planner's launch arguments too.
PLANNER_SETTINGS = "vjepa_ros.robot.planner_config:PlannerNodeConfig"


def node_settings() -> tuple[str, ...]:
    """Return the "module:Class" of every node's settings whose fields are ROS parameters.

    The planner's and each registered node's (``NodeEntry.config``). A name two declare
    (``camera.width``) is out of range only when it is out of every declared range.
    """
    return (PLANNER_SETTINGS, *(entry.config for entry in NODES.values() if entry.config))


def declared_ranges(name: str) -> list[dict]:
    """Return the range metadata (``config.RANGE_KEYS``) every node setting ``name`` declares.

    ``name``: the parameter's dotted name (``planner.samples``; a ``node:`` prefix is cut, and
    ``vjepa-ros launch``'s ``NODE.`` when the whole name is no setting).
    Empty when no node setting of that name declares a range.
    """
    name = name.rpartition(":")[2]
    found = _ranges(name)
    if not found and "." in name:  # vjepa-ros launch's NODE.name
        found = _ranges(name.partition(".")[2])
    return found


def _ranges(name: str) -> list[dict]:
    found = []
    for target in node_settings():
        module, _, cls_name = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except (ImportError, AttributeError):  # a part not installed: not looked up
            continue
        field = field_at(cls, name)
        if field is not None and "range" in field.metadata:
            found.append({k: v for k, v in field.metadata.items() if k in RANGE_KEYS})
    return found


def octal_refusal(name: str, value) -> tuple[OctalInt, str] | None:
    """Return the zero-led number in ``value`` rcl reads as octal, and why it is refused.

    ``name``: the parameter (``planner.samples``, as :func:`declared_ranges` takes it);
    ``value``: as ``rcl_yaml.load`` reads it (a list: its first such entry). The why is
    ``rcl_yaml.octal_problem``'s (``rcl reads -0100 as the octal number -64 ...: write -100
    (or -64, ...)``) and, for a number alone, :func:`range_words`' (``; but planner.samples
    must lie in [1, 100000]: neither -100 nor -64 is taken``). None: no such number (rcl
    gives the node what the digits say).
    """
    problem = octal_problem(value)
    if not problem:
        return None
    if isinstance(value, OctalInt):
        return value, problem + range_words(name, {"decimal": int(value.text),
                                                   "octal": int(value)})
    return next(item for item in value if isinstance(item, OctalInt)), problem


def range_words(name: str, values: dict[str, int]) -> str:
    """Say which of ``values`` (reading -> number) the parameter ``name``'s range refuses.

    '' when its range is not known or takes each of them; else ``; but NAME must lie in [1,
    1000000]: neither -100 nor -64 is taken`` (or ``the decimal -100 is not taken``).
    """
    ranges = declared_ranges(name)
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
