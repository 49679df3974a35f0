"""A parameter value typed on the command line, read as the parameter's declared type (no rclpy).

``vjepa-ros planner param set NAME VALUE`` asks the node for the parameter's type first
(``~/describe_parameters``), then reads ``VALUE`` here, so that ``planner.samples 100`` is an
integer, ``planner.maxnorm 0.05`` a double and ``goal_image_path 08`` stays the text ``08``
(``ros2 param set`` guesses the type from YAML and sends ``08`` to a string parameter as the
double 8.0, which the node refuses). The type codes are ``rcl_interfaces/msg/ParameterType``'s.
"""

from __future__ import annotations

import math
import re

from vjepa_ros.config import UsageError

# rcl_interfaces/msg/ParameterType
BOOL, INTEGER, DOUBLE, STRING = 1, 2, 3, 4
BYTE_ARRAY, BOOL_ARRAY, INTEGER_ARRAY, DOUBLE_ARRAY, STRING_ARRAY = 5, 6, 7, 8, 9
TYPE_NAMES = {BOOL: "a bool", INTEGER: "an integer", DOUBLE: "a double", STRING: "a string",
              BYTE_ARRAY: "a byte array", BOOL_ARRAY: "a bool array",
              INTEGER_ARRAY: "an integer array", DOUBLE_ARRAY: "a double array",
              STRING_ARRAY: "a string array"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1  # ParameterValue.integer_value(_array): int64
_ARRAY_ITEM = {BOOL_ARRAY: BOOL, INTEGER_ARRAY: INTEGER, DOUBLE_ARRAY: DOUBLE,
               STRING_ARRAY: STRING}


def parameter_value(name: str, text: str, type_code: int):
    """Return ``text`` read as a value of ROS parameter type ``type_code`` for parameter ``name``.

    bool: ``true``/``false`` (any case); integer: decimal digits (``0100`` is 100) within int64
    (``ParameterValue``'s field; rclpy cannot send a larger one); double: a decimal or integer
    number, ``nan``/``inf`` as Python reads them (a float64 holds them: the node judges the
    range); string: the text as typed (``planner_cli.check_arguments`` refused one that is no
    UTF-8, as a ROS string must be); arrays: ``[a, b]`` YAML (``[]`` empty), each item
    read as above. Raises :class:`~vjepa_ros.config.UsageError` (exit status 2) with one line
    naming the parameter, its type and what to type.
    """
    item = _ARRAY_ITEM.get(type_code)
    if item is not None:
        return [_scalar(name, value, item, text, type_code)
                for value in _array_items(name, text, type_code)]
    if type_code not in (BOOL, INTEGER, DOUBLE, STRING):
        raise UsageError(f"parameter {name} is {TYPE_NAMES.get(type_code, 'of no settable type')}"
                         ", which this command does not set")
    return _scalar(name, text, type_code, text)


def value_text(value, type_code: int) -> str:
    """Return a parameter's value as ``param get`` prints it (``-p NAME:=`` text, read back).

    ``value``: rclpy's ``parameter_value_to_python`` of the node's answer (None: NOT_SET, as
    rclpy answers an array parameter declared empty, ``[]``); ``type_code``: its declared
    type (``~/describe_parameters``). An array not set is ``[]`` (its declared value), a
    scalar not set ``(not set)``; a byte array is its numbers 0..255.
    """
    from vjepa_ros.ros_values import ros_arg_value

    if value is None:
        return "[]" if type_code in _ARRAY_ITEM or type_code == BYTE_ARRAY else "(not set)"
    if isinstance(value, (list, tuple)):
        value = [item[0] if isinstance(item, (bytes, bytearray)) else item for item in value]
    elif isinstance(value, (bytes, bytearray)):
        value = list(value)
    return ros_arg_value(value)


def _scalar(name: str, text, type_code: int, typed: str, array: int | None = None):
    """Return one value ``text`` (a str, or an item of an ``array`` typed) as ``type_code``."""
    words = str(text).strip()
    what = f"item {words!r} of {typed!r}" if array else repr(typed)
    if type_code == STRING:
        return str(text)
    if type_code == BOOL and words.lower() in ("true", "false"):
        return words.lower() == "true"
    if type_code == INTEGER and _INTEGER.fullmatch(words):
        value = int(words, 10)
        if not INT64_MIN <= value <= INT64_MAX:
            raise UsageError(f"parameter {name} is {TYPE_NAMES[array or INTEGER]}: {what} is "
                             f"beyond the 64-bit range [{INT64_MIN}, {INT64_MAX}] a ROS integer "
                             "holds; give a whole number within it")
        return value
    if type_code == DOUBLE:
        try:
            value = float(words)
        except ValueError:
            pass
        else:
            if not math.isnan(value) or words.lower().lstrip("+-") == "nan":
                return value
    example = {BOOL: "true or false", INTEGER: "a whole number (e.g. 100)",
               DOUBLE: "a number (e.g. 0.05)"}[type_code]
    if array:
        raise UsageError(f"parameter {name} is {TYPE_NAMES[array]}: item {words!r} of {typed!r} "
                         f"is not {TYPE_NAMES[type_code]}; give each item as {example}")
    raise UsageError(f"parameter {name} is {TYPE_NAMES[type_code]}: {typed!r} is not one; give "
                     f"{example}")


def _array_items(name: str, text: str, type_code: int) -> list:
    """Return the items of ``[a, b, ...]`` ``text`` as YAML reads them (strings kept as typed)."""
    import yaml

    try:
        items = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar a str: typed by us
    except yaml.YAMLError:
        items = None
    if not isinstance(items, list) or any(isinstance(v, (list, dict)) for v in items):
        raise UsageError(f"parameter {name} is {TYPE_NAMES[type_code]}: {text!r} is not a list "
                         "of values; give it as '[a, b, c]' ('[]' for none)")
    return items
